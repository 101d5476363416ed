// The algorithms a build of kiln_update carries (CMake: KILN_UPDATE_ALGORITHMS,
// all four by default). A device that takes only Ed25519-signed, unencrypted
// models links none of the others: its verifier refuses the rest as kinds it
// does not know.
#ifndef KILN_UPDATE_ALGORITHMS_H
#define KILN_UPDATE_ALGORITHMS_H

#include <stdint.h>

#include "kiln/container.h"

#ifndef KILN_UPDATE_ED25519
#define KILN_UPDATE_ED25519 1
#endif
#ifndef KILN_UPDATE_P256
#define KILN_UPDATE_P256 1
#endif
#ifndef KILN_UPDATE_AES_KW
#define KILN_UPDATE_AES_KW 1
#endif
#ifndef KILN_UPDATE_X25519
#define KILN_UPDATE_X25519 1
#endif

namespace kiln {
namespace algorithms {

constexpr bool kEd25519 = KILN_UPDATE_ED25519 != 0;
constexpr bool kP256 = KILN_UPDATE_P256 != 0;
constexpr bool kAesKw = KILN_UPDATE_AES_KW != 0;
constexpr bool kX25519 = KILN_UPDATE_X25519 != 0;
constexpr bool kDecrypts = kAesKw || kX25519;

inline bool carries_signature(uint8_t kind) {
  return (kind == KILN_SIGNATURE_ED25519 && kEd25519) ||
         (kind == KILN_SIGNATURE_ECDSA_P256 && kP256);
}
inline bool carries_encryption(uint8_t kind) {
  return kind == KILN_ENCRYPTION_NONE || (kind == KILN_ENCRYPTION_AES_KW && kAesKw) ||
         (kind == KILN_ENCRYPTION_X25519 && kX25519);
}

}  // namespace algorithms
}  // namespace kiln

#endif  // KILN_UPDATE_ALGORITHMS_H
