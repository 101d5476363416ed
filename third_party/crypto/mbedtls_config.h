// mbed TLS configuration for kiln's model containers: only what the
// container uses (SHA-256, AES-CTR, AES-GCM, AES key wrap, HKDF-SHA256,
// ECDSA over P-256), and no platform entropy: the device only verifies and
// decrypts, and the host tools give mbed TLS their own random generator.
#ifndef KILN_MBEDTLS_CONFIG_H
#define KILN_MBEDTLS_CONFIG_H

#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_HAVE_ASM

#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C

#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C
#define MBEDTLS_NIST_KW_C
// Tables in flash, not built in RAM at first use.
#define MBEDTLS_AES_ROM_TABLES

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
// Signing (host tools) derives its nonce from the key and the digest (RFC 6979).
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ECDSA_DETERMINISTIC

#if defined(KILN_MBEDTLS_STATIC_HEAP)
// On the device mbed TLS's big numbers come from a fixed buffer the verifier
// owns (kiln has no heap); the buffer allocator takes calloc/free's place.
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
// Smaller precomputation windows: verification needs less RAM this way.
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
// No C library heap or exit behind it: before the buffer is handed over an
// allocation fails, and a corrupted buffer stops the core
// (third_party/crypto/mbedtls_support.c).
#include <stddef.h>
void* kiln_mbedtls_no_calloc(size_t count, size_t size);
void kiln_mbedtls_no_free(void* pointer);
void kiln_mbedtls_exit(int status);
#define MBEDTLS_PLATFORM_STD_CALLOC kiln_mbedtls_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE kiln_mbedtls_no_free
#define MBEDTLS_PLATFORM_EXIT_MACRO kiln_mbedtls_exit
#endif

#include "mbedtls/check_config.h"

#endif
