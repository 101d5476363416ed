// A lowered program: kernels chosen, parameters filled, ready to plan and emit.
#ifndef KILN_COMPILER_LOWER_PROGRAM_H
#define KILN_COMPILER_LOWER_PROGRAM_H

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/kernels.h"
#include "kiln/types.h"

namespace kiln {

struct ProgramTensor {
  std::string name;
  kiln_dtype dtype = KILN_DTYPE_FLOAT32;
  std::vector<int32_t> shape;
  uint64_t bytes = 0;
  bool constant = false;
  // Kept from one invocation to the next in the state region; `data` is its
  // value after a reset (empty: zeros).
  bool persistent = false;
  std::vector<uint8_t> data;  // constant tensors, persistent ones' reset value
  float scale = 0.0f;         // per-tensor quantization, 0 if none
  int32_t zero_point = 0;
  int alias_of = -1;          // shares this tensor's buffer (an in-place reshape, a band of rows)
  uint64_t alias_offset = 0;  // bytes into alias_of's buffer
  // A buffer of its own, placed at the start of this tensor's buffer: it
  // reuses bytes whose last reader has run before it writes them (the output
  // of a stage run in bands, over the stage's input; compiler/plan/patches.h).
  int overlays = -1;
  // A value a loop carries between iterations: written by several copies.
  bool loop_variable = false;
};

struct ProgramOp {
  OpCode opcode = OpCode::COPY;
  std::vector<uint8_t> params;  // the kernel's params struct, as bytes
  std::vector<int> inputs;      // -1: absent optional operand
  std::vector<int> outputs;
  int source_op = -1;  // index of the IR op it came from
  // An op kiln cannot lower, kept (with no kernel) so that analysis can still
  // plan memory and report coverage; such a program is never emitted.
  bool placeholder = false;
};

struct Program {
  std::vector<ProgramTensor> tensors;
  std::vector<ProgramOp> ops;
  std::vector<int> inputs, outputs;
};

// A BRANCH op's params, and its target (an index into Program::ops;
// ops.size(): the end).
BranchParams branch_params(const ProgramOp& op);
size_t branch_target(const ProgramOp& op);
void set_branch_target(ProgramOp& op, size_t target);

// Removes COPY ops (reshapes) whose output can share the input's buffer:
// the output becomes an alias of an arena input, or a constant of its own
// (unless it is a model output, which the copy puts in the arena). Copies
// into or out of a variable (persistent or loop-carried) stay: they take a
// snapshot. Branch targets follow the ops that remain.
void elide_copies(Program& program);

// The tensor whose buffer `tensor` uses (itself unless it is an alias), and
// where in that buffer it starts.
int buffer_root(const Program& program, int tensor);
uint64_t offset_in_root(const Program& program, int tensor);

// Makes ops that read constants with the same bytes read one of them (the
// bands of a layer, each lowered on its own, pack the same weights).
void share_identical_constants(Program& program);

}  // namespace kiln

#endif
