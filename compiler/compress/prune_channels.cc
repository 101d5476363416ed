#include "compiler/compress/prune_channels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <numeric>
#include <set>

#include "compiler/common/error.h"

namespace kiln {
namespace {

using ir::OpKind;

bool weighted(OpKind kind) { return kind == OpKind::kConv2D || kind == OpKind::kFullyConnected; }

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

// One set of channels: the values that must keep the same channels because
// per-channel ops and residual adds join them, the layers that write them
// and the layers that read them.
struct ChannelSpace {
  std::set<int> values;
  std::set<size_t> producers, passes, readers;  // op indices
  std::map<size_t, size_t> flattens;            // reader FC -> the RESHAPE before it
  std::string problem;                          // why it cannot be pruned
};

class Pruner {
 public:
  explicit Pruner(const ir::Graph& g) : g_(g) {
    for (size_t i = 0; i < g_.ops.size(); ++i) {
      for (int t : g_.ops[i].inputs)
        if (t >= 0) readers_[t].push_back(i);
      for (int t : g_.ops[i].outputs) writer_[t] = i;
    }
  }

  ir::Graph& graph() { return g_; }

  // Prunes the space of `producer`'s output unless an earlier layer's
  // pruning took it; returns a line per producer it covered.
  std::vector<PrunedLayer> prune(size_t producer, double fraction, int32_t multiple) {
    if (done_.count(producer)) return {};
    ChannelSpace space = explore(g_.ops[producer].outputs[0]);
    space.producers.insert(producer);
    for (size_t p : space.producers) done_.insert(p);
    const int32_t channels = tensor(g_.ops[producer].inputs[1]).shape[0];
    std::string reason = space.problem;
    for (size_t p : space.producers) {
      const ir::Tensor& filter = tensor(g_.ops[p].inputs[1]);
      const bool int8 = filter.dtype == KILN_DTYPE_INT8 && filter.quant.present();
      if (reason.empty() && (!(filter.dtype == KILN_DTYPE_FLOAT32 || int8) || !filter.constant))
        reason = "its weights are neither float nor int8 constants";
    }
    int32_t keep_count = std::max<int32_t>(
        1, static_cast<int32_t>(std::ceil(static_cast<double>(channels) * (1.0 - fraction))));
    keep_count = std::min(channels, (keep_count + multiple - 1) / multiple * multiple);
    if (reason.empty() && keep_count == channels) {
      reason = multiple > 1
                   ? fmt::format("a multiple of {} channels keeps all {}", multiple, channels)
                   : "too few channels to remove one";
    }
    std::vector<int32_t> keep;
    if (reason.empty()) {
      keep = strongest(space, keep_count);
      apply(space, channels, keep);
    }
    std::vector<PrunedLayer> lines;
    for (size_t p : space.producers) {
      const ir::Op& op = g_.ops[p];
      PrunedLayer layer;
      layer.name = tensor(op.outputs[0]).name;
      layer.op = fmt::format("{} ({})", op.type_name, op.location);
      layer.channels_before = channels;
      layer.channels_after = reason.empty() ? keep_count : channels;
      layer.kept = keep;
      layer.kept_because = reason;
      lines.push_back(std::move(layer));
    }
    return lines;
  }

 private:
  ir::Tensor& tensor(int t) { return g_.tensors[static_cast<size_t>(t)]; }
  bool graph_output(int t) const {
    return std::find(g_.outputs.begin(), g_.outputs.end(), t) != g_.outputs.end();
  }

