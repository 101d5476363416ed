// Ops that make a tensor of a shape: BROADCAST_TO and FILL repeat their
// input (a view with zero strides, element_view.h), ZEROS_LIKE repeats a
// constant zero, and SHAPE copies a constant.
#include <fmt/format.h>

#include "compiler/ops/element_view.h"
#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The view repeating `in` (right-aligned, numpy broadcasting) to `shape`.
ElementView broadcast_view(LowerContext& ctx, const ir::Op& op, const std::vector<int32_t>& in,
                           const std::vector<int32_t>& shape) {
  if (in.size() > shape.size()) {
    ctx.invalid(op, fmt::format("cannot broadcast {} to fewer dims {}", ir::shape_string(in),
                                ir::shape_string(shape)));
  }
  const ElementView source = whole_view(in);
  const size_t lead = shape.size() - in.size();
  ElementView v;
  v.dims = shape;
  v.strides.assign(shape.size(), 0);
  for (size_t d = lead; d < shape.size(); ++d) {
    const int32_t from = in[d - lead];
    if (from != shape[d] && from != 1) {
      ctx.invalid(op, fmt::format("cannot broadcast {} to {}", ir::shape_string(in),
                                  ir::shape_string(shape)));
    }
    v.strides[d] = from == 1 ? 0 : source.strides[d - lead];
  }
  return v;
}

void lower_broadcast_to(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const std::vector<int64_t> shape = constant_integers(ctx, op, 1, "shape");
  if (std::vector<int32_t>(shape.begin(), shape.end()) != out.shape ||
      shape.size() != out.shape.size()) {
    ctx.invalid(op, fmt::format("output '{}' is {}, not the shape operand's [{}]", out.name,
                                ir::shape_string(out.shape), fmt::join(shape, ",")));
  }
  emit_view(ctx, op, op.inputs[0], broadcast_view(ctx, op, in.shape, out.shape), op.outputs[0]);
}

// FILL: (value, dims) in kiln's order; the value is one element. The
// output's shape is the model's; dims computed from static shapes (SHAPE,
// then slices and packs) are constants by now and must agree with it.
void lower_fill(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& value = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, value, out);
  if (value.elements() != 1)
    ctx.invalid(op, fmt::format("value '{}' must be one element", value.name));
  if (ctx.has_input(op, 1) && ctx.input(op, 1).constant) {
    const std::vector<int64_t> dims = constant_integers(ctx, op, 1, "dims");
    if (std::vector<int32_t>(dims.begin(), dims.end()) != out.shape ||
        dims.size() != out.shape.size()) {
      ctx.invalid(op, fmt::format("output '{}' is {}, not the dims operand's [{}]", out.name,
                                  ir::shape_string(out.shape), fmt::join(dims, ",")));
    }
  }
  emit_view(ctx, op, op.inputs[0], broadcast_view(ctx, op, {}, out.shape), op.outputs[0]);
}

void lower_zeros_like(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.dtype != out.dtype || in.shape != out.shape)
    ctx.invalid(op, "output differs from the input in type or shape");
  // The integer 0, as TFLite writes it: for a quantized tensor with a
  // nonzero zero point, not zero in real terms.
  std::vector<uint8_t> zero(kiln_dtype_size(out.dtype), 0);
  const int element = ctx.add_constant(out.name + "/zero", out.dtype, {}, std::move(zero));
  emit_view(ctx, op, element, broadcast_view(ctx, op, {}, out.shape), op.outputs[0]);
}

void lower_shape(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const int32_t rank = static_cast<int32_t>(in.shape.size());
  if (out.shape != std::vector<int32_t>{rank} ||
      (out.dtype != KILN_DTYPE_INT32 && out.dtype != KILN_DTYPE_INT64)) {
    ctx.invalid(op, fmt::format("output '{}' must be int32 or int64 [{}]", out.name, rank));
  }
  std::vector<uint8_t> bytes(out.bytes());
  for (size_t d = 0; d < in.shape.size(); ++d) {
    const int64_t dim = in.shape[d];
    std::memcpy(bytes.data() + d * kiln_dtype_size(out.dtype), &dim, kiln_dtype_size(out.dtype));
  }
  const int shape = ctx.add_constant(out.name + "/value", out.dtype, out.shape, std::move(bytes));
  emit_view(ctx, op, shape, whole_view(out.shape), op.outputs[0]);
}

// FILL's operands are (dims, value) in TFLite; kiln puts the data first.
void read_fill(tflite_format::OperatorReader& r) {
  std::vector<int>& inputs = r.op().inputs;
  if (inputs.size() != 2) r.bad("must have 2 operands (dims, value)");
  std::swap(inputs[0], inputs[1]);
}

void fill_operands(ir::Graph&, ir::Op& op) { std::swap(op.inputs[0], op.inputs[1]); }

void read_shape(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ShapeOptions>()) {
    if (o->out_type() != tflite::TensorType_INT32 && o->out_type() != tflite::TensorType_INT64)
      r.unsupported("output type other than int32 or int64");
  }
}

tflite_format::WrittenOptions write_shape(tflite_format::OperatorWriter& w) {
  const ir::Tensor& out = w.graph().tensors[static_cast<size_t>(w.op().outputs.at(0))];
  return w.options(tflite::CreateShapeOptions(w.builder(), out.dtype == KILN_DTYPE_INT64
                                                               ? tflite::TensorType_INT64
                                                               : tflite::TensorType_INT32));
}

tflite_format::WrittenOptions write_broadcast_to(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateBroadcastToOptions(w.builder()));
}

tflite_format::WrittenOptions write_fill(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateFillOptions(w.builder()));
}

tflite_format::WrittenOptions write_zeros_like(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateZerosLikeOptions(w.builder()));
}

constexpr OpTraits kRepeat = OpTraits().same_quantization_as_input().folds_qdq();

}  // namespace

const OpRecord kBroadcastToRecord = {
    ir::OpKind::kBroadcastTo, kRepeat,
    TfliteForm(tflite::BuiltinOperator_BROADCAST_TO).writes(write_broadcast_to), lower_broadcast_to,
    nullptr};
const OpRecord kFillRecord = {ir::OpKind::kFill, kRepeat,
                              TfliteForm(tflite::BuiltinOperator_FILL)
                                  .reads(read_fill)
                                  .with_operands(fill_operands)
                                  .writes(write_fill),
                              lower_fill, nullptr};
const OpRecord kZerosLikeRecord = {
    ir::OpKind::kZerosLike, OpTraits(),
    TfliteForm(tflite::BuiltinOperator_ZEROS_LIKE).writes(write_zeros_like), lower_zeros_like,
    nullptr};
const OpRecord kShapeRecord = {
    ir::OpKind::kShape, OpTraits().reads_shape_only(),
    TfliteForm(tflite::BuiltinOperator_SHAPE).reads(read_shape).writes(write_shape), lower_shape,
    nullptr};

}  // namespace kiln
