#include "compiler/exec/program_execution.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"
#include "kiln/kernels.h"

namespace kiln {

ProgramExecution::ProgramExecution(Program program) : program_(std::move(program)) {
  buffers_.resize(program_.tensors.size());
  auto allocate = [&](int tensor) {
    if (tensor < 0) return;
    const size_t root = static_cast<size_t>(buffer_root(program_, tensor));
    const ProgramTensor& t = program_.tensors[root];
    if (!buffers_[root].empty()) return;
    buffers_[root].resize(t.bytes == 0 ? 1 : (t.bytes + sizeof(Block) - 1) / sizeof(Block),
                          Block{});
    if ((t.constant || t.persistent) && !t.data.empty()) {
      std::memcpy(buffers_[root].data(), t.data.data(), t.data.size());
    }
  };
  for (int t : program_.inputs) allocate(t);
  for (int t : program_.outputs) allocate(t);
  for (const ProgramOp& op : program_.ops) {
    if (op.placeholder)
      throw Error(ErrorKind::kUnsupported, "the program has ops kiln cannot compile");
    if (!find_runnable_kernel(static_cast<uint32_t>(op.opcode))) {
      const KernelInfo* k = find_kernel(static_cast<uint32_t>(op.opcode));
      throw Error(ErrorKind::kUnsupported, fmt::format("kernel {} does not run on this machine",
                                                       k ? k->name : "(unknown opcode)"));
    }
    for (int t : op.inputs) allocate(t);
    for (int t : op.outputs) allocate(t);
  }
}

bool ProgramExecution::has_buffer(int tensor) const {
  if (tensor < 0 || static_cast<size_t>(tensor) >= program_.tensors.size()) return false;
  const ProgramTensor& t = program_.tensors[static_cast<size_t>(tensor)];
  return !t.constant && !buffers_[static_cast<size_t>(buffer_root(program_, tensor))].empty();
}

uint8_t* ProgramExecution::data(int tensor) {
  std::vector<Block>& buffer = buffers_[static_cast<size_t>(buffer_root(program_, tensor))];
  return buffer.empty() ? nullptr : buffer[0].bytes;
}

const uint8_t* ProgramExecution::data(int tensor) const {
  const std::vector<Block>& buffer = buffers_[static_cast<size_t>(buffer_root(program_, tensor))];
  return buffer.empty() ? nullptr : buffer[0].bytes;
}

void ProgramExecution::reset_state() {
  for (size_t t = 0; t < program_.tensors.size(); ++t) {
    const ProgramTensor& pt = program_.tensors[t];
    if (!pt.persistent || buffers_[t].empty()) continue;
    std::memset(buffers_[t].data(), 0, buffers_[t].size() * sizeof(Block));
    if (!pt.data.empty()) std::memcpy(buffers_[t].data(), pt.data.data(), pt.data.size());
  }
}

void ProgramExecution::run() {
  for (uint32_t i = 0; i < program_.ops.size();) {
    const ProgramOp& op = program_.ops[i];
    if (op.opcode == OpCode::BRANCH) {
      i = branch_next(branch_params(op), op.inputs.empty() ? nullptr : data(op.inputs[0]), i);
      continue;
    }
    ++i;
    inputs_.clear();
    outputs_.clear();
    for (int t : op.inputs) inputs_.push_back(t < 0 ? nullptr : data(t));
    for (int t : op.outputs) outputs_.push_back(data(t));
    find_runnable_kernel(static_cast<uint32_t>(op.opcode))
        ->kernel(op.params.data(), inputs_.data(), outputs_.data());
  }
}

}  // namespace kiln
