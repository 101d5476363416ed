// Microcontrollers by name: their core, clock, flash wait states, memory
// and currents, from their datasheets and vendor drivers (each entry cites
// its sources), so that an estimate in cycles becomes milliseconds,
// microjoules per inference and battery life on a part a user can buy.
#ifndef KILN_COMPILER_TARGET_PARTS_H
#define KILN_COMPILER_TARGET_PARTS_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct Part {
  std::string name;  // "STM32L4R5"
  std::string core;  // an emulated core: "cortex-m4"
  double clock_mhz = 0;
  // Wait states of a flash read missing the part's accelerator or cache at
  // that clock, the bytes one read fetches, and the data cache in front of
  // the flash (ART data cache, L1 D-cache).
  uint32_t flash_wait_states = 0;
  uint32_t flash_line_bytes = 8;
  uint32_t flash_cache_bytes = 0;
  uint64_t flash_bytes = 0, ram_bytes = 0;
  // Run current per MHz (code from flash, caches on) at `supply_volts`, and
  // the current of the low-power mode it sleeps in between inferences with
  // its RAM kept (`sleep_mode`).
  double run_ua_per_mhz = 0;
  double supply_volts = 0;
  double sleep_ua = 0;
  std::string sleep_mode;
  std::string sources;  // the datasheets and drivers each figure comes from
};

const std::vector<Part>& parts();
std::string part_names();  // "STM32L4R5, STM32H7A3, ..."
// Case-insensitive; throws Error(kUsage) naming the part and listing the known ones.
const Part& find_part(const std::string& name);
// The part named (nullptr for an empty name), which must have `core`:
// Error(kUsage) naming both cores otherwise.
const Part* find_part_on(const std::string& name, const std::string& core);

// One inference taking `cycles` on `part` at its clock, at its run current.
struct InferenceEnergy {
  double milliseconds = 0;
  double run_milliamps = 0;
  double microjoules = 0;
};
InferenceEnergy inference_energy(const Part& part, double cycles);

// Running `rate_hz` inferences a second and sleeping in between, from a
// battery of `battery_mah` at `battery_volts`, through an ideal converter to
// the part's supply (power in = power out).
struct BatteryLife {
  double duty = 0;  // the share of time spent inferring
  double average_microamps = 0;
  double hours = 0;      // 0 when the rate exceeds what the part can run
  bool feasible = true;  // false: an inference takes longer than 1/rate
};
BatteryLife battery_life(const Part& part, double cycles, double rate_hz, double battery_mah,
                         double battery_volts);

}  // namespace kiln

#endif
