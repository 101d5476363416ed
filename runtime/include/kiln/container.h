/* kiln's signed model container: a .kiln blob (the payload) with the fields
 * a device checks before it installs a model, laid out the way MCUboot lays
 * out an image:
 *
 *   [header, 32 bytes][key area][payload][protected TLVs][unprotected TLVs]
 *   \________________ hashed and signed _______________/
 *
 * The SHA-256 digest covers the header, the key area, the payload in plain
 * text and the protected TLVs; the signature (Ed25519, or ECDSA P-256 with
 * r||s raw) signs the 32-byte digest. An encrypted container carries its
 * payload in AES-256-CTR (zero nonce) under a content key used once, which
 * the key area holds wrapped (AES-256 key wrap, RFC 3394) for the device:
 * with a key the device shares, or with a key derived by HKDF-SHA256 from an
 * X25519 agreement between an ephemeral key and the device's.
 *
 * All integers are little-endian. Every size is fixed or bounded here, and
 * a reader refuses what it does not know: unknown or duplicate TLVs, any
 * reserved byte that is not zero, a total that differs from the bytes it
 * was given. C and C++. */
#ifndef KILN_CONTAINER_H
#define KILN_CONTAINER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_CONTAINER_MAGIC 0x314E4C4Bu /* "KLN1" */
#define KILN_CONTAINER_VERSION 1u
#define KILN_CONTAINER_HEADER_BYTES 32u
#define KILN_CONTAINER_PROTECTED_MAGIC 0x6B08u
#define KILN_CONTAINER_UNPROTECTED_MAGIC 0x6B07u
#define KILN_CONTAINER_MAX_PAYLOAD_BYTES (64u * 1024u * 1024u)
#define KILN_CONTAINER_MAX_TLV_AREA_BYTES 512u
#define KILN_CONTAINER_MAX_MODEL_ID_BYTES 64u
#define KILN_CONTAINER_MAX_TARGET_BYTES 32u

/* The header's signature field. */
enum kiln_container_signature {
  KILN_SIGNATURE_ED25519 = 1,
  KILN_SIGNATURE_ECDSA_P256 = 2,
};

/* The header's encryption field, and the key area that follows it. */
enum kiln_container_encryption {
  KILN_ENCRYPTION_NONE = 0,   /* no key area */
  KILN_ENCRYPTION_AES_KW = 1, /* 40-byte wrapped key, padded to 48 */
  KILN_ENCRYPTION_X25519 =
      2, /* 32-byte ephemeral public key, then 40-byte wrapped key, padded to 80 */
};
#define KILN_CONTAINER_WRAPPED_KEY_BYTES 40u
#define KILN_CONTAINER_KEY_AREA_AES_KW 48u
#define KILN_CONTAINER_KEY_AREA_X25519 80u
/* HKDF-SHA256's info for an X25519 container: this string, then the
 * ephemeral public key, then the device's. No salt. */
#define KILN_CONTAINER_HKDF_INFO "kiln model key v1"

/* Protected TLVs (all required, each once, in any order). */
enum kiln_container_protected_tlv {
  KILN_TLV_SECURITY_COUNTER = 0x01, /* u32: refused below the device's */
  KILN_TLV_MODEL_ID = 0x02,         /* 1..64 bytes: the model's name */
  KILN_TLV_FORMAT_VERSION = 0x03,   /* u32: blob format, major << 16 | minor */
  KILN_TLV_OPSET_HASH = 0x04,       /* 32 bytes: SHA-256 of the blob's opcodes */
  KILN_TLV_ARENA_BYTES = 0x05,      /* u32: the arena the model needs */
  KILN_TLV_STATE_BYTES = 0x06,      /* u32: of which kept between invocations */
  KILN_TLV_TARGET = 0x07,           /* 1..32 bytes: the core it was compiled for */
};
/* Unprotected TLVs (all required, each once). */
enum kiln_container_unprotected_tlv {
  KILN_TLV_SHA256 = 0x10,    /* 32 bytes: the digest */
  KILN_TLV_KEY_HASH = 0x11,  /* 32 bytes: SHA-256 of the signer's public key */
  KILN_TLV_SIGNATURE = 0x12, /* 64 bytes: Ed25519, or ECDSA P-256 r || s */
};

