// FULLY_CONNECTED.
#include <fmt/format.h>

#include "compiler/ops/binary_weights.h"
#include "compiler/ops/coded_weights.h"
#include "compiler/ops/entropy_weights.h"
#include "compiler/ops/op_util.h"
#include "compiler/ops/packed_conv.h"
#include "compiler/ops/sparse_weights.h"

namespace kiln {
namespace {

// A fully connected layer as a 1x1 convolution over `batches` pixels.
Conv2DParams as_pointwise_conv(const FullyConnectedParams& fc, bool has_bias) {
  Conv2DParams p{};
  p.batches = fc.batches;
  p.in_h = p.in_w = p.out_h = p.out_w = 1;
  p.in_c = p.filter_in_c = fc.accum_depth;
  p.out_c = fc.out_depth;
  p.k_h = p.k_w = 1;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.has_bias = has_bias;
  p.input_offset = fc.input_offset;
  p.output_offset = fc.output_offset;
  p.act_min = fc.act_min;
  p.act_max = fc.act_max;
  return p;
}

// int8 with symmetric weights: the target's packed convolution if it has
// one, and the reference convolution for per-channel weights (the reference
// fully connected kernel takes one multiplier). Multipliers then shifts, per
// output channel.
bool lower_as_conv(LowerContext& ctx, const ir::Op& op, const FullyConnectedParams& fc, int bias,
                   const std::vector<int32_t>& quant) {
  const ir::Tensor& filter = ctx.input(op, 1);
  const bool per_channel = filter.quant.per_channel();
  if (fc.filter_offset != 0 || filter.elements() != int64_t{fc.out_depth} * fc.accum_depth)
    return false;
  if (bias >= 0 && (!ctx.tensor(bias).constant || ctx.tensor(bias).elements() != fc.out_depth))
    return false;
  const Conv2DParams p = as_pointwise_conv(fc, bias >= 0);
  if (lower_entropy_conv2d(ctx, op, p, false, filter.as<int8_t>(), bias, quant)) return true;
  if (lower_sparse_conv2d(ctx, op, p, false, filter.as<int8_t>(), bias, quant)) return true;
  if (lower_binary_conv2d(ctx, op, p, false, filter.as<int8_t>(), bias, quant)) return true;
  if (lower_coded_conv2d(ctx, op, p, false, filter.as<int8_t>(), bias, quant)) return true;
  if (has_packed_conv2d(ctx.target())) {
    const int32_t* bias_data = bias >= 0 ? ctx.tensor(bias).as<int32_t>() : nullptr;
    if (lower_packed_conv2d(ctx, op, p, filter.as<int8_t>(), bias_data, quant)) return true;
  }
  if (!per_channel) return false;
  const int quant_tensor = ctx.add_constant(ctx.output(op, 0).name + "/requant", KILN_DTYPE_INT32,
                                            {2, p.out_c}, int32_bytes(quant));
  ctx.emit(op, OpCode::CONV_2D_S8, p, {op.inputs[0], op.inputs[1], bias, quant_tensor},
           {op.outputs[0]});
  return true;
}

void lower_fully_connected(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& filter = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, filter, 2, "filter");
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);

  FullyConnectedParams p{};
  p.out_depth = filter.shape[0];
  p.accum_depth = filter.shape[1];
  if (p.accum_depth <= 0 || in.elements() % p.accum_depth != 0) {
    ctx.invalid(op, fmt::format("input {} is not a whole number of rows of {}",
                                ir::shape_string(in.shape), p.accum_depth));
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
  const size_t channels = filter.quant.scales.size();
  if (channels != 1 && channels != static_cast<size_t>(p.out_depth)) {
    ctx.invalid(op, fmt::format("filter '{}' has {} scales for {} outputs", filter.name, channels,
                                p.out_depth));
  }
  if (filter.quant.per_channel()) {
    for (int64_t zp : filter.quant.zero_points) {
      if (zp != 0)
        ctx.unsupported(op,
                        fmt::format("per-channel filter '{}' with zero point {}", filter.name, zp));
    }
  }
  p.input_offset = -in.quant.zero_point();
  p.filter_offset = -filter.quant.zero_point();
  p.output_offset = out.quant.zero_point();
  std::vector<int32_t> quant(2 * static_cast<size_t>(p.out_depth));
  for (int32_t c = 0; c < p.out_depth; ++c) {
    const QuantizedMultiplier q =
        quantize_multiplier(static_cast<double>(in.quant.scale()) *
                            filter.quant.scales[channels == 1 ? 0 : static_cast<size_t>(c)] /
                            static_cast<double>(out.quant.scale()));
    quant[static_cast<size_t>(c)] = q.multiplier;
    quant[static_cast<size_t>(p.out_depth) + static_cast<size_t>(c)] = q.shift;
  }
  p.output_multiplier = quant[0];
  p.output_shift = quant[static_cast<size_t>(p.out_depth)];
  const IntRange r =
      activation_range(op.attrs.activation, out.quant.scale(), out.quant.zero_point(), out.dtype);
  p.act_min = r.min;
  p.act_max = r.max;
  if (numerics == Numerics::kInt16) {
    // A 1x1 convolution of the 16x8 kernels, one multiplier per output.
    if (p.filter_offset != 0)
      ctx.unsupported(op, fmt::format("int16 op with asymmetric filter '{}'", filter.name));
    const int quant_tensor = ctx.add_constant(out.name + "/requant", KILN_DTYPE_INT32,
                                              {2, p.out_depth}, int32_bytes(quant));
    const Conv2DParams conv = as_pointwise_conv(p, bias >= 0);
    ctx.emit(op, conv_16x8_opcode(ctx, bias, false, conv), conv,
             {op.inputs[0], weights, bias, quant_tensor}, {op.outputs[0]});
    return;
  }
  if (lower_as_conv(ctx, op, p, bias, quant)) return;
  ctx.emit(op, OpCode::FULLY_CONNECTED_S8, p, {op.inputs[0], weights, bias}, {op.outputs[0]});
}

int64_t fully_connected_macs(const ir::Graph& g, const ir::Op& op) {
  if (op.inputs.size() < 2) return 0;
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
  return filter.shape.size() == 2 ? in.elements() * filter.shape[0] : 0;
}

}  // namespace

namespace {

void read_fully_connected(tflite_format::OperatorReader& r) {
  const auto* o = r.options_if_any<tflite::FullyConnectedOptions>();
  if (!o) return;
  if (o->weights_format() != 0) r.unsupported("uses shuffled weights, not supported");
  r.attrs().activation = r.activation(o->fused_activation_function());
}

tflite_format::WrittenOptions write_fully_connected(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateFullyConnectedOptions(w.builder(), w.activation(w.attrs().activation)));
}

}  // namespace

const OpRecord kFullyConnectedRecord = {
    ir::OpKind::kFullyConnected,
    OpTraits().weighted(0, /*per_channel=*/false).fuses_activation().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_FULLY_CONNECTED)
        .reads(read_fully_connected)
        .writes(write_fully_connected),
    lower_fully_connected, fully_connected_macs};

}  // namespace kiln
