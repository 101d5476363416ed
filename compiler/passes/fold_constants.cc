// Ops whose inputs are all constants run once on the host, through the same
// reference kernels the device would run, and become constants.
#include "compiler/exec/graph_evaluator.h"
#include "compiler/ops/op_record.h"
#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

// An assignment that runs before the first invocation (a CALL_ONCE's) of a
// constant becomes the variable's value after a reset.
bool fold_initial_value(ir::Graph& g, size_t i) {
  const ir::Op& op = g.ops[i];
  if (!op.attrs.at_reset || op.inputs.size() != 2) return false;
  const ir::Tensor& value = tensor_of(g, op.inputs[1]);
  ir::Tensor& variable = g.tensors[static_cast<size_t>(op.inputs[0])];
  if (!value.constant || !variable.persistent || value.data.size() != variable.bytes())
    return false;
  variable.data = value.data;
  erase_op(g, static_cast<int>(i));
  return true;
}

bool fold_one(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (fold_initial_value(g, i)) return true;
    const ir::Op& op = g.ops[i];
    // DEQUANTIZE of constants waits for fold_qdq, which wants the int8 values.
    // An op without outputs is there for its effect (a loop's exit).
    if (op.kind == ir::OpKind::kUnsupported || op.kind == ir::OpKind::kDequantize ||
        op.inputs.empty() || op.outputs.empty())
      continue;
    const bool shape_only = op_traits(op.kind).shape_only;
    bool constant = true;
    for (int t : op.inputs)
      constant = constant && (t < 0 || tensor_of(g, t).constant || shape_only);
    for (int t : op.outputs) constant = constant && !uses.graph_output[static_cast<size_t>(t)];
    if (!constant) continue;
    std::vector<std::vector<uint8_t>> values = evaluate_op(g, op);
    if (values.empty()) continue;  // the op cannot run here; lowering will say why
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[k])];
      out.constant = true;
      out.data = std::move(values[k]);
    }
    erase_op(g, static_cast<int>(i));
    return true;
  }
  return false;
}

}  // namespace

ir::Graph fold_constants(ir::Graph g) {
  while (fold_one(g)) {
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
