// kiln device: kiln's updater (kiln/model_update.h) on a flash image file,
// as a device runs it: format, install a container, boot, confirm or
// reject, status.
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/secure/container_writer.h"
#include "compiler/secure/file_flash.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

const char* phase_name(uint8_t phase) {
  switch (phase) {
    case KILN_PHASE_IDLE: return "idle";
    case KILN_PHASE_DOWNLOADING: return "downloading";
    case KILN_PHASE_STAGED: return "staged (boots on trial next)";
    case KILN_PHASE_TRIAL: return "on trial (confirm or reject)";
  }
  return "unknown";
}

std::string slot_name(uint8_t slot) { return slot == 0xFF ? "none" : fmt::format("{}", slot); }

// An image with its updater opened: the keys and policy live as long.
struct Device {
  secure::FileFlash flash;
  secure::DeviceKeys keys;
  kiln_device_policy policy{};
  kiln_update_layout layout;
  kiln_updater updater{};

  Device(const std::string& image, const std::vector<std::string>& key_files,
         const std::string& target, uint32_t arena)
      : flash(image), keys(secure::DeviceKeys::read(key_files)), layout(flash.layout()) {
    policy.arena_capacity = arena;
    policy.target = target.empty() ? nullptr : target.c_str();
    check(kiln_updater_open(&updater, flash.flash(), &layout, &keys.view(), &policy), image);
  }

  void check(kiln_update_status status, const std::string& what) const {
    if (status == KILN_UPDATE_OK) return;
    if (status == KILN_UPDATE_REFUSED) {
      throw Error(ErrorKind::kRefused, fmt::format("{} refused: {} (status {})", what,
                                                   kiln_container_status_name(updater.refusal),
                                                   static_cast<int>(updater.refusal)));
    }
    throw Error(ErrorKind::kBadInput, fmt::format("{}: {}", what, kiln_update_status_name(status)));
  }
};

struct DeviceOptions {
  std::string image, target;
  std::vector<std::string> keys;
  uint32_t arena = UINT32_MAX;
};

void add_device_options(CLI::App* cmd, DeviceOptions* opts, bool keys_required) {
  cmd->add_option("IMAGE", opts->image, "the flash image (from kiln device format)")->required();
  auto* keys = cmd->add_option("--key", opts->keys,
                               "the device's keys: signers' .pub files, its x25519 or aes-kw .key");
  if (keys_required) keys->required();
  cmd->add_option("--target", opts->target, "the device's core (default: any)");
  cmd->add_option("--arena", opts->arena, "bytes the device has for the arena (default: any)");
}

}  // namespace

