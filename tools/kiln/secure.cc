// kiln keygen, sign, verify, inspect: signed (and encrypted) model
// containers (runtime/include/kiln/container.h).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/secure/container_writer.h"
#include "compiler/secure/keys.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

using secure::Key;
using secure::KeyKind;

nlohmann::ordered_json info_json(const kiln_container_info& info, const std::string& signature,
                                 const std::string& encryption) {
  const kiln_container_header& h = info.header;
  return {{"header_size", h.header_size},
          {"payload_size", h.payload_size},
          {"total_size", info.total_size},
          {"signature", signature},
          {"encryption", encryption},
          {"security_counter", info.security_counter},
          {"model_id", info.model_id},
          {"target", info.target},
          {"format_version",
           fmt::format("{}.{}", info.format_version >> 16, info.format_version & 0xFFFF)},
          {"arena_bytes", info.arena_bytes},
          {"state_bytes", info.state_bytes},
          {"opset_hash", secure::hex(info.opset_hash, 32)},
          {"digest", secure::hex(info.digest, 32)},
          {"key_hash", secure::hex(info.key_hash, 32)}};
}

void print_info(const nlohmann::ordered_json& j) {
  for (const auto& [name, value] : j.items()) {
    fmt::print("  {:<17} {}\n", name, value.is_string() ? value.get<std::string>() : value.dump());
  }
}

void register_keygen(CLI::App& app) {
  struct Options {
    std::string type = "ed25519", output;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("keygen", "make a key for signing or encrypting model containers");
  cmd->add_option("--type", opts->type,
                  "ed25519 or p256 (signing), x25519 (a device's key for encryption) or aes-kw (a "
                  "key shared with "
                  "devices)")
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "writes NAME.key (and NAME.pub)")->required();
  cmd->callback([opts]() {
    const std::map<std::string, KeyKind> kinds = {{"ed25519", KeyKind::kEd25519Private},
                                                  {"p256", KeyKind::kP256Private},
                                                  {"x25519", KeyKind::kX25519Private},
                                                  {"aes-kw", KeyKind::kAesKw}};
    const auto kind = kinds.find(opts->type);
    if (kind == kinds.end()) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("unknown key type '{}' (ed25519, p256, x25519, aes-kw)", opts->type));
    }
    const Key key = secure::generate_key(kind->second);
    write_key(opts->output + ".key", key);
    fmt::print("wrote {}.key ({})\n", opts->output, secure::key_kind_name(key.kind));
    if (kind->second != KeyKind::kAesKw) {
      const Key pub = secure::public_of(key);
      write_key(opts->output + ".pub", pub);
      fmt::print("wrote {}.pub ({}, key hash {})\n", opts->output, secure::key_kind_name(pub.kind),
                 secure::hex(secure::key_hash(pub).data(), 32));
    }
  });
}

