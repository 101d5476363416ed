// Element-wise ops on stored values: MINIMUM, MAXIMUM, FLOOR_DIV, FLOOR_MOD, the comparisons, the
// logical ops, the float math functions, and SELECT_V2. One record each; all lower through
// lower_pointwise to the kernel of their element type.
#include "compiler/ops/pointwise.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "compiler/ops/lookup.h"
#include "compiler/ops/op_util.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/quantize.h"

namespace kiln {
namespace {

struct PointwiseKernel {
  kiln_dtype dtype;
  PointwiseType type;
  OpCode opcode;
};

constexpr PointwiseKernel kKernels[] = {
    {KILN_DTYPE_FLOAT32, PointwiseType::kF32, OpCode::POINTWISE_F32},
    {KILN_DTYPE_INT32, PointwiseType::kS32, OpCode::POINTWISE_S32},
    {KILN_DTYPE_INT64, PointwiseType::kS64, OpCode::POINTWISE_S64},
    {KILN_DTYPE_INT16, PointwiseType::kS16, OpCode::POINTWISE_S16},
    {KILN_DTYPE_INT8, PointwiseType::kS8, OpCode::POINTWISE_S8},
    {KILN_DTYPE_BOOL, PointwiseType::kBool, OpCode::POINTWISE_BOOL},
};

// TFLite's int32 activation ranges.
IntRange activation_range_s32(ir::Activation activation) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  switch (activation) {
    case ir::Activation::kRelu: return {0, kMax};
    case ir::Activation::kRelu6: return {0, 6};
    case ir::Activation::kReluN1To1: return {-1, 1};
    case ir::Activation::kNone: break;
  }
  return {std::numeric_limits<int32_t>::min(), kMax};
}

// Where TFLite compares int8 and int16 values: each input rescaled by its
// own scale after a left shift of 8.
void set_comparison_scaling(const ir::Tensor& in1, const ir::Tensor& in2, PointwiseParams* p) {
  p->left_shift = 8;
  const QuantizedMultiplier q1 = quantize_multiplier(in1.quant.scale());
  const QuantizedMultiplier q2 = quantize_multiplier(in2.quant.scale());
  p->input1_offset = -static_cast<int32_t>(in1.quant.zero_point());
  p->input1_multiplier = q1.multiplier;
  p->input1_shift = q1.shift;
  p->input2_offset = -static_cast<int32_t>(in2.quant.zero_point());
  p->input2_multiplier = q2.multiplier;
  p->input2_shift = q2.shift;
}

}  // namespace

void lower_pointwise(LowerContext& ctx, const ir::Op& op, PointwiseOp operation) {
  const int32_t code = static_cast<int32_t>(operation);
  const bool unary = pointwise_is_unary(code);
  const bool comparison = pointwise_is_comparison(code);
  const ir::Tensor& in1 = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const PointwiseKernel* kernel = nullptr;
  for (const PointwiseKernel& k : kKernels) {
    if (k.dtype == in1.dtype && pointwise_supports(k.type, code)) kernel = &k;
  }
  if (!kernel) {
    ctx.unsupported(
        op, fmt::format("{} input '{}' is not supported", ir::dtype_name(in1.dtype), in1.name));
  }
  const kiln_dtype out_type = comparison ? KILN_DTYPE_BOOL : in1.dtype;
  if (out.dtype != out_type) {
    ctx.invalid(op, fmt::format("output '{}' is {}, expected {}", out.name,
                                ir::dtype_name(out.dtype), ir::dtype_name(out_type)));
  }
  PointwiseParams p{};
  p.operation = code;
  std::vector<int> inputs = {op.inputs[0]};
  if (unary) {
    broadcast_dims<1>(ctx, op, out, {&in1}, p.out_dims, {p.in1_dims});
    if (in1.shape != out.shape) ctx.invalid(op, "output shape differs from the input's");
  } else {
    const ir::Tensor& in2 = ctx.input(op, 1);
    if (in2.dtype != in1.dtype) ctx.unsupported(op, "inputs of different types");
    broadcast_dims<2>(ctx, op, out, {&in1, &in2}, p.out_dims, {p.in1_dims, p.in2_dims});
    inputs.push_back(op.inputs[1]);
    const bool quantized = in1.dtype == KILN_DTYPE_INT8 || in1.dtype == KILN_DTYPE_INT16;
    if (quantized && comparison) {
      if (!in1.quant.present() || !in2.quant.present())
        ctx.invalid(op, "quantized inputs without quantization parameters");
      set_comparison_scaling(in1, in2, &p);
    } else if (quantized) {  // minimum, maximum: stored values, one quantization
      require_same_quantization(ctx, op, in1, in2);
      require_same_quantization(ctx, op, in1, out);
    }
  }
  const FloatRange f = activation_range_f32(op.attrs.activation);
  const IntRange i = activation_range_s32(op.attrs.activation);
  p.act_min_f = f.min;
  p.act_max_f = f.max;
  p.act_min = i.min;
  p.act_max = i.max;
  ctx.emit(op, kernel->opcode, p, inputs, {op.outputs[0]});
}

