// The updater's power-loss scenario, shared by the host tests and the
// emulated Cortex-M firmware (kiln-update-check): an update from one model
// to another, cut at any flash operation, then a recovery (itself cut at
// any of its first operations), then checks of what the device boots.
// No heap: it runs in the firmware as it does on the host.
#ifndef KILN_TESTS_SECURE_POWER_LOSS_SCENARIO_H
#define KILN_TESTS_SECURE_POWER_LOSS_SCENARIO_H

#include <stdint.h>

#include "kiln/model_update.h"
#include "power_cut_flash.h"

namespace kiln {
namespace power_loss {

using firmware::Cut;
using firmware::PowerCutFlash;

// 1 KiB sectors written 8 bytes at a time (an STM32L4's double words): two
// slots of 4 sectors, then the journal's two.
constexpr uint32_t kSector = 1024;
constexpr uint32_t kWriteSize = 8;
constexpr uint32_t kSlotSize = 4 * kSector;
constexpr kiln_update_layout kLayout = {{0, kSlotSize}, kSlotSize, 2 * kSlotSize};
constexpr uint32_t kFlashSize = 2 * kSlotSize + 2 * kSector;

struct Span {
  const uint8_t* data;
  uint32_t size;
};

// The device's keys and policy, and the two models it may hold (the blobs
// in plain text, which the booted slot must equal byte for byte).
struct Device {
  const kiln_device_keys* keys;
  const kiln_device_policy* policy;
  Span blobs[2];
};

kiln_update_status boot(PowerCutFlash& flash, const Device& device, kiln_updater* updater,
                        kiln_boot_choice* choice);
// Which model the chosen slot holds whole: 0, 1, or -1 for neither.
int booted_model(const PowerCutFlash& flash, const Device& device, const kiln_boot_choice& choice);

struct Progress {
  bool confirmed = false;  // kiln_update_confirm returned OK
};
// The update: download `container` (chunks of 100 bytes), reboot into the
// trial, self-test (the slot holds new_model), confirm, reboot, then half
// the download of `next` if given. Stops at the first failure.
void update(PowerCutFlash& flash, const Device& device, Span container, int new_model,
            Progress* progress, const Span* next = nullptr);

// What one cut run found; violation is null when every check held.
struct Outcome {
  const char* violation = nullptr;
  int booted = -1;         // the model booted after recovery
  bool trial = false;      // booted on trial (then reverted by the next boot)
  bool confirmed = false;  // the cut came after the confirmation
};
// From the flash image `start` holding old_model confirmed: the update to
// the other model cut at its operation `cut`, a reboot whose operation
// `recovery_cut` is cut too (-1: none), a reboot, the checks, and the
// update again to the end.
Outcome cut_and_recover(PowerCutFlash& flash, const uint8_t* start, const Device& device,
                        Span container, Span next, int old_model, uint64_t cut, Cut kind,
                        int recovery_cut);

}  // namespace power_loss
}  // namespace kiln

#endif  // KILN_TESTS_SECURE_POWER_LOSS_SCENARIO_H
