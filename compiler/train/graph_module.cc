#include "compiler/train/graph_module.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/common/error.h"
#include "compiler/ops/op_record.h"
#include "compiler/quantize/ptq.h"

namespace kiln {
namespace train {
namespace {

namespace F = torch::nn::functional;
using ir::OpKind;

torch::Tensor float_constant(const ir::Tensor& t) {
  std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
  torch::Tensor values = torch::empty(shape, torch::kFloat32);
  std::memcpy(values.data_ptr<float>(), t.data.data(), t.data.size());
  return values;
}

torch::Tensor activate(torch::Tensor x, ir::Activation a) {
  switch (a) {
    case ir::Activation::kNone: return x;
    case ir::Activation::kRelu: return torch::relu(x);
    case ir::Activation::kRelu6: return torch::clamp(x, 0.0, 6.0);
    case ir::Activation::kReluN1To1: return torch::clamp(x, -1.0, 1.0);
  }
  return x;
}

// Leading and trailing padding of one spatial axis, from the sizes the graph
// states (TFLite's SAME puts the odd pixel last; explicit padding gives the
// leading one).
std::pair<int64_t, int64_t> padding(const ir::OpAttrs& a, bool vertical, int64_t in, int64_t out,
                                    int64_t taps, int64_t stride, int64_t dilation) {
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (taps - 1) * dilation + 1 - in);
  int64_t before = total / 2;
  if (a.padding == ir::Padding::kValid) before = 0;
  if (a.padding == ir::Padding::kExplicit) before = vertical ? a.pad_top : a.pad_left;
  return {before, std::max<int64_t>(0, total - before)};
}

// An NHWC value padded for a window op, in NCHW for libtorch.
torch::Tensor padded_nchw(const torch::Tensor& nhwc, const ir::OpAttrs& a, const ir::Tensor& in,
                          const ir::Tensor& out, int64_t k_h, int64_t k_w, double value) {
  const auto [top, bottom] =
      padding(a, true, in.shape[1], out.shape[1], k_h, a.stride_h, a.dilation_h);
  const auto [left, right] =
      padding(a, false, in.shape[2], out.shape[2], k_w, a.stride_w, a.dilation_w);
  torch::Tensor x = nhwc.permute({0, 3, 1, 2});
  if (top || bottom || left || right) {
    x = F::pad(x, F::PadFuncOptions({left, right, top, bottom}).value(value));
  }
  return x;
}

torch::Tensor to_nhwc(const torch::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }

}  // namespace

bool trainable_op(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2D:
    case OpKind::kDepthwiseConv2D:
    case OpKind::kFullyConnected:
    case OpKind::kMaxPool2D:
    case OpKind::kAveragePool2D:
    case OpKind::kReshape:
    case OpKind::kTranspose:
    case OpKind::kSoftmax:
    case OpKind::kAdd:
    case OpKind::kMean:
    case OpKind::kClamp:
    case OpKind::kLeakyRelu:
    case OpKind::kLogistic:
    case OpKind::kTanh: return true;
    default: return false;
  }
}

GraphModule::GraphModule(const ir::Graph& graph) : graph_(graph), quantizer_(graph) {
  if (graph.inputs.size() != 1 || graph.outputs.empty()) {
    throw Error(ErrorKind::kUnsupported, "training needs a model with one input");
  }
  for (const ir::Op& op : graph.ops) {
    if (!trainable_op(op.kind)) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{} ({}): training cannot run this op", op.type_name, op.location));
    }
    const bool weighted = op.kind == OpKind::kConv2D || op.kind == OpKind::kDepthwiseConv2D ||
                          op.kind == OpKind::kFullyConnected;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int index = op.inputs[i];
      if (index < 0) continue;
      const ir::Tensor& t = graph.tensors[static_cast<size_t>(index)];
      // Shapes, axes and permutations are integer operands.
      const bool integer_operand =
          i == 1 && (op.kind == OpKind::kReshape || op.kind == OpKind::kMean ||
                     op.kind == OpKind::kTranspose);
      if (t.dtype != KILN_DTYPE_FLOAT32 && !integer_operand) {
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("{} ({}): '{}' is {}; training takes a float model", op.type_name,
                                op.location, t.name, ir::dtype_name(t.dtype)));
      }
      if (!weighted || i == 0 || !t.constant || parameters_.count(index)) continue;
      torch::Tensor values = float_constant(t);
      // Filters in libtorch's order: [out, in, h, w] (depthwise: [channels, 1, h, w]).
      if (i == 1 && op.kind != OpKind::kFullyConnected) {
        filters_[index] = op.kind;
        values = op.kind == OpKind::kConv2D ? values.permute({0, 3, 1, 2})
                                            : values.permute({3, 0, 1, 2});
      }
      parameters_[index] = register_parameter(fmt::format("t{}", index), values.contiguous(),
                                              /*requires_grad=*/true);
    }
  }
}

