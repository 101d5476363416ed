// kiln-update-check: kiln's model containers and updater on an emulated
// Cortex-M core, with the device's own build of libsodium and mbed TLS.
//
// Command line (semihosting), files read into the flash after the image:
//   verify -i CONTAINER -i KEYS [-o PAYLOAD]
//       streams the container through the verifier in 256-byte chunks,
//       decrypting in place, and reports its status, the instructions it
//       took, the peak stack and the verifier's state size; writes the
//       payload (decrypted) when it verified.
//   wycheproof -i VECTORS
//       runs cases the host prepared from Project Wycheproof's vectors
//       (tests/secure) and reports how many came out wrong.
//   power-loss -i OLD -i NEW -i NEXT -i OLD_BLOB -i NEW_BLOB -i KEYS -i CUTS
//       provisions the OLD container into flash held in RAM, then for each
//       cut of CUTS updates to NEW with the power cut there, recovers and
//       checks what boots (tests/secure/power_loss_scenario.h).
// kiln-verify-ed25519 is the same program with only its verify command,
// linked with a kiln_update that carries Ed25519 alone: the smallest
// verifier's flash.
// KEYS: the Ed25519 public key (32 bytes), the P-256 one (65), the AES key
// wrapping key (32), the X25519 private and public keys (32 each).
#include <stdint.h>
#include <string.h>

#include "cost_counter.h"
#include "firmware_io.h"
#include "kiln/container_verifier.h"
#include "mbedtls/gcm.h"
#include "semihosting.h"
#include "tests/secure/power_loss_scenario.h"
#include "update/crypto.h"

#ifndef KILN_UPDATE_CHECK_VERIFY_ONLY
#define KILN_UPDATE_CHECK_VERIFY_ONLY 0
#endif

extern "C" uint32_t stack_peak_bytes(void);
extern "C" uint8_t __model_start[], __model_end[];

