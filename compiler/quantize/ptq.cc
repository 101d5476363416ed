#include "compiler/quantize/ptq.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "compiler/common/error.h"
#include "compiler/exec/graph_evaluator.h"
#include "compiler/numerics/multiplier.h"
#include "compiler/ops/op_record.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace {

bool is_activation(const ir::Tensor& t) { return !t.constant && t.dtype == KILN_DTYPE_FLOAT32; }

// Union-find over tensors that share one quantization.
class SharedQuantization {
 public:
  explicit SharedQuantization(size_t n) : parent_(n) {
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  int find(int t) {
    while (parent_[static_cast<size_t>(t)] != t)
      t = parent_[static_cast<size_t>(t)] =
          parent_[static_cast<size_t>(parent_[static_cast<size_t>(t)])];
    return t;
  }
  void join(int a, int b) { parent_[static_cast<size_t>(find(a))] = find(b); }

 private:
  std::vector<int> parent_;
};

void require_float_graph(const ir::Graph& g) {
  for (const ir::Op& op : g.ops) {
    for (const std::vector<int>* list : {&op.inputs, &op.outputs}) {
      for (int t : *list) {
        if (t < 0) continue;
        const ir::Tensor& tensor = g.tensors[static_cast<size_t>(t)];
        if (!tensor.constant && tensor.dtype != KILN_DTYPE_FLOAT32) {
          throw Error(
              ErrorKind::kUnsupported,
              fmt::format(
                  "{} ({}) uses {} tensor '{}': the model is already quantized; quantize its float "
                  "original",
                  op.type_name, op.location, ir::dtype_name(tensor.dtype), tensor.name));
        }
      }
    }
  }
}

// A constant's values as float (int8 weights of a hybrid model dequantized).
std::vector<float> float_values(const ir::Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.elements()));
  if (t.dtype == KILN_DTYPE_FLOAT32) {
    if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * 4);
    return v;
  }
  if (t.dtype != KILN_DTYPE_INT8 || !t.quant.present()) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("constant '{}' of type {} cannot be requantized", t.name,
                            ir::dtype_name(t.dtype)));
  }
  const size_t channels = t.quant.scales.size();
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(t.quant.axis) + 1; d < t.shape.size(); ++d)
    inner *= t.shape[d];
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t c = channels > 1 ? static_cast<size_t>((static_cast<int64_t>(i) / inner) %
                                                        static_cast<int64_t>(channels))
                                  : 0;
    v[i] = t.quant.scales[c] *
           static_cast<float>(static_cast<int8_t>(t.data[i]) - t.quant.zero_points[c]);
  }
  return v;
}

int add_tensor(ir::Graph& g, ir::Tensor t) {
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size() - 1);
}

// Symmetric int8 weights in [-levels, levels]: per channel along `axis`, or
// per tensor (axis < 0).
int quantize_weights(ir::Graph& g, int weights, int axis, int32_t levels) {
  const ir::Tensor& w = g.tensors[static_cast<size_t>(weights)];
  const std::vector<float> v = float_values(w);
  const size_t channels = axis >= 0 ? static_cast<size_t>(w.shape[static_cast<size_t>(axis)]) : 1;
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(std::max(axis, 0)) + 1; axis >= 0 && d < w.shape.size(); ++d)
    inner *= w.shape[d];
  auto channel = [&](size_t i) {
    return axis >= 0 ? static_cast<size_t>((static_cast<int64_t>(i) / inner) %
                                           static_cast<int64_t>(channels))
                     : 0;
  };
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t i = 0; i < v.size(); ++i)
    max_abs[channel(i)] = std::max(max_abs[channel(i)], std::fabs(v[i]));
  ir::Tensor q;
  q.name = w.name;
  q.dtype = KILN_DTYPE_INT8;
  q.shape = w.shape;
  q.constant = true;
  q.quant.axis = std::max(axis, 0);
  const auto top = static_cast<float>(levels);
  for (float m : max_abs) q.quant.scales.push_back(m > 0.0f ? m / top : 1.0f);
  q.quant.zero_points.assign(channels, 0);
  q.int4 = levels <= 7;
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const float level = std::nearbyint(v[i] / q.quant.scales[channel(i)]);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(level, -top, top)));
  }
  return add_tensor(g, std::move(q));
}

