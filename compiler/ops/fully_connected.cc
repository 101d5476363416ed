// FULLY_CONNECTED.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"
#include "compiler/ops/packed_conv.h"

namespace kiln {
namespace {

// With symmetric weights a fully connected layer is a 1x1 convolution over
// `batches` pixels, so it runs on the target's packed convolution.
bool lower_packed(LowerContext& ctx, const ir::Op& op, const FullyConnectedParams& fc, int bias) {
  const ir::Tensor& filter = ctx.input(op, 1);
  if (!has_packed_conv2d(ctx.target()) || fc.filter_offset != 0 || filter.elements() != int64_t{fc.out_depth} * fc.accum_depth) return false;
  if (bias >= 0 && (!ctx.tensor(bias).constant || ctx.tensor(bias).elements() != fc.out_depth)) return false;
  Conv2DParams p{};
  p.batches = fc.batches;
  p.in_h = p.in_w = p.out_h = p.out_w = 1;
  p.in_c = p.filter_in_c = fc.accum_depth;
  p.out_c = fc.out_depth;
  p.k_h = p.k_w = 1;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.has_bias = bias >= 0;
  p.input_offset = fc.input_offset;
  p.output_offset = fc.output_offset;
  p.act_min = fc.act_min;
  p.act_max = fc.act_max;
  std::vector<int32_t> quant(2 * static_cast<size_t>(p.out_c));
  for (size_t c = 0; c < static_cast<size_t>(p.out_c); ++c) {
    quant[c] = fc.output_multiplier;
    quant[static_cast<size_t>(p.out_c) + c] = fc.output_shift;
  }
  const int32_t* bias_data = bias >= 0 ? ctx.tensor(bias).as<int32_t>() : nullptr;
  return lower_packed_conv2d(ctx, op, p, filter.as<int8_t>(), bias_data, quant);
}

void lower_fully_connected(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& filter = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, filter, 2, "filter");
  const Numerics numerics = numerics_of(ctx, op, in, out);

  FullyConnectedParams p{};
  p.out_depth = filter.shape[0];
  p.accum_depth = filter.shape[1];
  if (p.accum_depth <= 0 || in.elements() % p.accum_depth != 0) {
    ctx.invalid(op, fmt::format("input {} is not a whole number of rows of {}", ir::shape_string(in.shape), p.accum_depth));
  }
  p.batches = static_cast<int32_t>(in.elements() / p.accum_depth);
  const int bias = bias_for(ctx, op, 2, numerics);
  p.has_bias = bias >= 0;
  const int weights = weights_for(ctx, op, 1, numerics);

  if (numerics == Numerics::kFloat32) {
    const FloatRange r = activation_range_f32(op.attrs.activation);
    p.act_min_f = r.min;
    p.act_max_f = r.max;
    ctx.emit(op, OpCode::FULLY_CONNECTED_F32, p, {op.inputs[0], weights, bias}, {op.outputs[0]});
    return;
  }
  if (filter.quant.per_channel()) ctx.unsupported(op, "per-channel FULLY_CONNECTED weights are not supported yet");
  p.input_offset = -in.quant.zero_point();
  p.filter_offset = -filter.quant.zero_point();
  p.output_offset = out.quant.zero_point();
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) *
                                                    static_cast<double>(filter.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  const IntRange r = activation_range_s8(op.attrs.activation, out.quant.scale(), out.quant.zero_point());
  p.act_min = r.min;
  p.act_max = r.max;
  if (lower_packed(ctx, op, p, bias)) return;
  ctx.emit(op, OpCode::FULLY_CONNECTED_S8, p, {op.inputs[0], weights, bias}, {op.outputs[0]});
}

int64_t fully_connected_macs(const ir::Graph& g, const ir::Op& op) {
  if (op.inputs.size() < 2) return 0;
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
  return filter.shape.size() == 2 ? in.elements() * filter.shape[0] : 0;
}

}  // namespace

const OpDef kFullyConnectedDef = {ir::OpKind::kFullyConnected, lower_fully_connected, fully_connected_macs};

}  // namespace kiln
