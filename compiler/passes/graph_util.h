// Small queries and edits on IR graphs, shared by the passes.
#ifndef KILN_COMPILER_PASSES_GRAPH_UTIL_H
#define KILN_COMPILER_PASSES_GRAPH_UTIL_H

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace passes {

// Which ops read each tensor, and whether it is a graph output.
struct Uses {
  std::vector<std::vector<int>> readers;  // op indices, per tensor
  std::vector<bool> graph_output;

  explicit Uses(const ir::Graph& g)
      : readers(g.tensors.size()), graph_output(g.tensors.size(), false) {
    for (size_t i = 0; i < g.ops.size(); ++i) {
      for (int t : g.ops[i].inputs) {
        if (t >= 0) readers[static_cast<size_t>(t)].push_back(static_cast<int>(i));
      }
    }
    for (int t : g.outputs) graph_output[static_cast<size_t>(t)] = true;
  }

  // The tensor feeds exactly one op and is not a graph output, so that op
  // may absorb the op that writes it.
  bool only_reader(int tensor, int op) const {
    const auto& r = readers[static_cast<size_t>(tensor)];
    return !graph_output[static_cast<size_t>(tensor)] && r.size() == 1 && r[0] == op;
  }
  int single_reader(int tensor) const {
    const auto& r = readers[static_cast<size_t>(tensor)];
    return !graph_output[static_cast<size_t>(tensor)] && r.size() == 1 ? r[0] : -1;
  }
};

inline const ir::Tensor& tensor_of(const ir::Graph& g, int index) {
  return g.tensors[static_cast<size_t>(index)];
}

// A float32 constant's values.
inline std::vector<float> float_data(const ir::Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.elements()));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

// Adds a float32 constant; returns its index.
inline int add_float_constant(ir::Graph& g, const std::string& name, std::vector<int32_t> shape,
                              const std::vector<float>& values) {
  ir::Tensor t;
  t.name = name;
  t.dtype = KILN_DTYPE_FLOAT32;
  t.shape = std::move(shape);
  t.constant = true;
  t.data.resize(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size() - 1);
}

inline void erase_op(ir::Graph& g, int op) { g.ops.erase(g.ops.begin() + op); }

// Every read of `from` (by ops and as a graph output) reads `to` instead.
inline void replace_uses(ir::Graph& g, int from, int to) {
  for (ir::Op& op : g.ops) std::replace(op.inputs.begin(), op.inputs.end(), from, to);
  std::replace(g.outputs.begin(), g.outputs.end(), from, to);
}

}  // namespace passes
}  // namespace kiln

#endif
