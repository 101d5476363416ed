// BRANCH: the one control-flow op, for loops (a TFLite WHILE) and the gates
// between a pipeline's stages. It goes on at op `target` of the program
// instead of the next one: always, or, with `if_false`, when its one input
// (a bool) is false. The executor checks every target when it loads the blob
// (at most the op count: jumping to the end finishes the invocation) and
// acts on the op itself; the kernel does nothing, and generated code turns
// the op into a goto. A gate (kBranchEndIfFalse) jumps to the end and says
// the invocation wrote no outputs: a streaming model's window is not full.
#ifndef KILN_OPS_CONTROL_H
#define KILN_OPS_CONTROL_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

enum : uint32_t { kBranchAlways = 0, kBranchIfFalse = 1, kBranchEndIfFalse = 2 };

struct BranchParams {
  uint32_t target;    // an op index; the executor bounds it by the op count
  uint32_t if_false;  // kBranchAlways, or when input 0 is false: kBranchIfFalse, kBranchEndIfFalse
};

inline bool branch_operand_sizes(const BranchParams& p, OperandSizes* s) {
  if (p.if_false > kBranchEndIfFalse) return false;
  s->inputs[0] = 1;  // one bool
  s->num_inputs = p.if_false ? 1 : 0;
  s->num_outputs = 0;
  return true;
}

// Where the program goes on after BRANCH op `index`: its target, or the next
// op. (A conditional branch always has its condition once the blob's
// operands are checked; without one it would fall through.)
inline uint32_t branch_next(const BranchParams& p, const void* condition, uint32_t index) {
  if (p.if_false == kBranchAlways) return p.target;
  return condition != nullptr && *static_cast<const uint8_t*>(condition) == 0 ? p.target
                                                                              : index + 1;
}

}  // namespace kiln

#endif  // KILN_OPS_CONTROL_H