void register_sign(CLI::App& app) {
  struct Options {
    std::string blob, key, output, model_id, target, encrypt_for;
    uint32_t counter = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("sign", "sign a .kiln blob into a model container (optionally encrypted)");
  cmd->add_option("BLOB", opts->blob, "a .kiln blob from kiln compile")->required();
  cmd->add_option("--key", opts->key, "the signing key (ed25519 or p256, from kiln keygen)")
      ->required();
  cmd->add_option("--counter", opts->counter,
                  "security counter: devices refuse a lower one than they run")
      ->required();
  cmd->add_option("--model-id", opts->model_id, "the model's name (default: the blob's file name)");
  cmd->add_option("--target", opts->target, "the core it was compiled for, e.g. cortex-m4")
      ->required();
  cmd->add_option("--encrypt-for", opts->encrypt_for,
                  "encrypt the payload for a device: its x25519 .pub, or a shared aes-kw .key");
  cmd->add_option("-o,--output", opts->output, "the container")->required();
  cmd->callback([opts]() {
    secure::SealOptions options;
    options.signing_key = secure::read_key(opts->key);
    options.security_counter = opts->counter;
    options.target = opts->target;
    options.model_id = opts->model_id;
    if (options.model_id.empty()) {
      const size_t slash = opts->blob.find_last_of('/');
      options.model_id = opts->blob.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    if (!opts->encrypt_for.empty()) options.encrypt_for = secure::read_key(opts->encrypt_for);
    const std::vector<uint8_t> container = secure::seal(read_file(opts->blob), options);
    write_file(opts->output, container.data(), container.size());
    fmt::print("wrote {} ({} bytes, signed with {}{})\n", opts->output, container.size(),
               options.signing_key.kind == KeyKind::kEd25519Private ? "Ed25519" : "ECDSA P-256",
               options.encrypt_for ? fmt::format(", encrypted for {}", opts->encrypt_for) : "");
  });
}

void register_verify(CLI::App& app) {
  struct Options {
    std::string container, output;
    std::vector<std::string> keys;
    uint32_t min_counter = 0, arena = UINT32_MAX;
    std::string target;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("verify", "check a model container as a device would, and decrypt it");
  cmd->add_option("CONTAINER", opts->container, "a container from kiln sign")->required();
  cmd->add_option("--key", opts->keys,
                  "the device's keys: the signer's .pub, and its x25519 or aes-kw .key to decrypt "
                  "(repeatable)")
      ->required();
  cmd->add_option("--min-counter", opts->min_counter, "the device's security counter")
      ->capture_default_str();
  cmd->add_option("--target", opts->target, "the device's core (default: any)");
  cmd->add_option("--arena", opts->arena, "bytes the device has for the arena (default: any)");
  cmd->add_option("-o,--output", opts->output, "write the payload (the .kiln blob, decrypted)");
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const secure::DeviceKeys keys = secure::DeviceKeys::read(opts->keys);
    kiln_device_policy policy{};
    policy.min_security_counter = opts->min_counter;
    policy.arena_capacity = opts->arena;
    policy.target = opts->target.empty() ? nullptr : opts->target.c_str();
    kiln_container_info info{};
    std::vector<uint8_t> payload;
    const std::vector<uint8_t> bytes = read_file(opts->container);
    const kiln_container_status status = secure::verify(bytes, keys, policy, &info, &payload);
    if (opts->json) {
      const secure::Inspection inspection = secure::inspect(bytes);
      nlohmann::ordered_json j =
          info_json(inspection.info, inspection.signature_kind, inspection.encryption_kind);
      j["status"] = kiln_container_status_name(status);
      j["status_code"] = static_cast<int>(status);
      fmt::print("{}\n", j.dump(2));
    }
    if (status != KILN_CONTAINER_OK) {
      throw Error(ErrorKind::kRefused,
                  fmt::format("{} refused: {} (status {})", opts->container,
                              kiln_container_status_name(status), static_cast<int>(status)));
    }
    if (!opts->output.empty()) write_file(opts->output, payload.data(), payload.size());
    if (!opts->json) {
      fmt::print("{}: verified ({} '{}', counter {}, {})\n", opts->container, info.target,
                 info.model_id, info.security_counter,
                 opts->output.empty() ? "payload not written" : "payload in " + opts->output);
    }
  });
}

void register_inspect(CLI::App& app) {
  struct Options {
    std::string container;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "print a model container's fields (without checking its signature)");
  cmd->add_option("CONTAINER", opts->container, "a container from kiln sign")->required();
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const secure::Inspection inspection = secure::inspect(read_file(opts->container));
    nlohmann::ordered_json j =
        info_json(inspection.info, inspection.signature_kind, inspection.encryption_kind);
    j["layout"] = kiln_container_status_name(inspection.status);
    if (opts->json) {
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{}: model container\n", opts->container);
      print_info(j);
    }
    if (inspection.status != KILN_CONTAINER_OK) {
      throw Error(ErrorKind::kRefused, fmt::format("{}: {} (status {})", opts->container,
                                                   kiln_container_status_name(inspection.status),
                                                   static_cast<int>(inspection.status)));
    }
  });
}

}  // namespace

void register_secure(CLI::App& app) {
  register_keygen(app);
  register_sign(app);
  register_verify(app);
  register_inspect(app);
}

}  // namespace cli
}  // namespace kiln
