// ONNX convolutions, pooling, batch normalization and matrix products.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

// One spatial dimension of an ONNX sliding window.
struct Window {
  int32_t out = 0, pad_begin = 0, pad_end = 0;
};

// The output size and pads of one spatial dim under ONNX's auto_pad,
// explicit pads and (pooling) ceil_mode.
Window window(Node& n, const std::string& auto_pad, int64_t in, int64_t kernel, int64_t stride,
              int64_t dilation, int64_t pad_begin, int64_t pad_end, bool ceil_mode) {
  if (kernel < 1 || stride < 1 || dilation < 1 || pad_begin < 0 || pad_end < 0 ||
      kernel > (1 << 16) || stride > (1 << 16) || dilation > (1 << 16) || pad_begin > (1 << 16) ||
      pad_end > (1 << 16)) {
    n.invalid(fmt::format(
        "kernel {}, stride {}, dilation {} and pads {}/{} must be positive and at most 65536",
        kernel, stride, dilation, pad_begin, pad_end));
  }
  const int64_t effective = (kernel - 1) * dilation + 1;
  Window w;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>(0, (out - 1) * stride + effective - in);
    const int64_t smaller = total / 2;
    w.out = static_cast<int32_t>(out);
    w.pad_begin = static_cast<int32_t>(auto_pad == "SAME_UPPER" ? smaller : total - smaller);
    w.pad_end = static_cast<int32_t>(total - w.pad_begin);
    return w;
  }
  if (auto_pad == "VALID")
    pad_begin = pad_end = 0;
  else if (auto_pad != "NOTSET" && !auto_pad.empty())
    n.invalid(fmt::format("auto_pad '{}' is not valid", auto_pad));
  const int64_t span = in + pad_begin + pad_end - effective;
  if (span < 0)
    n.invalid(fmt::format("the window ({} taps) is larger than the padded input ({})", effective,
                          in + pad_begin + pad_end));
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // A last window that would start in the end padding is dropped.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  w.out = static_cast<int32_t>(out);
  w.pad_begin = static_cast<int32_t>(pad_begin);
  w.pad_end = static_cast<int32_t>(pad_end);
  return w;
}

// The two spatial dims of a window op; a 1-D op (X is N, C, L) is a 2-D one
// of height 1.
struct Windows {
  Window h, w;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
};

size_t spatial_dims(Node& n, const std::vector<int32_t>& x) {
  if (x.size() != 3 && x.size() != 4) {
    n.unsupported(
        fmt::format("input shape {}: only 1-D and 2-D windows (NCL and NCHW inputs) are supported",
                    ir::shape_string(x)));
  }
  return x.size() - 2;
}

// kernel: one size per spatial dim.
Windows windows(Node& n, const std::vector<int32_t>& x, const std::vector<int64_t>& kernel,
                bool ceil_mode) {
  const size_t spatial = spatial_dims(n, x);
  const std::vector<int64_t> strides = n.attr_ints("strides", std::vector<int64_t>(spatial, 1));
  const std::vector<int64_t> dilations = n.attr_ints("dilations", std::vector<int64_t>(spatial, 1));
  const std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
  if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial) {
    n.invalid(
        fmt::format("kernel, strides, dilations and pads must have {}, {}, {} and {} values (have "
                    "{}, {}, {}, {})",
                    spatial, spatial, spatial, 2 * spatial, kernel.size(), strides.size(),
                    dilations.size(), pads.size()));
  }
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  Windows ws;
  const size_t w = spatial - 1;  // the last spatial dim is the width
  if (spatial == 2) {
    ws.h =
        window(n, auto_pad, x[2], kernel[0], strides[0], dilations[0], pads[0], pads[2], ceil_mode);
  } else {
    ws.h = Window{1, 0, 0};
  }
  ws.w = window(n, auto_pad, x[x.size() - 1], kernel[w], strides[w], dilations[w], pads[w],
                pads[w + spatial], ceil_mode);
  ws.stride_h = spatial == 2 ? static_cast<int32_t>(strides[0]) : 1;
  ws.stride_w = static_cast<int32_t>(strides[w]);
  ws.dilation_h = spatial == 2 ? static_cast<int32_t>(dilations[0]) : 1;
  ws.dilation_w = static_cast<int32_t>(dilations[w]);
  return ws;
}

