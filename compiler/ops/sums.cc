// ADD_N and CUMSUM (kiln/ops/sums.h): float, and int8 in TFLite's fixed
// point with one quantization for every input.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// TFLite's int8 sums: values less the zero point shifted left by 20 and
// halved, the sum rescaled by 2 * input scale / (2^20 * output scale).
SumQuantization sum_quantization(const ir::Tensor& in, const ir::Tensor& out) {
  const double twice_input_scale = 2.0 * static_cast<double>(in.quant.scale());
  const QuantizedMultiplier q = quantize_multiplier(
      twice_input_scale / (static_cast<double>(1 << 20) * static_cast<double>(out.quant.scale())));
  return {-in.quant.zero_point(), out.quant.zero_point(), q.multiplier, q.shift};
}

void lower_add_n(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& first = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, first, out);
  for (size_t i = 1; i < op.inputs.size(); ++i) {
    const ir::Tensor& in = ctx.input(op, i);
    if (in.shape != first.shape || in.dtype != first.dtype)
      ctx.invalid(
          op, fmt::format("input '{}' differs from '{}' in shape or type", in.name, first.name));
    if (numerics == Numerics::kInt8) require_same_quantization(ctx, op, first, in);
  }
  if (out.shape != first.shape) ctx.invalid(op, "the output's shape differs from the inputs'");
  AddNParams p{};
  p.size = static_cast<int32_t>(out.elements());
  if (numerics == Numerics::kInt8) {
    if (op.inputs.size() > static_cast<size_t>(kMaxOperands)) {
      ctx.unsupported(op, fmt::format("{} int8 inputs; one int8 sum takes at most {}",
                                      op.inputs.size(), kMaxOperands));
    }
    p.num_inputs = static_cast<int32_t>(op.inputs.size());
    p.q = sum_quantization(first, out);
    ctx.emit(op, OpCode::ADD_N_S8, p, op.inputs, {op.outputs[0]});
    return;
  }
  // Float: the sum in input order, carried from one call to the next
  // through a scratch when there are more inputs than one call takes.
  int partial = -1;
  for (size_t next = 0; next < op.inputs.size();) {
    std::vector<int> inputs;
    if (partial >= 0) inputs.push_back(partial);
    while (next < op.inputs.size() && inputs.size() < static_cast<size_t>(kMaxOperands))
      inputs.push_back(op.inputs[next++]);
    const int destination =
        next == op.inputs.size()
            ? op.outputs[0]
            : ctx.add_scratch(fmt::format("{}/partial{}", out.name, next), out.dtype, out.shape);
    p.num_inputs = static_cast<int32_t>(inputs.size());
    ctx.emit(op, OpCode::ADD_N_F32, p, inputs, {destination});
    partial = destination;
  }
}

void lower_cumsum(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  if (in.shape != out.shape) ctx.invalid(op, "the output's shape differs from the input's");
  const std::vector<int64_t> axis = constant_integers(ctx, op, 1, "axis");
  if (axis.size() != 1) ctx.invalid(op, "axis must hold one value");
  const size_t a = normalized_axis(ctx, op, axis[0], in.shape.size());
  CumsumParams p{1, in.shape[a], 1, op.attrs.exclusive, op.attrs.reverse, {}};
  for (size_t d = 0; d < a; ++d) p.outer *= in.shape[d];
  for (size_t d = a + 1; d < in.shape.size(); ++d) p.inner *= in.shape[d];
  if (numerics == Numerics::kInt8) {
    p.q = sum_quantization(in, out);
    ctx.emit(op, OpCode::CUMSUM_S8, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  ctx.emit(op, OpCode::CUMSUM_F32, p, {op.inputs[0]}, {op.outputs[0]});
}

void read_cumsum(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::CumsumOptions>()) {
    r.attrs().exclusive = o->exclusive();
    r.attrs().reverse = o->reverse();
  }
}

tflite_format::WrittenOptions write_cumsum(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateCumsumOptions(w.builder(), w.attrs().exclusive, w.attrs().reverse));
}

// ONNX's CumSum reads its axis as input 1, as kiln's op does.
void read_onnx_cumsum(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  a.exclusive = node.attr_int("exclusive", 0) != 0;
  a.reverse = node.attr_int("reverse", 0) != 0;
}

}  // namespace

const OpRecord kAddNRecord = {ir::OpKind::kAddN, OpTraits().all_data(),
                              TfliteForm(tflite::BuiltinOperator_ADD_N), lower_add_n, nullptr};
const OpRecord kCumsumRecord = {
    ir::OpKind::kCumsum,
    OpTraits(),
    TfliteForm(tflite::BuiltinOperator_CUMSUM).reads(read_cumsum).writes(write_cumsum),
    lower_cumsum,
    nullptr,
    OnnxForm(OnnxPattern::kAlongAxis, "CumSum").reads(read_onnx_cumsum)};

}  // namespace kiln
