#include "update/journal.h"

#include <string.h>

#include "kiln/blob_format.h"
#include "update/container_layout.h"

namespace kiln {
namespace journal {
namespace {

constexpr uint32_t kMagic = 0x314E4A4Bu;  // "KJN1"
constexpr uint32_t kCrcOffset = kRecordBytes - 4;

struct Fields {
  uint32_t sequence;
  Record type;
  uint8_t slot;
  uint8_t phase;    // checkpoints only
  uint8_t pending;  // checkpoints only
  uint32_t counter;
  uint32_t pending_counter;  // checkpoints only
};

void encode(const Fields& f, uint8_t out[kRecordBytes]) {
  memset(out, 0, kRecordBytes);
  container::store_u32(out, kMagic);
  container::store_u32(out + 4, f.sequence);
  out[8] = static_cast<uint8_t>(f.type);
  out[9] = f.slot;
  out[10] = f.phase;
  out[11] = f.pending;
  container::store_u32(out + 12, f.counter);
  container::store_u32(out + 16, f.pending_counter);
  container::store_u32(out + kCrcOffset, blob::crc32(out, kCrcOffset));
}

bool decode(const uint8_t in[kRecordBytes], Fields* f) {
  if (container::load_u32(in) != kMagic ||
      container::load_u32(in + kCrcOffset) != blob::crc32(in, kCrcOffset)) {
    return false;
  }
  f->sequence = container::load_u32(in + 4);
  f->type = static_cast<Record>(in[8]);
  f->slot = in[9];
  f->phase = in[10];
  f->pending = in[11];
  f->counter = container::load_u32(in + 12);
  f->pending_counter = container::load_u32(in + 16);
  return f->type >= Record::kCheckpoint && f->type <= Record::kReverted &&
         (f->slot < 2 || f->slot == kNoSlot);
}

bool erased(const uint8_t record[kRecordBytes]) {
  for (uint32_t i = 0; i < kRecordBytes; ++i) {
    if (record[i] != 0xFF) return false;
  }
  return true;
}

void apply(const Fields& f, kiln_update_state* s) {
  s->sequence = f.sequence;
  switch (f.type) {
    case Record::kCheckpoint:
      s->active = f.slot;
      s->phase = f.phase;
      s->pending = f.pending;
      s->security_counter = f.counter;
      s->pending_counter = f.pending_counter;
      break;
    case Record::kDownload:
      s->phase = KILN_PHASE_DOWNLOADING;
      s->pending = f.slot;
      break;
    case Record::kStaged:
      s->phase = KILN_PHASE_STAGED;
      s->pending = f.slot;
      break;
    case Record::kTrial:
      s->phase = KILN_PHASE_TRIAL;
      s->pending = f.slot;
      s->pending_counter = f.counter;
      break;
    case Record::kConfirmed:
      s->active = f.slot;
      if (f.counter > s->security_counter) s->security_counter = f.counter;
      s->phase = KILN_PHASE_IDLE;
      s->pending = kNoSlot;
      break;
    case Record::kReverted:
      s->phase = KILN_PHASE_IDLE;
      s->pending = kNoSlot;
      break;
  }
}

// The sector's records up to its first erased one: the last sequence
// number among those that decode, and where the next record goes.
struct SectorScan {
  bool any = false;
  uint32_t last_sequence = 0;
  uint32_t next = 0;
};

kiln_update_status scan(const kiln_flash& flash, uint32_t address, kiln_update_state* replay,
                        SectorScan* out) {
  uint8_t record[kRecordBytes];
  SectorScan result;
  for (uint32_t at = 0; at + kRecordBytes <= flash.sector_size; at += kRecordBytes) {
    if (flash.read(flash.context, address + at, record, kRecordBytes) != 0)
      return KILN_UPDATE_FLASH_ERROR;
    if (erased(record)) break;
    result.next = at + kRecordBytes;
    Fields f{};
    if (!decode(record, &f)) continue;  // torn: never written
    // A sector starts with a checkpoint; its records count up from it.
    if (!result.any && f.type != Record::kCheckpoint) continue;
    if (result.any && f.sequence <= result.last_sequence) continue;
    result.any = true;
    result.last_sequence = f.sequence;
    if (replay != nullptr) apply(f, replay);
  }
  if (!result.any) result.next = 0;
  *out = result;
  return KILN_UPDATE_OK;
}

kiln_update_status write_record(const kiln_flash& flash, uint32_t address, const Fields& f) {
  uint8_t record[kRecordBytes];
  encode(f, record);
  return flash.program(flash.context, address, record, kRecordBytes) == 0 ? KILN_UPDATE_OK
                                                                          : KILN_UPDATE_FLASH_ERROR;
}

Fields checkpoint_of(const kiln_update_state& s, uint32_t sequence) {
  return Fields{sequence,  Record::kCheckpoint, s.active,         s.phase,
                s.pending, s.security_counter,  s.pending_counter};
}

// Starts the other sector with the state: erase it, then write the
// checkpoint, whose sequence number makes it the sector read from then on.
kiln_update_status compact(const kiln_flash& flash, uint32_t journal_address,
                           kiln_update_state* state) {
  const uint32_t other = 1 - state->journal_sector;
  const uint32_t address = journal_address + other * flash.sector_size;
  if (flash.erase(flash.context, address) != 0) return KILN_UPDATE_FLASH_ERROR;
  const kiln_update_status s =
      write_record(flash, address, checkpoint_of(*state, state->sequence + 1));
  if (s != KILN_UPDATE_OK) return s;
  state->sequence += 1;
  state->journal_sector = other;
  state->journal_next = kRecordBytes;
  return KILN_UPDATE_OK;
}

}  // namespace

kiln_update_status read(const kiln_flash& flash, uint32_t journal_address,
                        kiln_update_state* state) {
  SectorScan scans[2];
  for (uint32_t i = 0; i < 2; ++i) {
    const kiln_update_status s =
        scan(flash, journal_address + i * flash.sector_size, nullptr, &scans[i]);
    if (s != KILN_UPDATE_OK) return s;
  }
  if (!scans[0].any && !scans[1].any) return KILN_UPDATE_NO_MODEL;  // never formatted
  const uint32_t current = !scans[0].any   ? 1
                           : !scans[1].any ? 0
                                           : scans[1].last_sequence > scans[0].last_sequence;
  kiln_update_state s{};
  s.active = kNoSlot;
  s.pending = kNoSlot;
  SectorScan replayed;
  const kiln_update_status status =
      scan(flash, journal_address + current * flash.sector_size, &s, &replayed);
  if (status != KILN_UPDATE_OK) return status;
  s.journal_sector = current;
  s.journal_next = replayed.next;
  *state = s;
  return KILN_UPDATE_OK;
}

kiln_update_status format(const kiln_flash& flash, uint32_t journal_address,
                          kiln_update_state* state) {
  // The second sector first: until the first holds its checkpoint, the
  // journal reads as never formatted.
  for (int i = 1; i >= 0; --i) {
    if (flash.erase(flash.context,
                    journal_address + static_cast<uint32_t>(i) * flash.sector_size) != 0) {
      return KILN_UPDATE_FLASH_ERROR;
    }
  }
  kiln_update_state s{};
  s.active = kNoSlot;
  s.pending = kNoSlot;
  s.sequence = 1;
  const kiln_update_status status = write_record(flash, journal_address, checkpoint_of(s, 1));
  if (status != KILN_UPDATE_OK) return status;
  s.journal_next = kRecordBytes;
  *state = s;
  return KILN_UPDATE_OK;
}

kiln_update_status append(const kiln_flash& flash, uint32_t journal_address,
                          kiln_update_state* state, Record type, uint8_t slot, uint32_t counter) {
  if (state->journal_next + kRecordBytes > flash.sector_size) {
    const kiln_update_status s = compact(flash, journal_address, state);
    if (s != KILN_UPDATE_OK) return s;
  }
  const Fields f{state->sequence + 1, type, slot, 0, 0, counter, 0};
  const uint32_t address =
      journal_address + state->journal_sector * flash.sector_size + state->journal_next;
  // Whether or not the write completes, this place is used.
  state->journal_next += kRecordBytes;
  const kiln_update_status s = write_record(flash, address, f);
  if (s != KILN_UPDATE_OK) return s;
  apply(f, state);
  return KILN_UPDATE_OK;
}

}  // namespace journal
}  // namespace kiln
