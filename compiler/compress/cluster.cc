#include "compiler/compress/cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "compiler/common/error.h"
#include "compiler/ops/coded_weights.h"

namespace kiln {
namespace {

constexpr int kValues = 256;  // int8 values, indexed by value + 128

}  // namespace

Int8Mapping optimal_int8_centres(const Int8Histogram& histogram, int32_t clusters) {
  std::vector<int> values;
  for (int v = 0; v < kValues; ++v)
    if (histogram[static_cast<size_t>(v)] > 0.0) values.push_back(v);
  Int8Mapping mapping{};
  for (int v = 0; v < kValues; ++v) mapping[static_cast<size_t>(v)] = static_cast<int8_t>(v - 128);
  const size_t n = values.size();
  if (n <= static_cast<size_t>(clusters)) return mapping;

  // Prefix sums of weight, weight * x and weight * x^2 over the values present.
  std::vector<double> w(n + 1, 0.0), wx(n + 1, 0.0), wxx(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double x = values[i] - 128;
    const double h = histogram[static_cast<size_t>(values[i])];
    w[i + 1] = w[i] + h;
    wx[i + 1] = wx[i] + h * x;
    wxx[i + 1] = wxx[i] + h * x * x;
  }
  auto cost = [&](size_t first, size_t last) {  // values first..last, inclusive
    const double sw = w[last + 1] - w[first];
    const double swx = wx[last + 1] - wx[first];
    return (wxx[last + 1] - wxx[first]) - swx * swx / sw;
  };
  const size_t k = static_cast<size_t>(clusters);
  // best[c][j]: the least cost of values 0..j in c + 1 clusters; start[c][j]
  // the first value of the last of them.
  std::vector<std::vector<double>> best(k, std::vector<double>(n));
  std::vector<std::vector<size_t>> start(k, std::vector<size_t>(n, 0));
  for (size_t j = 0; j < n; ++j) best[0][j] = cost(0, j);
  for (size_t c = 1; c < k; ++c) {
    for (size_t j = c; j < n; ++j) {
      best[c][j] = std::numeric_limits<double>::infinity();
      for (size_t i = c; i <= j; ++i) {
        const double total = best[c - 1][i - 1] + cost(i, j);
        if (total < best[c][j]) {
          best[c][j] = total;
          start[c][j] = i;
        }
      }
    }
  }
  size_t last = n - 1;
  for (size_t c = k; c-- > 0;) {
    const size_t first = c == 0 ? 0 : start[c][last];
    const double centre = (wx[last + 1] - wx[first]) / (w[last + 1] - w[first]);
    const auto rounded = static_cast<int8_t>(std::lround(std::clamp(centre, -128.0, 127.0)));
    for (size_t i = first; i <= last; ++i) mapping[static_cast<size_t>(values[i])] = rounded;
    if (c == 0) break;
    last = first - 1;
  }
  return mapping;
}

bool clusterable(const ir::Graph& graph, const ir::Op& op) {
  if (op.kind != ir::OpKind::kConv2D && op.kind != ir::OpKind::kDepthwiseConv2D &&
      op.kind != ir::OpKind::kFullyConnected) {
    return false;
  }
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return false;
  const ir::Tensor& filter = graph.tensors[static_cast<size_t>(op.inputs[1])];
  return filter.constant && filter.dtype == KILN_DTYPE_INT8 && filter.quant.present() &&
         !filter.shape.empty();
}

namespace {

using Histogram = Int8Histogram;
using Mapping = Int8Mapping;

// A layer's int8 filter, and the output channel of each of its elements.
struct LayerFilter {
  ir::Tensor& tensor;
  bool depthwise;
  int64_t n;
  int32_t channels;
  size_t channel_of(int64_t i) const {
    return static_cast<size_t>(depthwise ? i % channels : i / (n / channels));
  }
  int8_t* values() const { return reinterpret_cast<int8_t*>(tensor.data.data()); }
};

LayerFilter filter_of(ir::Graph& graph, const ir::Op& op) {
  ir::Tensor& filter = graph.tensors[static_cast<size_t>(op.inputs[1])];
  const bool depthwise = op.kind == ir::OpKind::kDepthwiseConv2D;
  return {filter, depthwise, filter.elements(),
          depthwise ? filter.shape.back() : filter.shape.front()};
}

// The report entry of operator `index`, before any change.
ClusteredLayer entry_of(const ir::Graph& graph, const ir::Op& op, size_t index, int64_t weights) {
  ClusteredLayer layer;
  layer.name = graph.tensors[static_cast<size_t>(op.outputs[0])].name;
  layer.op = fmt::format("{} (operator {})", ir::op_kind_name(op.kind), index);
  layer.weights = layer.int8_bytes = weights;
  return layer;
}

ClusteredLayer cluster_layer(ir::Graph& graph, const ir::Op& op, size_t index, int32_t clusters,
                             bool per_channel) {
  const LayerFilter f = filter_of(graph, op);
  const ir::Tensor& filter = f.tensor;
  const bool depthwise = f.depthwise;
  const int64_t n = f.n;
  const int32_t channels = f.channels;
  auto channel_of = [&](int64_t i) { return f.channel_of(i); };
  ClusteredLayer layer = entry_of(graph, op, index, n);
  auto scale_of = [&](size_t c) {
    return static_cast<double>(filter.quant.scales[filter.quant.per_channel() ? c : 0]);
  };
  int8_t* values = f.values();

  std::vector<Histogram> histograms(per_channel ? static_cast<size_t>(channels) : 1, Histogram{});
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = channel_of(i);
    const double s = scale_of(c);
    histograms[per_channel ? c : 0][static_cast<size_t>(values[i] + 128)] += s * s;
  }
  for (const Histogram& h : histograms) {
    int32_t distinct = 0;
    for (double x : h) distinct += x > 0.0;
    layer.values_before = std::max(layer.values_before, distinct);
  }
  std::vector<Mapping> mappings;
  for (const Histogram& h : histograms) mappings.push_back(optimal_int8_centres(h, clusters));