// Binary weights: each channel along `axis` +a or -a by sign, a its mean
// magnitude as a level of its own scale (per_channel: a is 127 levels) or
// of the tensor's (the largest a is 127 levels); see
// QuantizeOptions::binary_weights.
int quantize_binary_weights(ir::Graph& g, int weights, int axis, bool per_channel) {
  const ir::Tensor& w = g.tensors[static_cast<size_t>(weights)];
  const std::vector<float> v = float_values(w);
  const auto channels = static_cast<size_t>(w.shape[static_cast<size_t>(axis)]);
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  auto channel = [&](size_t i) {
    return static_cast<size_t>((static_cast<int64_t>(i) / inner) % static_cast<int64_t>(channels));
  };
  std::vector<double> magnitude(channels, 0.0);
  for (size_t i = 0; i < v.size(); ++i) magnitude[channel(i)] += std::fabs(v[i]);
  const auto top = static_cast<float>(kInt8WeightLevels);
  std::vector<float> mean(channels);
  for (size_t c = 0; c < channels; ++c)
    mean[c] = static_cast<float>(magnitude[c] * static_cast<double>(channels) /
                                 static_cast<double>(v.size()));
  ir::Tensor q;
  q.name = w.name;
  q.dtype = KILN_DTYPE_INT8;
  q.shape = w.shape;
  q.constant = true;
  q.quant.axis = per_channel ? axis : 0;
  if (per_channel) {
    for (float m : mean) q.quant.scales.push_back(m > 0.0f ? m / top : 1.0f);
  } else {
    const float largest = *std::max_element(mean.begin(), mean.end());
    q.quant.scales = {largest > 0.0f ? largest / top : 1.0f};
  }
  q.quant.zero_points.assign(q.quant.scales.size(), 0);
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t c = channel(i);
    const float level =
        std::clamp(std::nearbyint(mean[c] / q.quant.scales[per_channel ? c : 0]), 0.0f, top);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(v[i] >= 0.0f ? level : -level));
  }
  return add_tensor(g, std::move(q));
}

// int32 bias at input scale x weight scale (per channel when the weights are).
int quantize_bias(ir::Graph& g, int bias, float input_scale,
                  const std::vector<float>& weight_scales) {
  const ir::Tensor& b = g.tensors[static_cast<size_t>(bias)];
  const std::vector<float> v = float_values(b);
  ir::Tensor q;
  q.name = b.name;
  q.dtype = KILN_DTYPE_INT32;
  q.shape = b.shape;
  q.constant = true;
  q.data.resize(v.size() * 4);
  const bool per_channel = weight_scales.size() > 1;
  for (size_t i = 0; i < v.size(); ++i) {
    const double scale = static_cast<double>(input_scale) * weight_scales[per_channel ? i : 0];
    if (per_channel || i == 0) q.quant.scales.push_back(static_cast<float>(scale));
    const double level = std::clamp(std::nearbyint(v[i] / scale), -2147483647.0, 2147483647.0);
    const int32_t value = static_cast<int32_t>(level);
    std::memcpy(&q.data[4 * i], &value, 4);
  }
  q.quant.zero_points.assign(q.quant.scales.size(), 0);
  return add_tensor(g, std::move(q));
}

// A float constant an int8 op reads as an activation (an ADD's operand):
// asymmetric per tensor over its own values.
int quantize_operand(ir::Graph& g, int constant) {
  const ir::Tensor& c = g.tensors[static_cast<size_t>(constant)];
  const std::vector<float> v = float_values(c);
  Range r;
  for (float f : v) {
    r.min = std::min(r.min, f);
    r.max = std::max(r.max, f);
  }
  const AffineQuantization a = affine_int8(r);
  ir::Tensor q;
  q.name = c.name;
  q.dtype = KILN_DTYPE_INT8;
  q.shape = c.shape;
  q.constant = true;
  q.quant.scales = {a.scale};
  q.quant.zero_points = {a.zero_point};
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double level = std::clamp(
        std::nearbyint(static_cast<double>(v[i]) / a.scale) + a.zero_point, -128.0, 127.0);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(level));
  }
  return add_tensor(g, std::move(q));
}

// The op's constant operands in int8 form.
void quantize_constants(ir::Graph& g, ir::Op& op, const QuantizeOptions& options) {
  const OpTraits& traits = op_traits(op.kind);
  if (traits.weighted()) {
    const bool chosen =
        options.weight_layers.empty() ||
        options.weight_layers.count(g.tensors[static_cast<size_t>(op.outputs[0])].name) > 0;
    op.inputs[1] = chosen && options.binary_weights
                       ? quantize_binary_weights(g, op.inputs[1], traits.weights_axis,
                                                 traits.per_channel_weights)
                       : quantize_weights(g, op.inputs[1],
                                          traits.per_channel_weights ? traits.weights_axis : -1,
                                          chosen ? options.weight_levels : kInt8WeightLevels);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const float input_scale = g.tensors[static_cast<size_t>(op.inputs[0])].quant.scale();
      const std::vector<float> weight_scales =
          g.tensors[static_cast<size_t>(op.inputs[1])].quant.scales;
      op.inputs[2] = quantize_bias(g, op.inputs[2], input_scale, weight_scales);
    }
    return;
  }
  // Constant data operands become int8; parameters (a pad value, axes) stay
  // as the op reads them.
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const int t = op.inputs[i];
    if (t < 0 || traits.role(i) != InputRole::kData ||
        !g.tensors[static_cast<size_t>(t)].constant ||
        g.tensors[static_cast<size_t>(t)].dtype != KILN_DTYPE_FLOAT32)
      continue;
    op.inputs[i] = quantize_operand(g, t);
  }
}