ir::OpAttrs window_attrs(const Windows& ws) {
  ir::OpAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pad_top = ws.h.pad_begin;
  a.pad_left = ws.w.pad_begin;
  a.stride_h = ws.stride_h;
  a.stride_w = ws.stride_w;
  a.dilation_h = ws.dilation_h;
  a.dilation_w = ws.dilation_w;
  return a;
}

// An activation as the 4-D NHWC tensor a window op reads (a 1-D op's
// N, L, C viewed as N, 1, L, C).
int image_of(Node& n, Value v) {
  const Value in = n.channels_last(v);
  const std::vector<int32_t> shape = n.graph().tensors[static_cast<size_t>(in.tensor)].shape;
  if (shape.size() == 4) return in.tensor;
  return n.reshape(in.tensor, {shape[0], 1, shape[1], shape[2]}, "as_image");
}
int image_input(Node& n) { return image_of(n, n.input(0)); }

// Emits a window op writing NHWC `shape` into output 0 (of input 0's type
// unless `quant` says otherwise); a 1-D op's output is reshaped back to
// N, L, C.
void emit_image_op(Node& n, ir::OpKind kind, std::vector<int> inputs,
                   const std::vector<int32_t>& shape, const ir::OpAttrs& attrs, size_t onnx_rank,
                   const ir::Quantization* quant = nullptr) {
  const kiln_dtype dtype = n.graph().tensors[static_cast<size_t>(inputs[0])].dtype;
  const ir::Quantization q =
      quant ? *quant : n.graph().tensors[static_cast<size_t>(inputs[0])].quant;
  if (onnx_rank == 4) {
    const Value out = n.define_output(0, dtype, shape, true);
    n.graph().tensors[static_cast<size_t>(out.tensor)].quant = q;
    n.emit(kind, std::move(inputs), {out.tensor}, attrs);
    return;
  }
  const int image = n.add_intermediate("image", dtype, shape);
  n.graph().tensors[static_cast<size_t>(image)].quant = q;
  n.emit(kind, std::move(inputs), {image}, attrs);
  const Value out = n.define_output(0, dtype, {shape[0], shape[2], shape[3]}, true);
  n.graph().tensors[static_cast<size_t>(out.tensor)].quant = q;
  n.emit(ir::OpKind::kReshape, {image}, {out.tensor}).type_name = "RESHAPE";
}

// Weights of a float op: a float32 constant, or (a QDQ model) an int8
// constant behind a DequantizeLinear.
Node::ConstantOperand weights(Node& n, size_t i, size_t rank, const char* role) {
  Node::ConstantOperand w = n.constant_operand(i, role);
  const kiln_dtype want = w.quantized ? KILN_DTYPE_INT8 : KILN_DTYPE_FLOAT32;
  if (w.tensor.dtype != want || w.tensor.shape.size() != rank) {
    n.unsupported(fmt::format("{} '{}' must be float32 (or dequantized int8) of rank {} (is {} {})",
                              role, w.tensor.name, rank, ir::dtype_name(w.tensor.dtype),
                              ir::shape_string(w.tensor.shape)));
  }
  return w;
}

// The optional bias of a float op: a float [channels] constant or a
// dequantized int32 one; -1 if absent.
int bias_input(Node& n, size_t i, int32_t channels) {
  if (!n.has_input(i)) return -1;
  const Node::ConstantOperand b = n.constant_operand(i, "bias");
  const kiln_dtype want = b.quantized ? KILN_DTYPE_INT32 : KILN_DTYPE_FLOAT32;
  if (b.tensor.dtype != want || b.tensor.elements() != channels) {
    n.invalid(fmt::format(
        "bias '{}' must be float32 (or dequantized int32) with {} values (is {} {})", b.tensor.name,
        channels, ir::dtype_name(b.tensor.dtype), ir::shape_string(b.tensor.shape)));
  }
  ir::Tensor flat = b.tensor;
  flat.shape = {channels};
  return n.float_operand("bias", {flat, b.quantized});
}

// Filter dims of a 1-D or 2-D ONNX weight tensor as (kH, kW).
void kernel_hw(const ir::Tensor& w, int32_t* k_h, int32_t* k_w) {
  *k_h = w.shape.size() == 4 ? w.shape[2] : 1;
  *k_w = w.shape.back();
}

