// TRANSPOSE_CONV. IR operands: input, filter [out_c, k_h, k_w, in_c / groups],
// bias (optional); the output tensor states the output size.
#include <fmt/format.h>

#include <cstring>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The leading pad of one dim: SAME/VALID as TFLite derives it (the padding of
// the forward convolution from output back to input), or the explicit one.
int32_t transpose_conv_padding(const ir::OpAttrs& a, int32_t explicit_pad, int32_t in,
                               int32_t filter, int32_t stride, int32_t dilation, int32_t out) {
  if (a.padding == ir::Padding::kExplicit) return explicit_pad >= 0 ? explicit_pad : -1;
  if (conv_output_size(a.padding, out, filter, stride, dilation) != in) return -1;
  return a.padding == ir::Padding::kSame ? conv_padding(out, filter, stride, dilation, in) : 0;
}

// The int64 bias of a 16x8 transpose convolution (-1: none). TFLM also
// takes an int16 bias, widening it at run time; kiln widens it here.
int wide_bias(LowerContext& ctx, const ir::Op& op) {
  if (!ctx.has_input(op, 2)) return -1;
  const ir::Tensor& b = ctx.input(op, 2);
  if (b.dtype == KILN_DTYPE_INT64) return op.inputs[2];
  if (b.dtype != KILN_DTYPE_INT16 || !b.constant) {
    ctx.unsupported(op, fmt::format("bias '{}' is {}; int16 TRANSPOSE_CONV takes int64 or int16",
                                    b.name, ir::dtype_name(b.dtype)));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(b.elements()) * sizeof(int64_t));
  for (int64_t i = 0; i < b.elements(); ++i) {
    const int64_t v = b.as<int16_t>()[i];
    std::memcpy(bytes.data() + i * sizeof(int64_t), &v, sizeof(v));
  }
  return ctx.add_constant(b.name + "/int64", KILN_DTYPE_INT64, b.shape, bytes);
}

