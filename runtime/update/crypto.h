// The few cryptographic operations a device needs to check and open a model
// container, each a call into libsodium or mbed TLS (third_party/crypto):
// kiln implements none of the primitives itself.
#ifndef KILN_UPDATE_CRYPTO_H
#define KILN_UPDATE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/aes.h"
#include "mbedtls/sha256.h"

namespace kiln {
namespace crypto {

enum class Result { kOk, kRejected, kLibraryError };

// mbed TLS's working memory for the operations below that need it: on the
// device a static buffer (no heap), handed to mbed TLS while this lives;
// on the host the C library's allocator. One at a time.
class LibraryMemory {
 public:
  LibraryMemory();
  ~LibraryMemory();
  LibraryMemory(const LibraryMemory&) = delete;
  LibraryMemory& operator=(const LibraryMemory&) = delete;
};

// SHA-256 over a stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const uint8_t* data, size_t size);
  void finish(uint8_t digest[32]);

 private:
  mbedtls_sha256_context context_;
};

void sha256(const uint8_t* data, size_t size, uint8_t digest[32]);

// AES-256 in counter mode from a zero nonce: the keystream XORed over the
// data, continuing where the last call stopped.
class Aes256Ctr {
 public:
  explicit Aes256Ctr(const uint8_t key[32]);
  ~Aes256Ctr();
  Aes256Ctr(const Aes256Ctr&) = delete;
  Aes256Ctr& operator=(const Aes256Ctr&) = delete;
  void apply(const uint8_t* in, uint8_t* out, size_t size);

 private:
  mbedtls_aes_context context_;
  uint8_t counter_[16] = {};
  uint8_t stream_block_[16] = {};
  size_t offset_ = 0;
};

// Ed25519 (RFC 8032, libsodium's checks: canonical S, no small-order keys).
Result ed25519_verify(const uint8_t signature[64], const uint8_t* message, size_t size,
                      const uint8_t public_key[32]);
// ECDSA over P-256 of a 32-byte hash, the signature r || s (each 32 bytes,
// big-endian) and the public key uncompressed (0x04 || x || y).
Result p256_verify(const uint8_t signature[64], const uint8_t hash[32],
                   const uint8_t public_key[65]);
// AES-256 key unwrap (RFC 3394) of a 256-bit key: kRejected if the
// integrity check fails.
Result aes_kw_unwrap(const uint8_t kek[32], const uint8_t wrapped[40], uint8_t key[32]);
// X25519 (RFC 7748): kRejected for a peer key of small order (libsodium
// refuses an all-zero shared secret).
Result x25519(const uint8_t private_key[32], const uint8_t peer_public[32], uint8_t shared[32]);
// HKDF-SHA256 (RFC 5869); salt may be empty. kRejected when size is over
// 255 hash lengths.
Result hkdf_sha256(const uint8_t* salt, size_t salt_size, const uint8_t* ikm, size_t ikm_size,
                   const uint8_t* info, size_t info_size, uint8_t* okm, size_t size);
// X25519 then HKDF-SHA256 (RFC 5869): the 32-byte key wrapping
// key of an X25519 container.
Result x25519_hkdf(const uint8_t private_key[32], const uint8_t peer_public[32],
                   const uint8_t* info, size_t info_size, uint8_t okm[32]);

// Zeroes secrets where the compiler cannot drop the stores.
void wipe(void* data, size_t size);

}  // namespace crypto
}  // namespace kiln

#endif  // KILN_UPDATE_CRYPTO_H
