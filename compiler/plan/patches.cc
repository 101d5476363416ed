#include "compiler/plan/patches.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "compiler/lower/lowering.h"
#include "compiler/ops/op_record.h"
#include "compiler/plan/planner.h"

namespace kiln {

namespace {

struct Rows {
  int32_t begin = 0, end = 0;
  bool empty() const { return end <= begin; }
  int32_t count() const { return end - begin; }
  bool operator==(const Rows& o) const { return begin == o.begin && end == o.end; }
};

Rows unite(Rows a, Rows b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

const ir::Tensor& tensor(const ir::Graph& g, int t) { return g.tensors[static_cast<size_t>(t)]; }

uint64_t row_bytes(const ir::Tensor& t) { return t.bytes() / static_cast<uint64_t>(t.shape[1]); }

// When each arena tensor is live, op by op, as the planner sees it: from the
// op that writes it (graph inputs: the first) to the last that reads it
// (graph outputs: past the last op).
struct Lifetimes {
  std::vector<int> first, last;  // last -1: not in the arena
};

Lifetimes lifetimes(const ir::Graph& g) {
  const int end = static_cast<int>(g.ops.size());
  Lifetimes lt;
  lt.first.assign(g.tensors.size(), std::numeric_limits<int>::max());
  lt.last.assign(g.tensors.size(), -1);
  auto touch = [&](int t, int time) {
    if (t < 0 || tensor(g, t).constant || tensor(g, t).persistent) return;
    lt.first[static_cast<size_t>(t)] = std::min(lt.first[static_cast<size_t>(t)], time);
    lt.last[static_cast<size_t>(t)] = std::max(lt.last[static_cast<size_t>(t)], time);
  };
  for (int t : g.inputs) touch(t, 0);
  for (int t : g.outputs) touch(t, end);
  for (int i = 0; i < end; ++i) {
    for (int t : g.ops[static_cast<size_t>(i)].inputs) touch(t, i);
    for (int t : g.ops[static_cast<size_t>(i)].outputs) touch(t, i);
  }
  return lt;
}

// Bytes live while each op runs.
std::vector<uint64_t> live_bytes(const ir::Graph& g, const Lifetimes& lt) {
  std::vector<uint64_t> live(g.ops.size(), 0);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (lt.last[t] < 0) continue;
    const int end = std::min(lt.last[t], static_cast<int>(g.ops.size()) - 1);
    for (int i = lt.first[t]; i <= end; ++i) live[static_cast<size_t>(i)] += g.tensors[t].bytes();
  }
  return live;
}

// A sliding window along H (RowAccess::kWindow), and the leading pad along W.
struct Window {
  int32_t filter = 1, stride = 1, dilation = 1, pad = 0, pad_w = 0;
};

bool window_of(const ir::Graph& g, const ir::Op& op, Window* w) {
  const ir::Tensor& in = tensor(g, op.inputs[0]);
  const ir::Tensor& out = tensor(g, op.outputs[0]);
  int32_t filter_w = op.attrs.filter_w;
  w->filter = op.attrs.filter_h;
  if (op_traits(op.kind).weighted()) {
    if (op.inputs.size() < 2 || op.inputs[1] < 0 || tensor(g, op.inputs[1]).shape.size() != 4)
      return false;
    w->filter = tensor(g, op.inputs[1]).shape[1];
    filter_w = tensor(g, op.inputs[1]).shape[2];
  }
  w->stride = op.attrs.stride_h;
  w->dilation = op.attrs.dilation_h;
  w->pad = window_padding(op.attrs.padding, op.attrs.pad_top,
                          {in.shape[1], w->filter, w->stride, w->dilation, out.shape[1]});
  w->pad_w =
      window_padding(op.attrs.padding, op.attrs.pad_left,
                     {in.shape[2], filter_w, op.attrs.stride_w, op.attrs.dilation_w, out.shape[2]});
  return w->pad >= 0 && w->pad_w >= 0;
}

RowAccess row_access(const ir::Op& op) { return op_traits(op.kind).rows; }

// Whether `op` can run on a band of its rows: one NHWC output of batch 1,
// its data inputs (non-constant ones) of the output's shape or, for a
// window, one NHWC input; constants the same for every row.
bool bandable(const ir::Graph& g, const ir::Op& op) {
  const RowAccess access = row_access(op);
  if (access == RowAccess::kWhole || op.outputs.size() != 1 || op.outputs[0] < 0) return false;
  const ir::Tensor& out = tensor(g, op.outputs[0]);
  if (out.shape.size() != 4 || out.shape[0] != 1 || out.shape[1] < 1 || out.variable() ||
      out.bytes() == 0)
    return false;
  int data = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (op.inputs[i] < 0) continue;
    const ir::Tensor& in = tensor(g, op.inputs[i]);
    if (in.constant) {
      const size_t rank = in.shape.size();
      if (access == RowAccess::kSameRow && rank >= 3 && in.shape[rank - 3] != 1) return false;
      continue;
    }
    if (in.variable()) return false;
    ++data;
    if (access == RowAccess::kSameRow && in.shape != out.shape) return false;
    if (access == RowAccess::kWindow &&
        (i != 0 || in.shape.size() != 4 || in.shape[0] != 1 || in.shape[1] < 1))
      return false;
  }
  Window w;
  return data > 0 && (access != RowAccess::kWindow || window_of(g, op, &w));
}

// The rows of input `t` that output rows `out` of `op` read.
Rows input_rows(const ir::Graph& g, const ir::Op& op, Rows out, int t) {
  if (row_access(op) != RowAccess::kWindow || out.empty()) return out;
  Window w;
  window_of(g, op, &w);
  const int32_t height = tensor(g, t).shape[1];
  const int32_t begin = out.begin * w.stride - w.pad;
  const int32_t end = (out.end - 1) * w.stride - w.pad + (w.filter - 1) * w.dilation + 1;
  return {std::max(begin, 0), std::min(end, height)};
}

// Ops [first, last] as a stage: one input tensor, one output (the last op's),
// every other tensor they write read only by them.
struct Stage {
  int first = 0, last = 0;
  int input = -1, output = -1;
  std::vector<int> inner;  // tensors written and read within the stage
};

bool as_stage(const ir::Graph& g, const Lifetimes& lt, int first, int last, Stage* s) {
  *s = Stage{first, last, -1, -1, {}};
  auto produced = [&](int t) {
    for (int k = first; k <= last; ++k) {
      const auto& outs = g.ops[static_cast<size_t>(k)].outputs;
      if (std::find(outs.begin(), outs.end(), t) != outs.end()) return true;
    }
    return false;
  };
  for (int k = first; k <= last; ++k) {
    const ir::Op& op = g.ops[static_cast<size_t>(k)];
    const int out = op.outputs[0];
    const bool escapes = lt.last[static_cast<size_t>(out)] > last;
    if (escapes != (k == last)) return false;
    if (!escapes) s->inner.push_back(out);
    for (int t : op.inputs) {
      if (t < 0 || tensor(g, t).constant || produced(t)) continue;
      if (s->input >= 0 && s->input != t) return false;
      s->input = t;
    }
  }
  s->output = g.ops[static_cast<size_t>(last)].outputs[0];
  return s->input >= 0;
}

// Per band, the rows of each tensor of the stage it computes or reads;
// empty if some band would compute no row of a tensor.
std::vector<std::map<int, Rows>> band_rows(const ir::Graph& g, const Stage& s, int bands) {
  const int32_t height = tensor(g, s.output).shape[1];
  std::vector<std::map<int, Rows>> result;
  for (int b = 0; b < bands; ++b) {
    std::map<int, Rows> need;
    need[s.output] = {b * height / bands, (b + 1) * height / bands};
    for (int k = s.last; k >= s.first; --k) {
      const ir::Op& op = g.ops[static_cast<size_t>(k)];
      const Rows out = need[op.outputs[0]];
      if (out.empty()) return {};
      for (int t : op.inputs) {
        if (t < 0 || tensor(g, t).constant) continue;
        need[t] = unite(need[t], input_rows(g, op, out, t));
      }
    }
    result.push_back(std::move(need));
  }
  return result;
}

// Whether the stage's output can take the bytes of its input: every band
// writes its rows of the output only where no later band (nor its own last
// op) reads the input any more.
bool can_overlay(const ir::Graph& g, const Lifetimes& lt, const Stage& s,
                 const std::vector<std::map<int, Rows>>& rows) {
  const ir::Tensor& in = tensor(g, s.input);
  const ir::Tensor& out = tensor(g, s.output);
  const bool output = std::find(g.outputs.begin(), g.outputs.end(), s.input) != g.outputs.end();
  if (output || lt.last[static_cast<size_t>(s.input)] > s.last || in.view_of >= 0 ||
      in.shape.size() != 4 || out.bytes() > in.bytes())
    return false;
  const auto& last_inputs = g.ops[static_cast<size_t>(s.last)].inputs;
  const bool last_reads_input =
      std::find(last_inputs.begin(), last_inputs.end(), s.input) != last_inputs.end();
  for (size_t b = 0; b < rows.size(); ++b) {
    const uint64_t written_end = static_cast<uint64_t>(rows[b].at(s.output).end) * row_bytes(out);
    for (size_t later = last_reads_input ? b : b + 1; later < rows.size(); ++later) {
      const Rows read = rows[later].at(s.input);
      if (!read.empty() && written_end > static_cast<uint64_t>(read.begin) * row_bytes(in))
        return false;
    }
  }
  return true;
}

// Whether every view the bands make starts on the arena's alignment, as
// tensors must for the kernels' word and vector loads.
bool views_aligned(const ir::Graph& g, const Stage& s,
                   const std::vector<std::map<int, Rows>>& rows) {
  auto aligned = [&](int t, int32_t row) {
    return static_cast<uint64_t>(row) * row_bytes(tensor(g, t)) % kArenaAlignment == 0;
  };
  for (const auto& need : rows) {
    if (!aligned(s.output, need.at(s.output).begin)) return false;
    for (int k = s.first; k <= s.last; ++k) {
      const ir::Op& op = g.ops[static_cast<size_t>(k)];
      for (int t : op.inputs) {
        if (t < 0 || tensor(g, t).constant) continue;
        const Rows read = input_rows(g, op, need.at(op.outputs[0]), t);
        if (!aligned(t, t == s.input ? read.begin : read.begin - need.at(t).begin)) return false;
      }
    }
  }
  return true;
}

// The stage cut into `bands`, costed; bands 0 if it cannot be.
PatchStage cost(const ir::Graph& g, const Lifetimes& lt, const Stage& s, int bands,
                uint64_t outside_peak) {
  PatchStage p;
  p.first_op = s.first;
  p.last_op = s.last;
  const std::vector<std::map<int, Rows>> rows = band_rows(g, s, bands);
  if (rows.empty() || !views_aligned(g, s, rows)) return p;
  p.bands = bands;
  p.macs = total_macs(g);
  double extra = 0;
  for (int k = s.first; k <= s.last; ++k) {
    const ir::Op& op = g.ops[static_cast<size_t>(k)];
    const int32_t height = tensor(g, op.outputs[0]).shape[1];
    int64_t computed = 0;
    for (const auto& band : rows) computed += band.at(op.outputs[0]).count();
    extra += static_cast<double>(op_macs(g, op)) * static_cast<double>(computed - height) / height;
  }
  p.extra_macs = std::llround(extra);
  p.overlays_input = can_overlay(g, lt, s, rows);

  uint64_t fixed = tensor(g, s.input).bytes();
  if (!p.overlays_input) fixed += tensor(g, s.output).bytes();
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const bool across = lt.last[t] >= 0 && lt.first[t] < s.first && lt.last[t] > s.last;
    if (across && static_cast<int>(t) != s.input) fixed += g.tensors[t].bytes();
  }
  uint64_t band_peak = 0;
  for (const auto& band : rows) {
    for (int k = s.first; k <= s.last; ++k) {
      uint64_t live = 0;
      for (int t : s.inner) {
        const int written = lt.first[static_cast<size_t>(t)];
        if (written <= k && k <= lt.last[static_cast<size_t>(t)])
          live += static_cast<uint64_t>(band.at(t).count()) * row_bytes(tensor(g, t));
      }
      band_peak = std::max(band_peak, live);
    }
  }
  p.peak_bytes = std::max(outside_peak, fixed + band_peak);
  return p;
}

