// libFuzzer target: arbitrary bytes as a signed model container, through the
// device's streaming verifier (in chunks of 1 to 2048 bytes, as the first
// byte picks, as received and as installed) and the host's inspector. The device holds
// the keys in tests/fuzz/keys, which signed the seeds (scripts/fuzz.sh), so
// mutations of a good container reach the key unwrap, the decryption, the
// TLVs and the signature checks.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/secure/container_writer.h"
#include "compiler/secure/keys.h"
#include "kiln/container_verifier.h"

namespace {

struct Keys {
  kiln::secure::Key ed25519 = kiln::secure::read_key(KILN_FUZZ_KEYS "/ed25519.pub");
  kiln::secure::Key p256 = kiln::secure::read_key(KILN_FUZZ_KEYS "/p256.pub");
  kiln::secure::Key aes_kw = kiln::secure::read_key(KILN_FUZZ_KEYS "/aes-kw.key");
  kiln::secure::Key x25519 = kiln::secure::read_key(KILN_FUZZ_KEYS "/x25519.key");
  kiln::secure::Key x25519_public = kiln::secure::read_key(KILN_FUZZ_KEYS "/x25519.pub");
  kiln_device_keys device{};
  Keys() {
    device.ed25519_public = ed25519.bytes.data();
    device.p256_public = p256.bytes.data();
    device.aes_kw_key = aes_kw.bytes.data();
    device.x25519_private = x25519.bytes.data();
    device.x25519_public = x25519_public.bytes.data();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Keys keys;
  kiln_device_policy policy{};
  policy.arena_capacity = 1 << 20;
  const uint32_t chunk = size > 0 ? 1u << (data[0] % 12) : 1u;
  std::vector<uint8_t> out(chunk);
  for (kiln_verify_mode mode : {KILN_VERIFY_RECEIVED, KILN_VERIFY_INSTALLED}) {
    kiln_verifier verifier;
    kiln_verifier_init(&verifier, &keys.device, &policy, mode);
    kiln_container_status status = KILN_CONTAINER_OK;
    for (size_t at = 0; at < size && status == KILN_CONTAINER_OK; at += chunk) {
      const uint32_t n = static_cast<uint32_t>(size - at < chunk ? size - at : chunk);
      status = kiln_verifier_update(&verifier, data + at, n, out.data());
    }
    if (status == KILN_CONTAINER_OK) {
      kiln_container_info info;
      kiln_verifier_finish(&verifier, &info);
    } else {
      kiln_verifier_abort(&verifier);
    }
  }
  kiln::secure::inspect(std::vector<uint8_t>(data, data + size));
  return 0;
}
