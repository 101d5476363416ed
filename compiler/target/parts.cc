#include "compiler/target/parts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "compiler/common/error.h"

namespace kiln {

// Figures marked "not verified" were not found in a primary document while
// this table was written; the report prints every part's sources.
const std::vector<Part>& parts() {
  static const std::vector<Part> table = {
      {"STM32L4R5", "cortex-m4", 120, 5, 8, 256, 2048 << 10, 640 << 10, 110, 3.3, 2.8,
       "Stop 2, all SRAM kept, RTC",
       "120 MHz at 5 wait states in range 1 boost (ST STM32CubeL4 stm32l4xx_ll_utils.c, table for "
       "STM32L4Rx); flash 2 MB, SRAM 640 KB (Zephyr stm32l4r5.dtsi); flash read 64 bits (ECC "
       "double-words) through the ART's 256-byte data cache (8 lines of 4 x 64 bits, RM0432, not "
       "verified); 110 uA/MHz run (LDO) and 2.8 uA Stop 2: datasheet DS12023 cover, not "
       "verified"},
      {"STM32H7A3", "cortex-m7", 280, 6, 32, 16384, 2048 << 10, 1376 << 10, 121, 3.3, 32,
       "Stop, all RAM kept",
       "280 MHz at 6 wait states in VOS0 (ST STM32CubeH7 stm32h7xx_ll_utils.c, two power "
       "domains); flash 2 MB, RAM 1376 KB of which ITCM 64 KB, DTCM 128 KB (STM32CubeIDE linker "
       "script, Zephyr stm32h7a3.dtsi); flash read 256 bits through the 16 KB L1 data cache; 34 mA "
       "at 280 MHz with SMPS "
       "(DS13195 table 37 as quoted by a board project, not verified); Stop 32 uA: not verified"},
      {"STM32U585", "cortex-m33", 160, 4, 16, 4096, 2048 << 10, 786 << 10, 44.7, 3.0, 3.9,
       "Stop 3, all SRAM kept",
       "160 MHz at 4 wait states in range 1 (ST STM32CubeU5 stm32u5xx_ll_utils.c; DS13086 table "
       "33); flash 2 MB, SRAM 786 KB (DS13086 cover); flash read 128 bits through the 4 KB DCACHE "
       "(not verified); run 7.15 mA at 160 "
       "MHz, SMPS, 3.0 V, code from flash, ICACHE on (DS13086 table 40); Stop 3 with all SRAM "
       "3.90 uA at 3.0 V (DS13086 table 65)"},
      {"nRF52840", "cortex-m4", 64, 0, 8, 0, 1024 << 10, 256 << 10, 51.6, 3.0, 3.16,
       "System ON, 256 KB RAM kept, RTC wake-up",
       "64 MHz, flash behind the NVMC cache (no wait-state setting); flash 1 MB, RAM 256 KB "
       "(Zephyr nrf52840_qiaa.dtsi); 3.3 mA CoreMark from flash at 64 MHz, DC/DC, 3 V (ICPU0) "
       "and 3.16 uA ION_RAMON_RTC (nRF52840 Product Specification v1.11, as quoted by two "
       "projects)"},
      {"Alif-E3-HP", "cortex-m55", 400, 0, 32, 32768, 5632 << 10, 8448 << 10, 50.5, 3.3, 5.64,
       "STOP_1, RTC on (the HP core's TCM is not kept)",
       "Ensemble E3 (AE302F80F5582) RTSS-HP core at 400 MHz, model in MRAM (5.5 MB), SRAM0 4 MB "
       "+ SRAM1 2.5 MB + HP ITCM 256 KB / DTCM 1 MB (alifsemi/zephyr_alif ae302f80f5582xx.dtsi, "
       "ensemble_rtss_hp.dtsi); MRAM wait states not published: 0 here; 20.2 mA at 3.3 V with "
       "the HP core alone at 400 MHz (GO_3) and 5.64 uA STOP_1 (Alif application note "
       "'Ensemble MCU Power Modes' 1.3, measured with while(1), not CoreMark)"},
      {"Alif-E3-HE", "cortex-m55", 160, 0, 32, 32768, 5632 << 10, 512 << 10, 30.6, 3.3, 5.64,
       "STOP_1, RTC on, HE TCM kept",
       "Ensemble E3 RTSS-HE core at up to 160 MHz with ITCM 256 KB / DTCM 256 KB "
       "(ensemble_rtss_he.dtsi), model in MRAM; 2.35 mA at 76.8 MHz (GO_4) gives 30.6 uA/MHz, "
       "assumed at 160 MHz too, and 5.64 uA STOP_1 (Alif application note 'Ensemble MCU Power "
       "Modes' 1.3)"},
  };
  return table;
}

std::string part_names() {
  std::string names;
  for (const Part& p : parts()) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

const Part& find_part(const std::string& name) {
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  for (const Part& p : parts()) {
    if (lower(p.name) == lower(name)) return p;
  }
  throw Error(ErrorKind::kUsage, fmt::format("unknown part '{}' (known: {})", name, part_names()));
}

const Part* find_part_on(const std::string& name, const std::string& core) {
  if (name.empty()) return nullptr;
  const Part& part = find_part(name);
  if (part.core != core) {
    throw Error(ErrorKind::kUsage, fmt::format("{} is a {}, not a {}: give --target {}", part.name,
                                               part.core, core, part.core));
  }
  return &part;
}

InferenceEnergy inference_energy(const Part& part, double cycles) {
  InferenceEnergy e;
  const double seconds = cycles / (part.clock_mhz * 1e6);
  e.milliseconds = seconds * 1e3;
  e.run_milliamps = part.run_ua_per_mhz * part.clock_mhz * 1e-3;
  e.microjoules = e.run_milliamps * 1e-3 * part.supply_volts * seconds * 1e6;
  return e;
}

BatteryLife battery_life(const Part& part, double cycles, double rate_hz, double battery_mah,
                         double battery_volts) {
  BatteryLife b;
  const InferenceEnergy e = inference_energy(part, cycles);
  b.duty = rate_hz * e.milliseconds * 1e-3;
  if (b.duty > 1.0) {
    b.feasible = false;
    b.duty = 1.0;
  }
  b.average_microamps = b.duty * e.run_milliamps * 1e3 + (1.0 - b.duty) * part.sleep_ua;
  const double average_watts = b.average_microamps * 1e-6 * part.supply_volts;
  b.hours =
      b.feasible && average_watts > 0 ? battery_mah * 1e-3 * battery_volts / average_watts : 0;
  return b;
}

}  // namespace kiln
