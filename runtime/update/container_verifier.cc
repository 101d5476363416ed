#include "kiln/container_verifier.h"

#include <string.h>

#include <new>

#include "kiln/blob_format.h"
#include "update/algorithms.h"
#include "update/container_layout.h"
#include "update/crypto.h"

namespace kiln {
namespace {

using crypto::Result;

// Where the next byte of the stream falls.
enum class Part { kHeader, kKeyArea, kPayload, kProtected, kUnprotected, kPastEnd };

struct Verifier {
  const kiln_device_keys* keys;
  const kiln_device_policy* policy;
  kiln_verify_mode mode;
  kiln_container_status status = KILN_CONTAINER_OK;
  bool finished = false;
  uint32_t received = 0;
  kiln_container_header header{};
  uint32_t total = 0;  // known once the header is
  uint8_t header_bytes[KILN_CONTAINER_HEADER_BYTES] = {};
  uint8_t key_area[container::kMaxKeyArea] = {};
  uint8_t protected_area[KILN_CONTAINER_MAX_TLV_AREA_BYTES] = {};
  uint8_t unprotected_area[KILN_CONTAINER_MAX_TLV_AREA_BYTES] = {};
  crypto::Sha256 hash;
  // The payload's cipher, built in place once the content key is unwrapped.
  alignas(crypto::Aes256Ctr) unsigned char cipher_storage[sizeof(crypto::Aes256Ctr)] = {};
  crypto::Aes256Ctr* cipher = nullptr;

  Verifier(const kiln_device_keys* k, const kiln_device_policy* p, kiln_verify_mode m)
      : keys(k), policy(p), mode(m) {}

  ~Verifier() { drop_cipher(); }
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  void drop_cipher() {
    if (!algorithms::kDecrypts || cipher == nullptr) return;
    cipher->~Aes256Ctr();
    cipher = nullptr;
    crypto::wipe(cipher_storage, sizeof cipher_storage);
  }

  kiln_container_status fail(kiln_container_status s) {
    status = s;
    drop_cipher();
    return s;
  }

  Part part_at(uint32_t offset, uint32_t* part_start, uint32_t* part_end) const {
    const uint32_t bounds[] = {0,
                               KILN_CONTAINER_HEADER_BYTES,
                               header.header_size,
                               header.header_size + header.payload_size,
                               header.header_size + header.payload_size + header.protected_size,
                               total};
    if (offset < KILN_CONTAINER_HEADER_BYTES) {
      *part_start = 0;
      *part_end = KILN_CONTAINER_HEADER_BYTES;
      return Part::kHeader;
    }
    for (int i = 1; i < 5; ++i) {
      if (offset < bounds[i + 1]) {
        *part_start = bounds[i];
        *part_end = bounds[i + 1];
        return static_cast<Part>(i);
      }
    }
    return Part::kPastEnd;
  }

  kiln_container_status check_header() {
    const kiln_container_status s = container::parse_header(header_bytes, &header);
    if (s != KILN_CONTAINER_OK) return s;
    if (!algorithms::carries_signature(header.signature)) return KILN_CONTAINER_BAD_SIGNATURE_KIND;
    if (mode == KILN_VERIFY_RECEIVED && !algorithms::carries_encryption(header.encryption)) {
      return KILN_CONTAINER_BAD_ENCRYPTION_KIND;
    }
    total = container::total_size(header);
    if (policy->max_container_bytes != 0 && total > policy->max_container_bytes) {
      return KILN_CONTAINER_PAYLOAD_TOO_LARGE;
    }
    return KILN_CONTAINER_OK;
  }

  // The key area is complete: check its padding and, for a received
  // encrypted container, unwrap the content key.
  kiln_container_status open_key_area() {
    const uint32_t size = header.header_size - KILN_CONTAINER_HEADER_BYTES;
    const uint32_t used = container::key_area_used(header.encryption);
    for (uint32_t i = used; i < size; ++i) {
      if (key_area[i] != 0) return KILN_CONTAINER_RESERVED_NOT_ZERO;
    }
    if (header.encryption == KILN_ENCRYPTION_NONE || mode == KILN_VERIFY_INSTALLED)
      return KILN_CONTAINER_OK;
    if (!algorithms::kDecrypts) return KILN_CONTAINER_BAD_ENCRYPTION_KIND;
    uint8_t kek[32];
    const uint8_t* wrapped = key_area;
    Result derived = Result::kOk;
    if (header.encryption == KILN_ENCRYPTION_AES_KW || !algorithms::kX25519) {
      if (keys->aes_kw_key == nullptr) return KILN_CONTAINER_NO_DECRYPTION_KEY;
      memcpy(kek, keys->aes_kw_key, sizeof kek);
    } else {
      if (keys->x25519_private == nullptr || keys->x25519_public == nullptr)
        return KILN_CONTAINER_NO_DECRYPTION_KEY;
      uint8_t info[container::kHkdfInfoBytes];
      container::hkdf_info(key_area, keys->x25519_public, info);
      derived = crypto::x25519_hkdf(keys->x25519_private, key_area, info, sizeof info, kek);
      wrapped = key_area + 32;
    }
    uint8_t content_key[32];
    const Result unwrapped =
        derived == Result::kOk ? crypto::aes_kw_unwrap(kek, wrapped, content_key) : derived;
    crypto::wipe(kek, sizeof kek);
    if (unwrapped == Result::kLibraryError) return KILN_CONTAINER_CRYPTO_ERROR;
    if (unwrapped != Result::kOk) return KILN_CONTAINER_KEY_UNWRAP_FAILED;
    cipher = new (cipher_storage) crypto::Aes256Ctr(content_key);
    crypto::wipe(content_key, sizeof content_key);
    return KILN_CONTAINER_OK;
  }