/* Why a container was refused: each check has its own status. */
enum kiln_container_status {
  KILN_CONTAINER_OK = 0,
  KILN_CONTAINER_TRUNCATED = 1,      /* fewer bytes than the header's sizes add up to */
  KILN_CONTAINER_TRAILING_BYTES = 2, /* more bytes than they add up to */
  KILN_CONTAINER_BAD_MAGIC = 3,
  KILN_CONTAINER_BAD_VERSION = 4,
  KILN_CONTAINER_BAD_HEADER_SIZE = 5,    /* the key area's size does not fit the encryption */
  KILN_CONTAINER_BAD_SIGNATURE_KIND = 6, /* unsigned, or an algorithm kiln does not know */
  KILN_CONTAINER_BAD_ENCRYPTION_KIND = 7,
  KILN_CONTAINER_RESERVED_NOT_ZERO = 8,
  KILN_CONTAINER_PAYLOAD_TOO_LARGE = 9, /* above the limit, or above the slot */
  KILN_CONTAINER_BAD_TLV_AREA = 10,     /* an area's magic or size */
  KILN_CONTAINER_BAD_TLV = 11,          /* a TLV that runs past its area */
  KILN_CONTAINER_UNKNOWN_TLV = 12,
  KILN_CONTAINER_DUPLICATE_TLV = 13,
  KILN_CONTAINER_MISSING_TLV = 14,
  KILN_CONTAINER_BAD_TLV_LENGTH = 15, /* a known TLV of the wrong size */
  KILN_CONTAINER_BAD_TLV_VALUE = 16,  /* a name with bytes other than printable ASCII */
  KILN_CONTAINER_DIGEST_MISMATCH = 17,
  KILN_CONTAINER_UNKNOWN_KEY = 18, /* signed with a key the device does not hold */
  KILN_CONTAINER_BAD_SIGNATURE = 19,
  KILN_CONTAINER_DOWNGRADE = 20,    /* security counter below the device's */
  KILN_CONTAINER_WRONG_FORMAT = 21, /* a blob format this runtime does not read */
  KILN_CONTAINER_WRONG_TARGET = 22,
  KILN_CONTAINER_ARENA_TOO_LARGE = 23,
  KILN_CONTAINER_WRONG_OPSET = 24,
  KILN_CONTAINER_NO_DECRYPTION_KEY = 25, /* encrypted, and the device holds no key of that kind */
  KILN_CONTAINER_KEY_UNWRAP_FAILED = 26,
  KILN_CONTAINER_CRYPTO_ERROR = 27, /* the library failed (out of its working memory) */
  KILN_CONTAINER_BAD_STATE = 28,    /* an API call out of order */
  KILN_CONTAINER_STATUS_COUNT = 29
};

/* A short name for a status ("digest mismatch"). */
const char* kiln_container_status_name(enum kiln_container_status status);

/* The fixed header. */
typedef struct kiln_container_header {
  uint32_t magic;
  uint16_t header_size; /* bytes before the payload: 32 + the key area */
  uint16_t version;     /* KILN_CONTAINER_VERSION */
  uint32_t payload_size;
  uint8_t signature;       /* kiln_container_signature */
  uint8_t encryption;      /* kiln_container_encryption */
  uint16_t protected_size; /* the protected TLV area, its 4-byte info included */
  uint16_t unprotected_size;
  uint8_t reserved[14]; /* zero */
} kiln_container_header;

/* The protected fields, as a verifier reads them. */
typedef struct kiln_container_info {
  kiln_container_header header;
  uint32_t security_counter;
  uint32_t format_version;
  uint32_t arena_bytes;
  uint32_t state_bytes;
  uint8_t opset_hash[32];
  uint8_t digest[32];
  uint8_t key_hash[32];
  char model_id[KILN_CONTAINER_MAX_MODEL_ID_BYTES + 1]; /* NUL-terminated */
  char target[KILN_CONTAINER_MAX_TARGET_BYTES + 1];
  uint32_t total_size; /* header_size + payload + both TLV areas */
} kiln_container_info;

#ifdef __cplusplus
}
#endif

#endif /* KILN_CONTAINER_H */
