// ADD, SUB, MUL, SQUARED_DIFFERENCE, DIV and PRELU with broadcasting: int8
// (and int16 but for DIV) in TFLite's fixed point; float and int32 as
// pointwise arithmetic (pointwise.h) where no kernel of their own exists.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "compiler/ops/op_util.h"
#include "compiler/ops/pointwise.h"

namespace kiln {
namespace {

enum class Binary { kAdd, kSub, kMul };

OpCode binary_opcode(Binary kind, Numerics numerics) {
  static constexpr OpCode kOpcodes[3][3] = {// int8, int16, float32
                                            {OpCode::ADD_S8, OpCode::ADD_S16, OpCode::ADD_F32},
                                            {OpCode::SUB_S8, OpCode::SUB_S16, OpCode::SUB_F32},
                                            {OpCode::MUL_S8, OpCode::MUL_S16, OpCode::MUL_F32}};
  return kOpcodes[static_cast<int>(kind)][static_cast<int>(numerics)];
}

// The target's ADD variant (no broadcasting), or false.
bool lower_packed_add(LowerContext& ctx, const ir::Op& op, const BinaryParams& p) {
  const ir::Tensor& in1 = ctx.input(op, 0);
  const ir::Tensor& in2 = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in1.elements() != out.elements() || in2.elements() != out.elements()) return false;
  // A negative multiplier (no valid model has one) stays with the reference.
  if (p.input1_multiplier < 0 || p.input2_multiplier < 0 || p.output_multiplier < 0) return false;
  PackedAddParams q{};
  q.size = static_cast<int32_t>(out.elements());
  q.input1_offset = p.input1_offset;
  q.input2_offset = p.input2_offset;
  q.output_offset = p.output_offset;
  q.left_shift = p.left_shift;
  q.input1 = fp::prepare_requant(p.input1_multiplier, p.input1_shift);
  q.input2 = fp::prepare_requant(p.input2_multiplier, p.input2_shift);
  q.output = fp::prepare_requant(p.output_multiplier, p.output_shift);
  q.act_min = p.act_min;
  q.act_max = p.act_max;
  // ADD_S8's variants take PackedAddParams; without one the reference runs.
  const OpCode opcode = choose_variant(ctx.target(), OpCode::ADD_S8, q);
  if (opcode == OpCode::ADD_S8) return false;
  const bool tabled = opcode == OpCode::ADD_S8_ARM_DSP || opcode == OpCode::ADD_S8_ARM_MVE;
  if (tabled && ctx.lean(op)) return false;  // 2 KB of tables: the reference instead
  if (!tabled) {
    ctx.emit(op, opcode, q, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
    return true;
  }
  // Each input byte shifted and rescaled exactly as the reference does it;
  // the Arm DSP variant's table adds the output's requantization.
  ArmDspAddTable table{};
  for (int32_t byte = 0; byte < 256; ++byte) {
    const int32_t value = static_cast<int8_t>(static_cast<uint8_t>(byte));
    table.inputs.rescaled[0][byte] = fp::multiply_by_quantized_multiplier(
        (p.input1_offset + value) * (1 << p.left_shift), p.input1_multiplier, p.input1_shift);
    table.inputs.rescaled[1][byte] = fp::multiply_by_quantized_multiplier(
        (p.input2_offset + value) * (1 << p.left_shift), p.input2_multiplier, p.input2_shift);
  }
  table.output = prepare_arm_dsp_requant(p.output_multiplier, p.output_shift, p.output_offset);
  const size_t size =
      opcode == OpCode::ADD_S8_ARM_DSP ? sizeof(ArmDspAddTable) : sizeof(AddRescaleTable);
  std::vector<uint8_t> bytes(size);
  std::memcpy(bytes.data(), &table, size);
  const int table_tensor = ctx.add_constant(out.name + "/rescale_table", KILN_DTYPE_INT32,
                                            {static_cast<int32_t>(size / 4)}, std::move(bytes));
  ctx.emit(op, opcode, q, {op.inputs[0], op.inputs[1], table_tensor}, {op.outputs[0]});
  return true;
}

void lower_binary(LowerContext& ctx, const ir::Op& op, Binary kind) {
  const ir::Tensor& in1 = ctx.input(op, 0);
  const ir::Tensor& in2 = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in1.dtype == KILN_DTYPE_INT32 || in1.dtype == KILN_DTYPE_INT64) {  // plain arithmetic
    static constexpr PointwiseOp kOps[] = {PointwiseOp::kAdd, PointwiseOp::kSub, PointwiseOp::kMul};
    ir::Op as_run = op;
    // TFLite Micro's int32 ADD ignores its fused activation (SUB and MUL
    // apply theirs); kiln gives the same results.
    if (kind == Binary::kAdd) as_run.attrs.activation = ir::Activation::kNone;
    lower_pointwise(ctx, as_run, kOps[static_cast<int>(kind)]);
    return;
  }
  const Numerics numerics = numerics_of(ctx, op, in1, out, Int16::kSupported);
  if (in2.dtype != in1.dtype) ctx.unsupported(op, "inputs of different types");