torch::Tensor GraphModule::run_op(const ir::Op& op, const std::vector<torch::Tensor>& in) const {
  const ir::OpAttrs& a = op.attrs;
  const ir::Tensor& out = graph_.tensors[static_cast<size_t>(op.outputs[0])];
  const ir::Tensor& first = graph_.tensors[static_cast<size_t>(op.inputs[0])];
  const auto bias = [&](size_t i) { return in.size() > i ? in[i] : torch::Tensor(); };
  switch (op.kind) {
    case OpKind::kConv2D:
    case OpKind::kDepthwiseConv2D: {
      const torch::Tensor& w = in[1];
      const int64_t groups =
          op.kind == OpKind::kDepthwiseConv2D ? first.shape[3] : first.shape[3] / w.size(1);
      const torch::Tensor x = padded_nchw(in[0], a, first, out, w.size(2), w.size(3), 0.0);
      const torch::Tensor y = F::conv2d(x, w,
                                        F::Conv2dFuncOptions()
                                            .bias(bias(2))
                                            .stride({a.stride_h, a.stride_w})
                                            .dilation({a.dilation_h, a.dilation_w})
                                            .groups(groups));
      return activate(to_nhwc(y), a.activation);
    }
    case OpKind::kFullyConnected: {
      const torch::Tensor& w = in[1];
      torch::Tensor y = F::linear(in[0].reshape({-1, w.size(1)}), w, bias(2));
      std::vector<int64_t> shape(out.shape.begin(), out.shape.end());
      shape[0] = -1;
      return activate(y.reshape(shape), a.activation);
    }
    case OpKind::kMaxPool2D:
    case OpKind::kAveragePool2D: {
      const bool max = op.kind == OpKind::kMaxPool2D;
      const auto [top, bottom] =
          padding(a, true, first.shape[1], out.shape[1], a.filter_h, a.stride_h, 1);
      const auto [left, right] =
          padding(a, false, first.shape[2], out.shape[2], a.filter_w, a.stride_w, 1);
      torch::Tensor y;
      if (max) {
        const torch::Tensor x = padded_nchw(in[0], a, first, out, a.filter_h, a.filter_w,
                                            -std::numeric_limits<double>::infinity());
        y = F::max_pool2d(
            x, F::MaxPool2dFuncOptions({a.filter_h, a.filter_w}).stride({a.stride_h, a.stride_w}));
      } else if (top == bottom && left == right) {
        // TFLite averages over the taps inside the input only.
        y = F::avg_pool2d(in[0].permute({0, 3, 1, 2}),
                          F::AvgPool2dFuncOptions({a.filter_h, a.filter_w})
                              .stride({a.stride_h, a.stride_w})
                              .padding({top, left})
                              .count_include_pad(false));
      } else {
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("{} ({}): training needs even padding for an average pool",
                                op.type_name, op.location));
      }
      return activate(to_nhwc(y), a.activation);
    }
    case OpKind::kReshape: {
      std::vector<int64_t> shape(out.shape.begin(), out.shape.end());
      shape[0] = -1;
      return in[0].reshape(shape);
    }
    case OpKind::kTranspose: {
      const ir::Tensor& perm = graph_.tensors[static_cast<size_t>(op.inputs[1])];
      std::vector<int64_t> dims;
      for (int64_t i = 0; i < perm.elements(); ++i) dims.push_back(perm.as<int32_t>()[i]);
      return in[0].permute(dims);
    }
    case OpKind::kSoftmax: return torch::softmax(in[0] * a.beta, -1);
    case OpKind::kAdd: return activate(in[0] + in[1], a.activation);
    case OpKind::kMean: {
      const ir::Tensor& axes = graph_.tensors[static_cast<size_t>(op.inputs[1])];
      std::vector<int64_t> dims;
      for (int64_t i = 0; i < axes.elements(); ++i) dims.push_back(axes.as<int32_t>()[i]);
      return in[0].mean(dims, a.keep_dims);
    }
    case OpKind::kClamp: {  // RELU, RELU6, RELU_N1_TO_1 and ONNX's Clip
      const torch::optional<torch::Scalar> lo =
          std::isfinite(a.clamp_min) ? torch::optional<torch::Scalar>(a.clamp_min) : torch::nullopt;
      const torch::optional<torch::Scalar> hi =
          std::isfinite(a.clamp_max) ? torch::optional<torch::Scalar>(a.clamp_max) : torch::nullopt;
      return torch::clamp(in[0], lo, hi);
    }
    case OpKind::kLeakyRelu:
      return F::leaky_relu(in[0], F::LeakyReLUFuncOptions().negative_slope(a.alpha));
    case OpKind::kLogistic: return torch::sigmoid(in[0]);
    case OpKind::kTanh: return torch::tanh(in[0]);
    default: break;
  }
  throw Error(ErrorKind::kUnsupported,
              fmt::format("{} ({}): training cannot run this op", op.type_name, op.location));
}

