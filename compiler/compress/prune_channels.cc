#include "compiler/compress/prune_channels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "compiler/common/error.h"

namespace kiln {
namespace {

using ir::OpKind;

// The ops a pruned channel passes through unchanged, one channel in, the
// same channel out.
bool per_channel(const ir::Op& op, const ir::Graph& g) {
  switch (op.kind) {
    case OpKind::kMaxPool2D:
    case OpKind::kAveragePool2D:
    case OpKind::kClamp:
    case OpKind::kLogistic:
    case OpKind::kTanh:
    case OpKind::kLeakyRelu: return true;
    case OpKind::kDepthwiseConv2D: return op.attrs.depth_multiplier == 1;
    case OpKind::kMean: {  // over height and width only
      const ir::Tensor& axes = g.tensors[static_cast<size_t>(op.inputs[1])];
      if (!axes.constant || axes.dtype != KILN_DTYPE_INT32 || axes.elements() != 2) return false;
      return axes.as<int32_t>()[0] == 1 && axes.as<int32_t>()[1] == 2;
    }
    default: return false;
  }
}

class Pruner {
 public:
  explicit Pruner(const ir::Graph& g) : g_(g) {
    for (size_t i = 0; i < g_.ops.size(); ++i)
      for (int t : g_.ops[i].inputs)
        if (t >= 0) readers_[static_cast<size_t>(t)].push_back(i);
  }

  ir::Graph& graph() { return g_; }

  PrunedLayer prune(size_t producer, double fraction, int32_t multiple) {
    const ir::Op& op = g_.ops[producer];
    PrunedLayer layer;
    layer.name = tensor(op.outputs[0]).name;
    layer.op = fmt::format("{} ({})", op.type_name, op.location);
    const ir::Tensor& filter = tensor(op.inputs[1]);
    const int32_t channels = filter.shape[0];
    layer.channels_before = layer.channels_after = channels;
    std::vector<size_t> chain;  // the per-channel ops after the producer
    size_t consumer = 0;
    layer.kept_because = follow(op.outputs[0], &chain, &consumer);
    if (!layer.kept_because.empty()) return layer;
    if (filter.dtype != KILN_DTYPE_FLOAT32 || !filter.constant) {
      layer.kept_because = "its weights are not float constants";
      return layer;
    }
    int32_t keep_count = std::max<int32_t>(
        1, static_cast<int32_t>(std::ceil(static_cast<double>(channels) * (1.0 - fraction))));
    keep_count = std::min(channels, (keep_count + multiple - 1) / multiple * multiple);
    if (keep_count == channels) {
      layer.kept_because =
          multiple > 1 ? fmt::format("a multiple of {} channels keeps all {}", multiple, channels)
                       : "too few channels to remove one";
      return layer;
    }
    const std::vector<int32_t> keep = strongest(op.inputs[1], keep_count);
    // The producer's filters and bias, then everything the channels pass through.
    slice(op.inputs[1], 0, keep);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) slice(op.inputs[2], 0, keep);
    resize_last(op.outputs[0], channels, keep_count);
    int32_t positions = 1;  // per channel in the consumer's input: H x W once flattened
    for (size_t i : chain) {
      const ir::Op& c = g_.ops[i];
      if (c.kind == OpKind::kReshape) {
        const std::vector<int32_t>& image = tensor(c.inputs[0]).shape;
        positions = image[1] * image[2];
        tensor(c.outputs[0]).shape = {image[0], positions * keep_count};
        retarget_reshape(i);
        continue;
      }
      if (c.kind == OpKind::kDepthwiseConv2D) {
        slice(c.inputs[1], 3, keep);
        if (c.inputs.size() > 2 && c.inputs[2] >= 0) slice(c.inputs[2], 0, keep);
      }
      resize_last(c.outputs[0], channels, keep_count);
    }
    // The reader loses the weights of removed channels: a convolution's
    // input channels, or a fully connected layer's inputs (channel k of
    // every position once flattened).
    const ir::Op& reader = g_.ops[consumer];
    if (reader.kind == OpKind::kConv2D) {
      slice(reader.inputs[1], 3, keep);
    } else {
      std::vector<int32_t> columns;
      for (int32_t p = 0; p < positions; ++p)
        for (int32_t k : keep) columns.push_back(p * channels + k);
      slice(reader.inputs[1], 1, columns);
    }
    layer.channels_after = keep_count;
    layer.kept = keep;
    return layer;
  }

 private:
  ir::Tensor& tensor(int t) { return g_.tensors[static_cast<size_t>(t)]; }
  bool graph_output(int t) const {
    return std::find(g_.outputs.begin(), g_.outputs.end(), t) != g_.outputs.end();
  }