  std::vector<int8_t> clustered(values, values + n);
  double error = 0.0, energy = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = channel_of(i);
    const int8_t v = mappings[per_channel ? c : 0][static_cast<size_t>(values[i] + 128)];
    const double s = scale_of(c);
    error += (v - values[i]) * (v - values[i]) * s * s;
    energy += values[i] * values[i] * s * s;
    clustered[static_cast<size_t>(i)] = v;
  }
  const std::optional<CodedWeights> coded = code_weights(clustered.data(), n, channels, depthwise);
  if (!coded) {
    layer.coded_bytes = n;
    layer.kept_because = fmt::format("{} weights: a codebook would not make it smaller", n);
    return layer;
  }
  std::copy(clustered.begin(), clustered.end(), values);
  layer.codebooks = coded->count;
  layer.coded_bytes = static_cast<int64_t>(coded->indices.size() + coded->codebooks.size());
  layer.rms_error = energy > 0.0 ? std::sqrt(error / energy) : 0.0;
  return layer;
}

// The layer's filter in [-7, 7] per scale group, its scales and its bias
// rescaled to match.
ClusteredLayer requantize_layer(ir::Graph& graph, const ir::Op& op, size_t index) {
  const LayerFilter f = filter_of(graph, op);
  ir::Tensor& filter = f.tensor;
  const int64_t n = f.n;
  const size_t groups = filter.quant.scales.size();
  auto group_of = [&](int64_t i) { return groups == 1 ? size_t{0} : f.channel_of(i); };
  int8_t* values = f.values();
  ClusteredLayer layer = entry_of(graph, op, index, n);
  std::vector<int32_t> largest(groups, 0);
  std::array<bool, kValues> seen{};
  for (int64_t i = 0; i < n; ++i) {
    largest[group_of(i)] = std::max(largest[group_of(i)], std::abs(int32_t{values[i]}));
    seen[static_cast<size_t>(values[i] + 128)] = true;
  }
  layer.values_before = static_cast<int32_t>(std::count(seen.begin(), seen.end(), true));
  // ratio[g]: new level per old level; the scale grows by its inverse.
  std::vector<double> ratio(groups, 1.0);
  for (size_t g = 0; g < groups; ++g) {
    if (largest[g] > 7) ratio[g] = 7.0 / largest[g];
  }
  double error = 0.0, energy = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t g = group_of(i);
    const double s = filter.quant.scales[g];
    const auto level = static_cast<int8_t>(std::lround(values[i] * ratio[g]));
    const double real = level * s / ratio[g];
    error += (real - values[i] * s) * (real - values[i] * s);
    energy += values[i] * s * values[i] * s;
    values[i] = level;
  }
  for (size_t g = 0; g < groups; ++g)
    filter.quant.scales[g] = static_cast<float>(filter.quant.scales[g] / ratio[g]);
  filter.int4 = true;
  if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
    ir::Tensor& bias = graph.tensors[static_cast<size_t>(op.inputs[2])];
    if (bias.constant && bias.dtype == KILN_DTYPE_INT32) {
      int32_t* b = reinterpret_cast<int32_t*>(bias.data.data());
      for (int64_t c = 0; c < bias.elements(); ++c)
        b[c] = static_cast<int32_t>(
            std::llround(b[c] * ratio[groups == 1 ? 0 : static_cast<size_t>(c)]));
      if (bias.quant.scales.size() == groups) {
        for (size_t g = 0; g < groups; ++g)
          bias.quant.scales[g] = static_cast<float>(bias.quant.scales[g] / ratio[g]);
      }
    }
  }
  const std::optional<CodedWeights> coded = code_weights(values, n, f.channels, f.depthwise);
  layer.codebooks = coded ? coded->count : 0;
  layer.coded_bytes =
      coded ? static_cast<int64_t>(coded->indices.size() + coded->codebooks.size()) : n;
  if (!coded) layer.kept_because = fmt::format("{} weights: stored in int8", n);
  layer.rms_error = energy > 0.0 ? std::sqrt(error / energy) : 0.0;
  return layer;
}

