#include <string.h>

#include "kiln/model_update.h"
#include "update/container_layout.h"
#include "update/journal.h"

namespace kiln {
namespace {

using journal::kNoSlot;
using journal::Record;

// Flash is read and written through a buffer of this size on the stack.
constexpr uint32_t kChunkBytes = 256;

bool power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size) {
  return a < b + b_size && b < a + a_size;
}

kiln_update_status check_layout(const kiln_flash& flash, const kiln_update_layout& layout) {
  const uint32_t sector = flash.sector_size;
  const uint32_t journal_size = 2 * sector;
  // A journal sector holds at least a checkpoint and one record after it.
  if (!power_of_two(sector) || sector < 2 * journal::kRecordBytes ||
      !power_of_two(flash.write_size) || flash.write_size > journal::kRecordBytes ||
      flash.read == nullptr || flash.program == nullptr || flash.erase == nullptr) {
    return KILN_UPDATE_BAD_LAYOUT;
  }
  if (layout.slot_size == 0 || layout.slot_size % sector != 0 ||
      layout.journal_address % sector != 0 || layout.slot_address[0] % sector != 0 ||
      layout.slot_address[1] % sector != 0) {
    return KILN_UPDATE_BAD_LAYOUT;
  }
  if (overlap(layout.slot_address[0], layout.slot_size, layout.slot_address[1], layout.slot_size) ||
      overlap(layout.slot_address[0], layout.slot_size, layout.journal_address, journal_size) ||
      overlap(layout.slot_address[1], layout.slot_size, layout.journal_address, journal_size)) {
    return KILN_UPDATE_BAD_LAYOUT;
  }
  return KILN_UPDATE_OK;
}

kiln_device_policy policy_now(const kiln_updater& u) {
  kiln_device_policy policy = u.policy;
  policy.min_security_counter = u.state.security_counter;
  policy.max_container_bytes = u.layout.slot_size;
  return policy;
}

kiln_update_status append(kiln_updater* u, Record type, uint8_t slot, uint32_t counter) {
  return journal::append(*u->flash, u->layout.journal_address, &u->state, type, slot, counter);
}

// Verifies the container stored in a slot, reading it from flash.
kiln_update_status verify_slot(kiln_updater* u, uint8_t slot, kiln_container_info* info) {
  const kiln_flash& flash = *u->flash;
  const uint32_t base = u->layout.slot_address[slot];
  uint8_t chunk[kChunkBytes];
  if (flash.read(flash.context, base, chunk, KILN_CONTAINER_HEADER_BYTES) != 0)
    return KILN_UPDATE_FLASH_ERROR;
  kiln_container_header header;
  kiln_container_status status = container::parse_header(chunk, &header);
  const kiln_device_policy policy = policy_now(*u);
  if (status == KILN_CONTAINER_OK) {
    kiln_verifier verifier;
    kiln_verifier_init(&verifier, u->keys, &policy, KILN_VERIFY_INSTALLED);
    const uint32_t total = container::total_size(header);
    const uint32_t size = total < u->layout.slot_size ? total : u->layout.slot_size;
    for (uint32_t at = 0; at < size && status == KILN_CONTAINER_OK;) {
      const uint32_t n = size - at < kChunkBytes ? size - at : kChunkBytes;
      if (flash.read(flash.context, base + at, chunk, n) != 0) {
        kiln_verifier_abort(&verifier);
        return KILN_UPDATE_FLASH_ERROR;
      }
      status = kiln_verifier_update(&verifier, chunk, n, nullptr);
      at += n;
    }
    if (status == KILN_CONTAINER_OK) {
      status = kiln_verifier_finish(&verifier, info);
    } else {
      kiln_verifier_abort(&verifier);
    }
  }
  u->refusal = status;
  return status == KILN_CONTAINER_OK ? KILN_UPDATE_OK : KILN_UPDATE_REFUSED;
}

void fill_choice(const kiln_updater& u, uint8_t slot, int trial, const kiln_container_info& info,
                 kiln_boot_choice* choice) {
  choice->slot = slot;
  choice->address = u.layout.slot_address[slot];
  choice->blob_address = choice->address + info.header.header_size;
  choice->blob_size = info.header.payload_size;
  choice->trial = trial;
  choice->info = info;
}

// Programs whole write units into the pending slot, erasing each sector
// before the first write into it.
kiln_update_status program_unit(kiln_updater* u, const uint8_t* unit) {
  const kiln_flash& flash = *u->flash;
  const uint32_t base = u->layout.slot_address[u->state.pending];
  const uint32_t at = u->written - u->unit_fill;
  if (at >= u->erased_to) {
    if (flash.erase(flash.context, base + u->erased_to) != 0) return KILN_UPDATE_FLASH_ERROR;
    u->erased_to += flash.sector_size;
  }
  return flash.program(flash.context, base + at, unit, flash.write_size) == 0
             ? KILN_UPDATE_OK
             : KILN_UPDATE_FLASH_ERROR;
}

kiln_update_status store(kiln_updater* u, const uint8_t* data, uint32_t size) {
  const uint32_t unit = u->flash->write_size;
  for (uint32_t i = 0; i < size; ++i) {
    u->unit[u->unit_fill++] = data[i];
    ++u->written;
    if (u->unit_fill == unit) {
      const kiln_update_status s = program_unit(u, u->unit);
      u->unit_fill = 0;
      if (s != KILN_UPDATE_OK) return s;
    }
  }
  return KILN_UPDATE_OK;
}

// Ends the download's verifier (wiping its content key), if one runs.
void end_verifier(kiln_updater* u) {
  if (!u->verifying) return;
  kiln_verifier_abort(&u->verifier);
  u->verifying = 0;
}

kiln_update_status refuse(kiln_updater* u, kiln_container_status why) {
  u->refusal = why;
  return KILN_UPDATE_REFUSED;
}

}  // namespace
}  // namespace kiln

