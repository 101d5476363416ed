// AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D (float32, as in TFLite).
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

enum class Pool { kAverage, kMax, kL2 };

void lower_pool(LowerContext& ctx, const ir::Op& op, Pool pool) {
  const bool average = pool == Pool::kAverage;
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, in, 4, "input");
  require_rank(ctx, op, out, 4, "output");
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  const ir::OpAttrs& a = op.attrs;

  Pool2DParams p{};
  p.batches = in.shape[0];
  p.in_h = in.shape[1];
  p.in_w = in.shape[2];
  p.channels = in.shape[3];
  p.out_h = out.shape[1];
  p.out_w = out.shape[2];
  p.k_h = a.filter_h;
  p.k_w = a.filter_w;
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  if (p.k_h < 1 || p.k_w < 1 || p.stride_h < 1 || p.stride_w < 1) {
    ctx.invalid(op, fmt::format("window {}x{} and stride {}x{} must be positive", p.k_h, p.k_w,
                                p.stride_h, p.stride_w));
  }
  p.pad_h = window_padding(a.padding, a.pad_top, {p.in_h, p.k_h, p.stride_h, 1, p.out_h});
  p.pad_w = window_padding(a.padding, a.pad_left, {p.in_w, p.k_w, p.stride_w, 1, p.out_w});
  if (p.pad_h < 0 || p.pad_w < 0 || out.shape[3] != p.channels || out.shape[0] != p.batches) {
    ctx.invalid(
        op, fmt::format("output shape {} does not follow from input {}, the window and the padding",
                        ir::shape_string(out.shape), ir::shape_string(in.shape)));
  }
  if (p.pad_h >= p.k_h || p.pad_w >= p.k_w)
    ctx.invalid(op, "a pooling window lies wholly in the padding");

  if (numerics == Numerics::kFloat32) {
    const FloatRange r = activation_range_f32(a.activation);
    p.act_min_f = r.min;
    p.act_max_f = r.max;
    static constexpr OpCode kOpcodes[] = {OpCode::AVERAGE_POOL_2D_F32, OpCode::MAX_POOL_2D_F32,
                                          OpCode::L2_POOL_2D_F32};
    ctx.emit(op, kOpcodes[static_cast<int>(pool)], p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  if (pool == Pool::kL2) ctx.unsupported(op, "L2_POOL_2D runs on float32 only, as in TFLite");
  if (in.quant.scale() != out.quant.scale() || in.quant.zero_point() != out.quant.zero_point()) {
    ctx.unsupported(op, "quantized pooling with different input and output quantization");
  }
  const IntRange r =
      activation_range(a.activation, out.quant.scale(), out.quant.zero_point(), out.dtype);
  p.act_min = r.min;
  p.act_max = r.max;
  if (numerics == Numerics::kInt16) {
    ctx.emit(op, average ? OpCode::AVERAGE_POOL_2D_S16 : OpCode::MAX_POOL_2D_S16, p, {op.inputs[0]},
             {op.outputs[0]});
    return;
  }
  const OpCode opcode = choose_variant(
      ctx.target(), average ? OpCode::AVERAGE_POOL_2D_S8 : OpCode::MAX_POOL_2D_S8, p);
  ctx.emit(op, opcode, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

namespace {

void read_pool(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::Pool2DOptions>();
  ir::OpAttrs& a = r.attrs();
  a.padding = r.padding(o.padding());
  a.stride_h = o.stride_h();
  a.stride_w = o.stride_w();
  a.filter_h = o.filter_height();
  a.filter_w = o.filter_width();
  a.activation = r.activation(o.fused_activation_function());
}

tflite_format::WrittenOptions write_pool(tflite_format::OperatorWriter& w) {
  const ir::OpAttrs& a = w.attrs();
  return w.options(tflite::CreatePool2DOptions(w.builder(), w.padding(a.padding), a.stride_w,
                                               a.stride_h, a.filter_w, a.filter_h,
                                               w.activation(a.activation)));
}

}  // namespace

const OpRecord kAveragePool2DRecord = {
    ir::OpKind::kAveragePool2D,
    OpTraits().same_quantization_as_input().fuses_activation().folds_qdq().reads_rows(
        RowAccess::kWindow),
    TfliteForm(tflite::BuiltinOperator_AVERAGE_POOL_2D).reads(read_pool).writes(write_pool),
    [](LowerContext& c, const ir::Op& o) { lower_pool(c, o, Pool::kAverage); }, nullptr};
const OpRecord kMaxPool2DRecord = {
    ir::OpKind::kMaxPool2D,
    OpTraits().same_quantization_as_input().fuses_activation().folds_qdq().reads_rows(
        RowAccess::kWindow),
    TfliteForm(tflite::BuiltinOperator_MAX_POOL_2D).reads(read_pool).writes(write_pool),
    [](LowerContext& c, const ir::Op& o) { lower_pool(c, o, Pool::kMax); }, nullptr};
const OpRecord kL2Pool2DRecord = {
    ir::OpKind::kL2Pool2D, OpTraits().fuses_activation(),
    TfliteForm(tflite::BuiltinOperator_L2_POOL_2D).reads(read_pool).writes(write_pool),
    [](LowerContext& c, const ir::Op& o) { lower_pool(c, o, Pool::kL2); }, nullptr};

}  // namespace kiln