torch::Tensor GraphModule::forward(const torch::Tensor& input) {
  quantizer_.begin_batch();
  std::map<int, torch::Tensor> values;
  values[graph_.inputs[0]] = quantizer_.apply(graph_.inputs[0], input);
  const int result = graph_.outputs[0];
  for (const ir::Op& op : graph_.ops) {
    if (op.kind == OpKind::kSoftmax && op.outputs[0] == result) {
      values[result] = values.at(op.inputs[0]);
      break;
    }
    std::vector<torch::Tensor> in;
    for (int t : op.inputs) {
      if (t < 0) {
        in.emplace_back();
      } else if (parameters_.count(t)) {
        in.push_back(parameter(t));
      } else if (values.count(t)) {
        in.push_back(values.at(t));
      } else {
        in.push_back(float_constant(graph_.tensors[static_cast<size_t>(t)]));
      }
    }
    if (quantizer_.mode() == ActivationQuantizer::Mode::kQuantize &&
        op_traits(op.kind).weighted()) {
      quantize_parameters(op, in);
    }
    values[op.outputs[0]] = quantizer_.apply(op.outputs[0], run_op(op, in));
  }
  quantizer_.end_batch(is_training());
  return values.at(result);
}

void GraphModule::quantize_parameters(const ir::Op& op, std::vector<torch::Tensor>& in) {
  const bool per_channel = op_traits(op.kind).per_channel_weights;
  const std::string& name = graph_.tensors[static_cast<size_t>(op.outputs[0])].name;
  const bool chosen = weight_layers_.empty() || weight_layers_.count(name) > 0;
  const int32_t levels = chosen ? weight_levels_ : kInt8WeightLevels;
  torch::Tensor scales;
  if (chosen && binary_weights_) {
    in[1] = fake_binarize_weights(in[1], per_channel, &scales);
  } else {
    scales = weight_scales(in[1], per_channel, levels);
    in[1] = fake_quantize_weights(in[1], scales, levels);
    const auto clusters = weight_clusters_.find(name);
    if (clusters != weight_clusters_.end()) {
      in[1] = fake_cluster_weights(in[1], scales, clusters->second);
    }
  }
  if (in.size() > 2 && in[2].defined()) {
    in[2] = fake_quantize_bias(in[2], quantizer_.quantization(op.inputs[0]).scale, scales);
  }
}

void GraphModule::mask_zeros(const ir::Graph& pruned, const std::vector<int>& filters) {
  torch::NoGradGuard no_grad;
  for (int t : filters) {
    const auto p = parameters_.find(t);
    const ir::Tensor& f = pruned.tensors.at(static_cast<size_t>(t));
    if (p == parameters_.end() || f.dtype != KILN_DTYPE_FLOAT32 ||
        f.elements() != p->second.numel()) {
      throw Error(ErrorKind::kUnsupported, fmt::format("training cannot mask filter '{}'", f.name));
    }
    const torch::Tensor values =
        torch::from_blob(const_cast<float*>(f.as<float>()), {f.elements()}, torch::kFloat32);
    masks_[t] = (values != 0).to(torch::kFloat32).reshape(p->second.sizes());
  }
}

torch::Tensor GraphModule::parameter(int tensor) const {
  const torch::Tensor& p = parameters_.at(tensor);
  const auto mask = masks_.find(tensor);
  return mask == masks_.end() ? p : p * mask->second;
}

ir::Graph GraphModule::trained() const {
  ir::Graph g = graph_;
  torch::NoGradGuard no_grad;
  for (const auto& [index, p] : parameters_) {
    ir::Tensor& t = g.tensors[static_cast<size_t>(index)];
    torch::Tensor values = parameter(index);
    const auto filter = filters_.find(index);
    if (filter != filters_.end()) {  // back to kiln's filter layouts
      values =
          filter->second == OpKind::kConv2D ? p.permute({0, 2, 3, 1}) : p.permute({1, 2, 3, 0});
    }
    values = values.contiguous();
    std::memcpy(t.data.data(), values.data_ptr<float>(), t.data.size());
  }
  return g;
}

}  // namespace train
}  // namespace kiln