// A convolution of activation `x` (ONNX shape x_shape) by constant weights
// [M, C / group, (kH,) kW] (float32, or int8 with per-tensor or per-output-
// channel quantization) into output 0, of quantization `out_quant` when int8.
// A float activation reads int8 weights through a DEQUANTIZE (a QDQ model).
void emit_conv(Node& n, Value x, const std::vector<int32_t>& x_shape, const ir::Tensor& w, int bias,
               const ir::Quantization* out_quant) {
  if (w.shape.size() != x_shape.size()) {
    n.invalid(fmt::format("weights {} do not fit input {}", ir::shape_string(w.shape),
                          ir::shape_string(x_shape)));
  }
  const int32_t out_c = w.shape[0], group = static_cast<int32_t>(n.attr_int("group", 1));
  if (group < 1 || x_shape[1] % group != 0 || out_c % group != 0 ||
      w.shape[1] * group != x_shape[1]) {
    n.invalid(fmt::format("weights {} do not fit input {} with {} groups",
                          ir::shape_string(w.shape), ir::shape_string(x_shape), group));
  }
  int32_t k_h, k_w;
  kernel_hw(w, &k_h, &k_w);
  const std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  const Windows ws = windows(n, x_shape, kernel, false);
  ir::OpAttrs a = window_attrs(ws);
  const bool depthwise = group == x_shape[1] && group > 1 && w.shape[1] == 1;
  // OIHW -> OHWI (TFLite's CONV_2D) or -> 1HWO (DEPTHWISE_CONV_2D).
  const std::vector<int32_t> oihw = {w.shape[0], w.shape[1], k_h, k_w};
  const std::vector<int32_t> perm =
      depthwise ? std::vector<int32_t>{1, 2, 3, 0} : std::vector<int32_t>{0, 2, 3, 1};
  ir::Tensor filter = w;
  filter.data = transpose_data(w.data, oihw, perm, kiln_dtype_size(w.dtype));
  filter.shape = permute_shape(oihw, perm);
  if (filter.quant.present()) filter.quant.axis = depthwise ? 3 : 0;
  const bool dequantize =
      n.graph().tensors[static_cast<size_t>(x.tensor)].dtype == KILN_DTYPE_FLOAT32 &&
      w.dtype != KILN_DTYPE_FLOAT32;
  const int filter_tensor = n.float_operand("filter", {filter, dequantize});
  if (depthwise) a.depth_multiplier = out_c / x_shape[1];
  emit_image_op(n, depthwise ? ir::OpKind::kDepthwiseConv2D : ir::OpKind::kConv2D,
                {image_of(n, x), filter_tensor, bias}, {x_shape[0], ws.h.out, ws.w.out, out_c}, a,
                x_shape.size(), out_quant);
}

void convert_conv(Node& n) {
  const std::vector<int32_t> x = n.input_shape(0);
  spatial_dims(n, x);
  if (n.input_tensor(0).dtype != KILN_DTYPE_FLOAT32)
    n.unsupported("only float inputs (quantized models use QLinearConv)");
  const Node::ConstantOperand w = weights(n, 1, x.size(), "weights");
  emit_conv(n, n.input(0), x, w.tensor, bias_input(n, 2, w.tensor.shape[0]), nullptr);
}

// QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
// y_zero_point, B (int32).
void convert_qlinear_conv(Node& n) {
  const std::vector<int32_t> x_shape = n.input_shape(0);
  spatial_dims(n, x_shape);
  const Value x = quantized_input(n, 0, 1, 2);
  const ir::Tensor w = quantized_constant(n, 3, 4, 5, 0);
  for (int64_t zp : w.quant.zero_points) {
    if (zp != 0)
      n.unsupported(fmt::format(
          "weights with zero point {}: kiln's int8 convolutions take symmetric weights", zp));
  }
  int bias = -1;
  if (n.has_input(8)) {
    const ir::Tensor& b = n.constant_input(8, "bias");
    if (b.dtype != KILN_DTYPE_INT32 || b.elements() != w.shape[0])
      n.invalid(fmt::format("bias '{}' must be int32 [{}]", b.name, w.shape[0]));
    bias = n.input(8).tensor;
  }
  const ir::Quantization out = output_quantization(n, 6, 7);
  emit_conv(n, x, x_shape, w, bias, &out);
}