void register_device(CLI::App& app) {
  CLI::App* device = app.add_subcommand(
      "device", "kiln's updater on a flash image file: two model slots and a journal");
  device->require_subcommand(1);

  struct FormatOptions {
    std::string image;
    secure::FlashGeometry geometry;
  };
  auto format = std::make_shared<FormatOptions>();
  CLI::App* cmd =
      device->add_subcommand("format", "make an erased flash image with an empty journal");
  cmd->add_option("IMAGE", format->image, "the image to write (and IMAGE.layout.json)")->required();
  cmd->add_option("--slot-size", format->geometry.slot_size,
                  "bytes per model slot (a multiple of the sector size)")
      ->required();
  cmd->add_option("--sector-size", format->geometry.sector_size, "erase unit")
      ->capture_default_str();
  cmd->add_option("--write-size", format->geometry.write_size, "program unit")
      ->capture_default_str();
  cmd->callback([format]() {
    secure::FileFlash::create(format->image, format->geometry);
    secure::FileFlash flash(format->image);
    const kiln_update_layout layout = flash.layout();
    kiln_updater updater;
    const kiln_update_status s = kiln_updater_format(&updater, flash.flash(), &layout);
    if (s != KILN_UPDATE_OK)
      throw Error(ErrorKind::kUsage,
                  fmt::format("{}: {}", format->image, kiln_update_status_name(s)));
    fmt::print("{}: {} bytes: two {}-byte slots and a journal of two {}-byte sectors\n",
               format->image, format->geometry.total(), format->geometry.slot_size,
               format->geometry.sector_size);
  });

  struct InstallOptions : DeviceOptions {
    std::string container;
  };
  auto install = std::make_shared<InstallOptions>();
  cmd = device->add_subcommand(
      "install", "download a container into the free slot and stage it for a trial boot");
  add_device_options(cmd, install.get(), true);
  cmd->add_option("CONTAINER", install->container, "a container from kiln sign")->required();
  cmd->callback([install]() {
    Device d(install->image, install->keys, install->target, install->arena);
    const std::vector<uint8_t> bytes = read_file(install->container);
    if (bytes.size() > UINT32_MAX) throw Error(ErrorKind::kBadInput, "the container is too large");
    d.check(kiln_update_begin(&d.updater, static_cast<uint32_t>(bytes.size())), install->container);
    d.check(kiln_update_write(&d.updater, bytes.data(), static_cast<uint32_t>(bytes.size())),
            install->container);
    d.check(kiln_update_finish(&d.updater), install->container);
    fmt::print("{}: staged in slot {}; the next boot runs it on trial\n", install->container,
               d.updater.state.pending);
  });

  struct BootOptions : DeviceOptions {
    std::string output;
  };
  auto boot = std::make_shared<BootOptions>();
  cmd =
      device->add_subcommand("boot", "recover and choose the model to run (a staged one on trial)");
  add_device_options(cmd, boot.get(), true);
  cmd->add_option("-o,--output", boot->output, "write the booted model's blob");
  cmd->callback([boot]() {
    Device d(boot->image, boot->keys, boot->target, boot->arena);
    kiln_boot_choice choice;
    d.check(kiln_updater_boot(&d.updater, &choice), boot->image);
    fmt::print("boots slot {}: '{}', counter {}, {} bytes{}\n", choice.slot, choice.info.model_id,
               choice.info.security_counter, choice.blob_size,
               choice.trial ? " (on trial: confirm or reject before the next boot)" : "");
    if (!boot->output.empty()) {
      std::vector<uint8_t> blob(choice.blob_size);
      if (d.flash.flash()->read(d.flash.flash()->context, choice.blob_address, blob.data(),
                                choice.blob_size) != 0) {
        throw Error(ErrorKind::kBadInput, fmt::format("{}: cannot read the blob", boot->image));
      }
      write_file(boot->output, blob.data(), blob.size());
    }
  });

  for (const bool confirm : {true, false}) {
    auto opts = std::make_shared<DeviceOptions>();
    cmd = device->add_subcommand(
        confirm ? "confirm" : "reject",
        confirm ? "keep the model on trial (after its self-test)" : "give up the model on trial");
    add_device_options(cmd, opts.get(), false);
    cmd->callback([opts, confirm]() {
      Device d(opts->image, opts->keys, opts->target, opts->arena);
      const uint8_t slot = d.updater.state.pending;
      d.check(confirm ? kiln_update_confirm(&d.updater) : kiln_update_reject(&d.updater),
              opts->image);
      fmt::print("slot {} {}; the device's security counter is {}\n", slot,
                 confirm ? "confirmed" : "rejected", d.updater.state.security_counter);
    });
  }

  auto status = std::make_shared<DeviceOptions>();
  cmd = device->add_subcommand("status", "the journal's state");
  add_device_options(cmd, status.get(), false);
  cmd->callback([status]() {
    Device d(status->image, status->keys, status->target, status->arena);
    const kiln_update_state& s = d.updater.state;
    fmt::print(
        "{}: {}; confirmed slot {}, pending slot {}, security counter {}, journal sector {} "
        "(record {})\n",
        status->image, phase_name(s.phase), slot_name(s.active), slot_name(s.pending),
        s.security_counter, s.journal_sector, s.sequence);
  });
}

}  // namespace cli
}  // namespace kiln