  // Payload bytes: decrypted when a cipher is set, hashed in plain text.
  void take_payload(const uint8_t* data, uint32_t size, uint8_t* out) {
    if (!algorithms::kDecrypts || cipher == nullptr) {
      if (out != nullptr && out != data) memcpy(out, data, size);
      hash.update(data, size);
      return;
    }
    if (out != nullptr) {
      cipher->apply(data, out, size);
      hash.update(out, size);
      return;
    }
    uint8_t block[64];
    for (uint32_t done = 0; done < size;) {
      const uint32_t n =
          size - done < sizeof block ? size - done : static_cast<uint32_t>(sizeof block);
      cipher->apply(data + done, block, n);
      hash.update(block, n);
      done += n;
    }
    crypto::wipe(block, sizeof block);
  }

  kiln_container_status update(const uint8_t* data, uint32_t size, uint8_t* out) {
    if (status != KILN_CONTAINER_OK) return status;
    if (finished) return fail(KILN_CONTAINER_BAD_STATE);
    while (size > 0) {
      const bool header_known = received >= KILN_CONTAINER_HEADER_BYTES;
      uint32_t start = 0;
      uint32_t end = 0;
      const Part part = header_known ? part_at(received, &start, &end) : Part::kHeader;
      if (!header_known) end = KILN_CONTAINER_HEADER_BYTES;
      if (part == Part::kPastEnd) return fail(KILN_CONTAINER_TRAILING_BYTES);
      const uint32_t n = end - received < size ? end - received : size;
      const uint32_t offset = received - start;
      switch (part) {
        case Part::kHeader: memcpy(header_bytes + offset, data, n); break;
        case Part::kKeyArea: memcpy(key_area + offset, data, n); break;
        case Part::kProtected: memcpy(protected_area + offset, data, n); break;
        case Part::kUnprotected: memcpy(unprotected_area + offset, data, n); break;
        case Part::kPayload: take_payload(data, n, out); break;
        case Part::kPastEnd: break;
      }
      if (part != Part::kPayload && out != nullptr && out != data) memcpy(out, data, n);
      if (part != Part::kPayload && part != Part::kUnprotected) hash.update(data, n);
      received += n;
      data += n;
      if (out != nullptr) out += n;
      size -= n;
      if (received == KILN_CONTAINER_HEADER_BYTES) {
        const kiln_container_status s = check_header();
        if (s != KILN_CONTAINER_OK) return fail(s);
      }
      // received grows by at least a byte a step: this runs once.
      if (received >= KILN_CONTAINER_HEADER_BYTES && received == header.header_size) {
        const kiln_container_status s = open_key_area();
        if (s != KILN_CONTAINER_OK) return fail(s);
      }
    }
    return KILN_CONTAINER_OK;
  }

  const uint8_t* public_key(uint32_t* size) const {
    if (header.signature == KILN_SIGNATURE_ED25519) {
      *size = 32;
      return keys->ed25519_public;
    }
    *size = 65;
    return keys->p256_public;
  }

  kiln_container_status check_signature(const container::Tlvs& tlvs, const uint8_t digest[32]) {
    if (memcmp(digest, tlvs.digest, 32) != 0) return KILN_CONTAINER_DIGEST_MISMATCH;
    uint32_t key_size = 0;
    const uint8_t* key = public_key(&key_size);
    if (key == nullptr) return KILN_CONTAINER_UNKNOWN_KEY;
    uint8_t key_hash[32];
    crypto::sha256(key, key_size, key_hash);
    if (memcmp(key_hash, tlvs.key_hash, 32) != 0) return KILN_CONTAINER_UNKNOWN_KEY;
    // check_header() refused the kinds this build does not carry.
    Result verified = Result::kRejected;
    if (algorithms::kEd25519 && header.signature == KILN_SIGNATURE_ED25519) {
      verified = crypto::ed25519_verify(tlvs.signature, digest, 32, key);
    } else if (algorithms::kP256 && header.signature == KILN_SIGNATURE_ECDSA_P256) {
      verified = crypto::p256_verify(tlvs.signature, digest, key);
    }
    if (verified == Result::kLibraryError) return KILN_CONTAINER_CRYPTO_ERROR;
    return verified == Result::kOk ? KILN_CONTAINER_OK : KILN_CONTAINER_BAD_SIGNATURE;
  }

