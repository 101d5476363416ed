// CONV_2D and DEPTHWISE_CONV_2D.
#include <fmt/format.h>

#include "compiler/ops/binary_weights.h"
#include "compiler/ops/coded_weights.h"
#include "compiler/ops/entropy_weights.h"
#include "compiler/ops/op_util.h"
#include "compiler/ops/packed_conv.h"
#include "compiler/ops/sparse_weights.h"

namespace kiln {
namespace {

// Float activations with int8 weights run as TFLite runs them: the input is
// quantized per batch at run time into a scratch buffer.
void lower_hybrid(LowerContext& ctx, const ir::Op& op, Conv2DParams p, int bias) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& filter = ctx.input(op, 1);
  if (!filter.constant || !filter.quant.present())
    ctx.unsupported(op, "int8 weights without quantization");
  for (int64_t zp : filter.quant.zero_points) {
    if (zp != 0) ctx.unsupported(op, fmt::format("filter '{}' has zero point {}", filter.name, zp));
  }
  std::vector<float> scales(static_cast<size_t>(p.out_c));
  for (size_t c = 0; c < scales.size(); ++c) {
    scales[c] = filter.quant.scales[filter.quant.per_channel() ? c : 0];
  }
  const FloatRange r = activation_range_f32(op.attrs.activation);
  p.act_min_f = r.min;
  p.act_max_f = r.max;
  const int filter_scales = ctx.add_float_constant(filter.name + "/scales", {p.out_c}, scales);
  const int scratch =
      ctx.add_scratch(ctx.output(op, 0).name + "/quantized_input", KILN_DTYPE_INT8, in.shape);
  ctx.emit(op, OpCode::CONV_2D_HYBRID, p, {op.inputs[0], op.inputs[1], bias, filter_scales},
           {op.outputs[0], scratch});
}

// A depthwise convolution of one input channel (its depth multiplier the
// output channels, as in micro_speech's first layer) is a plain convolution:
// the same sums, so the packed convolution variants can run it. Its filter
// [1, k_h, k_w, out_c] becomes OHWI [out_c, k_h, k_w, 1].
bool lower_single_channel_depthwise(LowerContext& ctx, const ir::Op& op,
                                    const Conv2DParams& depthwise, const int8_t* filter,
                                    const int32_t* bias, const std::vector<int32_t>& requant) {
  Conv2DParams p = depthwise;
  p.depth_multiplier = 1;
  p.filter_in_c = 1;
  const int32_t taps = p.k_h * p.k_w;
  std::vector<int8_t> ohwi(static_cast<size_t>(taps) * static_cast<size_t>(p.out_c));
  for (int32_t t = 0; t < taps; ++t) {
    for (int32_t c = 0; c < p.out_c; ++c) {
      ohwi[static_cast<size_t>(c) * static_cast<size_t>(taps) + static_cast<size_t>(t)] =
          filter[static_cast<size_t>(t) * static_cast<size_t>(p.out_c) + static_cast<size_t>(c)];
    }
  }
  return lower_packed_conv2d(ctx, op, p, ohwi.data(), bias, requant);
}

void lower_conv(LowerContext& ctx, const ir::Op& op, bool depthwise) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& filter = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, in, 4, "input");
  require_rank(ctx, op, filter, 4, "filter");
  require_rank(ctx, op, out, 4, "output");
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  const ir::OpAttrs& a = op.attrs;

  Conv2DParams p{};
  p.batches = in.shape[0];
  p.in_h = in.shape[1];
  p.in_w = in.shape[2];
  p.in_c = in.shape[3];
  p.out_h = out.shape[1];
  p.out_w = out.shape[2];
  p.out_c = out.shape[3];
  p.k_h = filter.shape[1];
  p.k_w = filter.shape[2];
  p.filter_in_c = depthwise ? 1 : filter.shape[3];
  p.depth_multiplier = depthwise && p.in_c > 0 ? p.out_c / p.in_c : 1;
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  p.dilation_h = a.dilation_h;
  p.dilation_w = a.dilation_w;
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1) {
    ctx.invalid(op, fmt::format("stride {}x{} / dilation {}x{} must be positive", p.stride_h,
                                p.stride_w, p.dilation_h, p.dilation_w));
  }
  p.pad_h =
      window_padding(a.padding, a.pad_top, {p.in_h, p.k_h, p.stride_h, p.dilation_h, p.out_h});
  p.pad_w =
      window_padding(a.padding, a.pad_left, {p.in_w, p.k_w, p.stride_w, p.dilation_w, p.out_w});
  if (p.pad_h < 0 || p.pad_w < 0 || out.shape[0] != p.batches) {
    ctx.invalid(
        op, fmt::format("output shape {} does not follow from input {}, filter {} and the padding",
                        ir::shape_string(out.shape), ir::shape_string(in.shape),
                        ir::shape_string(filter.shape)));
  }
  const int bias = bias_for(ctx, op, 2, numerics);
  p.has_bias = bias >= 0;

  if (numerics == Numerics::kFloat32 && !depthwise && filter.dtype == KILN_DTYPE_INT8) {
    lower_hybrid(ctx, op, p, bias);
    return;
  }
  const int weights = weights_for(ctx, op, 1, numerics);

  if (numerics == Numerics::kFloat32) {
    const FloatRange r = activation_range_f32(a.activation);
    p.act_min_f = r.min;
    p.act_max_f = r.max;
    ctx.emit(op, depthwise ? OpCode::DEPTHWISE_CONV_2D_F32 : OpCode::CONV_2D_F32, p,
             {op.inputs[0], weights, bias}, {op.outputs[0]});
    return;
  }
  const std::vector<int32_t> quant =
      int8_output_stage(ctx, op, in, filter, out, p.out_c, a.activation, &p);
  if (numerics == Numerics::kInt16) {
    if (depthwise && bias >= 0 && ctx.tensor(bias).dtype != KILN_DTYPE_INT64)
      ctx.unsupported(op, "an int16 depthwise convolution takes an int64 bias");
    const int quant_tensor =
        ctx.add_constant(out.name + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(quant));
    ctx.emit(op, conv_16x8_opcode(ctx, bias, depthwise, p), p,
             {op.inputs[0], weights, bias, quant_tensor}, {op.outputs[0]});
    return;
  }
  // The packed variants read weights and bias on the host: only when their
  // sizes match the op (otherwise the reference emit below names the mismatch).
  const int64_t filter_elements =
      int64_t{p.k_h} * p.k_w * p.out_c * (depthwise ? 1 : p.filter_in_c);
  const bool bias_ok =
      bias < 0 || (ctx.tensor(bias).constant && ctx.tensor(bias).elements() == p.out_c);
  if (filter.elements() == filter_elements && bias_ok) {
    const int32_t* bias_data = bias >= 0 ? ctx.tensor(bias).as<int32_t>() : nullptr;
    if (lower_entropy_conv2d(ctx, op, p, depthwise, filter.as<int8_t>(), bias, quant)) return;
    if (lower_sparse_conv2d(ctx, op, p, depthwise, filter.as<int8_t>(), bias, quant)) return;
    if (lower_binary_conv2d(ctx, op, p, depthwise, filter.as<int8_t>(), bias, quant)) return;
    if (lower_coded_conv2d(ctx, op, p, depthwise, filter.as<int8_t>(), bias, quant)) return;
    if (depthwise && p.in_c == 1 &&
        lower_single_channel_depthwise(ctx, op, p, filter.as<int8_t>(), bias_data, quant)) {
      return;
    }
    const bool packed =
        depthwise ? lower_packed_depthwise(ctx, op, p, filter.as<int8_t>(), bias_data, quant)
                  : lower_packed_conv2d(ctx, op, p, filter.as<int8_t>(), bias_data, quant);
    if (packed) return;
  }
  const int quant_tensor =
      ctx.add_constant(out.name + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(quant));
  ctx.emit(op, depthwise ? OpCode::DEPTHWISE_CONV_2D_S8 : OpCode::CONV_2D_S8, p,
           {op.inputs[0], weights, bias, quant_tensor}, {op.outputs[0]});
}

