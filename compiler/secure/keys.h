// Keys for signing and encrypting model containers, in kiln's key files: two
// lines of text, "kiln-key KIND" and the key in hex, so that a key's kind is
// never guessed from its length.
#ifndef KILN_COMPILER_SECURE_KEYS_H
#define KILN_COMPILER_SECURE_KEYS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {
namespace secure {

enum class KeyKind {
  kEd25519Private,  // the 32-byte seed (RFC 8032)
  kEd25519Public,   // 32 bytes
  kP256Private,     // the 32-byte scalar, big-endian
  kP256Public,      // 65 bytes, 0x04 || x || y
  kX25519Private,   // 32 bytes (RFC 7748; clamped when used)
  kX25519Public,    // 32 bytes
  kAesKw,           // a 32-byte key wrapping key, shared with the device
};

struct Key {
  KeyKind kind;
  std::vector<uint8_t> bytes;
};

const char* key_kind_name(KeyKind kind);  // "ed25519-private", ...
bool is_private(KeyKind kind);

// Throws Error(kBadInput) naming the file when it is not a key file.
Key read_key(const std::string& path);
void write_key(const std::string& path, const Key& key);
std::string format_key(const Key& key);
Key parse_key(const std::string& text, const std::string& origin);

// A new key from the system's random generator. For an asymmetric kind
// (give the private one), the private key; public_of() gives its public key.
Key generate_key(KeyKind private_kind);
Key public_of(const Key& private_key);

// Bytes as lowercase hex, two digits each.
std::string hex(const uint8_t* data, size_t size);

// SHA-256 of a public key: the container's KEY_HASH.
std::vector<uint8_t> key_hash(const Key& public_key);

// An ECDSA signature in DER (SEQUENCE { INTEGER r, INTEGER s }) as r || s,
// 32 bytes each; nullopt unless the encoding is the one DER allows (minimal
// lengths and integers, nothing after it) and r and s fit 32 bytes.
std::optional<std::vector<uint8_t>> ecdsa_der_to_raw(const std::vector<uint8_t>& der);

// Random bytes from the system (getrandom(2)).
void random_bytes(uint8_t* out, size_t size);

}  // namespace secure
}  // namespace kiln

#endif  // KILN_COMPILER_SECURE_KEYS_H