void convert_conv_transpose(Node& n) {
  const std::vector<int32_t> x = n.input_shape(0);
  const size_t spatial = spatial_dims(n, x);
  const Node::ConstantOperand weight_operand = weights(n, 1, x.size(), "weights");
  const ir::Tensor& w = weight_operand.tensor;
  if (w.quant.per_channel())
    n.unsupported("per-channel quantized ConvTranspose weights are not supported");
  const int32_t group = static_cast<int32_t>(n.attr_int("group", 1));
  if (group < 1 || w.shape[0] != x[1] || x[1] % group != 0) {
    n.invalid(fmt::format("weights {} do not fit input {} with {} groups",
                          ir::shape_string(w.shape), ir::shape_string(x), group));
  }
  int32_t k_h, k_w;
  kernel_hw(w, &k_h, &k_w);
  const int32_t out_c = w.shape[1] * group;
  const std::vector<int64_t> ones(spatial, 1), zeros(spatial, 0);
  const std::vector<int64_t> strides = n.attr_ints("strides", ones),
                             dilations = n.attr_ints("dilations", ones);
  const std::vector<int64_t> output_padding = n.attr_ints("output_padding", zeros);
  std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * spatial, 0));
  const std::vector<int64_t> output_shape = n.attr_ints("output_shape");
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  if (strides.size() != spatial || dilations.size() != spatial ||
      output_padding.size() != spatial || pads.size() != 2 * spatial ||
      (!output_shape.empty() && output_shape.size() != spatial &&
       output_shape.size() != x.size())) {
    n.invalid(
        "strides, dilations, output_padding, pads or output_shape has the wrong number of values");
  }
  // Per spatial dim (height first for 2-D): output size and leading pad.
  std::vector<int32_t> out_size(spatial), pad_begin(spatial);
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t in = x[2 + d], k = d + 1 == spatial ? k_w : k_h;
    if (strides[d] < 1 || dilations[d] < 1 || output_padding[d] < 0 || strides[d] > (1 << 16) ||
        dilations[d] > (1 << 16)) {
      n.invalid("strides and dilations must be positive, output_padding not negative");
    }
    const int64_t full = strides[d] * (in - 1) + output_padding[d] + (k - 1) * dilations[d] + 1;
    int64_t begin = pads[d], end = pads[d + spatial];
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!output_shape.empty() || same) {
      const int64_t target =
          !output_shape.empty() ? output_shape[output_shape.size() - spatial + d] : in * strides[d];
      // A larger target than the full result extends it at the end.
      const int64_t total = std::max<int64_t>(0, full - target);
      const int64_t half = total / 2;
      begin = auto_pad == "SAME_UPPER" ? half : total - half;
      end = full - target - begin;
    } else if (auto_pad == "VALID") {
      begin = end = 0;
    }
    if (begin < 0) n.invalid("negative pads");
    const int64_t size = full - begin - end;
    if (size < 1 || size > (1 << 16))
      n.invalid(fmt::format("output size {} is out of range", size));
    out_size[d] = static_cast<int32_t>(size);
    pad_begin[d] = static_cast<int32_t>(begin);
  }
  // [in_c, out_c / group, (kH,) kW] -> [out_c, kH, kW, in_c / group].
  const int32_t in_per_group = x[1] / group, out_per_group = w.shape[1];
  const size_t element = kiln_dtype_size(w.dtype);
  ir::Tensor filter = w;
  filter.shape = {out_c, k_h, k_w, in_per_group};
  for (int32_t oc = 0; oc < out_c; ++oc) {
    const int32_t g = oc / out_per_group, m = oc % out_per_group;
    for (int32_t y = 0; y < k_h; ++y) {
      for (int32_t xx = 0; xx < k_w; ++xx) {
        for (int32_t ic = 0; ic < in_per_group; ++ic) {
          const size_t from =
              ((static_cast<size_t>(g * in_per_group + ic) * out_per_group + m) * k_h + y) * k_w +
              xx;
          const size_t to = ((static_cast<size_t>(oc) * k_h + y) * k_w + xx) * in_per_group + ic;
          std::memcpy(&filter.data[to * element], &w.data[from * element], element);
        }
      }
    }
  }
  const int filter_tensor = n.float_operand("filter", {filter, weight_operand.quantized});
  const int bias = bias_input(n, 2, out_c);
  ir::OpAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pad_top = spatial == 2 ? pad_begin[0] : 0;
  a.pad_left = pad_begin.back();
  a.stride_h = spatial == 2 ? static_cast<int32_t>(strides[0]) : 1;
  a.stride_w = static_cast<int32_t>(strides.back());
  a.dilation_h = spatial == 2 ? static_cast<int32_t>(dilations[0]) : 1;
  a.dilation_w = static_cast<int32_t>(dilations.back());
  emit_image_op(n, ir::OpKind::kTransposeConv, {image_input(n), filter_tensor, bias},
                {x[0], spatial == 2 ? out_size[0] : 1, out_size.back(), out_c}, a, x.size());
}