void lower_transpose_conv(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& filter = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, in, 4, "input");
  require_rank(ctx, op, filter, 4, "filter");
  require_rank(ctx, op, out, 4, "output");
  const Numerics numerics = numerics_of(ctx, op, in, out, Int16::kSupported);
  const ir::OpAttrs& a = op.attrs;

  TransposeConvParams p{};
  p.batches = in.shape[0];
  p.in_h = in.shape[1];
  p.in_w = in.shape[2];
  p.in_c = in.shape[3];
  p.out_h = out.shape[1];
  p.out_w = out.shape[2];
  p.out_c = out.shape[3];
  p.k_h = filter.shape[1];
  p.k_w = filter.shape[2];
  p.groups = filter.shape[3] > 0 ? p.in_c / filter.shape[3] : 0;
  p.stride_h = a.stride_h;
  p.stride_w = a.stride_w;
  p.dilation_h = a.dilation_h;
  p.dilation_w = a.dilation_w;
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1) {
    ctx.invalid(op, fmt::format("stride {}x{} / dilation {}x{} must be positive", p.stride_h,
                                p.stride_w, p.dilation_h, p.dilation_w));
  }
  if (filter.shape[0] != p.out_c || p.groups < 1 || p.groups * filter.shape[3] != p.in_c ||
      out.shape[0] != p.batches) {
    ctx.invalid(op, fmt::format("filter {} does not fit input {} and output {}",
                                ir::shape_string(filter.shape), ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
  p.pad_h = transpose_conv_padding(a, a.pad_top, p.in_h, p.k_h, p.stride_h, p.dilation_h, p.out_h);
  p.pad_w = transpose_conv_padding(a, a.pad_left, p.in_w, p.k_w, p.stride_w, p.dilation_w, p.out_w);
  if (p.pad_h < 0 || p.pad_w < 0) {
    ctx.invalid(op, fmt::format("output {} does not follow from input {} and the padding",
                                ir::shape_string(out.shape), ir::shape_string(in.shape)));
  }
  const int bias =
      numerics == Numerics::kInt16 ? wide_bias(ctx, op) : bias_for(ctx, op, 2, numerics);
  p.has_bias = bias >= 0;
  const int weights = weights_for(ctx, op, 1, numerics);
  if (numerics == Numerics::kFloat32) {
    const FloatRange r = activation_range_f32(a.activation);
    p.act_min_f = r.min;
    p.act_max_f = r.max;
    ctx.emit(op, OpCode::TRANSPOSE_CONV_F32, p, {op.inputs[0], weights, bias}, {op.outputs[0]});
    return;
  }
  const std::vector<int32_t> quant =
      int8_output_stage(ctx, op, in, filter, out, p.out_c, a.activation, &p);
  const int quant_tensor =
      ctx.add_constant(out.name + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(quant));
  const bool wide = numerics == Numerics::kInt16;
  const int scratch =
      ctx.add_scratch(out.name + "/accumulators", wide ? KILN_DTYPE_INT64 : KILN_DTYPE_INT32,
                      {p.out_h, p.out_w, p.out_c});
  ctx.emit(op, wide ? OpCode::TRANSPOSE_CONV_S16 : OpCode::TRANSPOSE_CONV_S8, p,
           {op.inputs[0], weights, bias, quant_tensor}, {op.outputs[0], scratch});
}

int64_t transpose_conv_macs(const ir::Graph& g, const ir::Op& op) {
  if (op.inputs.size() < 2) return 0;
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& filter = g.tensors[static_cast<size_t>(op.inputs[1])];
  if (filter.shape.size() != 4) return 0;
  // Every input element meets every tap of its group's output channels.
  return in.elements() * filter.shape[0] * filter.shape[1] * filter.shape[2] /
         std::max<int64_t>(1,
                           in.shape.empty() ? 1 : in.shape.back() / std::max(1, filter.shape[3]));
}

}  // namespace

namespace {

// TFLite's operands are (output shape, filter, input[, bias]); kiln's are
// (input, filter[, bias]) with the shape on the output tensor.
void read_transpose_conv(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::TransposeConvOptions>();
  ir::OpAttrs& a = r.attrs();
  a.padding = r.padding(o.padding());
  a.stride_h = o.stride_h();
  a.stride_w = o.stride_w();
  a.activation = r.activation(o.fused_activation_function());
  std::vector<int>& in = r.op().inputs;
  if (in.size() < 3) r.bad(fmt::format("has {} inputs, expected 3 or 4", in.size()));
  std::vector<int> reordered = {in[2], in[1]};
  if (in.size() > 3) reordered.push_back(in[3]);
  in = std::move(reordered);
}

void transpose_conv_operands(ir::Graph& g, ir::Op& op) {
  const ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
  std::vector<int> inputs = {ir::add_int32_constant(g, out.name + "/shape", out.shape),
                             op.inputs[1], op.inputs[0]};
  if (op.inputs.size() > 2 && op.inputs[2] >= 0) inputs.push_back(op.inputs[2]);
  op.inputs = std::move(inputs);
}

tflite_format::WrittenOptions write_transpose_conv(tflite_format::OperatorWriter& w) {
  const ir::OpAttrs& a = w.attrs();
  return w.options(tflite::CreateTransposeConvOptions(w.builder(), w.padding(a.padding), a.stride_w,
                                                      a.stride_h, w.activation(a.activation)));
}

}  // namespace

const OpRecord kTransposeConvRecord = {ir::OpKind::kTransposeConv,
                                       OpTraits().weighted(0).fuses_activation().folds_qdq(),
                                       TfliteForm(tflite::BuiltinOperator_TRANSPOSE_CONV)
                                           .reads(read_transpose_conv)
                                           .with_operands(transpose_conv_operands)
                                           .writes(write_transpose_conv),
                                       lower_transpose_conv, transpose_conv_macs};

}  // namespace kiln