  BinaryParams p{};
  broadcast_dims<2>(ctx, op, out, {&in1, &in2}, p.out_dims, {p.in1_dims, p.in2_dims});
  const OpCode opcode = binary_opcode(kind, numerics);
  if (numerics == Numerics::kFloat32) {
    const FloatRange r = activation_range_f32(op.attrs.activation);
    p.act_min_f = r.min;
    p.act_max_f = r.max;
    ctx.emit(op, opcode, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
    return;
  }
  const double s1 = in1.quant.scale(), s2 = in2.quant.scale(), so = out.quant.scale();
  p.input1_offset = -in1.quant.zero_point();
  p.input2_offset = -in2.quant.zero_point();
  p.output_offset = out.quant.zero_point();
  if (kind != Binary::kMul) {
    // Both inputs go to a common scale (twice the larger) with 20 bits of
    // headroom for int8, 15 for int16.
    p.left_shift = numerics == Numerics::kInt16 ? 15 : 20;
    const double twice_max = 2 * std::max(s1, s2);
    const QuantizedMultiplier q1 = quantize_multiplier(s1 / twice_max);
    const QuantizedMultiplier q2 = quantize_multiplier(s2 / twice_max);
    const QuantizedMultiplier qo = quantize_multiplier(twice_max / ((1 << p.left_shift) * so));
    p.input1_multiplier = q1.multiplier;
    p.input1_shift = q1.shift;
    p.input2_multiplier = q2.multiplier;
    p.input2_shift = q2.shift;
    p.output_multiplier = qo.multiplier;
    p.output_shift = qo.shift;
  } else {
    const QuantizedMultiplier q = quantize_multiplier(s1 * s2 / so);
    p.output_multiplier = q.multiplier;
    p.output_shift = q.shift;
  }
  const IntRange r =
      activation_range(op.attrs.activation, out.quant.scale(), out.quant.zero_point(), out.dtype);
  p.act_min = r.min;
  p.act_max = r.max;
  if (kind == Binary::kAdd && numerics == Numerics::kInt8 && lower_packed_add(ctx, op, p)) return;
  ctx.emit(op, opcode, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

// SQUARED_DIFFERENCE of int8 and int16: ADD's common scale (left shift 7 for
// int8, none for int16), the output multiplier over the squared shift, formed
// in float as TFLite does.
void lower_squared_difference(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in1 = ctx.input(op, 0);
  const ir::Tensor& in2 = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if ((in1.dtype != KILN_DTYPE_INT8 && in1.dtype != KILN_DTYPE_INT16) || !in1.quant.present()) {
    lower_pointwise(ctx, op, PointwiseOp::kSquaredDifference);
    return;
  }
  const Numerics numerics = numerics_of(ctx, op, in1, out, Int16::kSupported);
  if (in2.dtype != in1.dtype || !in2.quant.present())
    ctx.unsupported(op, "inputs of different types");
  BinaryParams p{};
  broadcast_dims<2>(ctx, op, out, {&in1, &in2}, p.out_dims, {p.in1_dims, p.in2_dims});
  p.left_shift = numerics == Numerics::kInt16 ? 0 : 7;
  p.input1_offset = -in1.quant.zero_point();
  p.input2_offset = -in2.quant.zero_point();
  p.output_offset = out.quant.zero_point();
  const double twice_max =
      2.0 * static_cast<double>(std::max(in1.quant.scale(), in2.quant.scale()));
  const QuantizedMultiplier q1 = quantize_multiplier(in1.quant.scale() / twice_max);
  const QuantizedMultiplier q2 = quantize_multiplier(in2.quant.scale() / twice_max);
  const float shifted_out_scale = static_cast<float>(1 << (2 * p.left_shift)) * out.quant.scale();
  const QuantizedMultiplier qo =
      quantize_multiplier(twice_max * twice_max / static_cast<double>(shifted_out_scale));
  p.input1_multiplier = q1.multiplier;
  p.input1_shift = q1.shift;
  p.input2_multiplier = q2.multiplier;
  p.input2_shift = q2.shift;
  p.output_multiplier = qo.multiplier;
  p.output_shift = qo.shift;
  const IntRange r = value_range(out.dtype);
  p.act_min = r.min;
  p.act_max = r.max;
  ctx.emit(
      op,
      numerics == Numerics::kInt16 ? OpCode::SQUARED_DIFFERENCE_S16 : OpCode::SQUARED_DIFFERENCE_S8,
      p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

// DIV of int8: the scales' ratio formed in float, as TFLite does; float and
// int32 divide stored values.
void lower_div(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in1 = ctx.input(op, 0);
  const ir::Tensor& in2 = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in1.dtype != KILN_DTYPE_INT8) {
    lower_pointwise(ctx, op, PointwiseOp::kDiv);
    return;
  }
  numerics_of(ctx, op, in1, out);
  if (in2.dtype != in1.dtype || !in2.quant.present())
    ctx.unsupported(op, "inputs of different types");
  BinaryParams p{};
  broadcast_dims<2>(ctx, op, out, {&in1, &in2}, p.out_dims, {p.in1_dims, p.in2_dims});
  p.input1_offset = -in1.quant.zero_point();
  p.input2_offset = -in2.quant.zero_point();
  p.output_offset = out.quant.zero_point();
  const QuantizedMultiplier q = quantize_multiplier(
      static_cast<double>(in1.quant.scale() / (in2.quant.scale() * out.quant.scale())));
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  const IntRange r =
      activation_range(op.attrs.activation, out.quant.scale(), out.quant.zero_point(), out.dtype);
  p.act_min = r.min;
  p.act_max = r.max;
  ctx.emit(op, OpCode::DIV_S8, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

// PRELU: alpha (usually a constant of per-channel slopes) broadcast against
// the input; TFLite's two multipliers.
void lower_prelu(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& alpha = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  const kiln_dtype alpha_dtype =
      numerics == Numerics::kFloat32 ? KILN_DTYPE_FLOAT32 : KILN_DTYPE_INT8;
  if (alpha.dtype != alpha_dtype || (numerics != Numerics::kFloat32 && !alpha.quant.present())) {
    ctx.unsupported(op, fmt::format("alpha '{}' is {}; a {} PRELU takes a quantized {} alpha",
                                    alpha.name, ir::dtype_name(alpha.dtype),
                                    ir::dtype_name(in.dtype), ir::dtype_name(alpha_dtype)));
  }
  PreluParams p{};
  broadcast_dims<2>(ctx, op, out, {&in, &alpha}, p.out_dims, {p.in_dims, p.alpha_dims});
  static constexpr OpCode kOpcodes[] = {OpCode::PRELU_S8, OpCode::PRELU_S16, OpCode::PRELU_F32};
  if (numerics != Numerics::kFloat32) {
    p.input_offset = -in.quant.zero_point();
    p.alpha_offset = -alpha.quant.zero_point();
    p.output_offset = out.quant.zero_point();
    const double si = in.quant.scale(), sa = alpha.quant.scale(), so = out.quant.scale();
    const QuantizedMultiplier identity = quantize_multiplier(si / so);
    const QuantizedMultiplier slope = quantize_multiplier(si * sa / so);
    p.identity_multiplier = identity.multiplier;
    p.identity_shift = identity.shift;
    p.alpha_multiplier = slope.multiplier;
    p.alpha_shift = slope.shift;
  }
  ctx.emit(op, kOpcodes[static_cast<int>(numerics)], p, {op.inputs[0], op.inputs[1]},
           {op.outputs[0]});
}

}  // namespace

namespace {

// ADD, SUB, MUL and DIV: a fused activation, if the operator has options.
template <typename Options>
void read_binary(tflite_format::OperatorReader& r) {
  if (const Options* o = r.options_if_any<Options>())
    r.attrs().activation = r.activation(o->fused_activation_function());
}

tflite_format::WrittenOptions write_add(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateAddOptions(w.builder(), w.activation(w.attrs().activation)));
}
tflite_format::WrittenOptions write_sub(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateSubOptions(w.builder(), w.activation(w.attrs().activation)));
}
tflite_format::WrittenOptions write_div(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateDivOptions(w.builder(), w.activation(w.attrs().activation)));
}

tflite_format::WrittenOptions write_mul(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateMulOptions(w.builder(), w.activation(w.attrs().activation)));
}

}  // namespace

const OpRecord kAddRecord = {
    ir::OpKind::kAdd,
    OpTraits().all_data().fuses_activation().folds_qdq().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_ADD)
        .reads(read_binary<tflite::AddOptions>)
        .writes(write_add),
    [](LowerContext& c, const ir::Op& o) { lower_binary(c, o, Binary::kAdd); },
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Add", "Sum")};
const OpRecord kSubRecord = {
    ir::OpKind::kSub,
    OpTraits().all_data().fuses_activation().folds_qdq().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_SUB)
        .reads(read_binary<tflite::SubOptions>)
        .writes(write_sub),
    [](LowerContext& c, const ir::Op& o) { lower_binary(c, o, Binary::kSub); },
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Sub")};
const OpRecord kMulRecord = {
    ir::OpKind::kMul,
    OpTraits().all_data().fuses_activation().folds_qdq().reads_rows(RowAccess::kSameRow),
    TfliteForm(tflite::BuiltinOperator_MUL)
        .reads(read_binary<tflite::MulOptions>)
        .writes(write_mul),
    [](LowerContext& c, const ir::Op& o) { lower_binary(c, o, Binary::kMul); },
    nullptr,
    OnnxForm(OnnxPattern::kElementwise, "Mul")};

const OpRecord kDivRecord = {ir::OpKind::kDiv,
                             OpTraits().all_data().fuses_activation(),
                             TfliteForm(tflite::BuiltinOperator_DIV)
                                 .reads(read_binary<tflite::DivOptions>)
                                 .writes(write_div),
                             lower_div,
                             nullptr,
                             OnnxForm(OnnxPattern::kElementwise, "Div")};
const OpRecord kSquaredDifferenceRecord = {ir::OpKind::kSquaredDifference, OpTraits().all_data(),
                                           TfliteForm(tflite::BuiltinOperator_SQUARED_DIFFERENCE),
                                           lower_squared_difference, nullptr};
const OpRecord kPreluRecord = {ir::OpKind::kPrelu,
                               OpTraits().all_data(),
                               TfliteForm(tflite::BuiltinOperator_PRELU),
                               lower_prelu,
                               nullptr,
                               OnnxForm(OnnxPattern::kElementwise, "PRelu")};

}  // namespace kiln