void convert_pool(Node& n, bool average) {
  const std::vector<int32_t> x = n.input_shape(0);
  spatial_dims(n, x);
  if (n.num_outputs() > 1 && !n.output_name(1).empty())
    n.unsupported("the Indices output is not supported");
  const std::vector<int64_t> kernel = n.attr_ints("kernel_shape");
  const bool ceil_mode = n.attr_int("ceil_mode", 0) != 0;
  Windows ws = windows(n, x, kernel, ceil_mode);
  if (ws.dilation_h != 1 || ws.dilation_w != 1) n.unsupported("dilated pooling is not supported");
  if (n.attr_int("storage_order", 0) != 0)
    n.unsupported("column-major storage_order is not supported");
  int input = image_input(n);
  const bool pads = ws.h.pad_begin || ws.h.pad_end || ws.w.pad_begin || ws.w.pad_end;
  if (average && n.attr_int("count_include_pad", 0) != 0 && pads) {
    // Padded taps count: pad with zeros first, then pool without padding.
    const std::vector<int32_t> paddings = {
        0, 0, ws.h.pad_begin, ws.h.pad_end, ws.w.pad_begin, ws.w.pad_end, 0, 0};
    const int pad_tensor =
        n.add_constant("paddings", KILN_DTYPE_INT32, {4, 2}, paddings.data(), paddings.size() * 4);
    const std::vector<int32_t>& image = n.graph().tensors[static_cast<size_t>(input)].shape;
    const std::vector<int32_t> padded_shape = {image[0], image[1] + ws.h.pad_begin + ws.h.pad_end,
                                               image[2] + ws.w.pad_begin + ws.w.pad_end, image[3]};
    const int padded = n.add_intermediate("padded", KILN_DTYPE_FLOAT32, padded_shape);
    n.emit(ir::OpKind::kPad, {input, pad_tensor}, {padded});
    input = padded;
    ws.h.pad_begin = ws.w.pad_begin = 0;
  }
  ir::OpAttrs a = window_attrs(ws);
  a.filter_h = x.size() == 4 ? static_cast<int32_t>(kernel[0]) : 1;
  a.filter_w = static_cast<int32_t>(kernel.back());
  emit_image_op(n, average ? ir::OpKind::kAveragePool2D : ir::OpKind::kMaxPool2D, {input},
                {x[0], ws.h.out, ws.w.out, x[1]}, a, x.size());
}

void convert_global_pool(Node& n, bool average) {
  const std::vector<int32_t> x = n.input_shape(0);
  spatial_dims(n, x);
  ir::OpAttrs a;
  a.padding = ir::Padding::kValid;
  a.filter_h = x.size() == 4 ? x[2] : 1;
  a.filter_w = x.back();
  emit_image_op(n, average ? ir::OpKind::kAveragePool2D : ir::OpKind::kMaxPool2D, {image_input(n)},
                {x[0], 1, 1, x[1]}, a, x.size());
}

// y = scale * (x - mean) / sqrt(var + epsilon) + bias, as a MUL and an ADD
// by per-channel constants (folded into the preceding convolution by the
// graph passes).
void convert_batch_norm(Node& n) {
  if (n.attr_int("training_mode", 0) != 0)
    n.unsupported("training_mode is not supported (inference only)");
  if (n.attr_int("spatial", 1) != 1) n.unsupported("spatial=0 is not supported");
  for (size_t o = 1; o < n.num_outputs(); ++o) {
    if (!n.output_name(o).empty())
      n.unsupported("running mean/variance outputs are not supported (inference only)");
  }
  const std::vector<int32_t> x = n.input_shape(0);
  if (x.size() < 2)
    n.invalid(fmt::format("input shape {} has no channel dimension", ir::shape_string(x)));
  const int32_t channels = x[1];
  const std::vector<float> scale = n.float_values(1, "scale"), bias = n.float_values(2, "bias");
  const std::vector<float> mean = n.float_values(3, "mean"), var = n.float_values(4, "variance");
  if (scale.size() != static_cast<size_t>(channels) || bias.size() != scale.size() ||
      mean.size() != scale.size() || var.size() != scale.size()) {
    n.invalid(fmt::format("scale, bias, mean and variance must have {} values", channels));
  }
  const float epsilon = n.attr_float("epsilon", 1e-5f);
  std::vector<float> mul(scale.size()), add(scale.size());
  for (size_t c = 0; c < scale.size(); ++c) {
    mul[c] = scale[c] / std::sqrt(var[c] + epsilon);
    add[c] = bias[c] - mean[c] * mul[c];
  }
  const Value in = n.input(0);
  // Channels broadcast along the IR's last dim (channels-last) or ONNX's dim 1.
  std::vector<int32_t> shape = {channels};
  if (!in.channels_last) shape.resize(x.size() - 1, 1);
  const int mul_tensor = n.add_float_constant("scale", shape, mul);
  const int add_tensor = n.add_float_constant("shift", shape, add);
  const std::vector<int32_t> ir_shape = n.input_tensor(0).shape;
  const int scaled = n.add_intermediate("scaled", KILN_DTYPE_FLOAT32, ir_shape);
  n.emit(ir::OpKind::kMul, {in.tensor, mul_tensor}, {scaled});
  const Value out = n.define_output(0, KILN_DTYPE_FLOAT32, ir_shape, in.channels_last);
  n.emit(ir::OpKind::kAdd, {scaled, add_tensor}, {out.tensor});
}