// Float interfaces around the int8 graph: QUANTIZE after each input,
// DEQUANTIZE before each output.
void add_float_boundaries(ir::Graph& g, const ir::Graph& float_graph) {
  std::vector<ir::Op> front;
  for (int& in : g.inputs) {
    ir::Tensor f = float_graph.tensors[static_cast<size_t>(in)];
    g.tensors[static_cast<size_t>(in)].name += "/quantized";
    const int float_input = add_tensor(g, std::move(f));
    ir::Op q;
    q.kind = ir::OpKind::kQuantize;
    q.type_name = "QUANTIZE";
    q.location = "graph input";
    q.inputs = {float_input};
    q.outputs = {in};
    front.push_back(std::move(q));
    in = float_input;
  }
  g.ops.insert(g.ops.begin(), front.begin(), front.end());
  for (int& out : g.outputs) {
    ir::Tensor f = float_graph.tensors[static_cast<size_t>(out)];
    g.tensors[static_cast<size_t>(out)].name += "/quantized";
    const int float_output = add_tensor(g, std::move(f));
    ir::Op d;
    d.kind = ir::OpKind::kDequantize;
    d.type_name = "DEQUANTIZE";
    d.location = "graph output";
    d.inputs = {out};
    d.outputs = {float_output};
    g.ops.push_back(std::move(d));
    out = float_output;
  }
}

}  // namespace

std::vector<int> quantization_groups(const ir::Graph& g) {
  SharedQuantization shared(g.tensors.size());
  for (const ir::Op& op : g.ops) {
    const OpTraits& traits = op_traits(op.kind);
    if (traits.int8_output != OutputQuantization::kSameAsInput) continue;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      if (traits.role(i) == InputRole::kData && op.inputs[i] >= 0 &&
          is_activation(g.tensors[static_cast<size_t>(op.inputs[i])])) {
        for (int out : op.outputs) shared.join(op.inputs[i], out);
      }
    }
  }
  std::vector<int> group(g.tensors.size());
  for (size_t t = 0; t < group.size(); ++t) group[t] = shared.find(static_cast<int>(t));
  return group;
}

bool fixed_output_quantization(ir::OpKind kind, AffineQuantization* q) {
  const OpTraits& traits = op_traits(kind);
  if (traits.int8_output != OutputQuantization::kFixed) return false;
  *q = {traits.fixed_scale, traits.fixed_zero_point};
  return true;
}

namespace {

// Quantizes each binary activation (and its group) with its step as the
// scale and zero point 126, after checking that its producer's clamp then
// leaves two values.
void set_binary_activations(const ir::Graph& g, const std::vector<int>& group,
                            const std::map<std::string, float>& steps,
                            std::vector<AffineQuantization>& params) {
  for (const auto& entry : steps) {
    const std::string& name = entry.first;
    const float step = entry.second;
    const auto t = std::find_if(g.tensors.begin(), g.tensors.end(),
                                [&](const ir::Tensor& tensor) { return tensor.name == name; });
    const int index = t == g.tensors.end() ? -1 : static_cast<int>(t - g.tensors.begin());
    const int writer = index < 0 ? -1 : ir::producer(g, index);
    const ir::Op* producer = writer < 0 ? nullptr : &g.ops[static_cast<size_t>(writer)];
    if (!producer || producer->outputs[0] != index) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("binary activation '{}' is not an op's output in the optimized "
                              "float graph",
                              name));
    }
    const IntRange r =
        activation_range(producer->attrs.activation, step, kBinaryActivationZeroPoint);
    if (!(step > 0.0f) || r.min != kBinaryActivationZeroPoint || r.max != r.min + 1) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("activation '{}' cannot be binary: its {} has no ReLU to clamp "
                              "it to two values",
                              name, ir::op_kind_name(producer->kind)));
    }
    const int root = group[static_cast<size_t>(index)];
    for (size_t i = 0; i < params.size(); ++i) {
      if (group[i] == root) params[i] = {step, kBinaryActivationZeroPoint};
    }
  }
}

}  // namespace

