#include "compiler/plan/in_place.h"

#include <algorithm>

#include "compiler/ops/op_record.h"

namespace kiln {

int place_element_wise_in_place(Program& program, const ir::Graph& graph) {
  // In a loop an op's last read in program order need not be the last one.
  const bool loops = std::any_of(program.ops.begin(), program.ops.end(), [](const ProgramOp& op) {
    return !op.placeholder && op.opcode == OpCode::BRANCH;
  });
  if (loops) return 0;
  const size_t n = program.tensors.size();
  // The last op reading each tensor, and whether anything else shares its
  // buffer or the caller sees it.
  std::vector<int> last_read(n, -1);
  std::vector<bool> excluded(n, false);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    for (int t : program.ops[i].inputs) {
      if (t >= 0) last_read[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  }
  for (const std::vector<int>* list : {&program.inputs, &program.outputs}) {
    for (int t : *list) {
      if (t >= 0) excluded[static_cast<size_t>(t)] = true;
    }
  }
  std::vector<int> writers(n, 0);
  for (const ProgramOp& op : program.ops) {
    for (int t : op.outputs) {
      if (t >= 0) ++writers[static_cast<size_t>(t)];
    }
  }
  for (size_t t = 0; t < n; ++t) {
    const ProgramTensor& pt = program.tensors[t];
    for (int shared : {pt.alias_of, pt.overlays}) {
      if (shared >= 0) excluded[static_cast<size_t>(shared)] = excluded[t] = true;
    }
    if (pt.constant || pt.persistent || pt.loop_variable || writers[t] != 1) excluded[t] = true;
  }
  int placed = 0;
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const ProgramOp& op = program.ops[i];
    if (op.placeholder || op.source_op < 0 || op.outputs.size() != 1 || op.outputs[0] < 0) continue;
    const ir::Op& source = graph.ops[static_cast<size_t>(op.source_op)];
    if (op_traits(source.kind).rows != RowAccess::kSameRow) continue;
    const size_t out = static_cast<size_t>(op.outputs[0]);
    ProgramTensor& o = program.tensors[out];
    if (excluded[out]) continue;
    for (int t : op.inputs) {
      if (t < 0) continue;
      const ProgramTensor& in = program.tensors[static_cast<size_t>(t)];
      const bool dies_here = last_read[static_cast<size_t>(t)] == static_cast<int>(i);
      if (excluded[static_cast<size_t>(t)] || !dies_here || in.shape != o.shape ||
          in.bytes != o.bytes || kiln_dtype_size(in.dtype) != kiln_dtype_size(o.dtype))
        continue;
      o.overlays = t;
      excluded[out] = excluded[static_cast<size_t>(t)] = true;  // one overlay per buffer
      ++placed;
      break;
    }
  }
  return placed;
}

}  // namespace kiln
