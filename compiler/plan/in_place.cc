#include "compiler/plan/in_place.h"

#include <algorithm>
#include <cstring>

#include "compiler/ops/op_record.h"
#include "compiler/plan/planner.h"
#include "kiln/ops/data_movement.h"

namespace kiln {
namespace {

bool has_branches(const Program& program) {
  return std::any_of(program.ops.begin(), program.ops.end(), [](const ProgramOp& op) {
    return !op.placeholder && op.opcode == OpCode::BRANCH;
  });
}

// The tensors that must keep a buffer of their own: constants, variables,
// tensors written by more or less than one op, any tensor another shares
// bytes with (or that shares another's), and with `io` the caller's inputs
// and outputs.
std::vector<bool> bound_tensors(const Program& program, bool io) {
  const size_t n = program.tensors.size();
  std::vector<bool> excluded(n, false);
  for (const std::vector<int>* list : {&program.inputs, &program.outputs}) {
    for (int t : *list) {
      if (t >= 0 && io) excluded[static_cast<size_t>(t)] = true;
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
  return excluded;
}

}  // namespace

int place_element_wise_in_place(Program& program, const ir::Graph& graph) {
  // In a loop an op's last read in program order need not be the last one.
  if (has_branches(program)) return 0;
  // The last op reading each tensor.
  std::vector<int> last_read(program.tensors.size(), -1);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    for (int t : program.ops[i].inputs) {
      if (t >= 0) last_read[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  }
  std::vector<bool> excluded = bound_tensors(program, true);
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

int write_concatenations_in_place(Program& program) {
  if (has_branches(program)) return 0;
  // The caller reads a model output wherever it is, inside another buffer too.
  std::vector<bool> excluded = bound_tensors(program, false);
  std::vector<int> writer(program.tensors.size(), -1);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    for (int t : program.ops[i].outputs) {
      if (t >= 0) writer[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  }
  std::vector<bool> removed(program.ops.size(), false);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const ProgramOp& op = program.ops[i];
    if (op.placeholder || op.opcode != OpCode::CONCATENATION) continue;
    ConcatParams p{};
    std::memcpy(&p, op.params.data(), std::min(op.params.size(), sizeof(p)));
    const size_t out = static_cast<size_t>(op.outputs[0]);
    if (p.outer != 1 || excluded[out]) continue;
    bool possible = true;
    uint64_t offset = 0;
    for (int t : op.inputs) {
      const size_t k = static_cast<size_t>(t);
      possible = possible && !excluded[k] && writer[k] >= 0 && writer[k] < static_cast<int>(i) &&
                 !removed[static_cast<size_t>(writer[k])] && offset % kArenaAlignment == 0;
      offset += program.tensors[k].bytes;
      if (possible) excluded[k] = true;  // an input twice, or in two concatenations: copied
    }
    if (!possible) continue;
    offset = 0;
    for (int t : op.inputs) {
      ProgramTensor& in = program.tensors[static_cast<size_t>(t)];
      in.alias_of = op.outputs[0];
      in.alias_offset = offset;
      offset += in.bytes;
    }
    excluded[out] = true;
    removed[i] = true;
  }
  std::vector<ProgramOp> kept;
  for (size_t i = 0; i < program.ops.size(); ++i) {
    if (!removed[i]) kept.push_back(std::move(program.ops[i]));
  }
  const int count = static_cast<int>(program.ops.size() - kept.size());
  program.ops = std::move(kept);
  return count;
}

}  // namespace kiln
