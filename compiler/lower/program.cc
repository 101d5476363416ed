#include "compiler/lower/program.h"

#include <algorithm>
#include <utility>

namespace kiln {

int buffer_root(const Program& program, int tensor) {
  while (program.tensors[static_cast<size_t>(tensor)].alias_of >= 0) {
    tensor = program.tensors[static_cast<size_t>(tensor)].alias_of;
  }
  return tensor;
}

void elide_copies(Program& program) {
  std::vector<ProgramOp> kept;
  for (ProgramOp& op : program.ops) {
    if (op.placeholder || op.opcode != OpCode::COPY) {
      kept.push_back(std::move(op));
      continue;
    }
    const int in = buffer_root(program, op.inputs[0]);
    ProgramTensor& out = program.tensors[static_cast<size_t>(op.outputs[0])];
    const ProgramTensor& src = program.tensors[static_cast<size_t>(in)];
    const bool model_output = std::find(program.outputs.begin(), program.outputs.end(),
                                        op.outputs[0]) != program.outputs.end();
    if (src.persistent || out.persistent) {
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
  program.ops = std::move(kept);
}

}  // namespace kiln
