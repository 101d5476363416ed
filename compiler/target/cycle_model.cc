#include "compiler/target/cycle_model.h"

#include <fmt/format.h>

#include <vector>

#include "compiler/common/error.h"

namespace kiln {
namespace {

// Armv7-M timings of the Cortex-M4 Technical Reference Manual (Arm DDI 0439,
// table 3-1, "Cortex-M4 instruction set summary"), which LLVM also uses for
// the Cortex-M33 (ARMScheduleM4.td): single-cycle ALU, DSP and 32/64-bit
// multiply-accumulate; a load 2 cycles, 1 when it follows a load or store
// (address and data phases pipeline); a store 1; LDM/STM/PUSH/POP 1 + N;
// a taken branch 1 + P, P (refill) 1-3, 2 here; SDIV/UDIV 2-12 by early
// termination, 7 here; VDIV/VSQRT 14, other FPU instructions 1.
CoreTiming armv7m_timing(const std::string& core, const std::string& source) {
  CoreTiming t;
  t.core = core;
  t.per_class = {{"alu", 1},      {"mul", 1},       {"mul_long", 1},      {"div", 7},
                 {"load", 2},     {"store", 1},     {"load_multiple", 1}, {"store_multiple", 1},
                 {"branch", 1},   {"load_pc", 1},   {"table_branch", 3},  {"loop", 1},
                 {"fp", 1},       {"fp_div", 14},   {"fp_load", 1},       {"fp_store", 1},
                 {"mve_load", 2}, {"mve_store", 2}, {"mve_int", 2},       {"mve_mul", 2}};
  t.per_register = 1;
  t.pipelined_saving = 1;
  t.taken_penalty = 2;
  t.source = source;
  return t;
}

std::vector<CoreTiming> make_timings() {
  std::vector<CoreTiming> timings;
  timings.push_back(armv7m_timing("cortex-m4", "Cortex-M4 TRM (Arm DDI 0439) table 3-1"));
  timings.push_back(armv7m_timing(
      "cortex-m33", "Cortex-M4 TRM table 3-1, as LLVM's ARMScheduleM4.td models the Cortex-M33"));

  // The Cortex-M7 issues two instructions a cycle (LLVM ARMScheduleM7.td:
  // two ALUs, one MAC, one store port; loads pair, a 64-bit bus moves two
  // registers a cycle); its branch predictor hides most refills of loop
  // branches, so a taken branch costs half a cycle on average here.
  CoreTiming m7 = armv7m_timing("cortex-m7", "LLVM ARMScheduleM7.td (dual issue)");
  m7.per_class["alu"] = 0.5;
  m7.per_class["branch"] = 0.5;
  m7.per_class["load"] = 1;
  m7.per_class["fp"] = 0.5;
  m7.per_class["fp_div"] = 16;
  m7.per_register = 0.5;
  m7.pipelined_saving = 0.5;
  m7.taken_penalty = 0.5;
  timings.push_back(m7);

  // The Cortex-M55 (LLVM ARMScheduleM55.td): scalar code as the M4; every
  // Helium instruction takes 2 beats of 64 bits (dual-beat), and its second
  // beat overlaps the next instruction's first when that one uses another
  // pipe (load/store, integer, multiply). Low-overhead loops (LE, DLS, WLS)
  // cost nothing once the loop runs.
  CoreTiming m55 = armv7m_timing("cortex-m55", "LLVM ARMScheduleM55.td (dual-beat Helium)");
  m55.per_class["loop"] = 0;
  m55.overlap_saving = 1;
  timings.push_back(m55);
  return timings;
}

double count(const std::map<std::string, uint64_t>& mix, const std::string& name) {
  auto it = mix.find(name);
  return it == mix.end() ? 0.0 : static_cast<double>(it->second);
}

}  // namespace

const CoreTiming& core_timing(const std::string& core) {
  static const std::vector<CoreTiming> timings = make_timings();
  std::string known;
  for (const CoreTiming& t : timings) {
    if (t.core == core) return t;
    known += (known.empty() ? "" : ", ") + t.core;
  }
  throw Error(ErrorKind::kUsage, fmt::format("no cycle model for '{}' (known: {})", core, known));
}

CycleEstimate estimate_cycles(const std::map<std::string, uint64_t>& mix, const CoreTiming& timing,
                              uint32_t flash_wait_states) {
  CycleEstimate e;
  for (const auto& [name, cycles] : timing.per_class) e.core += cycles * count(mix, name);
  e.core += timing.per_register * count(mix, "registers");
  e.core -= timing.pipelined_saving * count(mix, "pipelined");
  e.core += timing.taken_penalty * count(mix, "taken");
  e.core -= timing.overlap_saving * count(mix, "mve_overlap");
  e.flash = static_cast<double>(flash_wait_states) * count(mix, "flash_lines");
  return e;
}

}  // namespace kiln