// Fully connected weights [n, k] as a tensor a float op reads, from a
// constant B stored [k, n] (or [n, k] when `b_is_nk`) times alpha: float,
// or int8 behind a DEQUANTIZE (a QDQ model; alpha goes into the scales).
int dense_weights(Node& n, const Node::ConstantOperand& b, bool b_is_nk, float alpha) {
  const int32_t rows = b.tensor.shape[0], cols = b.tensor.shape[1];
  ir::Tensor w = b.tensor;
  if (!b_is_nk) {
    w.data = transpose_data(b.tensor.data, b.tensor.shape, {1, 0}, kiln_dtype_size(b.tensor.dtype));
    w.shape = {cols, rows};
    if (w.quant.per_channel()) w.quant.axis = 1 - w.quant.axis;
  }
  if (w.quant.per_channel() && w.quant.axis != 0)
    n.unsupported("B quantized along its reduction axis");
  if (b.quantized) {
    if (alpha <= 0.0f) n.unsupported(fmt::format("alpha {} with quantized B", alpha));
    for (float& scale : w.quant.scales) scale *= alpha;
  } else if (alpha != 1.0f) {
    float* v = reinterpret_cast<float*>(w.data.data());
    for (int64_t i = 0; i < w.elements(); ++i) v[i] *= alpha;
  }
  return n.float_operand("weights", {w, b.quantized});
}

// A fully connected layer over the last dim of `a`, weights [n, k].
void emit_fully_connected(Node& n, Value a, int weights, int bias, std::vector<int32_t> out_shape) {
  const Value out = n.define_output(0, KILN_DTYPE_FLOAT32, std::move(out_shape), false);
  n.emit(ir::OpKind::kFullyConnected, {a.tensor, weights, bias}, {out.tensor});
}

Node::ConstantOperand matrix_operand(Node& n, size_t i, const char* role) {
  Node::ConstantOperand b = n.constant_operand(i, role);
  const kiln_dtype want = b.quantized ? KILN_DTYPE_INT8 : KILN_DTYPE_FLOAT32;
  if (b.tensor.dtype != want) {
    n.unsupported(fmt::format("{} '{}' is {}, expected float32 (or dequantized int8)", role,
                              b.tensor.name, ir::dtype_name(b.tensor.dtype)));
  }
  return b;
}

