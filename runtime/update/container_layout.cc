#include "update/container_layout.h"

#include <string.h>

namespace kiln {
namespace container {

uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t key_area_size(uint8_t encryption) {
  switch (encryption) {
    case KILN_ENCRYPTION_AES_KW: return KILN_CONTAINER_KEY_AREA_AES_KW;
    case KILN_ENCRYPTION_X25519: return KILN_CONTAINER_KEY_AREA_X25519;
    default: return 0;
  }
}

uint32_t key_area_used(uint8_t encryption) {
  switch (encryption) {
    case KILN_ENCRYPTION_AES_KW: return KILN_CONTAINER_WRAPPED_KEY_BYTES;
    case KILN_ENCRYPTION_X25519: return 32 + KILN_CONTAINER_WRAPPED_KEY_BYTES;
    default: return 0;
  }
}

uint32_t total_size(const kiln_container_header& header) {
  return header.header_size + header.payload_size + header.protected_size + header.unprotected_size;
}

kiln_container_status parse_header(const uint8_t bytes[KILN_CONTAINER_HEADER_BYTES],
                                   kiln_container_header* header) {
  kiln_container_header h{};
  h.magic = load_u32(bytes);
  h.header_size = load_u16(bytes + 4);
  h.version = load_u16(bytes + 6);
  h.payload_size = load_u32(bytes + 8);
  h.signature = bytes[12];
  h.encryption = bytes[13];
  h.protected_size = load_u16(bytes + 14);
  h.unprotected_size = load_u16(bytes + 16);
  memcpy(h.reserved, bytes + 18, sizeof h.reserved);
  *header = h;
  if (h.magic != KILN_CONTAINER_MAGIC) return KILN_CONTAINER_BAD_MAGIC;
  if (h.version != KILN_CONTAINER_VERSION) return KILN_CONTAINER_BAD_VERSION;
  if (h.signature != KILN_SIGNATURE_ED25519 && h.signature != KILN_SIGNATURE_ECDSA_P256) {
    return KILN_CONTAINER_BAD_SIGNATURE_KIND;
  }
  if (h.encryption != KILN_ENCRYPTION_NONE && h.encryption != KILN_ENCRYPTION_AES_KW &&
      h.encryption != KILN_ENCRYPTION_X25519) {
    return KILN_CONTAINER_BAD_ENCRYPTION_KIND;
  }
  if (h.header_size != KILN_CONTAINER_HEADER_BYTES + key_area_size(h.encryption)) {
    return KILN_CONTAINER_BAD_HEADER_SIZE;
  }
  for (uint8_t b : h.reserved) {
    if (b != 0) return KILN_CONTAINER_RESERVED_NOT_ZERO;
  }
  if (h.payload_size == 0 || h.payload_size > KILN_CONTAINER_MAX_PAYLOAD_BYTES) {
    return KILN_CONTAINER_PAYLOAD_TOO_LARGE;
  }
  // Each TLV area holds at least its 4-byte info and fits the verifier's buffer.
  if (h.protected_size < 4 || h.protected_size > KILN_CONTAINER_MAX_TLV_AREA_BYTES ||
      h.unprotected_size < 4 || h.unprotected_size > KILN_CONTAINER_MAX_TLV_AREA_BYTES) {
    return KILN_CONTAINER_BAD_TLV_AREA;
  }
  return KILN_CONTAINER_OK;
}

void write_header(const kiln_container_header& h, uint8_t bytes[KILN_CONTAINER_HEADER_BYTES]) {
  memset(bytes, 0, KILN_CONTAINER_HEADER_BYTES);
  store_u32(bytes, h.magic);
  store_u16(bytes + 4, h.header_size);
  store_u16(bytes + 6, h.version);
  store_u32(bytes + 8, h.payload_size);
  bytes[12] = h.signature;
  bytes[13] = h.encryption;
  store_u16(bytes + 14, h.protected_size);
  store_u16(bytes + 16, h.unprotected_size);
  memcpy(bytes + 18, h.reserved, sizeof h.reserved);
}

void hkdf_info(const uint8_t ephemeral_public[32], const uint8_t device_public[32],
               uint8_t info[kHkdfInfoBytes]) {
  constexpr uint32_t label = sizeof(KILN_CONTAINER_HKDF_INFO) - 1;
  memcpy(info, KILN_CONTAINER_HKDF_INFO, label);
  memcpy(info + label, ephemeral_public, 32);
  memcpy(info + label + 32, device_public, 32);
}

namespace {

// A TLV a reader knows: its type, the lengths it takes, and what a value
// is stored as.
enum class Value { kU32, kBytes, kName };
struct Field {
  uint16_t type;
  uint16_t min_length;
  uint16_t max_length;
  Value value;
};

constexpr Field kProtected[] = {
    {KILN_TLV_SECURITY_COUNTER, 4, 4, Value::kU32},
    {KILN_TLV_MODEL_ID, 1, KILN_CONTAINER_MAX_MODEL_ID_BYTES, Value::kName},
    {KILN_TLV_FORMAT_VERSION, 4, 4, Value::kU32},
    {KILN_TLV_OPSET_HASH, 32, 32, Value::kBytes},
    {KILN_TLV_ARENA_BYTES, 4, 4, Value::kU32},
    {KILN_TLV_STATE_BYTES, 4, 4, Value::kU32},
    {KILN_TLV_TARGET, 1, KILN_CONTAINER_MAX_TARGET_BYTES, Value::kName},
};
constexpr Field kUnprotected[] = {
    {KILN_TLV_SHA256, 32, 32, Value::kBytes},
    {KILN_TLV_KEY_HASH, 32, 32, Value::kBytes},
    {KILN_TLV_SIGNATURE, 64, 64, Value::kBytes},
};

void store(uint16_t type, const uint8_t* value, uint16_t length, Tlvs* t) {
  switch (type) {
    case KILN_TLV_SECURITY_COUNTER: t->security_counter = load_u32(value); break;
    case KILN_TLV_FORMAT_VERSION: t->format_version = load_u32(value); break;
    case KILN_TLV_ARENA_BYTES: t->arena_bytes = load_u32(value); break;
    case KILN_TLV_STATE_BYTES: t->state_bytes = load_u32(value); break;
    case KILN_TLV_OPSET_HASH: memcpy(t->opset_hash, value, 32); break;
    case KILN_TLV_MODEL_ID:
      memcpy(t->model_id, value, length);
      t->model_id[length] = '\0';
      break;
    case KILN_TLV_TARGET:
      memcpy(t->target, value, length);
      t->target[length] = '\0';
      break;
    case KILN_TLV_SHA256: memcpy(t->digest, value, 32); break;
    case KILN_TLV_KEY_HASH: memcpy(t->key_hash, value, 32); break;
    case KILN_TLV_SIGNATURE: memcpy(t->signature, value, 64); break;
    default: break;
  }
}

template <uint32_t N>
kiln_container_status parse_area(const uint8_t* area, uint32_t size, uint16_t magic,
                                 const Field (&fields)[N], Tlvs* tlvs) {
  if (size < 4 || load_u16(area) != magic || load_u16(area + 2) != size)
    return KILN_CONTAINER_BAD_TLV_AREA;
  uint32_t seen = 0;
  for (uint32_t at = 4; at < size;) {
    if (size - at < 4) return KILN_CONTAINER_BAD_TLV;
    const uint16_t type = load_u16(area + at);
    const uint16_t length = load_u16(area + at + 2);
    at += 4;
    if (length > size - at) return KILN_CONTAINER_BAD_TLV;
    uint32_t index = N;
    for (uint32_t i = 0; i < N; ++i) {
      if (fields[i].type == type) index = i;
    }
    if (index == N) return KILN_CONTAINER_UNKNOWN_TLV;
    if (seen & (1u << index)) return KILN_CONTAINER_DUPLICATE_TLV;
    seen |= 1u << index;
    const Field& field = fields[index];
    if (length < field.min_length || length > field.max_length)
      return KILN_CONTAINER_BAD_TLV_LENGTH;
    if (field.value == Value::kName) {
      for (uint16_t i = 0; i < length; ++i) {
        if (area[at + i] < 0x20 || area[at + i] > 0x7E) return KILN_CONTAINER_BAD_TLV_VALUE;
      }
    }
    store(type, area + at, length, tlvs);
    at += length;
  }
  return seen == (1u << N) - 1 ? KILN_CONTAINER_OK : KILN_CONTAINER_MISSING_TLV;
}

}  // namespace

kiln_container_status parse_protected(const uint8_t* area, uint32_t size, Tlvs* tlvs) {
  return parse_area(area, size, KILN_CONTAINER_PROTECTED_MAGIC, kProtected, tlvs);
}

kiln_container_status parse_unprotected(const uint8_t* area, uint32_t size, Tlvs* tlvs) {
  return parse_area(area, size, KILN_CONTAINER_UNPROTECTED_MAGIC, kUnprotected, tlvs);
}

void fill_info(const kiln_container_header& header, const Tlvs& tlvs, const uint8_t digest[32],
               kiln_container_info* info) {
  memset(info, 0, sizeof *info);
  info->header = header;
  info->security_counter = tlvs.security_counter;
  info->format_version = tlvs.format_version;
  info->arena_bytes = tlvs.arena_bytes;
  info->state_bytes = tlvs.state_bytes;
  memcpy(info->opset_hash, tlvs.opset_hash, 32);
  memcpy(info->digest, digest, 32);
  memcpy(info->key_hash, tlvs.key_hash, 32);
  memcpy(info->model_id, tlvs.model_id, sizeof info->model_id);
  memcpy(info->target, tlvs.target, sizeof info->target);
  info->total_size = total_size(header);
}

}  // namespace container
}  // namespace kiln

extern "C" const char* kiln_container_status_name(enum kiln_container_status status) {
  static const char* const kNames[KILN_CONTAINER_STATUS_COUNT] = {
      "ok",
      "truncated",
      "trailing bytes",
      "bad magic",
      "unknown container version",
      "bad header size",
      "unknown or missing signature algorithm",
      "unknown encryption",
      "reserved bytes not zero",
      "payload too large",
      "bad TLV area",
      "TLV runs past its area",
      "unknown TLV",
      "duplicate TLV",
      "missing TLV",
      "TLV of the wrong length",
      "name with bytes other than printable ASCII",
      "digest mismatch",
      "signed with an unknown key",
      "bad signature",
      "security counter below the device's (downgrade)",
      "blob format this runtime does not read",
      "compiled for another target",
      "arena larger than the device has",
      "op set differs from the device's",
      "encrypted for a key the device does not hold",
      "key unwrap failed",
      "cryptographic library error",
      "call out of order"};
  const auto index = static_cast<unsigned>(status);
  return index < KILN_CONTAINER_STATUS_COUNT ? kNames[index] : "unknown status";
}
