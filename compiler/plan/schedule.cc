#include "compiler/plan/schedule.h"

#include <algorithm>
#include <limits>

#include "compiler/ops/op_record.h"
#include "compiler/plan/patches.h"

namespace kiln {

namespace {

bool in_arena(const ir::Graph& g, int t) {
  return t >= 0 && !g.tensors[static_cast<size_t>(t)].constant &&
         !g.tensors[static_cast<size_t>(t)].variable();
}

bool reorderable(const ir::Graph& g) {
  for (const ir::Op& op : g.ops) {
    if (op_traits(op.kind).control_flow || op.outputs.empty()) return false;
    for (int t : op.inputs) {
      if (t >= 0 && g.tensors[static_cast<size_t>(t)].variable()) return false;
    }
  }
  return true;
}

}  // namespace

ir::Graph order_for_memory(const ir::Graph& graph) {
  if (graph.ops.size() < 3 || !reorderable(graph)) return graph;
  const size_t n = graph.ops.size();
  std::vector<int> readers(graph.tensors.size(), 0);  // reads still to run
  std::vector<bool> available(graph.tensors.size(), false);
  for (const ir::Op& op : graph.ops) {
    for (int t : op.inputs) {
      if (in_arena(graph, t)) ++readers[static_cast<size_t>(t)];
    }
  }
  for (int t : graph.inputs) available[static_cast<size_t>(t)] = true;
  auto is_output = [&](int t) {
    return std::find(graph.outputs.begin(), graph.outputs.end(), t) != graph.outputs.end();
  };
  auto ready = [&](const ir::Op& op) {
    return std::all_of(op.inputs.begin(), op.inputs.end(), [&](int t) {
      return !in_arena(graph, t) || available[static_cast<size_t>(t)];
    });
  };
  // Bytes running `op` adds to those live: its outputs less the inputs it
  // is the last to read (each counted once).
  auto added = [&](const ir::Op& op) {
    int64_t bytes = 0;
    for (int t : op.outputs) {
      if (in_arena(graph, t))
        bytes += static_cast<int64_t>(graph.tensors[static_cast<size_t>(t)].bytes());
    }
    std::vector<int> freed;
    for (int t : op.inputs) {
      if (!in_arena(graph, t) || is_output(t) ||
          std::find(freed.begin(), freed.end(), t) != freed.end())
        continue;
      const int reads = static_cast<int>(std::count(op.inputs.begin(), op.inputs.end(), t));
      if (readers[static_cast<size_t>(t)] == reads) {
        freed.push_back(t);
        bytes -= static_cast<int64_t>(graph.tensors[static_cast<size_t>(t)].bytes());
      }
    }
    return bytes;
  };
  ir::Graph ordered = graph;
  ordered.ops.clear();
  std::vector<bool> done(n, false);
  for (size_t step = 0; step < n; ++step) {
    size_t best = n;
    int64_t best_added = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < n; ++i) {
      if (done[i] || !ready(graph.ops[i])) continue;
      const int64_t a = added(graph.ops[i]);
      if (a < best_added) {
        best = i;
        best_added = a;
      }
    }
    if (best == n) return graph;  // not a DAG in this order: leave it
    done[best] = true;
    const ir::Op& op = graph.ops[best];
    for (int t : op.inputs) {
      if (in_arena(graph, t)) --readers[static_cast<size_t>(t)];
    }
    for (int t : op.outputs) {
      if (t >= 0) available[static_cast<size_t>(t)] = true;
    }
    ordered.ops.push_back(op);
  }
  // The model's own order, as its file and its viewers show it, unless the
  // new one saves a tenth of the peak.
  return peak_live_bytes(ordered) * 10 <= peak_live_bytes(graph) * 9 ? ordered : graph;
}

}  // namespace kiln