int64_t conv_macs(const ir::Graph& g, const ir::Op& op) {
  if (op.inputs.size() < 2 || op.outputs.empty()) return 0;
  const ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
  const ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (filter.shape.size() != 4) return 0;
  const int64_t per_output = int64_t{filter.shape[1]} * filter.shape[2] *
                             (op.kind == ir::OpKind::kDepthwiseConv2D ? 1 : filter.shape[3]);
  return out.elements() * per_output;
}

}  // namespace

namespace {

void read_conv2d(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::Conv2DOptions>();
  ir::OpAttrs& a = r.attrs();
  a.padding = r.padding(o.padding());
  a.stride_h = o.stride_h();
  a.stride_w = o.stride_w();
  a.dilation_h = o.dilation_h_factor();
  a.dilation_w = o.dilation_w_factor();
  a.activation = r.activation(o.fused_activation_function());
}

tflite_format::WrittenOptions write_conv2d(tflite_format::OperatorWriter& w) {
  const ir::OpAttrs& a = w.attrs();
  return w.options(tflite::CreateConv2DOptions(w.builder(), w.padding(a.padding), a.stride_w,
                                               a.stride_h, w.activation(a.activation), a.dilation_w,
                                               a.dilation_h));
}

void read_depthwise(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::DepthwiseConv2DOptions>();
  ir::OpAttrs& a = r.attrs();
  a.padding = r.padding(o.padding());
  a.stride_h = o.stride_h();
  a.stride_w = o.stride_w();
  a.dilation_h = o.dilation_h_factor();
  a.dilation_w = o.dilation_w_factor();
  a.depth_multiplier = o.depth_multiplier();
  a.activation = r.activation(o.fused_activation_function());
}

tflite_format::WrittenOptions write_depthwise(tflite_format::OperatorWriter& w) {
  const ir::OpAttrs& a = w.attrs();
  return w.options(tflite::CreateDepthwiseConv2DOptions(
      w.builder(), w.padding(a.padding), a.stride_w, a.stride_h, a.depth_multiplier,
      w.activation(a.activation), a.dilation_w, a.dilation_h));
}

}  // namespace

const OpRecord kConv2DRecord = {
    ir::OpKind::kConv2D,
    OpTraits().weighted(0).fuses_activation().folds_qdq().reads_rows(RowAccess::kWindow),
    TfliteForm(tflite::BuiltinOperator_CONV_2D).reads(read_conv2d).writes(write_conv2d),
    [](LowerContext& c, const ir::Op& o) { lower_conv(c, o, false); }, conv_macs};
const OpRecord kDepthwiseConv2DRecord = {
    ir::OpKind::kDepthwiseConv2D,
    OpTraits().weighted(3).fuses_activation().folds_qdq().reads_rows(RowAccess::kWindow),
    TfliteForm(tflite::BuiltinOperator_DEPTHWISE_CONV_2D)
        .reads(read_depthwise)
        .writes(write_depthwise),
    [](LowerContext& c, const ir::Op& o) { lower_conv(c, o, true); }, conv_macs};

}  // namespace kiln
