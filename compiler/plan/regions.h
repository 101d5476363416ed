// Working tensors over several RAM regions: a small fast one first (a
// Cortex-M7's DTCM, a Cortex-M55's TCM), then larger, slower ones.
#ifndef KILN_COMPILER_PLAN_REGIONS_H
#define KILN_COMPILER_PLAN_REGIONS_H

#include <vector>

#include "compiler/lower/program.h"
#include "compiler/plan/planner.h"
#include "compiler/target/memory_regions.h"

namespace kiln {

// Plans every buffer in the first region, then, while a region's plan is
// larger than its capacity, moves one buffer to the next region: of the
// buffers live while the one at the top of the region is, the one the ops
// touch least per byte (operand references of its tensors over its bytes;
// ties: the larger). The hot, small buffers stay in fast memory; the state
// region stays in region 0. `ram` fastest first (TargetDescription::ram());
// empty: one arena of any size. The plan may still overflow the last
// region: check_fits() says so.
MemoryPlan plan_in_regions(const Program& program, const std::vector<MemoryRegion>& ram);

// Throws Error(kArenaTooSmall) if the plan overflows a region, naming the
// region, its capacity and the RAM the plan needs in all.
void check_fits(const MemoryPlan& plan, const std::vector<MemoryRegion>& ram,
                const std::string& target);

}  // namespace kiln

#endif
