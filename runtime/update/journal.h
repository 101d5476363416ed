// The updater's journal (kiln/model_update.h): 32-byte records appended to
// one of two flash sectors, each with a sequence number and a CRC-32, so
// that a record torn by a power cut is skipped as if never written.
#ifndef KILN_UPDATE_JOURNAL_H
#define KILN_UPDATE_JOURNAL_H

#include <stdint.h>

#include "kiln/model_update.h"

namespace kiln {
namespace journal {

constexpr uint32_t kRecordBytes = 32;
constexpr uint8_t kNoSlot = 0xFF;

enum class Record : uint8_t {
  kCheckpoint = 1,  // the whole state: the first record of a sector
  kDownload = 2,    // the pending slot is being erased and written
  kStaged = 3,      // the pending slot holds a container that verified
  kTrial = 4,       // the pending slot was booted on trial
  kConfirmed = 5,   // the pending slot is the model
  kReverted = 6,    // the pending slot is abandoned
};

// Reads both sectors and replays the one written last.
kiln_update_status read(const kiln_flash& flash, uint32_t journal_address,
                        kiln_update_state* state);
// Erases both sectors and writes an empty state into the first.
kiln_update_status format(const kiln_flash& flash, uint32_t journal_address,
                          kiln_update_state* state);
// Appends a record and applies it to the state; compacts into the other
// sector when this one is full.
kiln_update_status append(const kiln_flash& flash, uint32_t journal_address,
                          kiln_update_state* state, Record type, uint8_t slot, uint32_t counter);

}  // namespace journal
}  // namespace kiln

#endif  // KILN_UPDATE_JOURNAL_H
