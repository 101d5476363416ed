// BRANCH: the one control-flow op, for loops (a TFLite WHILE). It goes on
// at op `target` of the program instead of the next one: always, or, with
// `if_false`, when its one input (a bool) is false. The executor checks
// every target when it loads the blob (at most the op count: jumping to the
// end finishes the invocation) and acts on the op itself; the kernel does
// nothing, and generated code turns the op into a goto.
#ifndef KILN_OPS_CONTROL_H
#define KILN_OPS_CONTROL_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

struct BranchParams {
  uint32_t target;    // an op index; the executor bounds it by the op count
  uint32_t if_false;  // 0: always; 1: when input 0 is false
};

inline bool branch_operand_sizes(const BranchParams& p, OperandSizes* s) {
  if (p.if_false > 1) return false;
  s->inputs[0] = 1;  // one bool
  s->num_inputs = p.if_false ? 1 : 0;
  s->num_outputs = 0;
  return true;
}

// Where the program goes on after BRANCH op `index`: its target, or the next
// op. (A conditional branch always has its condition once the blob's
// operands are checked; without one it would fall through.)
inline uint32_t branch_next(const BranchParams& p, const void* condition, uint32_t index) {
  if (!p.if_false) return p.target;
  return condition != nullptr && *static_cast<const uint8_t*>(condition) == 0 ? p.target
                                                                              : index + 1;
}

}  // namespace kiln

#endif  // KILN_OPS_CONTROL_H