void convert_gemm(Node& n) {
  const std::vector<int32_t> a_shape = n.input_shape(0);
  if (a_shape.size() != 2)
    n.invalid(fmt::format("A has shape {}, expected 2-D", ir::shape_string(a_shape)));
  const Node::ConstantOperand b = matrix_operand(n, 1, "B");
  if (b.tensor.shape.size() != 2)
    n.invalid(fmt::format("B has shape {}, expected 2-D", ir::shape_string(b.tensor.shape)));
  const bool trans_a = n.attr_int("transA", 0) != 0, trans_b = n.attr_int("transB", 0) != 0;
  const float alpha = n.attr_float("alpha", 1.0f), beta = n.attr_float("beta", 1.0f);
  const int32_t m = trans_a ? a_shape[1] : a_shape[0], k = trans_a ? a_shape[0] : a_shape[1];
  const int32_t out_n = trans_b ? b.tensor.shape[0] : b.tensor.shape[1];
  if ((trans_b ? b.tensor.shape[1] : b.tensor.shape[0]) != k) {
    n.invalid(fmt::format("A {} and B {} do not multiply", ir::shape_string(a_shape),
                          ir::shape_string(b.tensor.shape)));
  }
  Value a = n.input(0);
  if (trans_a) a = Value{n.transpose(a.tensor, {1, 0}, "transposed"), false};
  const int weights = dense_weights(n, b, trans_b, alpha);
  if (!n.has_input(2) || beta == 0.0f) {
    emit_fully_connected(n, a, weights, -1, {m, out_n});
    return;
  }
  const Node::ConstantOperand c = n.constant_operand(2, "C");
  const std::vector<int32_t> c_shape = c.tensor.shape;
  const int64_t count = c.tensor.elements();
  const bool per_column =
      count == 1 ||
      (count == out_n && (c_shape.size() == 1 || (c_shape.size() == 2 && c_shape[0] == 1)));
  if (c.quantized) {
    // A QDQ model's int32 bias, per output column.
    if (!per_column || count != out_n || beta != 1.0f || c.tensor.dtype != KILN_DTYPE_INT32) {
      n.unsupported("a quantized C other than an int32 bias per output column");
    }
    ir::Tensor bias = c.tensor;
    bias.shape = {out_n};
    emit_fully_connected(n, a, weights, n.float_operand("bias", {bias, true}), {m, out_n});
    return;
  }
  const std::vector<float> values = n.float_values(2, "C");
  if (per_column) {
    std::vector<float> bias(static_cast<size_t>(out_n));
    for (int32_t j = 0; j < out_n; ++j)
      bias[static_cast<size_t>(j)] = beta * values[count == 1 ? 0 : static_cast<size_t>(j)];
    emit_fully_connected(n, a, weights, n.add_float_constant("bias", {out_n}, bias), {m, out_n});
    return;
  }
  if (count != static_cast<int64_t>(m) * out_n && count != m) {
    n.invalid(
        fmt::format("C {} does not broadcast to [{},{}]", ir::shape_string(c_shape), m, out_n));
  }
  // A bias that varies by row: a broadcast ADD after the product.
  const int product = n.add_intermediate("product", KILN_DTYPE_FLOAT32, {m, out_n});
  n.emit(ir::OpKind::kFullyConnected, {a.tensor, weights, -1}, {product});
  std::vector<float> matrix_bias = values;
  for (float& v : matrix_bias) v *= beta;
  const int c_tensor = n.add_float_constant(
      "bias", count == m ? std::vector<int32_t>{m, 1} : std::vector<int32_t>{m, out_n},
      matrix_bias);
  const Value out = n.define_output(0, KILN_DTYPE_FLOAT32, {m, out_n}, false);
  n.emit(ir::OpKind::kAdd, {product, c_tensor}, {out.tensor});
}

// MatMul by a constant matrix: a fully connected layer over A's last dim.
// MatMul of two activations (attention's products): BATCH_MATMUL, whose
// batch dims broadcast as numpy's do.
void convert_batch_matmul(Node& n) {
  const std::vector<int32_t> a_shape = n.input_shape(0), b_shape = n.input_shape(1);
  if (a_shape.size() < 2 || b_shape.size() < 2)
    n.unsupported("a 1-D operand of a product of two activations");
  if (a_shape.back() != b_shape[b_shape.size() - 2]) {
    n.invalid(fmt::format("A {} and B {} do not multiply", ir::shape_string(a_shape),
                          ir::shape_string(b_shape)));
  }
  const size_t batch_rank = std::max(a_shape.size(), b_shape.size()) - 2;
  std::vector<int32_t> out_shape(batch_rank, 1);
  for (size_t i = 0; i < batch_rank; ++i) {
    const size_t from_end = batch_rank - i;  // batch dims right-aligned
    const int32_t da = from_end + 2 <= a_shape.size() ? a_shape[a_shape.size() - 2 - from_end] : 1;
    const int32_t db = from_end + 2 <= b_shape.size() ? b_shape[b_shape.size() - 2 - from_end] : 1;
    if (da != db && da != 1 && db != 1) n.invalid("batch dims do not broadcast");
    out_shape[i] = da == 1 ? db : da;
  }
  out_shape.push_back(a_shape[a_shape.size() - 2]);
  out_shape.push_back(b_shape.back());
  const Value a = n.plain(n.input(0)), b = n.plain(n.input(1));
  const Value out = n.define_output(0, n.input_tensor(0).dtype, out_shape, false);
  n.emit(ir::OpKind::kBatchMatMul, {a.tensor, b.tensor}, {out.tensor});
}

