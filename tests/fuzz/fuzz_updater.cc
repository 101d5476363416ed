// libFuzzer target: arbitrary flash for an updater to boot from. The input
// is XORed onto a provisioned device's flash (its journal first, then both
// model slots: a confirmed model and a staged update), or, when its first
// byte is odd, is the flash itself; then the device boots, and downloads
// the input's tail as a container. Nothing the flash holds may crash it or
// make it read outside the flash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "compiler/pipeline/compile.h"
#include "compiler/secure/container_writer.h"
#include "compiler/secure/keys.h"
#include "kiln/model_update.h"
#include "power_cut_flash.h"

namespace {

constexpr uint32_t kSector = 1024;
constexpr uint32_t kSlotSize = 4 * kSector;
constexpr kiln_update_layout kLayout = {{0, kSlotSize}, kSlotSize, 2 * kSlotSize};
constexpr uint32_t kFlashSize = 2 * kSlotSize + 2 * kSector;

struct Device {
  kiln::secure::Key signer = kiln::secure::read_key(KILN_FUZZ_KEYS "/ed25519.key");
  kiln::secure::Key signer_public = kiln::secure::public_of(signer);
  kiln::secure::Key aes_kw = kiln::secure::read_key(KILN_FUZZ_KEYS "/aes-kw.key");
  kiln_device_keys keys{};
  kiln_device_policy policy{};
  std::vector<uint8_t> provisioned;

  Device() {
    keys.ed25519_public = signer_public.bytes.data();
    keys.aes_kw_key = aes_kw.bytes.data();
    policy.arena_capacity = 1 << 20;
    std::vector<uint8_t> memory(kFlashSize, 0xFF);
    kiln::firmware::PowerCutFlash sim(memory.data(), kFlashSize, kSector, 8);
    kiln_updater updater;
    kiln_updater_format(&updater, sim.flash(), &kLayout);
    const std::vector<uint8_t> blob = kiln::load_blob(
        KILN_SHARED_DIR "/models/tflite_micro/hello_world_int8.tflite", "cortex-m4");
    for (uint32_t counter = 1; counter <= 2; ++counter) {
      kiln::secure::SealOptions options;
      options.signing_key = signer;
      options.security_counter = counter;
      options.model_id = "hello_world";
      options.target = "cortex-m4";
      options.encrypt_for = aes_kw;
      const std::vector<uint8_t> c = kiln::secure::seal(blob, options);
      kiln_boot_choice choice;
      kiln_updater_open(&updater, sim.flash(), &kLayout, &keys, &policy);
      kiln_updater_boot(&updater, &choice);
      kiln_update_begin(&updater, static_cast<uint32_t>(c.size()));
      kiln_update_write(&updater, c.data(), static_cast<uint32_t>(c.size()));
      kiln_update_finish(&updater);
      if (counter == 1) {  // the first confirmed, the second left staged
        kiln_updater_boot(&updater, &choice);
        kiln_update_confirm(&updater);
      }
    }
    provisioned = memory;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Device device;
  std::vector<uint8_t> memory(kFlashSize, 0xFF);
  kiln::firmware::PowerCutFlash sim(memory.data(), kFlashSize, kSector, 8);
  const bool raw = size > 0 && (data[0] & 1);
  if (!raw) memory = device.provisioned;
  // The journal first (most mutations land there), then the slots.
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < 2 * kSector; ++i) order.push_back(kLayout.journal_address + i);
  for (uint32_t i = 0; i < 2 * kSlotSize; ++i) order.push_back(i);
  const size_t flash_bytes = size < order.size() ? size : order.size();
  for (size_t i = 0; i < flash_bytes; ++i) {
    uint8_t& b = memory[order[i]];
    b = raw ? data[i] : static_cast<uint8_t>(b ^ data[i]);
  }

  kiln_updater updater;
  if (kiln_updater_open(&updater, sim.flash(), &kLayout, &device.keys, &device.policy) !=
      KILN_UPDATE_OK)
    return 0;
  kiln_boot_choice choice;
  kiln_updater_boot(&updater, &choice);
  const uint8_t* container = data + flash_bytes;
  const size_t container_size = size - flash_bytes;
  if (kiln_update_begin(&updater, static_cast<uint32_t>(container_size)) == KILN_UPDATE_OK) {
    if (kiln_update_write(&updater, container, static_cast<uint32_t>(container_size)) ==
            KILN_UPDATE_OK &&
        kiln_update_finish(&updater) == KILN_UPDATE_OK) {
      kiln_updater_boot(&updater, &choice);
      kiln_update_confirm(&updater);
    }
  }
  return 0;
}