namespace {

using namespace kiln::firmware;

constexpr uint32_t kKeyBytes = 32 + 65 + 32 + 32 + 32;
uint8_t g_keys[kKeyBytes];
kiln_device_keys g_device_keys;

// Files go one after the other into the flash after the image.
struct Files {
  uint8_t* next = __model_start;
  kiln::power_loss::Span read(const char* path) {
    const size_t room = static_cast<size_t>(__model_end - next);
    const size_t size = read_file(path, next, room, 0, kExitNoRoom);
    const kiln::power_loss::Span span{next, static_cast<uint32_t>(size)};
    next += (size + 15) & ~size_t{15};
    return span;
  }
};

void load_keys(const char* path) {
  read_file(path, g_keys, sizeof g_keys, sizeof g_keys, kExitBadInput);
  g_device_keys.ed25519_public = g_keys;
  g_device_keys.p256_public = g_keys + 32;
  g_device_keys.aes_kw_key = g_keys + 97;
  g_device_keys.x25519_private = g_keys + 129;
  g_device_keys.x25519_public = g_keys + 161;
}

int verify(const Args& args) {
  if (args.num_inputs != 2)
    fail(kExitUsage, "usage: kiln-update-check verify -i CONTAINER -i KEYS [-o PAYLOAD]");
  Files files;
  const kiln::power_loss::Span container = files.read(args.inputs[0]);
  load_keys(args.inputs[1]);
  kiln_device_policy policy{};
  policy.arena_capacity = UINT32_MAX;
  static kiln_verifier verifier;
  uint8_t* bytes = const_cast<uint8_t*>(container.data);
  cost_counter_start();
  const uint64_t start = cost_counter_now();
  kiln_verifier_init(&verifier, &g_device_keys, &policy, KILN_VERIFY_RECEIVED);
  kiln_container_status status = KILN_CONTAINER_OK;
  for (uint32_t at = 0; at < container.size && status == KILN_CONTAINER_OK; at += 256) {
    const uint32_t n = container.size - at < 256 ? container.size - at : 256;
    status = kiln_verifier_update(&verifier, bytes + at, n, bytes + at);
  }
  kiln_container_info info;
  if (status == KILN_CONTAINER_OK) {
    status = kiln_verifier_finish(&verifier, &info);
  } else {
    kiln_verifier_abort(&verifier);
  }
  const uint64_t instructions = cost_counter_elapsed(start);
  if (status == KILN_CONTAINER_OK && args.num_outputs > 0) {
    write_file(args.outputs[0], bytes + info.header.header_size, info.header.payload_size);
  }
  report("status", static_cast<uint64_t>(status));
  report("container_bytes", container.size);
  report("instructions", instructions);
  report("stack_bytes", stack_peak_bytes());
  report("verifier_bytes", sizeof(kiln_verifier));
  report("static_ram_bytes", static_ram_bytes());
  report("image_flash_bytes", image_flash_bytes());
  return 0;
}

#if !KILN_UPDATE_CHECK_VERIFY_ONLY
// A vector file: records of [kind u8][expected u8][field count u8] then
// each field as [u32 size][bytes]. expected: 1 accept, 0 refuse, 2 either.
struct Reader {
  const uint8_t* at;
  const uint8_t* end;
  bool ok = true;
  uint32_t u32() {
    if (end - at < 4) return ok = false, 0;
    const uint32_t v = static_cast<uint32_t>(at[0] | at[1] << 8 | at[2] << 16) |
                       static_cast<uint32_t>(at[3]) << 24;
    at += 4;
    return v;
  }
  kiln::power_loss::Span field() {
    const uint32_t size = u32();
    if (!ok || static_cast<uint32_t>(end - at) < size)
      return ok = false, kiln::power_loss::Span{nullptr, 0};
    const kiln::power_loss::Span s{at, size};
    at += size;
    return s;
  }
};

enum : uint8_t { kEd25519 = 1, kP256 = 2, kX25519 = 3, kHkdf = 4, kGcm = 5 };

// Whether the case came out accepted (and, when accepted, right).
bool run_case(uint8_t kind, kiln::power_loss::Span f[6]) {
  using kiln::crypto::Result;
  static uint8_t out[255 * 32];  // HKDF-SHA256's longest output
  switch (kind) {
    case kEd25519:
      return f[0].size == 32 && f[2].size == 64 &&
             kiln::crypto::ed25519_verify(f[2].data, f[1].data, f[1].size, f[0].data) ==
                 Result::kOk;
    case kP256:
      return f[0].size == 65 && f[1].size == 32 && f[2].size == 64 &&
             kiln::crypto::p256_verify(f[2].data, f[1].data, f[0].data) == Result::kOk;
    case kX25519:
      return f[0].size == 32 && f[1].size == 32 && f[2].size == 32 &&
             kiln::crypto::x25519(f[0].data, f[1].data, out) == Result::kOk &&
             memcmp(out, f[2].data, 32) == 0;
    case kHkdf:  // ikm, salt, info, okm
      return f[3].size <= sizeof out &&
             kiln::crypto::hkdf_sha256(f[1].data, f[1].size, f[0].data, f[0].size, f[2].data,
                                       f[2].size, out, f[3].size) == Result::kOk &&
             memcmp(out, f[3].data, f[3].size) == 0;
    case kGcm: {  // key, iv, aad, ct, tag, msg
      if (f[3].size > sizeof out || f[3].size != f[5].size) return false;
      kiln::crypto::LibraryMemory memory;  // for the cipher context
      mbedtls_gcm_context gcm;
      mbedtls_gcm_init(&gcm);
      const bool opened =
          mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, f[0].data, f[0].size * 8) == 0 &&
          mbedtls_gcm_auth_decrypt(&gcm, f[3].size, f[1].data, f[1].size, f[2].data, f[2].size,
                                   f[4].data, f[4].size, f[3].data, out) == 0 &&
          memcmp(out, f[5].data, f[5].size) == 0;
      mbedtls_gcm_free(&gcm);
      return opened;
    }
    default: return false;
  }
}

