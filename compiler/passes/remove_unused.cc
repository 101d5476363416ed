#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {

ir::Graph remove_unused(ir::Graph g) {
  // Ops are live if they write a graph output or a tensor a live op reads,
  // touch a variable (which may update it for the next invocation or
  // iteration), or have no outputs (a loop's control flow, assignments).
  std::vector<bool> needed(g.tensors.size(), false);
  for (int t : g.outputs) needed[static_cast<size_t>(t)] = true;
  std::vector<bool> live(g.ops.size(), false);
  for (size_t i = g.ops.size(); i-- > 0;) {
    live[i] = g.ops[i].outputs.empty();
    for (int o : g.ops[i].outputs) live[i] = live[i] || needed[static_cast<size_t>(o)];
    for (int t : g.ops[i].inputs) live[i] = live[i] || (t >= 0 && tensor_of(g, t).variable());
    if (!live[i]) continue;
    for (int t : g.ops[i].inputs) {
      if (t >= 0) needed[static_cast<size_t>(t)] = true;
    }
  }
  std::vector<ir::Op> ops;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (live[i]) ops.push_back(std::move(g.ops[i]));
  }
  g.ops = std::move(ops);

  // Keep the tensors something refers to, renumbered in order.
  std::vector<bool> referenced(g.tensors.size(), false);
  for (int t : g.inputs) referenced[static_cast<size_t>(t)] = true;
  for (int t : g.outputs) referenced[static_cast<size_t>(t)] = true;
  for (const ir::Op& op : g.ops) {
    for (int t : op.inputs) {
      if (t >= 0) referenced[static_cast<size_t>(t)] = true;
    }
    for (int t : op.outputs) referenced[static_cast<size_t>(t)] = true;
  }
  std::vector<int> renumber(g.tensors.size(), -1);
  std::vector<ir::Tensor> tensors;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (!referenced[t]) continue;
    renumber[t] = static_cast<int>(tensors.size());
    tensors.push_back(std::move(g.tensors[t]));
  }
  g.tensors = std::move(tensors);
  auto map = [&](int& t) {
    if (t >= 0) t = renumber[static_cast<size_t>(t)];
  };
  for (int& t : g.inputs) map(t);
  for (int& t : g.outputs) map(t);
  for (ir::Op& op : g.ops) {
    for (int& t : op.inputs) map(t);
    for (int& t : op.outputs) map(t);
  }
  return g;
}

ir::Graph optimize(ir::Graph g) {
  // fold_qdq sees activations already fused; what it leaves float reads its
  // weights as float constants.
  ir::Graph (*const pipeline[])(ir::Graph) = {
      fold_constants,   fold_transposes, collapse_reshapes,        fold_affine_into_weights,
      fuse_activations, fold_qdq,        fold_constant_dequantize, remove_unused};
  // Each pass can expose work for another (a folded bias lets a clamp fuse):
  // repeat until the graph stops shrinking.
  for (size_t ops = g.ops.size() + 1, round = 0; g.ops.size() < ops && round < 8; ++round) {
    ops = g.ops.size();
    for (auto pass : pipeline) {
      g = pass(std::move(g));
      ir::verify(g);
    }
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
