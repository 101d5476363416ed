#include "compiler/plan/regions.h"

#include <fmt/format.h>

#include "compiler/common/error.h"

namespace kiln {
namespace {

// Operand references of the buffer's tensors, per byte of it.
double touches_per_byte(const Program& program, const ArenaBuffer& buffer) {
  std::vector<bool> member(program.tensors.size(), false);
  for (int t : buffer.members) member[static_cast<size_t>(t)] = true;
  uint64_t touches = 0;
  for (const ProgramOp& op : program.ops) {
    for (int t : op.inputs) touches += t >= 0 && member[static_cast<size_t>(t)] ? 1 : 0;
    for (int t : op.outputs) touches += t >= 0 && member[static_cast<size_t>(t)] ? 1 : 0;
  }
  return static_cast<double>(touches) / static_cast<double>(std::max<uint64_t>(buffer.bytes, 1));
}

// The buffer to move out of `region`: see plan_in_regions(). -1 if none.
int buffer_to_move(const MemoryPlan& plan, const std::vector<ArenaBuffer>& buffers,
                   const std::vector<double>& heat, int region) {
  auto in_region = [&](const ArenaBuffer& b) {
    return plan.regions[static_cast<size_t>(b.tensor)] == region;
  };
  const ArenaBuffer* top = nullptr;
  for (const ArenaBuffer& b : buffers) {
    const uint64_t end =
        static_cast<uint64_t>(plan.offsets[static_cast<size_t>(b.tensor)]) + b.bytes;
    if (in_region(b) && end == plan.region_bytes[static_cast<size_t>(region)]) top = &b;
  }
  int best = -1;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const ArenaBuffer& b = buffers[i];
    if (!in_region(b)) continue;
    if (top != nullptr && (b.last < top->first || top->last < b.first)) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const size_t k = static_cast<size_t>(best);
    if (heat[i] < heat[k] || (heat[i] == heat[k] && b.bytes > buffers[k].bytes))
      best = static_cast<int>(i);
  }
  return best;
}

}  // namespace

MemoryPlan plan_in_regions(const Program& program, const std::vector<MemoryRegion>& ram) {
  std::vector<int> region_of(program.tensors.size(), 0);
  MemoryPlan plan = plan_memory(program, kArenaAlignment, region_of);
  if (ram.size() < 2) return plan;
  const std::vector<ArenaBuffer> buffers = arena_buffers(program);
  std::vector<double> heat;
  for (const ArenaBuffer& b : buffers) heat.push_back(touches_per_byte(program, b));
  for (size_t r = 0; r + 1 < ram.size(); ++r) {
    while (r < plan.region_bytes.size() && plan.region_bytes[r] > ram[r].capacity()) {
      const int i = buffer_to_move(plan, buffers, heat, static_cast<int>(r));
      if (i < 0) break;
      region_of[static_cast<size_t>(buffers[static_cast<size_t>(i)].tensor)] =
          static_cast<int>(r + 1);
      plan = plan_memory(program, kArenaAlignment, region_of);
    }
  }
  return plan;
}

void check_fits(const MemoryPlan& plan, const std::vector<MemoryRegion>& ram,
                const std::string& target) {
  uint64_t capacity = 0;
  for (const MemoryRegion& r : ram) capacity += r.capacity();
  for (size_t r = 0; r < ram.size() && r < plan.region_bytes.size(); ++r) {
    if (plan.region_bytes[r] <= ram[r].capacity()) continue;
    const MemoryRegion& region = ram[r];
    const std::string state =
        r == 0 && plan.state_bytes > 0
            ? fmt::format(" ({} of them state, which stays in the fastest region)",
                          plan.state_bytes)
            : "";
    throw Error(ErrorKind::kArenaTooSmall,
                fmt::format("the model does not fit {}: RAM region '{}' would need {} bytes{}, it "
                            "has {} ({} bytes less {} reserved); the plan needs {} bytes of RAM "
                            "in all, the target's RAM regions hold {}",
                            target, region.name, plan.region_bytes[r], state, region.capacity(),
                            region.bytes, region.reserved, plan.ram_bytes(), capacity));
  }
}

}  // namespace kiln
