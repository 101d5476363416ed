/* Power-safe model updates over a flash abstraction: two model slots and an
 * append-only journal of two sectors.
 *
 *   download  kiln_update_begin/write/finish: erase the inactive slot, write
 *             the container into it (decrypted), verify it as received and
 *             again as stored, then journal STAGED.
 *   boot      kiln_updater_boot: a STAGED slot that verifies is booted on
 *             trial (journal TRIAL); a trial that was booted and neither
 *             confirmed nor rejected is reverted. Otherwise the confirmed
 *             slot, verified before it is returned.
 *   confirm   kiln_update_confirm after the application's self-test
 *             (journal CONFIRMED: the slot becomes the model, its security
 *             counter the device's minimum), or kiln_update_reject.
 *
 * Every change of state is one journal record of 32 bytes with a CRC, so a
 * record torn by a power cut reads as never written; the model slot in use
 * is never erased or written. When the journal's sector fills, the state is
 * written as the first record of the other sector after it is erased. The
 * security counter lives in the journal: a device that must resist an
 * attacker rewriting its flash keeps it in OTP or a secure element too. */
#ifndef KILN_MODEL_UPDATE_H
#define KILN_MODEL_UPDATE_H

#include <stdint.h>

#include "kiln/container_verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flash: erased bytes read 0xFF; program only clears bits, in units of
 * write_size bytes at aligned addresses; erase sets a whole sector to 0xFF.
 * Each function returns 0 on success. */
typedef struct kiln_flash {
  uint32_t sector_size;
  uint32_t write_size; /* a power of two, at most 32 */
  int (*read)(void* context, uint32_t address, void* data, uint32_t size);
  int (*program)(void* context, uint32_t address, const void* data, uint32_t size);
  int (*erase)(void* context, uint32_t address);
  void* context;
} kiln_flash;

/* Where the slots and the journal are; each sector-aligned. */
typedef struct kiln_update_layout {
  uint32_t slot_address[2];
  uint32_t slot_size;       /* a multiple of the sector size */
  uint32_t journal_address; /* two sectors */
} kiln_update_layout;

typedef enum kiln_update_status {
  KILN_UPDATE_OK = 0,
  KILN_UPDATE_FLASH_ERROR = 1, /* a flash operation failed */
  KILN_UPDATE_REFUSED = 2,     /* the container was refused: kiln_updater.refusal says why */
  KILN_UPDATE_NO_MODEL = 3,    /* no confirmed model that verifies */
  KILN_UPDATE_BAD_STATE = 4,   /* a call out of order */
  KILN_UPDATE_BAD_LAYOUT = 5,  /* slots or journal misaligned, overlapping or too small */
} kiln_update_status;

const char* kiln_update_status_name(kiln_update_status status);

/* What kiln_updater_boot chose. */
typedef struct kiln_boot_choice {
  uint32_t slot;    /* 0 or 1 */
  uint32_t address; /* of the container; the blob starts header_size after it */
  uint32_t blob_address;
  uint32_t blob_size;
  int trial; /* 1: confirm or reject before the next boot */
  kiln_container_info info;
} kiln_boot_choice;

/* The journal's state, replayed from its records. */
typedef enum kiln_update_phase {
  KILN_PHASE_IDLE = 0,
  KILN_PHASE_DOWNLOADING = 1, /* the pending slot is being written */
  KILN_PHASE_STAGED = 2,      /* the pending slot verified; boot it on trial */
  KILN_PHASE_TRIAL = 3,       /* the pending slot was booted on trial */
} kiln_update_phase;

typedef struct kiln_update_state {
  uint8_t phase;             /* kiln_update_phase */
  uint8_t active;            /* the confirmed slot, or 0xFF before the first */
  uint8_t pending;           /* the slot of the phase, or 0xFF */
  uint32_t security_counter; /* the device's minimum */
  uint32_t pending_counter;  /* the trial's container's */
  uint32_t sequence;         /* of the last record */
  uint32_t journal_sector;   /* 0 or 1: the one in use */
  uint32_t journal_next;     /* offset of the next record in it */
} kiln_update_state;

typedef struct kiln_updater {
  const kiln_flash* flash;
  kiln_update_layout layout;
  const kiln_device_keys* keys;
  kiln_device_policy
      policy; /* min_security_counter and max_container_bytes come from the journal and layout */
  kiln_update_state state;
  enum kiln_container_status refusal; /* why the last container was refused */
  /* The download in progress. */
  uint32_t expected_size, written, erased_to;
  uint8_t unit[32];
  uint32_t unit_fill;
  int verifying; /* the verifier below runs */
  kiln_verifier verifier;
} kiln_updater;

/* Erases the journal and starts it empty (no model): once, at provisioning. */
kiln_update_status kiln_updater_format(kiln_updater* updater, const kiln_flash* flash,
                                       const kiln_update_layout* layout);
/* Reads the journal. keys and policy must outlive the updater. */
kiln_update_status kiln_updater_open(kiln_updater* updater, const kiln_flash* flash,
                                     const kiln_update_layout* layout, const kiln_device_keys* keys,
                                     const kiln_device_policy* policy);
/* Recovery and choice of the model to run, as described above. */
kiln_update_status kiln_updater_boot(kiln_updater* updater, kiln_boot_choice* choice);

kiln_update_status kiln_update_begin(kiln_updater* updater, uint32_t container_size);
kiln_update_status kiln_update_write(kiln_updater* updater, const uint8_t* data, uint32_t size);
kiln_update_status kiln_update_finish(kiln_updater* updater);
kiln_update_status kiln_update_confirm(kiln_updater* updater);
kiln_update_status kiln_update_reject(kiln_updater* updater);

#ifdef __cplusplus
}
#endif

#endif /* KILN_MODEL_UPDATE_H */
