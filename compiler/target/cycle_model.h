// Cycles from instructions: an inference's instruction mix (counted by
// class on the emulated core by kiln's QEMU plugin, tools/qemu_profile)
// costed with each core's documented timings, plus the wait states of the
// flash reads on a named part. QEMU counts instructions exactly but models
// no pipeline, cache or memory; this is the estimate of what the silicon
// would take, and docs/cycle_model.md states its assumptions and error.
#ifndef KILN_COMPILER_TARGET_CYCLE_MODEL_H
#define KILN_COMPILER_TARGET_CYCLE_MODEL_H

#include <cstdint>
#include <map>
#include <string>

namespace kiln {

// What the timing of one core charges.
struct CoreTiming {
  std::string core;
  // Cycles per executed instruction of each class (the plugin's names).
  std::map<std::string, double> per_class;
  double per_register = 0;      // per register a multiple load/store moves
  double pipelined_saving = 0;  // a single load right after a load or store
  double taken_penalty = 0;     // pipeline refill after a taken branch
  double overlap_saving = 0;    // Helium: an instruction overlapping the previous
  std::string source;           // where the figures come from
};

// Throws Error(kUsage) for a core without a timing (listing those with one).
const CoreTiming& core_timing(const std::string& core);

struct CycleEstimate {
  double core = 0;   // zero-wait-state memory
  double flash = 0;  // wait states of data reads from flash
  double total() const { return core + flash; }
};

// `mix`: the plugin's counts; `flash_wait_states`: cycles each flash line a
// data load fetches costs beyond the first (0: no flash penalty).
CycleEstimate estimate_cycles(const std::map<std::string, uint64_t>& mix, const CoreTiming& timing,
                              uint32_t flash_wait_states);

}  // namespace kiln

#endif