QuantizeResult quantize_post_training(const ir::Graph& float_graph,
                                      const std::vector<std::vector<std::vector<uint8_t>>>& samples,
                                      const QuantizeOptions& options) {
  if (samples.empty()) throw Error(ErrorKind::kBadInput, "the calibration set is empty");
  const ir::Graph g = passes::optimize(float_graph);
  require_float_graph(g);
  for (const auto& given : options.ranges) {
    const std::string& name = given.first;
    const bool found = std::any_of(g.tensors.begin(), g.tensors.end(), [&](const ir::Tensor& t) {
      return t.name == name && is_activation(t);
    });
    if (!found) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("a quantization range is given for '{}', which is not an activation "
                              "of the optimized float graph",
                              name));
    }
  }
  GraphEvaluator evaluator(g);
  const size_t n = g.tensors.size();
  auto method_of = [&](size_t t) {
    const auto it = options.tensor_methods.find(g.tensors[t].name);
    return it != options.tensor_methods.end() ? it->second : options.method;
  };
  bool histograms = false;
  for (size_t t = 0; t < n; ++t)
    histograms =
        histograms || (is_activation(g.tensors[t]) && method_of(t) != CalibrationMethod::kMinMax);
  const size_t total = samples.size() * (histograms ? 2 : 1);
  size_t done = 0;

  // Pass 1: ranges; pass 2 (percentile, MSE): histograms over those ranges.
  std::vector<TensorStats> stats(n);
  for (int pass = 0; pass < (histograms ? 2 : 1); ++pass) {
    for (const std::vector<std::vector<uint8_t>>& sample : samples) {
      for (size_t i = 0; i < sample.size(); ++i) evaluator.set_input(i, sample[i]);
      evaluator.invoke();
      for (size_t t = 0; t < n; ++t) {
        if (!is_activation(g.tensors[t]) || !evaluator.has_value(static_cast<int>(t))) continue;
        if (pass == 0)
          stats[t].add_range(evaluator.values(static_cast<int>(t)));
        else if (method_of(t) != CalibrationMethod::kMinMax)
          stats[t].add_histogram(evaluator.values(static_cast<int>(t)));
      }
      if (options.progress) options.progress(++done, total);
    }
  }

  // Each activation's range, merged over tensors that share quantization.
  const std::vector<int> group = quantization_groups(g);
  std::vector<Range> ranges(n);
  std::vector<bool> has_range(n, false);
  std::vector<TensorQuantization> report;
  for (size_t t = 0; t < n; ++t) {
    if (!is_activation(g.tensors[t]) || !stats[t].seen()) continue;
    const auto given = options.ranges.find(g.tensors[t].name);
    const Range r = given != options.ranges.end()
                        ? given->second
                        : stats[t].choose(method_of(t), options.percentile);
    const size_t root = static_cast<size_t>(group[t]);
    ranges[root] = has_range[root]
                       ? Range{std::min(ranges[root].min, r.min), std::max(ranges[root].max, r.max)}
                       : r;
    has_range[root] = true;
  }
  std::vector<AffineQuantization> params(n);
  for (size_t t = 0; t < n; ++t) {
    const size_t root = static_cast<size_t>(group[t]);
    if (has_range[root]) params[t] = affine_int8(ranges[root]);
  }
  for (const ir::Op& op : g.ops) {
    AffineQuantization fixed;
    if (!fixed_output_quantization(op.kind, &fixed)) continue;
    const int root = group[static_cast<size_t>(op.outputs[0])];
    for (size_t t = 0; t < n; ++t) {
      if (group[t] == root) params[t] = fixed;
    }
  }

  set_binary_activations(g, group, options.binary_activations, params);

  QuantizeResult result;
  ir::Graph& q = result.graph;
  q = g;
  for (size_t t = 0; t < n; ++t) {
    if (!is_activation(g.tensors[t])) continue;
    if (!stats[t].seen()) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("tensor '{}' took no finite value on the calibration set",
                              g.tensors[t].name));
    }
    ir::Tensor& tensor = q.tensors[t];
    tensor.dtype = KILN_DTYPE_INT8;
    tensor.quant.scales = {params[t].scale};
    tensor.quant.zero_points = {params[t].zero_point};
    tensor.quant.axis = 0;
    const auto given = options.ranges.find(tensor.name);
    result.activations.push_back({tensor.name, method_of(t), stats[t].observed(),
                                  given != options.ranges.end()
                                      ? given->second
                                      : stats[t].choose(method_of(t), options.percentile),
                                  params[t].scale, params[t].zero_point});
  }
  if (options.weight_levels < 1 || options.weight_levels > kInt8WeightLevels) {
    throw Error(ErrorKind::kUsage, fmt::format("weight levels {}: expected 1 to {}",
                                               options.weight_levels, kInt8WeightLevels));
  }
  for (ir::Op& op : q.ops) quantize_constants(q, op, options);
  if (options.float_io) add_float_boundaries(q, g);
  q = passes::remove_unused(std::move(q));
  ir::verify(q);
  return result;
}

}  // namespace kiln
