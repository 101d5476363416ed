// Memory planning: tensor lifetimes from the execution order -> arena offsets.
#ifndef KILN_COMPILER_PLAN_PLANNER_H
#define KILN_COMPILER_PLAN_PLANNER_H

#include <cstdint>
#include <vector>

#include "compiler/lower/program.h"

namespace kiln {

constexpr uint32_t kArenaAlignment = 16;

// Working tensors may be spread over several RAM regions (a fast one and a
// larger, slower one: compiler/plan/regions.h). Region 0 is the arena; an
// offset is into its tensor's region.
struct MemoryPlan {
  std::vector<int64_t> offsets;        // per program tensor; -1 if it is not in RAM
  uint64_t arena_bytes = 0;            // region 0: the state region and working tensors
  uint64_t state_bytes = 0;            // the state region: arena bytes [0, state_bytes)
  std::vector<int> regions;            // per program tensor: its RAM region
  std::vector<uint64_t> region_bytes;  // bytes of every region (region_bytes[0] == arena_bytes)

  uint64_t ram_bytes() const;  // over all regions
};

// A buffer the plan places: a tensor with its aliases (which live in it) and
// the buffers that overlay it (placed at its offset), live from op `first`
// to op `last`.
struct ArenaBuffer {
  int tensor = -1;
  uint64_t bytes = 0;
  int first = 0, last = 0;
  std::vector<int> members;  // every tensor placed with it, itself first
};
std::vector<ArenaBuffer> arena_buffers(const Program& program);

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
//
// `region_of` (per tensor, read at each ArenaBuffer's tensor; empty: all in
// region 0) spreads the buffers over RAM regions, each planned on its own;
// the state region is always region 0's start.
MemoryPlan plan_memory(const Program& program, uint32_t alignment = kArenaAlignment,
                       const std::vector<int>& region_of = {});

}  // namespace kiln

#endif
