// Memory planning: tensor lifetimes from the execution order -> arena offsets.
#ifndef KILN_COMPILER_PLAN_PLANNER_H
#define KILN_COMPILER_PLAN_PLANNER_H

#include <cstdint>
#include <vector>

#include "compiler/lower/program.h"

namespace kiln {

constexpr uint32_t kArenaAlignment = 16;

struct MemoryPlan {
  std::vector<int64_t> offsets;  // per program tensor; -1 if it is not in the arena
  uint64_t arena_bytes = 0;      // the state region and the working tensors
  uint64_t state_bytes = 0;      // the state region: arena bytes [0, state_bytes)
};

// Persistent tensors go first, one after another, into the state region at
// the start of the arena, which no other tensor shares. Then it places every
// other non-constant tensor the program touches. A tensor is live from
// the op that writes it (graph inputs: from the start) to the last op that
// reads it (graph outputs: to the end), and to a loop's last op if it is
// written before the loop and used in it; tensors whose lifetimes overlap
// never share bytes, except that an alias lives in its buffer (its lifetime
// joins the buffer's) and an overlay is placed at the offset of the buffer it
// overlays (ProgramTensor::overlays: the two may be live at once; whoever made
// the overlay vouches that no byte is written before its last read).
// Placement is greedy by size, each tensor at the lowest aligned offset that
// fits between those already placed.
MemoryPlan plan_memory(const Program& program, uint32_t alignment = kArenaAlignment);

}  // namespace kiln

#endif