  // Every value joined to `start` through per-channel ops and adds, forward
  // to the layers that read it and backward to the layers that write it.
  ChannelSpace explore(int start) {
    ChannelSpace s;
    std::deque<int> todo = {start};
    const auto add = [&](int t) {
      if (s.values.insert(t).second) todo.push_back(t);
    };
    s.values.insert(start);
    while (!todo.empty() && s.problem.empty()) {
      const int t = todo.front();
      todo.pop_front();
      if (graph_output(t)) {
        s.problem = "its channels are a graph output";
        break;
      }
      // Backward: who writes t.
      const auto w = writer_.find(t);
      if (w == writer_.end()) {
        s.problem = fmt::format("its channels meet the graph input '{}'", tensor(t).name);
        break;
      }
      const ir::Op& writer = g_.ops[w->second];
      if (weighted(writer.kind)) {
        s.producers.insert(w->second);
      } else if (writer.kind == OpKind::kAdd && !tensor(writer.inputs[1]).constant) {
        s.passes.insert(w->second);
        add(writer.inputs[0]);
        add(writer.inputs[1]);
      } else if (per_channel(writer, g_)) {
        s.passes.insert(w->second);
        add(writer.inputs[0]);
      } else {
        s.problem = fmt::format("{} ({}) writes its channels", writer.type_name, writer.location);
        break;
      }
      // Forward: who reads t.
      for (size_t r : readers_[t]) {
        const ir::Op& reader = g_.ops[r];
        if (reader.inputs[0] != t && !(reader.kind == OpKind::kAdd && reader.inputs[1] == t)) {
          s.problem =
              fmt::format("{} ({}) reads it as a weight", reader.type_name, reader.location);
          break;
        }
        if (weighted(reader.kind)) {
          if (reader.kind == OpKind::kFullyConnected && tensor(t).shape.size() != 2) {
            s.problem = "a fully connected layer reads it unflattened";
            break;
          }
          s.readers.insert(r);
        } else if (reader.kind == OpKind::kReshape && tensor(t).shape.size() == 4 &&
                   tensor(reader.outputs[0]).shape.size() == 2 && flattened_into_fc(reader)) {
          s.flattens[readers_[reader.outputs[0]][0]] = r;
          s.readers.insert(readers_[reader.outputs[0]][0]);
        } else if (reader.kind == OpKind::kAdd && !tensor(reader.inputs[1]).constant) {
          s.passes.insert(r);
          add(reader.inputs[0]);
          add(reader.inputs[1]);
          add(reader.outputs[0]);
        } else if (per_channel(reader, g_)) {
          s.passes.insert(r);
          add(reader.outputs[0]);
        } else {
          s.problem = fmt::format("{} ({}) reads its channels", reader.type_name, reader.location);
          break;
        }
      }
    }
    return s;
  }

  bool flattened_into_fc(const ir::Op& reshape) {
    const int out = reshape.outputs[0];
    const std::vector<size_t>& after = readers_[out];
    return after.size() == 1 && g_.ops[after[0]].kind == OpKind::kFullyConnected &&
           g_.ops[after[0]].inputs[0] == out && !graph_output(out);
  }

  // The `count` channels whose filters, summed over every layer that writes
  // them, have the largest L1 norms; in order.
  std::vector<int32_t> strongest(const ChannelSpace& s, int32_t count) {
    std::vector<double> norm;
    for (size_t p : s.producers) {
      const ir::Tensor& f = tensor(g_.ops[p].inputs[1]);
      norm.resize(static_cast<size_t>(f.shape[0]), 0.0);
      const int64_t per = f.elements() / f.shape[0];
      for (int64_t i = 0; i < f.elements(); ++i)
        norm[static_cast<size_t>(i / per)] += std::fabs(real_value(f, i, i / per));
    }
    std::vector<int32_t> order(norm.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return norm[static_cast<size_t>(a)] > norm[static_cast<size_t>(b)];
    });
    order.resize(static_cast<size_t>(count));
    std::sort(order.begin(), order.end());
    return order;
  }

