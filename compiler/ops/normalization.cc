// LOG_SOFTMAX and L2_NORMALIZATION over the innermost dim (kiln/ops/normalization.h);
// int8 with TFLite's fixed output quantizations and its Prepare's parameters.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The rows the op normalizes: the innermost dim and the count of the others.
template <typename Params>
void set_rows(LowerContext& ctx, const ir::Op& op, Params* p) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.shape.empty() || in.shape != out.shape) {
    ctx.invalid(op, fmt::format("input {} and output {} differ", ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
  p->depth = in.shape.back();
  p->outer = p->depth > 0 ? static_cast<int32_t>(in.elements() / p->depth) : 0;
}

void require_output(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out, float scale,
                    int32_t zero_point) {
  if (out.quant.scale() != scale || out.quant.zero_point() != zero_point) {
    ctx.unsupported(
        op, fmt::format("int8 output '{}' must have scale {} and zero point {} (has {} and {})",
                        out.name, scale, zero_point, out.quant.scale(), out.quant.zero_point()));
  }
}

void lower_log_softmax(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  LogSoftmaxParams p{};
  set_rows(ctx, op, &p);
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::LOG_SOFTMAX_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  require_output(ctx, op, out, 16.0f / 256, 127);
  // TFLite ignores beta here and scales by the input scale alone.
  const SoftmaxScaling scaling = softmax_scaling(1.0, in.quant.scale());
  const QuantizedMultiplier q = scaling.input;
  if (q.shift < 0) ctx.unsupported(op, "the input scale is too small");
  const QuantizedMultiplier reverse =
      quantize_multiplier(static_cast<double>(int64_t{1} << (31 - q.shift)) / q.multiplier);
  if (reverse.shift > 0) ctx.unsupported(op, "the input scale is too large");
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  p.reverse_scaling_divisor = reverse.multiplier;
  p.reverse_scaling_right_shift = -reverse.shift;
  p.diff_min = scaling.diff_min;
  ctx.emit(op, OpCode::LOG_SOFTMAX_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

void lower_l2_normalization(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  if (op.attrs.activation != ir::Activation::kNone)
    ctx.unsupported(op, "a fused activation (TFLite has none for L2_NORMALIZATION)");
  L2NormalizationParams p{};
  set_rows(ctx, op, &p);
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::L2_NORMALIZATION_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  require_output(ctx, op, out, 1.0f / 128, 0);
  p.input_zero_point = in.quant.zero_point();
  ctx.emit(op, OpCode::L2_NORMALIZATION_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

void read_l2_norm(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::L2NormOptions>())
    r.attrs().activation = r.activation(o->fused_activation_function());
}

tflite_format::WrittenOptions write_l2_norm(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateL2NormOptions(w.builder(), w.activation(w.attrs().activation)));
}

tflite_format::WrittenOptions write_log_softmax(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateLogSoftmaxOptions(w.builder()));
}

}  // namespace

const OpRecord kLogSoftmaxRecord = {
    ir::OpKind::kLogSoftmax,
    OpTraits().fixed_output(16.0f / 256, 127).folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_LOG_SOFTMAX).writes(write_log_softmax),
    lower_log_softmax,
    nullptr,
    OnnxForm(OnnxPattern::kAlongLastAxis, "LogSoftmax")};
const OpRecord kL2NormalizationRecord = {
    ir::OpKind::kL2Normalization, OpTraits().fixed_output(1.0f / 128, 0).folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_L2_NORMALIZATION).reads(read_l2_norm).writes(write_l2_norm),
    lower_l2_normalization, nullptr};

}  // namespace kiln
