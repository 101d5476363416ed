#include "compiler/lower/program.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace kiln {

int buffer_root(const Program& program, int tensor) {
  while (program.tensors[static_cast<size_t>(tensor)].alias_of >= 0) {
    tensor = program.tensors[static_cast<size_t>(tensor)].alias_of;
  }
  return tensor;
}

BranchParams branch_params(const ProgramOp& op) {
  BranchParams p;
  std::memcpy(&p, op.params.data(), sizeof(p));
  return p;
}

size_t branch_target(const ProgramOp& op) { return branch_params(op).target; }

void set_branch_target(ProgramOp& op, size_t target) {
  BranchParams p = branch_params(op);
  p.target = static_cast<uint32_t>(target);
  std::memcpy(op.params.data(), &p, sizeof(p));
}

void elide_copies(Program& program) {
  std::vector<ProgramOp> kept;
  // Per op of the program (and its end), the index of the first kept op at
  // or after it: where a branch to it now lands.
  std::vector<size_t> kept_index;
  for (ProgramOp& op : program.ops) {
    kept_index.push_back(kept.size());
    if (op.placeholder || op.opcode != OpCode::COPY) {
      kept.push_back(std::move(op));
      continue;
    }
    const int in = buffer_root(program, op.inputs[0]);
    ProgramTensor& out = program.tensors[static_cast<size_t>(op.outputs[0])];
    const ProgramTensor& src = program.tensors[static_cast<size_t>(in)];
    const bool model_output = std::find(program.outputs.begin(), program.outputs.end(),
                                        op.outputs[0]) != program.outputs.end();
    if (src.persistent || out.persistent || src.loop_variable || out.loop_variable) {
      kept.push_back(std::move(op));
    } else if (src.constant && model_output) {
      // Outputs live in the arena, where the caller reads them: copy it there.
      kept.push_back(std::move(op));
    } else if (src.constant) {
      out.constant = true;
      out.data = src.data;
    } else {
      out.alias_of = in;
    }
  }
  kept_index.push_back(kept.size());
  for (ProgramOp& op : kept) {
    if (!op.placeholder && op.opcode == OpCode::BRANCH)
      set_branch_target(op, kept_index[branch_target(op)]);
  }
  program.ops = std::move(kept);
}

}  // namespace kiln