  void apply(const ChannelSpace& s, int32_t channels, const std::vector<int32_t>& keep) {
    const auto kept = static_cast<int32_t>(keep.size());
    for (size_t p : s.producers) {
      const ir::Op& op = g_.ops[p];
      slice(op.inputs[1], 0, keep);
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) slice(op.inputs[2], 0, keep);
    }
    for (size_t p : s.passes) {
      const ir::Op& op = g_.ops[p];
      if (op.kind != OpKind::kDepthwiseConv2D) continue;
      slice(op.inputs[1], 3, keep);
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) slice(op.inputs[2], 0, keep);
    }
    for (int t : s.values) {
      if (tensor(t).shape.back() != channels) {
        throw Error(ErrorKind::kBadModel,
                    fmt::format("'{}' does not end in {} channels", tensor(t).name, channels));
      }
      tensor(t).shape.back() = kept;
    }
    // Readers lose the weights of removed channels: a convolution's input
    // channels, a fully connected layer's inputs (channel k of every
    // position once flattened).
    for (size_t r : s.readers) {
      const ir::Op& reader = g_.ops[r];
      if (reader.kind == OpKind::kConv2D) {
        slice(reader.inputs[1], 3, keep);
        continue;
      }
      int32_t positions = 1;
      const auto flatten = s.flattens.find(r);
      if (flatten != s.flattens.end()) {
        const ir::Op& reshape = g_.ops[flatten->second];
        const std::vector<int32_t>& image = tensor(reshape.inputs[0]).shape;
        positions = image[1] * image[2];
        tensor(reshape.outputs[0]).shape = {image[0], positions * kept};
        retarget_reshape(flatten->second);
      }
      std::vector<int32_t> columns;
      for (int32_t p = 0; p < positions; ++p)
        for (int32_t k : keep) columns.push_back(p * channels + k);
      slice(reader.inputs[1], 1, columns);
    }
  }

  // Element i of a float or int8 constant as a real number (`channel`: its
  // output channel, for per-channel scales).
  static double real_value(const ir::Tensor& t, int64_t i, int64_t channel) {
    if (t.dtype == KILN_DTYPE_FLOAT32) return t.as<float>()[i];
    const size_t q = t.quant.per_channel() ? static_cast<size_t>(channel) : 0;
    return (static_cast<double>(t.as<int8_t>()[i]) - static_cast<double>(t.quant.zero_points[q])) *
           t.quant.scales[q];
  }

  // Keeps the indices `keep` of dimension `axis` of a constant, and their
  // scales and zero points when it is quantized per channel along `axis`.
  void slice(int t, size_t axis, const std::vector<int32_t>& keep) {
    ir::Tensor& c = tensor(t);
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= c.shape[d];
    for (size_t d = axis + 1; d < c.shape.size(); ++d) inner *= c.shape[d];
    const int64_t n = c.shape[axis];
    const auto size = static_cast<int64_t>(kiln_dtype_size(c.dtype));
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(outer * inner * size) * keep.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int32_t k : keep)
        out.insert(out.end(), c.data.begin() + (o * n + k) * inner * size,
                   c.data.begin() + (o * n + k + 1) * inner * size);
    c.shape[axis] = static_cast<int32_t>(keep.size());
    c.data = std::move(out);
    if (c.quant.per_channel() && static_cast<size_t>(c.quant.axis) == axis) {
      ir::Quantization q = c.quant;
      q.scales.clear();
      q.zero_points.clear();
      for (int32_t k : keep) {
        q.scales.push_back(c.quant.scales[static_cast<size_t>(k)]);
        q.zero_points.push_back(c.quant.zero_points[static_cast<size_t>(k)]);
      }
      c.quant = std::move(q);
    }
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
  std::map<int, std::vector<size_t>> readers_;
  std::map<int, size_t> writer_;
  std::set<size_t> done_;
};

}  // namespace

ChannelPruning prune_channels(const ir::Graph& graph, double fraction, int32_t multiple) {
  if (multiple < 1 || multiple > 1024)
    throw Error(ErrorKind::kUsage,
                fmt::format("channel multiple {}: expected 1 to 1024", multiple));
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    throw Error(ErrorKind::kUsage,
                fmt::format("pruning {}: expected a fraction from 0 to below 1", fraction));
  }
  Pruner pruner(graph);
  ChannelPruning out;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (!weighted(graph.ops[i].kind)) continue;
    for (PrunedLayer& l : pruner.prune(i, fraction, multiple)) out.layers.push_back(std::move(l));
  }
  out.graph = std::move(pruner.graph());
  return out;
}

}  // namespace kiln