namespace {

template <PointwiseOp Operation>
void lower_as(LowerContext& ctx, const ir::Op& op) {
  lower_pointwise(ctx, op, Operation);
}

// ABS and RSQRT of quantized values: TFLite rescales |x - zero point| by the
// ratio of the scales (ABS, only when they differ) or takes its fixed-point
// inverse square root (RSQRT). int8 becomes a table, int16 a kernel.
void lower_quantized_unary(LowerContext& ctx, const ir::Op& op, PointwiseOp operation) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const bool quantized =
      (in.dtype == KILN_DTYPE_INT8 || in.dtype == KILN_DTYPE_INT16) && in.quant.present();
  if (!quantized) {
    lower_pointwise(ctx, op, operation);
    return;
  }
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  if (in.elements() != out.elements()) ctx.invalid(op, "output size differs from the input's");
  const bool rsqrt = operation == PointwiseOp::kRsqrt;
  const double in_scale = in.quant.scale(), out_scale = out.quant.scale();
  const QuantizedMultiplier q = quantize_multiplier(
      rsqrt ? 1.0 / (std::sqrt(in_scale) * out_scale)
            : (in.quant.scale() == out.quant.scale() ? 1.0 : in_scale / out_scale));
  const int32_t in_zero = in.quant.zero_point(), out_zero = out.quant.zero_point();
  if (numerics == Numerics::kInt16) {
    const QuantizeParams p{
        static_cast<int32_t>(in.elements()), 0.0f, in_zero, out_zero, q.multiplier, q.shift};
    ctx.emit(op, rsqrt ? OpCode::RSQRT_S16 : OpCode::ABS_S16, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  emit_lookup_s8(ctx, op, [&](int32_t x) {
    const int32_t v = x - in_zero;
    if (rsqrt) return fp::quantized_rsqrt(v, q.multiplier, q.shift, out_zero, -128, 127);
    return fp::requantize(v < 0 ? -v : v, q.multiplier, q.shift, out_zero, -128, 127);
  });
}

template <PointwiseOp Operation>
void lower_quantized_as(LowerContext& ctx, const ir::Op& op) {
  lower_quantized_unary(ctx, op, Operation);
}

// SELECT_V2 (and SELECT): condition, x, y broadcast to the output.
void lower_select(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& condition = ctx.input(op, 0);
  const ir::Tensor& x = ctx.input(op, 1);
  const ir::Tensor& y = ctx.input(op, 2);
  const ir::Tensor& out = ctx.output(op, 0);
  if (condition.dtype != KILN_DTYPE_BOOL)
    ctx.invalid(op, fmt::format("condition '{}' is not bool", condition.name));
  require_same_quantization(ctx, op, x, out);
  require_same_quantization(ctx, op, y, out);
  SelectParams p{};
  broadcast_dims<3>(ctx, op, out, {&condition, &x, &y}, p.out_dims,
                    {p.condition_dims, p.x_dims, p.y_dims});
  p.element_size = static_cast<int32_t>(kiln_dtype_size(out.dtype));
  ctx.emit(op, OpCode::SELECT, p, {op.inputs[0], op.inputs[1], op.inputs[2]}, {op.outputs[0]});
}

constexpr OpTraits kBinary = OpTraits().all_data();
constexpr OpTraits kUnary = OpTraits();

// `onnx`: the ONNX op type read as this kind (null: none); comparisons give bools.
constexpr OpRecord pointwise_record(ir::OpKind kind, OpTraits traits, int builtin,
                                    void (*lower)(LowerContext&, const ir::Op&),
                                    const char* onnx = nullptr,
                                    OnnxResult result = OnnxResult::kLikeFirst) {
  return {kind,
          traits,
          TfliteForm(builtin),
          lower,
          nullptr,
          onnx ? OnnxForm(OnnxPattern::kElementwise, onnx).result_like(result) : OnnxForm()};
}

// ONNX's Mod is Python's (floor) modulo unless fmod=1.
void read_onnx_mod(const OnnxNodeAttributes& node, ir::OpAttrs&) {
  if (node.attr_int("fmod", 0) != 0)
    node.unsupported("fmod=1 (C's remainder; kiln has the floor modulo of fmod=0)");
}

}  // namespace

using tflite::BuiltinOperator;

const OpRecord kMinimumRecord =
    pointwise_record(ir::OpKind::kMinimum, kBinary.same_quantization_as_input().folds_qdq(),
                     tflite::BuiltinOperator_MINIMUM, lower_as<PointwiseOp::kMinimum>, "Min");
const OpRecord kMaximumRecord =
    pointwise_record(ir::OpKind::kMaximum, kBinary.same_quantization_as_input().folds_qdq(),
                     tflite::BuiltinOperator_MAXIMUM, lower_as<PointwiseOp::kMaximum>, "Max");
const OpRecord kFloorDivRecord =
    pointwise_record(ir::OpKind::kFloorDiv, kBinary, tflite::BuiltinOperator_FLOOR_DIV,
                     lower_as<PointwiseOp::kFloorDiv>);
const OpRecord kFloorModRecord = {ir::OpKind::kFloorMod,
                                  kBinary,
                                  TfliteForm(tflite::BuiltinOperator_FLOOR_MOD),
                                  lower_as<PointwiseOp::kFloorMod>,
                                  nullptr,
                                  OnnxForm(OnnxPattern::kElementwise, "Mod").reads(read_onnx_mod)};
const OpRecord kLogicalAndRecord =
    pointwise_record(ir::OpKind::kLogicalAnd, kBinary, tflite::BuiltinOperator_LOGICAL_AND,
                     lower_as<PointwiseOp::kLogicalAnd>, "And", OnnxResult::kBool);
const OpRecord kLogicalOrRecord =
    pointwise_record(ir::OpKind::kLogicalOr, kBinary, tflite::BuiltinOperator_LOGICAL_OR,
                     lower_as<PointwiseOp::kLogicalOr>, "Or", OnnxResult::kBool);
const OpRecord kEqualRecord =
    pointwise_record(ir::OpKind::kEqual, kBinary, tflite::BuiltinOperator_EQUAL,
                     lower_as<PointwiseOp::kEqual>, "Equal", OnnxResult::kBool);
const OpRecord kNotEqualRecord =
    pointwise_record(ir::OpKind::kNotEqual, kBinary, tflite::BuiltinOperator_NOT_EQUAL,
                     lower_as<PointwiseOp::kNotEqual>);
const OpRecord kLessRecord =
    pointwise_record(ir::OpKind::kLess, kBinary, tflite::BuiltinOperator_LESS,
                     lower_as<PointwiseOp::kLess>, "Less", OnnxResult::kBool);
const OpRecord kLessEqualRecord =
    pointwise_record(ir::OpKind::kLessEqual, kBinary, tflite::BuiltinOperator_LESS_EQUAL,
                     lower_as<PointwiseOp::kLessEqual>, "LessOrEqual", OnnxResult::kBool);
const OpRecord kGreaterRecord =
    pointwise_record(ir::OpKind::kGreater, kBinary, tflite::BuiltinOperator_GREATER,
                     lower_as<PointwiseOp::kGreater>, "Greater", OnnxResult::kBool);
const OpRecord kGreaterEqualRecord =
    pointwise_record(ir::OpKind::kGreaterEqual, kBinary, tflite::BuiltinOperator_GREATER_EQUAL,
                     lower_as<PointwiseOp::kGreaterEqual>, "GreaterOrEqual", OnnxResult::kBool);
const OpRecord kLogicalNotRecord =
    pointwise_record(ir::OpKind::kLogicalNot, kUnary, tflite::BuiltinOperator_LOGICAL_NOT,
                     lower_as<PointwiseOp::kLogicalNot>, "Not");
const OpRecord kAbsRecord = pointwise_record(ir::OpKind::kAbs, kUnary, tflite::BuiltinOperator_ABS,
                                             lower_quantized_as<PointwiseOp::kAbs>, "Abs");
const OpRecord kNegRecord = pointwise_record(ir::OpKind::kNeg, kUnary, tflite::BuiltinOperator_NEG,
                                             lower_as<PointwiseOp::kNeg>, "Neg");
const OpRecord kExpRecord = pointwise_record(ir::OpKind::kExp, kUnary, tflite::BuiltinOperator_EXP,
                                             lower_as<PointwiseOp::kExp>, "Exp");
const OpRecord kLogRecord = pointwise_record(ir::OpKind::kLog, kUnary, tflite::BuiltinOperator_LOG,
                                             lower_as<PointwiseOp::kLog>, "Log");
const OpRecord kSqrtRecord = pointwise_record(
    ir::OpKind::kSqrt, kUnary, tflite::BuiltinOperator_SQRT, lower_as<PointwiseOp::kSqrt>, "Sqrt");
const OpRecord kRsqrtRecord =
    pointwise_record(ir::OpKind::kRsqrt, kUnary, tflite::BuiltinOperator_RSQRT,
                     lower_quantized_as<PointwiseOp::kRsqrt>);
const OpRecord kSquareRecord = pointwise_record(
    ir::OpKind::kSquare, kUnary, tflite::BuiltinOperator_SQUARE, lower_as<PointwiseOp::kSquare>);
const OpRecord kFloorRecord =
    pointwise_record(ir::OpKind::kFloor, kUnary, tflite::BuiltinOperator_FLOOR,
                     lower_as<PointwiseOp::kFloor>, "Floor");
const OpRecord kCeilRecord = pointwise_record(
    ir::OpKind::kCeil, kUnary, tflite::BuiltinOperator_CEIL, lower_as<PointwiseOp::kCeil>, "Ceil");
const OpRecord kRoundRecord =
    pointwise_record(ir::OpKind::kRound, kUnary, tflite::BuiltinOperator_ROUND,
                     lower_as<PointwiseOp::kRound>, "Round");
const OpRecord kSinRecord = pointwise_record(ir::OpKind::kSin, kUnary, tflite::BuiltinOperator_SIN,
                                             lower_as<PointwiseOp::kSin>, "Sin");
const OpRecord kCosRecord = pointwise_record(ir::OpKind::kCos, kUnary, tflite::BuiltinOperator_COS,
                                             lower_as<PointwiseOp::kCos>, "Cos");
const OpRecord kSelectRecord = {
    ir::OpKind::kSelect,
    OpTraits().all_data().same_quantization_as_input(),
    TfliteForm(tflite::BuiltinOperator_SELECT_V2, tflite::BuiltinOperator_SELECT),
    lower_select,
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Where").result_like(OnnxResult::kLikeLast)};

}  // namespace kiln