using namespace kiln;

extern "C" {

const char* kiln_update_status_name(kiln_update_status status) {
  switch (status) {
    case KILN_UPDATE_OK: return "ok";
    case KILN_UPDATE_FLASH_ERROR: return "flash error";
    case KILN_UPDATE_REFUSED: return "container refused";
    case KILN_UPDATE_NO_MODEL: return "no model that verifies";
    case KILN_UPDATE_BAD_STATE: return "call out of order";
    case KILN_UPDATE_BAD_LAYOUT: return "bad flash layout";
  }
  return "unknown status";
}

kiln_update_status kiln_updater_format(kiln_updater* updater, const kiln_flash* flash,
                                       const kiln_update_layout* layout) {
  memset(updater, 0, sizeof *updater);
  const kiln_update_status s = check_layout(*flash, *layout);
  if (s != KILN_UPDATE_OK) return s;
  kiln_update_state state;
  return journal::format(*flash, layout->journal_address, &state);
}

kiln_update_status kiln_updater_open(kiln_updater* updater, const kiln_flash* flash,
                                     const kiln_update_layout* layout, const kiln_device_keys* keys,
                                     const kiln_device_policy* policy) {
  memset(updater, 0, sizeof *updater);
  const kiln_update_status s = check_layout(*flash, *layout);
  if (s != KILN_UPDATE_OK) return s;
  updater->flash = flash;
  updater->layout = *layout;
  updater->keys = keys;
  updater->policy = *policy;
  return journal::read(*flash, layout->journal_address, &updater->state);
}

kiln_update_status kiln_updater_boot(kiln_updater* u, kiln_boot_choice* choice) {
  memset(choice, 0, sizeof *choice);
  kiln_container_info info;
  const uint8_t pending = u->state.pending;
  if (u->state.phase == KILN_PHASE_STAGED) {
    kiln_update_status s = verify_slot(u, pending, &info);
    if (s == KILN_UPDATE_OK) {
      s = append(u, Record::kTrial, pending, info.security_counter);
      if (s != KILN_UPDATE_OK) return s;
      fill_choice(*u, pending, 1, info, choice);
      return KILN_UPDATE_OK;
    }
    if (s != KILN_UPDATE_REFUSED) return s;
    s = append(u, Record::kReverted, pending, 0);
    if (s != KILN_UPDATE_OK) return s;
  } else if (u->state.phase == KILN_PHASE_TRIAL) {
    // Booted on trial, then restarted without a verdict: the trial failed.
    const kiln_update_status s = append(u, Record::kReverted, pending, 0);
    if (s != KILN_UPDATE_OK) return s;
  }
  if (u->state.active == kNoSlot) return KILN_UPDATE_NO_MODEL;
  const kiln_update_status s = verify_slot(u, u->state.active, &info);
  if (s == KILN_UPDATE_REFUSED) return KILN_UPDATE_NO_MODEL;
  if (s != KILN_UPDATE_OK) return s;
  fill_choice(*u, u->state.active, 0, info, choice);
  return KILN_UPDATE_OK;
}

kiln_update_status kiln_update_begin(kiln_updater* u, uint32_t container_size) {
  if (u->flash == nullptr ||
      (u->state.phase != KILN_PHASE_IDLE && u->state.phase != KILN_PHASE_DOWNLOADING)) {
    return KILN_UPDATE_BAD_STATE;
  }
  if (container_size > u->layout.slot_size) return refuse(u, KILN_CONTAINER_PAYLOAD_TOO_LARGE);
  end_verifier(u);  // a download abandoned for this one
  const uint8_t target = u->state.active == kNoSlot ? 0 : static_cast<uint8_t>(1 - u->state.active);
  const kiln_update_status s = append(u, Record::kDownload, target, 0);
  if (s != KILN_UPDATE_OK) return s;
  u->expected_size = container_size;
  u->written = 0;
  u->erased_to = 0;
  u->unit_fill = 0;
  u->refusal = KILN_CONTAINER_OK;
  u->policy = policy_now(*u);
  kiln_verifier_init(&u->verifier, u->keys, &u->policy, KILN_VERIFY_RECEIVED);
  u->verifying = 1;
  return KILN_UPDATE_OK;
}

kiln_update_status kiln_update_write(kiln_updater* u, const uint8_t* data, uint32_t size) {
  if (u->state.phase != KILN_PHASE_DOWNLOADING || u->refusal != KILN_CONTAINER_OK)
    return KILN_UPDATE_BAD_STATE;
  if (size > u->expected_size - u->written) {
    end_verifier(u);
    return refuse(u, KILN_CONTAINER_TRAILING_BYTES);
  }
  uint8_t plain[kChunkBytes];
  for (uint32_t at = 0; at < size;) {
    const uint32_t n = size - at < kChunkBytes ? size - at : kChunkBytes;
    const kiln_container_status status = kiln_verifier_update(&u->verifier, data + at, n, plain);
    if (status != KILN_CONTAINER_OK) {
      end_verifier(u);
      return refuse(u, status);
    }
    const kiln_update_status s = store(u, plain, n);
    if (s != KILN_UPDATE_OK) {
      end_verifier(u);
      u->refusal = KILN_CONTAINER_BAD_STATE;  // the download cannot go on
      return s;
    }
    at += n;
  }
  return KILN_UPDATE_OK;
}

kiln_update_status kiln_update_finish(kiln_updater* u) {
  if (u->state.phase != KILN_PHASE_DOWNLOADING || u->refusal != KILN_CONTAINER_OK)
    return KILN_UPDATE_BAD_STATE;
  if (u->unit_fill > 0) {
    memset(u->unit + u->unit_fill, 0xFF, u->flash->write_size - u->unit_fill);
    const kiln_update_status s = program_unit(u, u->unit);
    u->unit_fill = 0;
    if (s != KILN_UPDATE_OK) {
      end_verifier(u);
      return s;
    }
  }
  const kiln_container_status status = kiln_verifier_finish(&u->verifier, nullptr);
  u->verifying = 0;
  if (status != KILN_CONTAINER_OK) return refuse(u, status);
  if (u->written != u->expected_size) return refuse(u, KILN_CONTAINER_TRUNCATED);
  // What counts is what the flash now holds.
  kiln_container_info info;
  const kiln_update_status s = verify_slot(u, u->state.pending, &info);
  if (s != KILN_UPDATE_OK) return s;
  return append(u, Record::kStaged, u->state.pending, 0);
}

kiln_update_status kiln_update_confirm(kiln_updater* u) {
  if (u->state.phase != KILN_PHASE_TRIAL) return KILN_UPDATE_BAD_STATE;
  return append(u, Record::kConfirmed, u->state.pending, u->state.pending_counter);
}

kiln_update_status kiln_update_reject(kiln_updater* u) {
  if (u->state.phase != KILN_PHASE_TRIAL && u->state.phase != KILN_PHASE_STAGED)
    return KILN_UPDATE_BAD_STATE;
  return append(u, Record::kReverted, u->state.pending, 0);
}

}  // extern "C"