  // Walks from `value` through per-channel ops to the layer that reads the
  // channels; returns why pruning must stop, or "".
  std::string follow(int value, std::vector<size_t>* chain, size_t* consumer) {
    for (;;) {
      if (graph_output(value)) return "its channels are a graph output";
      const std::vector<size_t>& readers = readers_[static_cast<size_t>(value)];
      if (readers.size() != 1) return fmt::format("its output has {} readers", readers.size());
      const ir::Op& next = g_.ops[readers[0]];
      if (next.inputs[0] != value) return fmt::format("{} reads it as a weight", next.type_name);
      const bool flattening = next.kind == OpKind::kReshape &&
                              tensor(next.outputs[0]).shape.size() == 2 &&
                              tensor(value).shape.size() == 4;
      if (flattening) {
        const std::vector<size_t>& after = readers_[static_cast<size_t>(next.outputs[0])];
        if (after.size() != 1 || g_.ops[after[0]].kind != OpKind::kFullyConnected ||
            graph_output(next.outputs[0]))
          return "it is flattened into something other than a fully connected layer";
        chain->push_back(readers[0]);
        *consumer = after[0];
        return "";
      }
      if (next.kind == OpKind::kConv2D || next.kind == OpKind::kFullyConnected) {
        if (next.kind == OpKind::kFullyConnected && tensor(value).shape.size() != 2)
          return "a fully connected layer reads it unflattened";
        *consumer = readers[0];
        return "";
      }
      if (!per_channel(next, g_))
        return fmt::format("{} ({}) reads its channels", next.type_name, next.location);
      chain->push_back(readers[0]);
      value = next.outputs[0];
    }
  }

  // The `count` output channels with the largest L1 norms, in order.
  std::vector<int32_t> strongest(int filter, int32_t count) {
    const ir::Tensor& f = tensor(filter);
    const int64_t per = f.elements() / f.shape[0];
    std::vector<double> norm(static_cast<size_t>(f.shape[0]), 0.0);
    for (int64_t i = 0; i < f.elements(); ++i)
      norm[static_cast<size_t>(i / per)] += std::fabs(static_cast<double>(f.as<float>()[i]));
    std::vector<int32_t> order(norm.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return norm[static_cast<size_t>(a)] > norm[static_cast<size_t>(b)];
    });
    order.resize(static_cast<size_t>(count));
    std::sort(order.begin(), order.end());
    return order;
  }

  // Keeps the indices `keep` of dimension `axis` of a float constant.
  void slice(int t, size_t axis, const std::vector<int32_t>& keep) {
    ir::Tensor& c = tensor(t);
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= c.shape[d];
    for (size_t d = axis + 1; d < c.shape.size(); ++d) inner *= c.shape[d];
    const int64_t n = c.shape[axis];
    std::vector<float> out;
    out.reserve(static_cast<size_t>(outer * inner) * keep.size());
    const float* in = c.as<float>();
    for (int64_t o = 0; o < outer; ++o)
      for (int32_t k : keep)
        out.insert(out.end(), in + (o * n + k) * inner, in + (o * n + k + 1) * inner);
    c.shape[axis] = static_cast<int32_t>(keep.size());
    c.data.assign(reinterpret_cast<const uint8_t*>(out.data()),
                  reinterpret_cast<const uint8_t*>(out.data() + out.size()));
  }

  void resize_last(int t, int32_t before, int32_t after) {
    ir::Tensor& v = tensor(t);
    if (v.shape.back() != before)
      throw Error(ErrorKind::kBadModel,
                  fmt::format("'{}' does not end in {} channels", v.name, before));
    v.shape.back() = after;
  }

  // A RESHAPE's constant target shape follows its output's new shape, in a
  // tensor of its own (others may share the original).
  void retarget_reshape(size_t index) {
    ir::Op& op = g_.ops[index];
    if (op.inputs.size() < 2 || op.inputs[1] < 0) return;
    const ir::Tensor& target = tensor(op.inputs[1]);
    if (!target.constant || target.dtype != KILN_DTYPE_INT32 || target.elements() != 2) return;
    ir::Tensor copy = target;
    copy.name += "/pruned";
    const std::vector<int32_t>& shape = tensor(op.outputs[0]).shape;
    copy.data.assign(reinterpret_cast<const uint8_t*>(shape.data()),
                     reinterpret_cast<const uint8_t*>(shape.data() + 2));
    g_.tensors.push_back(std::move(copy));
    op.inputs[1] = static_cast<int>(g_.tensors.size() - 1);
  }

  ir::Graph g_;
  std::map<size_t, std::vector<size_t>> readers_;
};

}  // namespace

ChannelPruning prune_channels(const ir::Graph& graph, double fraction, int32_t multiple) {
  if (multiple < 1 || multiple > 1024)
    throw Error(ErrorKind::kUsage,
                fmt::format("channel multiple {}: expected 1 to 1024", multiple));
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error(ErrorKind::kUsage,
                fmt::format("pruning {}: expected a fraction from 0 to below 1", fraction));
  Pruner pruner(graph);
  ChannelPruning out;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const OpKind kind = graph.ops[i].kind;
    if (kind == OpKind::kConv2D || kind == OpKind::kFullyConnected)
      out.layers.push_back(pruner.prune(i, fraction, multiple));
  }
  out.graph = std::move(pruner.graph());
  return out;
}

}  // namespace kiln
