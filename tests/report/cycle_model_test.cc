// The cycle model and the parts table, worked by hand.
#include "compiler/target/cycle_model.h"

#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/target/parts.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

TEST(CycleModel, CortexM4ChargesTheTechnicalReferenceManualsCycles) {
  const std::map<std::string, uint64_t> mix = {
      {"alu", 10},  {"mul", 4},           {"load", 6},       {"pipelined", 2},
      {"store", 3}, {"load_multiple", 1}, {"registers", 4},  {"branch", 5},
      {"taken", 3}, {"div", 1},           {"flash_lines", 7}};
  // 10 + 4 + 6x2 - 2 + 3 + (1 + 4) + 5 + 3x2 + 7 = 50 cycles; 7 flash reads x 5 wait states.
  const CycleEstimate e = estimate_cycles(mix, core_timing("cortex-m4"), 5);
  EXPECT_DOUBLE_EQ(e.core, 50.0);
  EXPECT_DOUBLE_EQ(e.flash, 35.0);
  EXPECT_DOUBLE_EQ(e.total(), 85.0);
  EXPECT_DOUBLE_EQ(estimate_cycles(mix, core_timing("cortex-m4"), 0).total(), 50.0);
}

TEST(CycleModel, CortexM55OverlapsHeliumBeatsAndRunsLoopsFree) {
  // 4 loads + 4 multiply-accumulates, 2 beats each, 3 of them overlapping
  // their predecessor; the loop instructions cost nothing.
  const std::map<std::string, uint64_t> mix = {
      {"mve_load", 4}, {"mve_mul", 4}, {"mve_overlap", 3}, {"loop", 2}};
  EXPECT_DOUBLE_EQ(estimate_cycles(mix, core_timing("cortex-m55"), 0).total(), 13.0);
  // The Cortex-M7 issues two ALU instructions a cycle.
  EXPECT_DOUBLE_EQ(estimate_cycles({{"alu", 10}}, core_timing("cortex-m7"), 0).total(), 5.0);
  EXPECT_EQ(test::error_of([] { core_timing("cortex-m3"); }, ErrorKind::kUsage),
            "no cycle model for 'cortex-m3' (known: cortex-m4, cortex-m33, cortex-m7, cortex-m55)");
}

TEST(Parts, EnergyAndBatteryLifeFromTheDatasheetCurrents) {
  const Part& l4 = find_part("stm32l4r5");  // any case
  EXPECT_EQ(l4.name, "STM32L4R5");
  EXPECT_EQ(l4.core, "cortex-m4");
  EXPECT_EQ(l4.flash_wait_states, 5u);
  // 1.2 M cycles at 120 MHz: 10 ms at 110 uA/MHz x 120 MHz = 13.2 mA, 3.3 V.
  const InferenceEnergy e = inference_energy(l4, 1.2e6);
  EXPECT_DOUBLE_EQ(e.milliseconds, 10.0);
  EXPECT_NEAR(e.run_milliamps, 13.2, 1e-12);
  EXPECT_NEAR(e.microjoules, 435.6, 1e-9);
  // Once a second: 1 % of the time at 13.2 mA, the rest in Stop 2 at 2.8 uA:
  // 134.772 uA at 3.3 V from 220 mAh at 3 V = 1483.99 hours.
  const BatteryLife b = battery_life(l4, 1.2e6, 1.0, 220, 3.0);
  EXPECT_TRUE(b.feasible);
  EXPECT_NEAR(b.duty, 0.01, 1e-12);
  EXPECT_NEAR(b.average_microamps, 134.772, 1e-9);
  EXPECT_NEAR(b.hours, 0.66 / (134.772e-6 * 3.3), 1e-6);
  // 200 inferences of 10 ms do not fit in a second.
  const BatteryLife busy = battery_life(l4, 1.2e6, 200.0, 220, 3.0);
  EXPECT_FALSE(busy.feasible);
  EXPECT_EQ(busy.hours, 0.0);
}

TEST(Parts, AnUnknownPartListsTheKnownOnes) {
  EXPECT_EQ(test::error_of([] { find_part("STM32F999"); }, ErrorKind::kUsage),
            "unknown part 'STM32F999' (known: STM32L4R5, STM32H7A3, STM32U585, nRF52840, "
            "Alif-E3-HP, Alif-E3-HE)");
  for (const Part& p : parts()) {
    EXPECT_GT(p.clock_mhz, 0) << p.name;
    EXPECT_GT(p.run_ua_per_mhz, 0) << p.name;
    EXPECT_GT(p.sleep_ua, 0) << p.name;
    EXPECT_FALSE(p.sources.empty()) << p.name;
  }
}

}  // namespace
}  // namespace kiln
