// BATCH_MATMUL of two program tensors (kiln/ops/batch_matmul.h); a matmul
// by a constant matrix is FULLY_CONNECTED's (the importers map it there).
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The batch dims of a rank-2..5 operand, right-aligned to three.
std::array<int32_t, kMaxMatMulBatchRank> batch_of(LowerContext& ctx, const ir::Op& op,
                                                  const ir::Tensor& t) {
  const size_t rank = t.shape.size();
  if (rank < 2 || rank > kMaxMatMulBatchRank + 2) {
    ctx.unsupported(op, fmt::format("'{}' has rank {}; BATCH_MATMUL takes ranks 2 to {}", t.name,
                                    rank, kMaxMatMulBatchRank + 2));
  }
  std::array<int32_t, kMaxMatMulBatchRank> batch{1, 1, 1};
  const size_t lead = kMaxMatMulBatchRank - (rank - 2);
  for (size_t i = lead; i < kMaxMatMulBatchRank; ++i) batch[i] = t.shape[i - lead];
  return batch;
}

void lower_batch_matmul(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& lhs = ctx.input(op, 0);
  const ir::Tensor& rhs = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, lhs, out, Int16::kSupported);
  if (rhs.dtype != lhs.dtype) ctx.unsupported(op, "inputs of different types");
  BatchMatMulParams p{};
  p.adj_x = op.attrs.adj_x;
  p.adj_y = op.attrs.adj_y;
  const auto lhs_batch = batch_of(ctx, op, lhs), rhs_batch = batch_of(ctx, op, rhs);
  const int32_t* l = &lhs.shape[lhs.shape.size() - 2];
  const int32_t* r = &rhs.shape[rhs.shape.size() - 2];
  p.rows = p.adj_x ? l[1] : l[0];
  p.depth = p.adj_x ? l[0] : l[1];
  p.cols = p.adj_y ? r[0] : r[1];
  const int32_t rhs_depth = p.adj_y ? r[1] : r[0];
  if (rhs_depth != p.depth) {
    ctx.invalid(op, fmt::format("'{}' {} and '{}' {} do not multiply (depth {} and {})", lhs.name,
                                ir::shape_string(lhs.shape), rhs.name, ir::shape_string(rhs.shape),
                                p.depth, rhs_depth));
  }
  std::vector<int32_t> shape;
  for (int i = 0; i < kMaxMatMulBatchRank; ++i) {
    p.lhs_batch[i] = lhs_batch[i];
    p.rhs_batch[i] = rhs_batch[i];
    if (lhs_batch[i] != 1 && rhs_batch[i] != 1 && lhs_batch[i] != rhs_batch[i])
      ctx.invalid(op, "batch dims do not broadcast");
    p.out_batch[i] = std::max(lhs_batch[i], rhs_batch[i]);
  }
  const size_t out_batch_rank = std::max(lhs.shape.size(), rhs.shape.size()) - 2;
  for (size_t i = kMaxMatMulBatchRank - out_batch_rank; i < kMaxMatMulBatchRank; ++i)
    shape.push_back(p.out_batch[i]);
  shape.push_back(p.rows);
  shape.push_back(p.cols);
  if (out.shape != shape) {
    ctx.invalid(op, fmt::format("output {} is not the product's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  static constexpr OpCode kOpcodes[] = {OpCode::BATCH_MATMUL_S8, OpCode::BATCH_MATMUL_S16,
                                        OpCode::BATCH_MATMUL_F32};
  if (numerics != Numerics::kFloat32) {
    if (!rhs.quant.present() || rhs.quant.per_channel())
      ctx.unsupported(op, fmt::format("'{}' needs per-tensor quantization", rhs.name));
    p.lhs_offset = -lhs.quant.zero_point();
    p.rhs_offset = -rhs.quant.zero_point();
    p.output_offset = out.quant.zero_point();
    // TFLite forms the input scales' product in float.
    const QuantizedMultiplier q =
        quantize_multiplier(static_cast<double>(lhs.quant.scale() * rhs.quant.scale()) /
                            static_cast<double>(out.quant.scale()));
    p.output_multiplier = q.multiplier;
    p.output_shift = q.shift;
  }
  ctx.emit(op, kOpcodes[static_cast<int>(numerics)], p, {op.inputs[0], op.inputs[1]},
           {op.outputs[0]});
}

// One MAC per output element and step of the depth.
int64_t batch_matmul_macs(const ir::Graph& g, const ir::Op& op) {
  const ir::Tensor& lhs = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (lhs.shape.size() < 2) return 0;
  const int32_t depth = op.attrs.adj_x ? lhs.shape[lhs.shape.size() - 2] : lhs.shape.back();
  return out.elements() * depth;
}

void read_batch_matmul(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::BatchMatMulOptions>()) {
    r.attrs().adj_x = o->adj_x();
    r.attrs().adj_y = o->adj_y();
  }
}

tflite_format::WrittenOptions write_batch_matmul(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateBatchMatMulOptions(w.builder(), w.attrs().adj_x, w.attrs().adj_y, false));
}

}  // namespace

const OpRecord kBatchMatMulRecord = {ir::OpKind::kBatchMatMul, OpTraits().all_data(),
                                     TfliteForm(tflite::BuiltinOperator_BATCH_MATMUL)
                                         .reads(read_batch_matmul)
                                         .writes(write_batch_matmul),
                                     lower_batch_matmul, batch_matmul_macs};

}  // namespace kiln