// The layer's filter as binary weights in its own scales: each channel's
// weights +a or -a by sign, a the channel's mean magnitude in levels
// (rounded, at least 1 if the channel has a nonzero weight).
ClusteredLayer binarize_layer(ir::Graph& graph, const ir::Op& op, size_t index) {
  const LayerFilter f = filter_of(graph, op);
  const ir::Tensor& filter = f.tensor;
  const int64_t n = f.n;
  int8_t* values = f.values();
  ClusteredLayer layer = entry_of(graph, op, index, n);
  std::vector<int64_t> magnitude(static_cast<size_t>(f.channels), 0);
  std::array<bool, kValues> seen{};
  for (int64_t i = 0; i < n; ++i) {
    magnitude[f.channel_of(i)] += std::abs(int32_t{values[i]});
    seen[static_cast<size_t>(values[i] + 128)] = true;
  }
  layer.values_before = static_cast<int32_t>(std::count(seen.begin(), seen.end(), true));
  const int64_t per_channel = n / f.channels;
  std::vector<int8_t> level(magnitude.size());
  for (size_t c = 0; c < magnitude.size(); ++c) {
    const int64_t rounded = (2 * magnitude[c] + per_channel) / (2 * per_channel);
    level[c] = static_cast<int8_t>(magnitude[c] > 0 ? std::max<int64_t>(1, rounded) : 0);
  }
  double error = 0.0, energy = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = f.channel_of(i);
    const double s = filter.quant.scales[filter.quant.per_channel() ? c : 0];
    const int32_t binary = values[i] >= 0 ? level[c] : -level[c];
    error += (binary - values[i]) * (binary - values[i]) * s * s;
    energy += values[i] * values[i] * s * s;
    values[i] = static_cast<int8_t>(binary);
  }
  layer.rms_error = energy > 0.0 ? std::sqrt(error / energy) : 0.0;
  layer.codebooks = f.channels;
  layer.coded_bytes = f.depthwise ? n : f.channels * ((per_channel + 7) / 8 + 2);
  if (f.depthwise) layer.kept_because = "depthwise: stored in int8 (two values per channel)";
  return layer;
}

// `code(graph, op, index)` on every layer with an int8 filter, in a copy of
// the graph; Error(kUnsupported) with `none` if there is no such layer.
template <typename Code>
Clustering code_each_layer(const ir::Graph& graph, const char* none, Code code,
                           const std::set<std::string>& layers = {}) {
  Clustering result{graph, {}};
  for (size_t i = 0; i < result.graph.ops.size(); ++i) {
    const ir::Op& op = result.graph.ops[i];
    const std::string& name = result.graph.tensors[static_cast<size_t>(op.outputs[0])].name;
    if (clusterable(result.graph, op) && (layers.empty() || layers.count(name) > 0))
      result.layers.push_back(code(result.graph, op, i));
  }
  if (result.layers.empty()) throw Error(ErrorKind::kUnsupported, none);
  return result;
}

}  // namespace

Clustering requantize_int4(const ir::Graph& graph, const std::set<std::string>& layers) {
  return code_each_layer(
      graph, "--weights int4: the model has no int8 convolution or fully connected weights",
      requantize_layer, layers);
}

Clustering binarize_weights(const ir::Graph& graph, const std::set<std::string>& layers) {
  return code_each_layer(
      graph, "--weights binary: the model has no int8 convolution or fully connected weights",
      binarize_layer, layers);
}

Clustering cluster_weights(const ir::Graph& graph, int32_t clusters, bool per_channel,
                           const std::set<std::string>& layers) {
  if (clusters < 2 || clusters > kCodebookEntries) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--cluster {}: kiln stores 2 to {} clusters (4-bit indices)", clusters,
                            kCodebookEntries));
  }
  return code_each_layer(
      graph,
      "--cluster: the model has no int8 convolution or fully connected weights "
      "to cluster (quantize it first: --int8 or --qat-epochs)",
      [&](ir::Graph& g, const ir::Op& op, size_t index) {
        return cluster_layer(g, op, index, clusters, per_channel);
      },
      layers);
}

}  // namespace kiln
