// Writes and reads signed model containers (runtime/include/kiln/container.h)
// on the host: `kiln sign`, `kiln verify`, `kiln inspect`.
#ifndef KILN_COMPILER_SECURE_CONTAINER_WRITER_H
#define KILN_COMPILER_SECURE_CONTAINER_WRITER_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/secure/keys.h"
#include "kiln/container_verifier.h"

namespace kiln {
namespace secure {

struct SealOptions {
  Key signing_key;  // ed25519-private or p256-private
  uint32_t security_counter = 0;
  std::string model_id;            // 1..64 printable ASCII bytes
  std::string target;              // the core the blob was compiled for, 1..32 bytes
  std::optional<Key> encrypt_for;  // aes-kw (shared) or x25519-public (the device's)
};

// The blob's fields a container protects, read from its header.
struct BlobFields {
  uint32_t format_version;
  uint32_t arena_bytes;
  uint32_t state_bytes;
  std::vector<uint8_t> opset_hash;  // SHA-256 of its distinct opcodes, ascending, u16 LE
};
// Throws Error(kBadModel) when the bytes are not a .kiln blob.
BlobFields blob_fields(const std::vector<uint8_t>& blob);

// Signs (and encrypts) a .kiln blob into a container.
std::vector<uint8_t> seal(const std::vector<uint8_t>& blob, const SealOptions& options);

// The container's fields as written, whether or not it verifies: the
// status says where parsing stopped when its header or TLV areas do not
// parse (no signature is checked).
struct Inspection {
  kiln_container_status status;
  kiln_container_info info;  // filled as far as parsing got
  std::string signature_kind;
  std::string encryption_kind;
};
Inspection inspect(const std::vector<uint8_t>& container);

// The keys a device holds, on the host.
struct DeviceKeys {
  std::optional<Key> ed25519_public, p256_public, aes_kw, x25519_private;
  // From key files (signers' .pub files, the device's x25519 or aes-kw
  // .key); throws Error(kUsage) naming a file of another kind.
  static DeviceKeys read(const std::vector<std::string>& paths);
  // The device's view: pointers into this object (and its X25519 public
  // key, derived once), valid while it lives unchanged.
  const kiln_device_keys& view();

 private:
  std::optional<Key> x25519_public_;
  kiln_device_keys view_{};
};
kiln_container_status verify(const std::vector<uint8_t>& container, DeviceKeys keys,
                             const kiln_device_policy& policy, kiln_container_info* info,
                             std::vector<uint8_t>* plaintext = nullptr);

}  // namespace secure
}  // namespace kiln

#endif  // KILN_COMPILER_SECURE_CONTAINER_WRITER_H
