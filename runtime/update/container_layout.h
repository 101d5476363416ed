// The container's byte layout (kiln/container.h), read field by field with
// every size checked: shared by the device's verifier and the host's
// writer and inspector.
#ifndef KILN_UPDATE_CONTAINER_LAYOUT_H
#define KILN_UPDATE_CONTAINER_LAYOUT_H

#include <stdint.h>

#include "kiln/container.h"

namespace kiln {
namespace container {

constexpr uint32_t kMaxKeyArea = KILN_CONTAINER_KEY_AREA_X25519;
constexpr uint32_t kHkdfInfoBytes = sizeof(KILN_CONTAINER_HKDF_INFO) - 1 + 32 + 32;

// The key area's size for an encryption kind (0 for none), and the bytes of
// it in use (the rest is zero padding).
uint32_t key_area_size(uint8_t encryption);
uint32_t key_area_used(uint8_t encryption);
uint32_t total_size(const kiln_container_header& header);

// Decodes and checks the 32 header bytes.
kiln_container_status parse_header(const uint8_t bytes[KILN_CONTAINER_HEADER_BYTES],
                                   kiln_container_header* header);
void write_header(const kiln_container_header& header, uint8_t bytes[KILN_CONTAINER_HEADER_BYTES]);

// HKDF's info for an X25519 container.
void hkdf_info(const uint8_t ephemeral_public[32], const uint8_t device_public[32],
               uint8_t info[kHkdfInfoBytes]);

// The TLVs' values.
struct Tlvs {
  uint32_t security_counter;
  uint32_t format_version;
  uint32_t arena_bytes;
  uint32_t state_bytes;
  uint8_t opset_hash[32];
  char model_id[KILN_CONTAINER_MAX_MODEL_ID_BYTES + 1];
  char target[KILN_CONTAINER_MAX_TARGET_BYTES + 1];
  uint8_t digest[32];
  uint8_t key_hash[32];
  uint8_t signature[64];
};

kiln_container_status parse_protected(const uint8_t* area, uint32_t size, Tlvs* tlvs);
kiln_container_status parse_unprotected(const uint8_t* area, uint32_t size, Tlvs* tlvs);
void fill_info(const kiln_container_header& header, const Tlvs& tlvs, const uint8_t digest[32],
               kiln_container_info* info);

uint16_t load_u16(const uint8_t* p);
uint32_t load_u32(const uint8_t* p);
void store_u16(uint8_t* p, uint16_t v);
void store_u32(uint8_t* p, uint32_t v);

}  // namespace container
}  // namespace kiln

#endif  // KILN_UPDATE_CONTAINER_LAYOUT_H
