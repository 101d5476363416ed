/* The device's check of a model container (kiln/container.h), one chunk at a
 * time as it arrives: no heap, a fixed state of a few kilobytes, every size
 * checked against the header and the device's policy before any
 * cryptography runs. An encrypted container's payload comes out decrypted
 * chunk by chunk, to be written to flash; nothing of it may be used until
 * kiln_verifier_finish() returns KILN_CONTAINER_OK. C and C++. */
#ifndef KILN_CONTAINER_VERIFIER_H
#define KILN_CONTAINER_VERIFIER_H

#include <stdint.h>

#include "kiln/container.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The keys a device holds; NULL for a kind it does not accept. */
typedef struct kiln_device_keys {
  const uint8_t* ed25519_public; /* 32 bytes: accepts Ed25519 containers */
  const uint8_t* p256_public;    /* 65 bytes, 0x04 || x || y: accepts ECDSA P-256 ones */
  const uint8_t* aes_kw_key;     /* 32 bytes: opens KILN_ENCRYPTION_AES_KW */
  const uint8_t* x25519_private; /* 32 bytes: opens KILN_ENCRYPTION_X25519 ... */
  const uint8_t* x25519_public;  /* ... with its public key (32 bytes) */
} kiln_device_keys;

/* What the device accepts besides a good signature. */
typedef struct kiln_device_policy {
  uint32_t min_security_counter; /* refuse counters below this (downgrades) */
  uint32_t max_container_bytes;  /* the slot's size */
  uint32_t arena_capacity;       /* bytes the device can give the model's arena */
  const char* target;            /* the core, e.g. "cortex-m4"; NULL: any */
  const uint8_t* opset_hash;     /* 32 bytes the model's op set must hash to; NULL: any */
} kiln_device_policy;

typedef enum kiln_verify_mode {
  KILN_VERIFY_RECEIVED = 0,  /* as the signer wrote it: decrypts an encrypted payload */
  KILN_VERIFY_INSTALLED = 1, /* as an updater stored it: the payload already in plain text */
} kiln_verify_mode;

/* Opaque; its size is fixed so that it can live in static memory. */
#define KILN_VERIFIER_BYTES 1792u
typedef struct kiln_verifier {
  uint64_t storage[KILN_VERIFIER_BYTES / 8u];
} kiln_verifier;

void kiln_verifier_init(kiln_verifier* verifier, const kiln_device_keys* keys,
                        const kiln_device_policy* policy, kiln_verify_mode mode);
/* Feeds the next size bytes of the container. out (may be NULL, or data)
 * receives the same bytes with the payload decrypted. A status other than
 * OK is final: later calls return it again. */
enum kiln_container_status kiln_verifier_update(kiln_verifier* verifier, const uint8_t* data,
                                                uint32_t size, uint8_t* out);
/* After the last byte: checks the TLVs, the digest, the signature and the
 * policy, fills info (may be NULL) and wipes the content key. */
enum kiln_container_status kiln_verifier_finish(kiln_verifier* verifier, kiln_container_info* info);
/* Wipes a verifier abandoned before finish(). */
void kiln_verifier_abort(kiln_verifier* verifier);

/* A whole container in memory (or memory-mapped flash), in one call. */
enum kiln_container_status kiln_container_verify(const uint8_t* container, uint32_t size,
                                                 const kiln_device_keys* keys,
                                                 const kiln_device_policy* policy,
                                                 kiln_verify_mode mode, kiln_container_info* info);

#ifdef __cplusplus
}
#endif

#endif /* KILN_CONTAINER_VERIFIER_H */
