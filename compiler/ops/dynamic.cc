// DYNAMIC_UPDATE_SLICE and BROADCAST_ARGS (kiln/ops/dynamic.h): their
// indices and shapes are values of the program, read when the op runs.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

bool is_index_type(kiln_dtype t) { return t == KILN_DTYPE_INT32 || t == KILN_DTYPE_INT64; }

void lower_dynamic_update_slice(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& update = ctx.input(op, 1);
  const ir::Tensor& start = ctx.input(op, 2);
  const ir::Tensor& out = ctx.output(op, 0);
  if (update.dtype != in.dtype || out.dtype != in.dtype || out.shape != in.shape)
    ctx.invalid(op, "input, update and output must share a type (and input and output a shape)");
  if (in.quant.present()) {
    require_same_quantization(ctx, op, in, update);
    require_same_quantization(ctx, op, in, out);
  }
  const size_t rank = in.shape.size();
  if (!is_index_type(start.dtype) || start.elements() != static_cast<int64_t>(rank)) {
    ctx.invalid(
        op, fmt::format("start indices '{}' must be {} int32 or int64 values", start.name, rank));
  }
  if (update.shape.size() != rank || rank < 1 || rank > static_cast<size_t>(kMaxDynamicRank)) {
    ctx.unsupported(
        op, fmt::format("input and update must have one rank from 1 to {}", kMaxDynamicRank));
  }
  DynamicUpdateSliceParams p{};
  const size_t lead = kMaxDynamicRank - rank;
  for (size_t d = 0; d < static_cast<size_t>(kMaxDynamicRank); ++d) {
    p.dims[d] = d < lead ? 1 : in.shape[d - lead];
    p.update_dims[d] = d < lead ? 1 : update.shape[d - lead];
    if (p.update_dims[d] > p.dims[d]) {
      ctx.invalid(op, fmt::format("update {} is larger than input {}",
                                  ir::shape_string(update.shape), ir::shape_string(in.shape)));
    }
  }
  p.rank = static_cast<int32_t>(rank);
  p.element_size = static_cast<int32_t>(kiln_dtype_size(in.dtype));
  p.index_size = static_cast<int32_t>(kiln_dtype_size(start.dtype));
  ctx.emit(op, OpCode::DYNAMIC_UPDATE_SLICE, p, {op.inputs[0], op.inputs[1], op.inputs[2]},
           {op.outputs[0]});
}

void lower_broadcast_args(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& s1 = ctx.input(op, 0);
  const ir::Tensor& s2 = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if (!is_index_type(s1.dtype) || s2.dtype != s1.dtype || out.dtype != s1.dtype)
    ctx.invalid(op, "shapes and output must all be int32 or all int64");
  BroadcastArgsParams p{static_cast<int32_t>(s1.elements()), static_cast<int32_t>(s2.elements()),
                        static_cast<int32_t>(out.elements()),
                        static_cast<int32_t>(kiln_dtype_size(s1.dtype))};
  if (p.output_length != std::max(p.length1, p.length2))
    ctx.invalid(op, "the output's length is not the longer shape's");
  ctx.emit(op, OpCode::BROADCAST_ARGS, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

}  // namespace

const OpRecord kDynamicUpdateSliceRecord = {
    ir::OpKind::kDynamicUpdateSlice, OpTraits().same_quantization_as_input(),
    TfliteForm(tflite::BuiltinOperator_DYNAMIC_UPDATE_SLICE), lower_dynamic_update_slice, nullptr};
const OpRecord kBroadcastArgsRecord = {ir::OpKind::kBroadcastArgs, OpTraits(),
                                       TfliteForm(tflite::BuiltinOperator_BROADCAST_ARGS),
                                       lower_broadcast_args, nullptr};

}  // namespace kiln
