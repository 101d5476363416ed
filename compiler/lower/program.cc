#include "compiler/lower/program.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

namespace kiln {

int buffer_root(const Program& program, int tensor) {
  while (program.tensors[static_cast<size_t>(tensor)].alias_of >= 0) {
    tensor = program.tensors[static_cast<size_t>(tensor)].alias_of;
  }
  return tensor;
}

uint64_t offset_in_root(const Program& program, int tensor) {
  uint64_t offset = 0;
  while (program.tensors[static_cast<size_t>(tensor)].alias_of >= 0) {
    offset += program.tensors[static_cast<size_t>(tensor)].alias_offset;
    tensor = program.tensors[static_cast<size_t>(tensor)].alias_of;
  }
  return offset;
}

void share_identical_constants(Program& program) {
  using Key = std::tuple<kiln_dtype, std::vector<int32_t>, const std::vector<uint8_t>*>;
  auto less = [](const Key& a, const Key& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
    return *std::get<2>(a) < *std::get<2>(b);
  };
  std::map<Key, int, decltype(less)> first(less);
  std::vector<int> shared(program.tensors.size());
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    const ProgramTensor& pt = program.tensors[t];
    shared[t] = static_cast<int>(t);
    if (!pt.constant || pt.alias_of >= 0) continue;
    shared[t] = first.emplace(Key{pt.dtype, pt.shape, &pt.data}, static_cast<int>(t)).first->second;
  }
  for (ProgramOp& op : program.ops) {
    for (int& t : op.inputs) {
      if (t >= 0) t = shared[static_cast<size_t>(t)];
    }
  }
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
    const bool view = offset_in_root(program, op.inputs[0]) != 0;
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
      out.alias_of = view ? op.inputs[0] : in;
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