void convert_matmul(Node& n) {
  if (!n.has_constant_operand(1)) return convert_batch_matmul(n);
  const std::vector<int32_t> a_shape = n.input_shape(0);
  Node::ConstantOperand b = matrix_operand(n, 1, "B (kiln multiplies by constant matrices only)");
  std::vector<int32_t> b_shape = b.tensor.shape;
  // Leading dims of 1 on B broadcast away; a 1-D B is a column.
  while (b_shape.size() > 2 && b_shape[0] == 1) b_shape.erase(b_shape.begin());
  const bool b_vector = b_shape.size() == 1;
  if (b_vector) b_shape.push_back(1);
  if (b_shape.size() != 2) {
    n.unsupported(fmt::format("B of shape {}: batched matrix products are not supported",
                              ir::shape_string(b.tensor.shape)));
  }
  if (a_shape.empty()) n.invalid("A is a scalar");
  if (a_shape.back() != b_shape[0]) {
    n.invalid(fmt::format("A {} and B {} do not multiply", ir::shape_string(a_shape),
                          ir::shape_string(b.tensor.shape)));
  }
  if (b.tensor.shape.size() > a_shape.size())
    n.unsupported("B of higher rank than A is not supported");
  if (b.quantized && b.tensor.quant.per_channel())
    b.tensor.quant.axis = b.tensor.quant.axis - static_cast<int32_t>(b.tensor.shape.size() - 2);
  b.tensor.shape = b_shape;
  std::vector<int32_t> out_shape = a_shape;
  if (b_vector) {
    out_shape.pop_back();
  } else {
    out_shape.back() = b_shape[1];
  }
  const Value a = n.plain(n.input(0));
  emit_fully_connected(n, a, dense_weights(n, b, false, 1.0f), -1, out_shape);
}

// QLinearMatMul by a constant matrix: an int8 fully connected layer (B's
// zero point is the filter offset kiln's reference kernel applies).
void convert_qlinear_matmul(Node& n) {
  const std::vector<int32_t> a_shape = n.input_shape(0);
  const Value a = n.plain(quantized_input(n, 0, 1, 2));
  const ir::Tensor b = quantized_constant(n, 3, 4, 5, 1);
  if (b.shape.size() != 2)
    n.unsupported(fmt::format("B of shape {}: batched matrix products are not supported",
                              ir::shape_string(b.shape)));
  if (b.quant.scales.size() != 1)
    n.unsupported("per-column scales of B (kiln's int8 fully connected layers are per tensor)");
  const int32_t k = b.shape[0], out_n = b.shape[1];
  if (a_shape.empty() || a_shape.back() != k)
    n.invalid(fmt::format("A {} and B {} do not multiply", ir::shape_string(a_shape),
                          ir::shape_string(b.shape)));
  const std::vector<uint8_t> weights = transpose_data(b.data, b.shape, {1, 0}, 1);
  const int filter =
      n.add_constant("weights", KILN_DTYPE_INT8, {out_n, k}, weights.data(), weights.size());
  n.graph().tensors[static_cast<size_t>(filter)].quant = b.quant;
  n.graph().tensors[static_cast<size_t>(filter)].quant.axis = 0;
  std::vector<int32_t> out_shape = a_shape;
  out_shape.back() = out_n;
  const Value out = n.define_output(0, KILN_DTYPE_INT8, out_shape, false);
  n.graph().tensors[static_cast<size_t>(out.tensor)].quant = output_quantization(n, 6, 7);
  n.emit(ir::OpKind::kFullyConnected, {a.tensor, filter, -1}, {out.tensor});
}

}  // namespace

void register_nn_converters(std::map<std::string, Converter>& table) {
  table["Conv"] = convert_conv;
  table["QLinearConv"] = convert_qlinear_conv;
  table["QLinearMatMul"] = convert_qlinear_matmul;
  table["ConvTranspose"] = convert_conv_transpose;
  table["MaxPool"] = [](Node& n) { convert_pool(n, false); };
  table["AveragePool"] = [](Node& n) { convert_pool(n, true); };
  table["GlobalAveragePool"] = [](Node& n) { convert_global_pool(n, true); };
  table["GlobalMaxPool"] = [](Node& n) { convert_global_pool(n, false); };
  table["BatchNormalization"] = convert_batch_norm;
  table["Gemm"] = convert_gemm;
  table["MatMul"] = convert_matmul;
}

}  // namespace onnx_import
}  // namespace kiln
