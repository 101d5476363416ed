#include "tests/secure/power_loss_scenario.h"

#include <string.h>

namespace kiln {
namespace power_loss {

kiln_update_status boot(PowerCutFlash& flash, const Device& device, kiln_updater* updater,
                        kiln_boot_choice* choice) {
  kiln_update_status s =
      kiln_updater_open(updater, flash.flash(), &kLayout, device.keys, device.policy);
  if (s == KILN_UPDATE_OK) s = kiln_updater_boot(updater, choice);
  return s;
}

int booted_model(const PowerCutFlash& flash, const Device& device, const kiln_boot_choice& choice) {
  for (int which = 0; which < 2; ++which) {
    const Span& blob = device.blobs[which];
    if (choice.blob_size == blob.size &&
        uint64_t{choice.blob_address} + blob.size <= flash.size() &&
        memcmp(flash.bytes() + choice.blob_address, blob.data, blob.size) == 0) {
      return which;
    }
  }
  return -1;
}

void update(PowerCutFlash& flash, const Device& device, Span container, int new_model,
            Progress* progress, const Span* next) {
  kiln_updater updater;
  kiln_boot_choice choice;
  const kiln_update_status booted = boot(flash, device, &updater, &choice);
  if (booted != KILN_UPDATE_OK && booted != KILN_UPDATE_NO_MODEL)
    return;  // no model before the first
  if (kiln_update_begin(&updater, container.size) != KILN_UPDATE_OK) return;
  for (uint32_t at = 0; at < container.size; at += 100) {
    const uint32_t n = container.size - at < 100 ? container.size - at : 100;
    if (kiln_update_write(&updater, container.data + at, n) != KILN_UPDATE_OK) return;
  }
  if (kiln_update_finish(&updater) != KILN_UPDATE_OK) return;
  if (boot(flash, device, &updater, &choice) != KILN_UPDATE_OK || !choice.trial) return;
  if (booted_model(flash, device, choice) != new_model) return;  // the self-test
  if (kiln_update_confirm(&updater) != KILN_UPDATE_OK) return;
  progress->confirmed = true;
  if (boot(flash, device, &updater, &choice) != KILN_UPDATE_OK || next == nullptr) return;
  // The next update starts, erasing the slot the old model was in: the new
  // one must stay.
  if (kiln_update_begin(&updater, next->size) != KILN_UPDATE_OK) return;
  kiln_update_write(&updater, next->data, next->size / 2);
}

Outcome cut_and_recover(PowerCutFlash& flash, const uint8_t* start, const Device& device,
                        Span container, Span next, int old_model, uint64_t cut, Cut kind,
                        int recovery_cut) {
  const int new_model = 1 - old_model;
  Outcome outcome;
  memcpy(flash.bytes(), start, flash.size());
  flash.restore_power();
  flash.cut_at(cut, kind);
  Progress progress;
  update(flash, device, container, new_model, &progress, &next);
  outcome.confirmed = progress.confirmed;
  if (flash.powered()) {
    outcome.violation = "the update ended before the cut";
    return outcome;
  }
  flash.restore_power();
  kiln_updater updater;
  kiln_boot_choice choice;
  if (recovery_cut >= 0) {
    flash.cut_at(static_cast<uint64_t>(recovery_cut), kind);
    boot(flash, device, &updater, &choice);
    flash.restore_power();
  }
  if (boot(flash, device, &updater, &choice) != KILN_UPDATE_OK) {
    outcome.violation = "no model boots after the recovery";
    return outcome;
  }
  outcome.booted = booted_model(flash, device, choice);
  outcome.trial = choice.trial != 0;
  if (outcome.booted == -1) {
    outcome.violation = "the booted slot holds neither model whole";
  } else if (progress.confirmed && (outcome.booted != new_model || outcome.trial)) {
    outcome.violation = "a confirmed update reverted";
  } else if (outcome.trial && outcome.booted != new_model) {
    outcome.violation = "the old model booted on trial";
  }
  if (outcome.violation != nullptr) return outcome;
  // A trial that is not confirmed is reverted at the next boot.
  if (outcome.trial && (boot(flash, device, &updater, &choice) != KILN_UPDATE_OK ||
                        booted_model(flash, device, choice) != old_model)) {
    outcome.violation = "an unconfirmed trial was not reverted";
    return outcome;
  }
  // And the device still updates.
  Progress again;
  update(flash, device, container, new_model, &again);
  if (boot(flash, device, &updater, &choice) != KILN_UPDATE_OK ||
      booted_model(flash, device, choice) != new_model || choice.trial) {
    outcome.violation = "the update cannot be completed after the recovery";
  }
  return outcome;
}

}  // namespace power_loss
}  // namespace kiln