// A view of rows [row, row + count) of `base`.
int add_view(ir::Graph& g, int base, int32_t row, int32_t count) {
  ir::Tensor v = tensor(g, base);
  v.name = fmt::format("{}[rows {}:{}]", v.name, row, row + count);
  v.shape[1] = count;
  v.data.clear();
  v.view_offset = static_cast<uint64_t>(row) * row_bytes(tensor(g, base));
  v.view_of = base;
  v.overlays = -1;
  g.tensors.push_back(std::move(v));
  return static_cast<int>(g.tensors.size() - 1);
}

}  // namespace

uint64_t peak_live_bytes(const ir::Graph& graph) {
  const std::vector<uint64_t> live = live_bytes(graph, lifetimes(graph));
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

std::vector<PatchStage> patch_stages(const ir::Graph& graph, double max_recompute) {
  // In a loop or behind a gate, a tensor's last reader in op order need not
  // be its last: lifetimes, and so overlays, would not hold.
  const bool control_flow = std::any_of(graph.ops.begin(), graph.ops.end(), [](const ir::Op& op) {
    return op_traits(op.kind).control_flow;
  });
  const int n = static_cast<int>(graph.ops.size());
  if (n == 0 || control_flow) return {};
  const Lifetimes lt = lifetimes(graph);
  const std::vector<uint64_t> live = live_bytes(graph, lt);
  const uint64_t whole_peak = *std::max_element(live.begin(), live.end());
  // The peak outside ops [first, last]: before first, after last.
  std::vector<uint64_t> before(static_cast<size_t>(n) + 1, 0), after(static_cast<size_t>(n) + 1, 0);
  for (int i = 0; i < n; ++i) before[i + 1] = std::max(before[i], live[i]);
  for (int i = n - 1; i >= 0; --i) after[i] = std::max(after[i + 1], live[i]);

  constexpr int kMostBands = 64;
  auto reads_graph_inputs = [&](const ir::Op& op) {
    return std::all_of(op.inputs.begin(), op.inputs.end(), [&](int t) {
      return t < 0 || tensor(graph, t).constant ||
             std::find(graph.inputs.begin(), graph.inputs.end(), t) != graph.inputs.end();
    });
  };
  std::vector<PatchStage> found;
  for (int first = 0; first < n; ++first) {
    // The first stage: from the network's input.
    if (!reads_graph_inputs(graph.ops[static_cast<size_t>(first)])) continue;
    for (int last = first; last < n && bandable(graph, graph.ops[static_cast<size_t>(last)]);
         ++last) {
      Stage s;
      if (!as_stage(graph, lt, first, last, &s)) continue;
      const uint64_t outside =
          std::max(before[static_cast<size_t>(first)], after[static_cast<size_t>(last) + 1]);
      const int32_t height = tensor(graph, s.output).shape[1];
      for (int bands = 2; bands <= std::min(height, kMostBands); ++bands) {
        const PatchStage p = cost(graph, lt, s, bands, outside);
        if (p.active() && p.recompute() <= max_recompute && p.peak_bytes < whole_peak)
          found.push_back(p);
      }
    }
  }
  // Among equals, the shortest stage from the earliest op (the order found).
  std::stable_sort(found.begin(), found.end(), [](const PatchStage& a, const PatchStage& b) {
    return std::tie(a.peak_bytes, a.extra_macs, a.bands) <
           std::tie(b.peak_bytes, b.extra_macs, b.bands);
  });
  return found;
}

PatchStage patch_stage(const ir::Graph& graph, int first, int last, int bands) {
  const int n = static_cast<int>(graph.ops.size());
  PatchStage none;
  if (first < 0 || last < first || last >= n || bands < 2) return none;
  for (int k = first; k <= last; ++k) {
    if (!bandable(graph, graph.ops[static_cast<size_t>(k)])) return none;
  }
  const Lifetimes lt = lifetimes(graph);
  Stage s;
  if (!as_stage(graph, lt, first, last, &s) || bands > tensor(graph, s.output).shape[1])
    return none;
  const std::vector<uint64_t> live = live_bytes(graph, lt);
  uint64_t outside = 0;
  for (int i = 0; i < n; ++i) {
    if (i < first || i > last) outside = std::max(outside, live[static_cast<size_t>(i)]);
  }
  return cost(graph, lt, s, bands, outside);
}

ir::Graph cut_into_bands(const ir::Graph& graph, const PatchStage& stage) {
  Stage s;
  const Lifetimes lt = lifetimes(graph);
  if (!stage.active() || !as_stage(graph, lt, stage.first_op, stage.last_op, &s)) return graph;
  const std::vector<std::map<int, Rows>> rows = band_rows(graph, s, stage.bands);
  if (rows.empty()) return graph;

  ir::Graph g = graph;
  g.ops.clear();
  auto keep_whole = [&](int k) {
    g.ops.push_back(graph.ops[static_cast<size_t>(k)]);
    g.ops.back().layer = k;
  };
  for (int k = 0; k < s.first; ++k) keep_whole(k);
  if (stage.overlays_input) g.tensors[static_cast<size_t>(s.output)].overlays = s.input;
  for (int b = 0; b < stage.bands; ++b) {
    const std::map<int, Rows>& need = rows[static_cast<size_t>(b)];
    std::map<int, int> buffer;  // inner tensor -> this band's rows of it
    for (int k = s.first; k <= s.last; ++k) {
      const ir::Op& op = graph.ops[static_cast<size_t>(k)];
      ir::Op band = op;
      band.layer = k;
      const int out = op.outputs[0];
      const Rows computed = need.at(out);
      if (out == s.output) {
        band.outputs[0] = add_view(g, out, computed.begin, computed.count());
      } else {
        ir::Tensor t = tensor(graph, out);
        t.name = fmt::format("{}[band {} rows {}:{}]", t.name, b, computed.begin, computed.end);
        t.shape[1] = computed.count();
        g.tensors.push_back(std::move(t));
        buffer[out] = band.outputs[0] = static_cast<int>(g.tensors.size() - 1);
      }
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const int t = op.inputs[i];
        if (t < 0 || tensor(graph, t).constant) continue;
        const Rows read = input_rows(graph, op, computed, t);
        if (t == s.input) {
          band.inputs[i] = add_view(g, t, read.begin, read.count());
        } else if (read == need.at(t)) {
          band.inputs[i] = buffer.at(t);
        } else {
          band.inputs[i] = add_view(g, buffer.at(t), read.begin - need.at(t).begin, read.count());
        }
      }
      if (row_access(op) == RowAccess::kWindow) {
        Window w;
        window_of(graph, op, &w);
        band.attrs.padding = ir::Padding::kExplicit;
        band.attrs.pad_top = std::max(0, w.pad - computed.begin * w.stride);
        band.attrs.pad_left = w.pad_w;
      }
      g.ops.push_back(std::move(band));
    }
  }
  for (int k = s.last + 1; k < static_cast<int>(graph.ops.size()); ++k) keep_whole(k);
  return g;
}

}  // namespace kiln