int wycheproof(const Args& args) {
  if (args.num_inputs != 1) fail(kExitUsage, "usage: kiln-update-check wycheproof -i VECTORS");
  Files files;
  const kiln::power_loss::Span vectors = files.read(args.inputs[0]);
  Reader r{vectors.data, vectors.data + vectors.size};
  uint64_t cases[6] = {}, wrong = 0;
  while (r.at < r.end) {
    if (r.end - r.at < 3) fail(kExitBadInput, "truncated vector file");
    const uint8_t kind = r.at[0], expected = r.at[1], count = r.at[2];
    r.at += 3;
    kiln::power_loss::Span f[6] = {};
    for (uint8_t i = 0; i < count && i < 6; ++i) f[i] = r.field();
    if (!r.ok || count > 6 || kind > kGcm) fail(kExitBadInput, "malformed vector file");
    const bool accepted = run_case(kind, f);
    ++cases[kind];
    if ((expected == 1 && !accepted) || (expected == 0 && accepted)) {
      ++wrong;
      put("kiln-update-check: wrong: kind ");
      put_u64(kind);
      put(" case ");
      put_u64(cases[kind]);
      put("\n");
    }
  }
  report("ed25519_cases", cases[kEd25519]);
  report("p256_cases", cases[kP256]);
  report("x25519_cases", cases[kX25519]);
  report("hkdf_cases", cases[kHkdf]);
  report("gcm_cases", cases[kGcm]);
  report("wrong", wrong);
  return 0;
}

int power_loss(const Args& args) {
  using namespace kiln::power_loss;
  if (args.num_inputs != 7) {
    fail(kExitUsage,
         "usage: kiln-update-check power-loss -i OLD -i NEW -i NEXT -i OLD_BLOB -i NEW_BLOB -i "
         "KEYS -i CUTS");
  }
  Files files;
  const Span old_container = files.read(args.inputs[0]);
  const Span new_container = files.read(args.inputs[1]);
  const Span next = files.read(args.inputs[2]);
  const Span old_blob = files.read(args.inputs[3]);
  const Span new_blob = files.read(args.inputs[4]);
  load_keys(args.inputs[5]);
  const Span cuts = files.read(args.inputs[6]);
  kiln_device_policy policy{};
  policy.arena_capacity = UINT32_MAX;
  const Device device{&g_device_keys, &policy, {old_blob, new_blob}};

  static uint8_t memory[kFlashSize];
  static uint8_t start[kFlashSize];
  memset(memory, 0xFF, sizeof memory);
  PowerCutFlash flash(memory, kFlashSize, kSector, kWriteSize);
  kiln_updater updater;
  if (kiln_updater_format(&updater, flash.flash(), &kLayout) != KILN_UPDATE_OK)
    fail(kExitBadInput, "format failed");
  Progress provisioned;
  update(flash, device, old_container, 0, &provisioned);
  if (!provisioned.confirmed) fail(kExitBadInput, "the old container did not install");
  memcpy(start, memory, sizeof start);

  // CUTS: records of [u32 operation][u8 torn][i8 recovery cut].
  uint64_t runs = 0, violations = 0, booted[2] = {}, confirmed = 0;
  for (uint32_t at = 0; at + 6 <= cuts.size; at += 6) {
    const uint8_t* c = cuts.data + at;
    const uint32_t operation =
        static_cast<uint32_t>(c[0] | c[1] << 8 | c[2] << 16) | static_cast<uint32_t>(c[3]) << 24;
    const Cut kind = c[4] ? Cut::kTorn : Cut::kBefore;
    const int recovery = static_cast<int8_t>(c[5]);
    const Outcome o =
        cut_and_recover(flash, start, device, new_container, next, 0, operation, kind, recovery);
    ++runs;
    if (o.violation != nullptr) {
      ++violations;
      put("kiln-update-check: cut at ");
      put_u64(operation);
      put(": ");
      put(o.violation);
      put("\n");
    } else {
      ++booted[o.booted];
      confirmed += o.confirmed;
    }
  }
  report("runs", runs);
  report("violations", violations);
  report("booted_old", booted[0]);
  report("booted_new", booted[1]);
  report("after_confirmation", confirmed);
  return 0;
}

#endif  // !KILN_UPDATE_CHECK_VERIFY_ONLY

}  // namespace

int main() {
  const Args args = parse_args();
  if (args.model != nullptr && strcmp(args.model, "verify") == 0) return verify(args);
#if !KILN_UPDATE_CHECK_VERIFY_ONLY
  if (args.model != nullptr && strcmp(args.model, "wycheproof") == 0) return wycheproof(args);
  if (args.model != nullptr && strcmp(args.model, "power-loss") == 0) return power_loss(args);
#endif
  fail(kExitUsage, "usage: kiln-update-check verify|wycheproof|power-loss -i FILE...");
}
