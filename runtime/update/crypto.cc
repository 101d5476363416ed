#include "update/crypto.h"

#include "mbedtls/bignum.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/nist_kw.h"
#include "mbedtls/platform_util.h"
#include "sodium/crypto_scalarmult_curve25519.h"
#include "sodium/crypto_sign_ed25519.h"

#if defined(KILN_MBEDTLS_STATIC_HEAP)
#include "mbedtls/memory_buffer_alloc.h"
#endif

namespace kiln {
namespace crypto {
namespace {

#if defined(KILN_MBEDTLS_STATIC_HEAP)
// mbed TLS allocates its big numbers and cipher contexts; on the device they
// come from this buffer. ECDSA P-256 verification (window 2, no fixed-point
// tables) is what needs the most: 3 KiB is too little for it.
#ifndef KILN_CRYPTO_POOL_BYTES
#define KILN_CRYPTO_POOL_BYTES 4096
#endif
alignas(8) unsigned char pool[KILN_CRYPTO_POOL_BYTES];
#endif

}  // namespace

#if defined(KILN_MBEDTLS_STATIC_HEAP)
LibraryMemory::LibraryMemory() { mbedtls_memory_buffer_alloc_init(pool, sizeof pool); }
LibraryMemory::~LibraryMemory() { mbedtls_memory_buffer_alloc_free(); }
#else
LibraryMemory::LibraryMemory() {
}  // NOLINT(modernize-use-equals-default): the host's allocator needs nothing
LibraryMemory::~LibraryMemory() {}  // NOLINT(modernize-use-equals-default)
#endif

void wipe(void* data, size_t size) { mbedtls_platform_zeroize(data, size); }

Sha256::Sha256() {
  mbedtls_sha256_init(&context_);
  mbedtls_sha256_starts_ret(&context_, 0);
}
Sha256::~Sha256() { mbedtls_sha256_free(&context_); }
void Sha256::update(const uint8_t* data, size_t size) {
  mbedtls_sha256_update_ret(&context_, data, size);
}
void Sha256::finish(uint8_t digest[32]) { mbedtls_sha256_finish_ret(&context_, digest); }

void sha256(const uint8_t* data, size_t size, uint8_t digest[32]) {
  mbedtls_sha256_ret(data, size, digest, 0);
}

Aes256Ctr::Aes256Ctr(const uint8_t key[32]) {
  mbedtls_aes_init(&context_);
  mbedtls_aes_setkey_enc(&context_, key, 256);
}
Aes256Ctr::~Aes256Ctr() {
  mbedtls_aes_free(&context_);
  wipe(stream_block_, sizeof stream_block_);
}
void Aes256Ctr::apply(const uint8_t* in, uint8_t* out, size_t size) {
  mbedtls_aes_crypt_ctr(&context_, size, &offset_, counter_, stream_block_, in, out);
}

Result ed25519_verify(const uint8_t signature[64], const uint8_t* message, size_t size,
                      const uint8_t public_key[32]) {
  return crypto_sign_ed25519_verify_detached(signature, message, size, public_key) == 0
             ? Result::kOk
             : Result::kRejected;
}

Result p256_verify(const uint8_t signature[64], const uint8_t hash[32],
                   const uint8_t public_key[65]) {
  LibraryMemory memory;
  mbedtls_ecp_group group;
  mbedtls_ecp_point q;
  mbedtls_mpi r;
  mbedtls_mpi s;
  mbedtls_ecp_group_init(&group);
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Result result = Result::kLibraryError;
  if (mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
      mbedtls_mpi_read_binary(&r, signature, 32) == 0 &&
      mbedtls_mpi_read_binary(&s, signature + 32, 32) == 0) {
    if (mbedtls_ecp_point_read_binary(&group, &q, public_key, 65) != 0 ||
        mbedtls_ecp_check_pubkey(&group, &q) != 0) {
      result = Result::kRejected;
    } else {
      const int verified = mbedtls_ecdsa_verify(&group, hash, 32, &q, &r, &s);
      result = verified == 0                                ? Result::kOk
               : verified == MBEDTLS_ERR_ECP_VERIFY_FAILED  ? Result::kRejected
               : verified == MBEDTLS_ERR_ECP_BAD_INPUT_DATA ? Result::kRejected
                                                            : Result::kLibraryError;
    }
  }
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_group_free(&group);
  return result;
}

Result aes_kw_unwrap(const uint8_t kek[32], const uint8_t wrapped[40], uint8_t key[32]) {
  LibraryMemory memory;
  mbedtls_nist_kw_context context;
  mbedtls_nist_kw_init(&context);
  Result result = Result::kLibraryError;
  if (mbedtls_nist_kw_setkey(&context, MBEDTLS_CIPHER_ID_AES, kek, 256, 0) == 0) {
    size_t unwrapped = 0;
    const int status =
        mbedtls_nist_kw_unwrap(&context, MBEDTLS_KW_MODE_KW, wrapped, 40, key, &unwrapped, 32);
    result = status == 0 && unwrapped == 32             ? Result::kOk
             : status == MBEDTLS_ERR_CIPHER_AUTH_FAILED ? Result::kRejected
                                                        : Result::kLibraryError;
  }
  mbedtls_nist_kw_free(&context);
  if (result != Result::kOk) wipe(key, 32);
  return result;
}

Result x25519(const uint8_t private_key[32], const uint8_t peer_public[32], uint8_t shared[32]) {
  if (crypto_scalarmult_curve25519(shared, private_key, peer_public) == 0) return Result::kOk;
  wipe(shared, 32);
  return Result::kRejected;
}

Result hkdf_sha256(const uint8_t* salt, size_t salt_size, const uint8_t* ikm, size_t ikm_size,
                   const uint8_t* info, size_t info_size, uint8_t* okm, size_t size) {
  LibraryMemory memory;
  const int status = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, salt_size,
                                  ikm, ikm_size, info, info_size, okm, size);
  return status == 0                                 ? Result::kOk
         : status == MBEDTLS_ERR_HKDF_BAD_INPUT_DATA ? Result::kRejected
                                                     : Result::kLibraryError;
}

Result x25519_hkdf(const uint8_t private_key[32], const uint8_t peer_public[32],
                   const uint8_t* info, size_t info_size, uint8_t okm[32]) {
  uint8_t shared[32];
  if (x25519(private_key, peer_public, shared) != Result::kOk) return Result::kRejected;
  LibraryMemory memory;
  const int status = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), nullptr, 0, shared,
                                  sizeof shared, info, info_size, okm, 32);
  wipe(shared, sizeof shared);
  return status == 0 ? Result::kOk : Result::kLibraryError;
}

}  // namespace crypto
}  // namespace kiln
