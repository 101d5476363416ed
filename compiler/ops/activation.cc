// SOFTMAX and the element-wise activations: LOGISTIC, TANH, CLAMP,
// LEAKY_RELU, HARD_SWISH, ELU, GELU.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "compiler/numerics/int16_table.h"
#include "compiler/ops/lookup.h"
#include "compiler/ops/op_util.h"
#include "compiler/ops/pointwise.h"
#include "kiln/fixed_point.h"

namespace kiln {
namespace {

// int8 SOFTMAX and LOGISTIC outputs are fixed at scale 1/256, zero point
// -128; TANH's at 1/128, 0; int16 SOFTMAX's at 1/32768, 0 (from int8
// inputs 1/65536, -32768).
void require_output_quantization(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out,
                                 float scale, int32_t zero_point) {
  if (out.quant.scale() != scale || out.quant.zero_point() != zero_point) {
    ctx.unsupported(
        op, fmt::format("{} output '{}' must have scale {} and zero point {} (has {} and {})",
                        ir::dtype_name(out.dtype), out.name, scale, zero_point, out.quant.scale(),
                        out.quant.zero_point()));
  }
}

void require_unit_output(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out) {
  require_output_quantization(ctx, op, out, 1.0f / 256, -128);
}

void require_same_size(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in,
                       const ir::Tensor& out) {
  if (in.elements() != out.elements()) {
    ctx.invalid(op, fmt::format("input {} and output {} differ in size", ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
}

// int16 SOFTMAX: TFLite's exp and 1/(1+x) tables as constants, the input
// rescaled so that a difference of -10 reaches the bottom of the int16 range.
void lower_softmax_s16(LowerContext& ctx, const ir::Op& op, SoftmaxParams p) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_output_quantization(ctx, op, out, 1.0f / 32768, 0);
  const QuantizedMultiplier q =
      quantize_multiplier(static_cast<double>(in.quant.scale()) *
                          static_cast<double>(op.attrs.beta) / (10.0 / 65535.0));
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  constexpr float kRange = 65535.0f;
  auto table = [&](const char* name, float scale, int32_t zero_point, float (*f)(float)) {
    const std::vector<int16_t> values = int16_table(scale, zero_point, 2.0f / kRange, 0, f);
    std::vector<uint8_t> bytes(values.size() * sizeof(int16_t));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return ctx.add_constant(fmt::format("{}/{}", out.name, name), KILN_DTYPE_INT16,
                            {static_cast<int32_t>(values.size())}, std::move(bytes));
  };
  const int exp_table =
      table("exp_table", 10.0f / kRange, INT16_MAX, [](float v) { return std::exp(v); });
  const int reciprocal_table = table("reciprocal_table", 1.0f / kRange, INT16_MIN,
                                     [](float v) { return 1.0f / (1.0f + v); });
  ctx.emit(op, OpCode::SOFTMAX_S16, p, {op.inputs[0], exp_table, reciprocal_table},
           {op.outputs[0]});
}

void lower_softmax(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  // int8 into int16 is TFLite's int8 arithmetic with a wider output.
  const bool int8_to_int16 = in.dtype == KILN_DTYPE_INT8 && out.dtype == KILN_DTYPE_INT16;
  const Numerics numerics =
      int8_to_int16 ? Numerics::kInt8 : numerics_of(ctx, op, in, out, Int16::kSupported);
  if (in.shape.empty() || in.shape != out.shape) {
    ctx.invalid(op, fmt::format("input {} and output {} differ", ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
  SoftmaxParams p{};
  p.depth = in.shape.back();
  p.outer = p.depth > 0 ? static_cast<int32_t>(in.elements() / p.depth) : 0;
  p.beta = op.attrs.beta;
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::SOFTMAX_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  if (numerics == Numerics::kInt16) {
    lower_softmax_s16(ctx, op, p);
    return;
  }
  if (int8_to_int16) {
    if (!in.quant.present()) ctx.invalid(op, "int8 input without quantization parameters");
    require_output_quantization(ctx, op, out, 1.0f / 65536, -32768);
  } else {
    require_unit_output(ctx, op, out);
  }
  const SoftmaxScaling scaling = softmax_scaling(op.attrs.beta, in.quant.scale());
  if (scaling.input.shift < 0) ctx.unsupported(op, "softmax input scale times beta is too small");
  p.input_multiplier = scaling.input.multiplier;
  p.input_left_shift = scaling.input.shift;
  p.diff_min = scaling.diff_min;
  ctx.emit(op, int8_to_int16 ? OpCode::SOFTMAX_S8_S16 : OpCode::SOFTMAX_S8, p, {op.inputs[0]},
           {op.outputs[0]});
}

// LOGISTIC and TANH: int8 rescales the input to Q4 (TFLite's prepare for both).
// int16 LOGISTIC and TANH as TFLite prepares them: a power-of-two input
// scale whose shift is 0 (TANH: or 1) needs no rescale; any other scale is
// rescaled to steps of 1/(3 x 4096) with a 15-bit multiplier.
void lower_sigmoid_like_s16(LowerContext& ctx, const ir::Op& op, bool tanh, LogisticParams p) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  int exponent = 0;
  if (!checked_log2(out.quant.scale(), &exponent) || exponent != -15) {
    ctx.unsupported(op, fmt::format("int16 output scale {} is not 2^-15", out.quant.scale()));
  }
  constexpr int kInputIntegerBits = 3;
  const bool pot = checked_log2(in.quant.scale(), &exponent);
  const int shift = (15 - kInputIntegerBits) + exponent;
  if (pot && (shift == 0 || (tanh && shift == 1))) {
    p.input_multiplier = 3 << shift;
    p.input_left_shift = 0;
  } else {
    double multiplier = static_cast<double>(in.quant.scale()) * 4096.0 * 3.0;
    p.input_left_shift = 0;
    while (multiplier <= 32767.0 / 2.0 && p.input_left_shift <= 30) {
      ++p.input_left_shift;
      multiplier *= 2.0;
    }
    if (multiplier > 32767.0 || p.input_left_shift > 30) {
      ctx.unsupported(op, fmt::format("int16 input scale {} is out of range", in.quant.scale()));
    }
    p.input_multiplier = static_cast<int32_t>(multiplier);
  }
  const int table_tensor = add_sigmoid_table(ctx, out.name + "/sigmoid_table");
  ctx.emit(op, tanh ? OpCode::TANH_S16 : OpCode::LOGISTIC_S16, p, {op.inputs[0], table_tensor},
           {op.outputs[0]});
}

void lower_sigmoid_like(LowerContext& ctx, const ir::Op& op, bool tanh) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  require_same_size(ctx, op, in, out);
  LogisticParams p{};
  p.size = static_cast<int32_t>(in.elements());
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, tanh ? OpCode::TANH_F32 : OpCode::LOGISTIC_F32, p, {op.inputs[0]},
             {op.outputs[0]});
    return;
  }
  if (numerics == Numerics::kInt16) {
    lower_sigmoid_like_s16(ctx, op, tanh, p);
    return;
  }
  if (tanh) {
    require_output_quantization(ctx, op, out, 1.0f / 128, 0);
  } else {
    require_unit_output(ctx, op, out);
  }
  constexpr int kInputIntegerBits = 4;
  const QuantizedMultiplier q = quantize_multiplier(
      static_cast<double>(in.quant.scale()) * static_cast<double>(1 << (31 - kInputIntegerBits)));
  if (q.shift < 0) ctx.unsupported(op, fmt::format("{} input scale is too small", op.type_name));
  p.input_zero_point = in.quant.zero_point();
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  p.input_range_radius = input_radius(kInputIntegerBits, q.shift);
  ctx.emit(op, tanh ? OpCode::TANH_S8 : OpCode::LOGISTIC_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

// CLAMP: int8 is TFLite's quantized RELU (rescale, then clamp to the bounds
// quantized with the output's parameters).
void lower_clamp(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  const OpCode opcode = numerics == Numerics::kInt16 ? OpCode::CLAMP_S16 : OpCode::CLAMP_S8;
  const IntRange values = value_range(in.dtype);
  require_same_size(ctx, op, in, out);
  const ir::OpAttrs& a = op.attrs;
  ClampParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.lo = a.clamp_min;
  p.hi = a.clamp_max;
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::CLAMP_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  if (a.clamp_in_input_quantization) {
    // TFLM's RELU6: the input's bytes clamped to its own quantization of the
    // bounds (FloatToQuantizedType: float division, rounding half away).
    const QuantizedMultiplier identity = quantize_multiplier(1.0);
    p.input_zero_point = p.output_zero_point = in.quant.zero_point();
    p.multiplier = identity.multiplier;
    p.shift = identity.shift;
    auto bound = [&](float v) {
      const int32_t q =
          static_cast<int32_t>(std::round(v / in.quant.scale())) + in.quant.zero_point();
      return std::clamp(q, values.min, values.max);
    };
    p.act_min = std::isfinite(a.clamp_min) ? bound(a.clamp_min) : values.min;
    p.act_max = std::isfinite(a.clamp_max) ? bound(a.clamp_max) : values.max;
    ctx.emit(op, opcode, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  const IntRange r =
      clamp_range(a.clamp_min, a.clamp_max, out.quant.scale(), out.quant.zero_point(), out.dtype);
  if (r.min > r.max) {
    ctx.unsupported(op, fmt::format("bounds [{}, {}] hold no value of output '{}'", a.clamp_min,
                                    a.clamp_max, out.name));
  }
  p.act_min = r.min;
  p.act_max = r.max;
  ctx.emit(op, opcode, p, {op.inputs[0]}, {op.outputs[0]});
}

void lower_leaky_relu(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  require_same_size(ctx, op, in, out);
  LeakyReluParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.alpha = op.attrs.alpha;
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::LEAKY_RELU_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  // TFLM forms both ratios in float before widening them (in double, one in
  // a few thousand int16 values lands one step off).
  const QuantizedMultiplier identity =
      quantize_multiplier(static_cast<double>(in.quant.scale() / out.quant.scale()));
  const QuantizedMultiplier alpha = quantize_multiplier(
      static_cast<double>(in.quant.scale() * op.attrs.alpha / out.quant.scale()));
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.identity_multiplier = identity.multiplier;
  p.identity_shift = identity.shift;
  p.alpha_multiplier = alpha.multiplier;
  p.alpha_shift = alpha.shift;
  ctx.emit(op, numerics == Numerics::kInt16 ? OpCode::LEAKY_RELU_S16 : OpCode::LEAKY_RELU_S8, p,
           {op.inputs[0]}, {op.outputs[0]});
}

// TFLite's int16 helpers of its int8 HARD_SWISH.
int32_t saturating_rounding_doubling_high_mul_16(int32_t a, int32_t b) {
  if (a == -32768 && b == -32768) return 32767;
  const int32_t product = a * b;
  return (product + (product >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15);
}

int32_t saturating_left_shift_16(int32_t a, int n) {
  return static_cast<int32_t>(std::clamp<int64_t>(int64_t{a} * (int64_t{1} << n), -32768, 32767));
}

// A Q31 multiplier rounded to Q15.
int32_t q15_multiplier(int32_t multiplier) {
  return multiplier >= INT32_MAX - 32768 ? 32767 : (multiplier + 32768) >> 16;
}

// HARD_SWISH: float directly; int8 as a table of TFLite's int16 arithmetic:
// the input in a 2^-7-finer scale, a "reluish" factor relu6(x + 3) / 6 mapped
// to [0, 1) in Q15, and their product (truncated) rescaled to the output.
void lower_hard_swish(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_size(ctx, op, in, out);
  if (numerics_of(ctx, op, in, out) == Numerics::kFloat32) {
    HardSwishParams p{static_cast<int32_t>(in.elements())};
    ctx.emit(op, OpCode::HARD_SWISH_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  const float high_res_scale = (1.0f / 128.0f) * in.quant.scale();
  const QuantizedMultiplier output =
      quantize_multiplier(static_cast<double>(high_res_scale / out.quant.scale()));
  const QuantizedMultiplier reluish =
      quantize_multiplier(static_cast<double>(high_res_scale / (3.0f / 32768.0f)));
  if (output.shift > 0) ctx.unsupported(op, "the output scale is below 1/128 of the input scale");
  const int32_t output_multiplier = q15_multiplier(output.multiplier);
  const int32_t reluish_multiplier = q15_multiplier(reluish.multiplier);
  const int32_t in_zero = in.quant.zero_point(), out_zero = out.quant.zero_point();
  emit_lookup_s8(ctx, op, [&](int32_t x) {
    const int32_t high_res = (x - in_zero) * 128;
    const int32_t preshift = saturating_rounding_doubling_high_mul_16(high_res, output_multiplier);
    int32_t factor = high_res;
    if (reluish.shift > 0) factor = saturating_left_shift_16(factor, reluish.shift - 1);
    factor = saturating_rounding_doubling_high_mul_16(factor, reluish_multiplier);
    if (reluish.shift > 0) factor = saturating_left_shift_16(factor, 1);
    if (reluish.shift < 0) factor = fp::rounding_divide_by_pot(factor, -reluish.shift);
    factor = (factor + 32768) >> 1;  // [-1, 1] to [0, 1] in Q15
    const int32_t product =
        factor == -32768 && preshift == -32768
            ? 32767
            : static_cast<int32_t>(static_cast<int16_t>(factor * preshift / 32768));
    return fp::rounding_divide_by_pot(product, -output.shift) + out_zero;
  });
}

// ELU: float as exp(x) - 1 below zero; int8 as TFLM's table, whose entries
// are computed in float (dequantize, transform, round half away, requantize).
void lower_elu(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (numerics_of(ctx, op, in, out) == Numerics::kFloat32) {
    lower_pointwise(ctx, op, PointwiseOp::kElu);
    return;
  }
  const float in_scale = in.quant.scale(), inverse_out_scale = 1.0f / out.quant.scale();
  const int32_t in_zero = in.quant.zero_point(), out_zero = out.quant.zero_point();
  emit_lookup_s8(ctx, op, [&](int32_t x) {
    const float value = in_scale * static_cast<float>(x - in_zero);
    const float elu = value < 0.0f ? std::exp(value) - 1.0f : value;
    return static_cast<int32_t>(std::round(elu * inverse_out_scale)) + out_zero;
  });
}

// GELU: float computes it; int8 is TFLite's table of the float function of
// each dequantized value, rounded to the output's scale.
void lower_gelu(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const bool approximate = op.attrs.approximate;
  if (numerics_of(ctx, op, in, out) == Numerics::kFloat32) {
    lower_pointwise(ctx, op, approximate ? PointwiseOp::kGeluTanh : PointwiseOp::kGelu);
    return;
  }
  const float in_scale = in.quant.scale(), inverse_out_scale = 1.0f / out.quant.scale();
  const int32_t in_zero = in.quant.zero_point(), out_zero = out.quant.zero_point();
  emit_lookup_s8(ctx, op, [&](int32_t x) {
    const float v = in_scale * static_cast<float>(x - in_zero);
    const float gelu =
        approximate
            ? 0.5f * v * (1.0f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)))
            : 0.5f * v * std::erfc(v * -0.70710678118654752f);
    return static_cast<int32_t>(std::round(gelu * inverse_out_scale)) + out_zero;
  });
}

}  // namespace

namespace {

void read_softmax(tflite_format::OperatorReader& r) {
  r.attrs().beta = r.options<tflite::SoftmaxOptions>().beta();
}

tflite_format::WrittenOptions write_softmax(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateSoftmaxOptions(w.builder(), w.attrs().beta));
}

// RELU, RELU6 and RELU_N1_TO_1 are clamps to their bounds.
void read_relu(tflite_format::OperatorReader& r) {
  ir::OpAttrs& a = r.attrs();
  a.clamp_min = r.builtin() == tflite::BuiltinOperator_RELU_N1_TO_1 ? -1.0f : 0.0f;
  if (r.builtin() == tflite::BuiltinOperator_RELU6) {
    a.clamp_max = 6.0f;
    a.clamp_in_input_quantization = true;
  }
  if (r.builtin() == tflite::BuiltinOperator_RELU_N1_TO_1) a.clamp_max = 1.0f;
}

// The ReLU a clamp is; TFLite has no other bounds (-1: none).
int relu_builtin(const ir::Op& op) {
  const float lo = op.attrs.clamp_min, hi = op.attrs.clamp_max;
  if (lo == 0.0f && std::isinf(hi) && hi > 0) return tflite::BuiltinOperator_RELU;
  if (lo == 0.0f && hi == 6.0f) return tflite::BuiltinOperator_RELU6;
  if (lo == -1.0f && hi == 1.0f) return tflite::BuiltinOperator_RELU_N1_TO_1;
  return -1;
}

void read_leaky_relu(tflite_format::OperatorReader& r) {
  r.attrs().alpha = r.options<tflite::LeakyReluOptions>().alpha();
}

tflite_format::WrittenOptions write_leaky_relu(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateLeakyReluOptions(w.builder(), w.attrs().alpha));
}

void read_gelu(tflite_format::OperatorReader& r) {
  const tflite::GeluOptions* o = r.options_if_any<tflite::GeluOptions>();
  r.attrs().approximate = o != nullptr && o->approximate();
}

tflite_format::WrittenOptions write_gelu(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateGeluOptions(w.builder(), w.attrs().approximate));
}

// ONNX's Gelu (opset 20): approximate "none" or "tanh".
void read_onnx_gelu(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  const std::string mode = node.attr_string("approximate", "none");
  if (mode != "none" && mode != "tanh") node.invalid(fmt::format("approximate '{}'", mode));
  a.approximate = mode == "tanh";
}

tflite_format::WrittenOptions write_hard_swish(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateHardSwishOptions(w.builder()));
}

// ONNX: Relu is a clamp at 0; Clip's bounds are attributes before opset 11,
// optional constant inputs from it. A lower bound above the upper gives the
// upper bound everywhere.
void read_onnx_clamp(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  if (node.op_type() == "Relu") {
    a.clamp_min = 0.0f;
    return;
  }
  if (node.opset() < 11) {
    a.clamp_min = node.attr_float("min", -std::numeric_limits<float>::infinity());
    a.clamp_max = node.attr_float("max", std::numeric_limits<float>::infinity());
  } else {
    if (node.has_input(1)) a.clamp_min = node.float_values(1, "min").at(0);
    if (node.has_input(2)) a.clamp_max = node.float_values(2, "max").at(0);
  }
  if (a.clamp_min > a.clamp_max) a.clamp_min = a.clamp_max;
}

void read_onnx_leaky_relu(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  a.alpha = node.attr_float("alpha", 0.01f);
}

// TFLite's ELU has alpha 1.
void read_onnx_elu(const OnnxNodeAttributes& node, ir::OpAttrs&) {
  const float alpha = node.attr_float("alpha", 1.0f);
  if (alpha != 1.0f) node.unsupported(fmt::format("alpha {} (kiln's ELU has alpha 1)", alpha));
}

}  // namespace

const OpRecord kSoftmaxRecord = {
    ir::OpKind::kSoftmax,
    OpTraits().fixed_output(1.0f / 256, -128).folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_SOFTMAX).reads(read_softmax).writes(write_softmax),
    lower_softmax,
    nullptr,
    OnnxForm(OnnxPattern::kAlongLastAxis, "Softmax")};
const OpRecord kLogisticRecord = {
    ir::OpKind::kLogistic,
    OpTraits().fixed_output(1.0f / 256, -128).folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_LOGISTIC),
    [](LowerContext& c, const ir::Op& o) { lower_sigmoid_like(c, o, false); },
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Sigmoid")};
const OpRecord kTanhRecord = {
    ir::OpKind::kTanh,
    OpTraits().fixed_output(1.0f / 128, 0).folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_TANH),
    [](LowerContext& c, const ir::Op& o) { lower_sigmoid_like(c, o, true); },
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Tanh")};
const OpRecord kClampRecord = {
    ir::OpKind::kClamp,
    OpTraits().folds_qdq().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_RELU, tflite::BuiltinOperator_RELU6,
               tflite::BuiltinOperator_RELU_N1_TO_1)
        .reads(read_relu)
        .written_as(relu_builtin),
    lower_clamp,
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Relu", "Clip").with_operands(1).reads(read_onnx_clamp)};
const OpRecord kLeakyReluRecord = {
    ir::OpKind::kLeakyRelu,
    OpTraits().folds_qdq().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_LEAKY_RELU).reads(read_leaky_relu).writes(write_leaky_relu),
    lower_leaky_relu,
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "LeakyRelu").reads(read_onnx_leaky_relu)};
const OpRecord kHardSwishRecord = {
    ir::OpKind::kHardSwish,
    OpTraits().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_HARD_SWISH).writes(write_hard_swish),
    lower_hard_swish,
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "HardSwish")};
const OpRecord kEluRecord = {
    ir::OpKind::kElu, OpTraits(), TfliteForm(tflite::BuiltinOperator_ELU),
    lower_elu,        nullptr,    OnnxForm(OnnxPattern::kElementwise, "Elu").reads(read_onnx_elu)};

const OpRecord kGeluRecord = {
    ir::OpKind::kGelu,
    OpTraits().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_GELU).reads(read_gelu).writes(write_gelu),
    lower_gelu,
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Gelu").reads(read_onnx_gelu)};

}  // namespace kiln