  kiln_container_status check_policy(const container::Tlvs& tlvs) const {
    if (tlvs.security_counter < policy->min_security_counter) return KILN_CONTAINER_DOWNGRADE;
    const uint32_t major = tlvs.format_version >> 16;
    const uint32_t minor = tlvs.format_version & 0xFFFFu;
    if (major != blob::kVersionMajor || minor > blob::kVersionMinor)
      return KILN_CONTAINER_WRONG_FORMAT;
    if (policy->target != nullptr && strcmp(policy->target, tlvs.target) != 0)
      return KILN_CONTAINER_WRONG_TARGET;
    if (tlvs.state_bytes > tlvs.arena_bytes || tlvs.arena_bytes > policy->arena_capacity) {
      return KILN_CONTAINER_ARENA_TOO_LARGE;
    }
    if (policy->opset_hash != nullptr && memcmp(policy->opset_hash, tlvs.opset_hash, 32) != 0) {
      return KILN_CONTAINER_WRONG_OPSET;
    }
    return KILN_CONTAINER_OK;
  }

  kiln_container_status finish(kiln_container_info* info) {
    if (status != KILN_CONTAINER_OK) return status;
    if (finished) return fail(KILN_CONTAINER_BAD_STATE);
    finished = true;
    drop_cipher();
    if (received < KILN_CONTAINER_HEADER_BYTES || received < total)
      return fail(KILN_CONTAINER_TRUNCATED);
    container::Tlvs tlvs{};
    kiln_container_status s =
        container::parse_protected(protected_area, header.protected_size, &tlvs);
    if (s == KILN_CONTAINER_OK)
      s = container::parse_unprotected(unprotected_area, header.unprotected_size, &tlvs);
    if (s != KILN_CONTAINER_OK) return fail(s);
    uint8_t digest[32];
    hash.finish(digest);
    s = check_signature(tlvs, digest);
    if (s == KILN_CONTAINER_OK) s = check_policy(tlvs);
    if (s != KILN_CONTAINER_OK) return fail(s);
    if (info != nullptr) container::fill_info(header, tlvs, digest, info);
    return KILN_CONTAINER_OK;
  }
};

static_assert(sizeof(Verifier) <= KILN_VERIFIER_BYTES, "KILN_VERIFIER_BYTES is too small");
static_assert(alignof(Verifier) <= alignof(kiln_verifier), "kiln_verifier is not aligned enough");

Verifier* get(kiln_verifier* v) { return std::launder(reinterpret_cast<Verifier*>(v->storage)); }

}  // namespace
}  // namespace kiln

extern "C" {

void kiln_verifier_init(kiln_verifier* verifier, const kiln_device_keys* keys,
                        const kiln_device_policy* policy, kiln_verify_mode mode) {
  new (verifier->storage) kiln::Verifier(keys, policy, mode);
}

kiln_container_status kiln_verifier_update(kiln_verifier* verifier, const uint8_t* data,
                                           uint32_t size, uint8_t* out) {
  return kiln::get(verifier)->update(data, size, out);
}

kiln_container_status kiln_verifier_finish(kiln_verifier* verifier, kiln_container_info* info) {
  kiln::Verifier* v = kiln::get(verifier);
  const kiln_container_status status = v->finish(info);
  v->~Verifier();
  kiln::crypto::wipe(verifier->storage, sizeof verifier->storage);
  return status;
}

void kiln_verifier_abort(kiln_verifier* verifier) {
  kiln::get(verifier)->~Verifier();
  kiln::crypto::wipe(verifier->storage, sizeof verifier->storage);
}

kiln_container_status kiln_container_verify(const uint8_t* container, uint32_t size,
                                            const kiln_device_keys* keys,
                                            const kiln_device_policy* policy, kiln_verify_mode mode,
                                            kiln_container_info* info) {
  kiln_verifier verifier;
  kiln_verifier_init(&verifier, keys, policy, mode);
  const kiln_container_status status = kiln_verifier_update(&verifier, container, size, nullptr);
  if (status != KILN_CONTAINER_OK) {
    kiln_verifier_abort(&verifier);
    return status;
  }
  return kiln_verifier_finish(&verifier, info);
}

}  // extern "C"
