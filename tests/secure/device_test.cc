// Model containers on the emulated Cortex-M4 (kiln-update-check), with the
// device's build of libsodium and mbed TLS: Wycheproof's vectors sampled,
// the MLPerf KWS and VWW containers verified and decrypted (instructions,
// stack, code size), the power-loss scenario at sampled cut points.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "compiler/secure/container_writer.h"
#include "tests/secure/power_loss_scenario.h"
#include "tests/secure/wycheproof_files.h"
#include "tests/support/test_support.h"
#include "update/crypto.h"

namespace kiln {
namespace {

using secure::Key;
using secure::KeyKind;

const CortexMCore& m4() { return find_core("cortex-m4"); }
std::string firmware() { return firmware_dir(m4()) + "/kiln-update-check.elf"; }

struct Keys {
  Key ed25519 = secure::generate_key(KeyKind::kEd25519Private);
  Key p256 = secure::generate_key(KeyKind::kP256Private);
  Key aes_kw = secure::generate_key(KeyKind::kAesKw);
  Key x25519 = secure::generate_key(KeyKind::kX25519Private);
  // The firmware's KEYS file.
  std::vector<uint8_t> device_file() const {
    std::vector<uint8_t> out;
    for (const Key& k : {secure::public_of(ed25519), secure::public_of(p256), aes_kw, x25519,
                         secure::public_of(x25519)}) {
      out.insert(out.end(), k.bytes.begin(), k.bytes.end());
    }
    return out;
  }
};

const Keys& keys() {
  static const Keys k;
  return k;
}

std::string write(const TemporaryDirectory& dir, const std::string& name,
                  const std::vector<uint8_t>& bytes) {
  const std::string path = dir.path() + "/" + name;
  write_file(path, bytes.data(), bytes.size());
  return path;
}

// One case of the firmware's vector file.
void add_case(std::vector<uint8_t>& file, uint8_t kind, const std::string& result,
              const std::vector<std::vector<uint8_t>>& fields) {
  file.push_back(kind);
  file.push_back(result == "valid" ? 1 : result == "invalid" ? 0 : 2);
  file.push_back(static_cast<uint8_t>(fields.size()));
  for (const auto& f : fields) {
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<uint8_t>(f.size() >> (8 * i)));
    file.insert(file.end(), f.begin(), f.end());
  }
}

// Every Ed25519, X25519 and HKDF case, every third ECDSA and every fourth
// AES-GCM one: what the host tests run whole, sampled for the emulator.
TEST(SecureOnCortexM4, WycheproofVectorsSampled) {
  std::vector<uint8_t> file;
  std::map<std::string, int> sampled;
  const nlohmann::json ed25519_file = test::wycheproof_file("ed25519_test.json");
  for (const auto& g : ed25519_file["testGroups"]) {
    for (const auto& t : g["tests"]) {
      add_case(file, 1, t["result"],
               {test::hex_bytes(g["publicKey"]["pk"]), test::hex_bytes(t["msg"]),
                test::hex_bytes(t["sig"])});
      ++sampled["ed25519"];
    }
  }
  int n = 0;
  const nlohmann::json ecdsa_file = test::wycheproof_file("ecdsa_secp256r1_sha256_p1363_test.json");
  for (const auto& g : ecdsa_file["testGroups"]) {
    for (const auto& t : g["tests"]) {
      if (n++ % 3 != 0) continue;
      const std::vector<uint8_t> msg = test::hex_bytes(t["msg"]);
      std::vector<uint8_t> hash(32);
      crypto::sha256(msg.data(), msg.size(), hash.data());
      add_case(file, 2, t["result"],
               {test::hex_bytes(g["publicKey"]["uncompressed"]), hash, test::hex_bytes(t["sig"])});
      ++sampled["ecdsa"];
    }
  }
  const nlohmann::json x25519_file = test::wycheproof_file("x25519_test.json");
  for (const auto& g : x25519_file["testGroups"]) {
    for (const auto& t : g["tests"]) {
      // Acceptable cases: only the shared secret is checked (a refusal of a
      // zero secret counts neither way).
      add_case(file, 3, t["result"],
               {test::hex_bytes(t["private"]), test::hex_bytes(t["public"]),
                test::hex_bytes(t["shared"])});
      ++sampled["x25519"];
    }
  }
  const nlohmann::json hkdf_file = test::wycheproof_file("hkdf_sha256_test.json");
  for (const auto& g : hkdf_file["testGroups"]) {
    for (const auto& t : g["tests"]) {
      std::vector<uint8_t> okm = t["result"] == "valid"
                                     ? test::hex_bytes(t["okm"])
                                     : std::vector<uint8_t>(t["size"].get<size_t>());
      add_case(
          file, 4, t["result"],
          {test::hex_bytes(t["ikm"]), test::hex_bytes(t["salt"]), test::hex_bytes(t["info"]), okm});
      ++sampled["hkdf"];
    }
  }
  n = 0;
  const nlohmann::json gcm_file = test::wycheproof_file("aes_gcm_test.json");
  for (const auto& g : gcm_file["testGroups"]) {
    for (const auto& t : g["tests"]) {
      if (n++ % 4 != 0) continue;
      add_case(file, 5, t["result"],
               {test::hex_bytes(t["key"]), test::hex_bytes(t["iv"]), test::hex_bytes(t["aad"]),
                test::hex_bytes(t["ct"]), test::hex_bytes(t["tag"]), test::hex_bytes(t["msg"])});
      ++sampled["gcm"];
    }
  }
  TemporaryDirectory dir;
  const FirmwareRun run =
      run_firmware(m4(), firmware(), {"wycheproof", "-i", write(dir, "vectors.bin", file)});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.value("ed25519_cases"), static_cast<uint64_t>(sampled["ed25519"]));
  EXPECT_EQ(run.value("p256_cases"), static_cast<uint64_t>(sampled["ecdsa"]));
  EXPECT_EQ(run.value("x25519_cases"), static_cast<uint64_t>(sampled["x25519"]));
  EXPECT_EQ(run.value("hkdf_cases"), static_cast<uint64_t>(sampled["hkdf"]));
  EXPECT_EQ(run.value("gcm_cases"), static_cast<uint64_t>(sampled["gcm"]));
  EXPECT_EQ(run.value("wrong"), 0u) << run.output;
  std::printf(
      "Wycheproof on the Cortex-M4: %d Ed25519, %d ECDSA P-256, %d X25519, %d HKDF, %d AES-GCM "
      "cases, %llu wrong\n",
      sampled["ed25519"], sampled["ecdsa"], sampled["x25519"], sampled["hkdf"], sampled["gcm"],
      static_cast<unsigned long long>(run.value("wrong")));
}

// The MLPerf KWS and VWW models, compiled for the M4, in containers signed
// each way and encrypted each way: the M4 verifies and decrypts them to the
// blob, byte for byte.
TEST(SecureOnCortexM4, VerifiesAndDecryptsMlperfContainers) {
  TemporaryDirectory dir;
  const std::string keys_file = write(dir, "keys.bin", keys().device_file());
  for (const char* model : {"kws_ref_model", "vww_96_int8"}) {
    const std::vector<uint8_t> blob =
        load_blob(test::shared_dir() + "/models/mlcommons_tiny/" + model + ".tflite", "cortex-m4");
    struct Variant {
      const char* name;
      const Key* signer;
      std::optional<Key> recipient;
    };
    const Variant variants[] = {
        {"ed25519", &keys().ed25519, std::nullopt},
        {"p256", &keys().p256, std::nullopt},
        {"ed25519+aes-kw", &keys().ed25519, keys().aes_kw},
        {"ed25519+x25519", &keys().ed25519, secure::public_of(keys().x25519)}};
    for (const Variant& v : variants) {
      secure::SealOptions options;
      options.signing_key = *v.signer;
      options.security_counter = 1;
      options.model_id = model;
      options.target = "cortex-m4";
      options.encrypt_for = v.recipient;
      const std::vector<uint8_t> container = secure::seal(blob, options);
      const std::string payload = dir.path() + "/payload.kiln";
      const FirmwareRun run = run_firmware(
          m4(), firmware(),
          {"verify", "-i", write(dir, "c.kilnc", container), "-i", keys_file, "-o", payload});
      ASSERT_EQ(run.exit_code, 0) << run.output;
      ASSERT_EQ(run.value("status"), 0u) << model << " " << v.name << ": " << run.output;
      EXPECT_EQ(read_file(payload), blob) << model << " " << v.name;
      const uint64_t instructions = run.value("instructions");
      std::printf("%s (%zu bytes) %s: %llu instructions (%.1f per byte), stack %llu bytes\n", model,
                  container.size(), v.name, static_cast<unsigned long long>(instructions),
                  static_cast<double>(instructions) / static_cast<double>(container.size()),
                  static_cast<unsigned long long>(run.value("stack_bytes")));
      EXPECT_LT(run.value("stack_bytes"), 8192u);  // the verifier's stack is bounded
    }
  }
}

// The bytes each library put in a firmware's image, from its link map.
std::map<std::string, uint64_t> image_bytes_by_library(const std::string& firmware_name) {
  std::ifstream map(firmware_dir(m4()) + "/" + firmware_name + ".map");
  std::map<std::string, uint64_t> bytes;
  const std::regex line(
      R"(^\s*(\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S*lib(kiln_update\w*|kiln_sodium|kiln_mbedtls)\.a\()");
  std::string text, pending;
  bool in_discarded = false;
  while (std::getline(map, text)) {
    if (text.rfind("Discarded input sections", 0) == 0) in_discarded = true;
    if (text.rfind("Memory Configuration", 0) == 0) in_discarded = false;
    if (in_discarded) continue;
    std::smatch m;
    // A long section name stands on its own line, the rest on the next.
    const std::string joined = pending.empty() ? text : pending + " " + text;
    if (std::regex_search(joined, m, line)) {
      const std::string section = m[1].str().empty() ? pending : m[1].str();
      if (section.find(".text") != std::string::npos ||
          section.find(".rodata") != std::string::npos ||
          section.find(".data") != std::string::npos) {
        bytes[m[4]] += std::stoull(m[3], nullptr, 16);
      }
      pending.clear();
    } else {
      pending = (text.size() > 1 && text[0] == ' ' && text[1] == '.' &&
                 text.find(' ', 2) == std::string::npos)
                    ? text
                    : "";
    }
  }
  return bytes;
}

uint64_t report_sizes(const std::string& firmware_name,
                      const std::map<std::string, uint64_t>& bytes) {
  uint64_t total = 0;
  for (const auto& [library, n] : bytes) {
    std::printf("%s: %s: %llu bytes of flash\n", firmware_name.c_str(), library.c_str(),
                static_cast<unsigned long long>(n));
    total += n;
  }
  std::printf("%s: %llu bytes of flash in all\n", firmware_name.c_str(),
              static_cast<unsigned long long>(total));
  return total;
}

// Everything (Ed25519 and ECDSA P-256, AES key wrap and X25519, the
// updater), and Ed25519 verification alone.
TEST(SecureOnCortexM4, VerifierCodeSize) {
  const std::map<std::string, uint64_t> all = image_bytes_by_library("kiln-update-check");
  const uint64_t everything = report_sizes("kiln-update-check", all);
  EXPECT_GT(all.at("kiln_update"), 1000u);
  EXPECT_GT(all.at("kiln_sodium"), 10000u);
  EXPECT_GT(all.at("kiln_mbedtls"), 10000u);
  EXPECT_LT(everything, 160u * 1024u);
  const std::map<std::string, uint64_t> least = image_bytes_by_library("kiln-verify-ed25519");
  const uint64_t ed25519 = report_sizes("kiln-verify-ed25519", least);
  EXPECT_EQ(least.count("kiln_update"), 0u);
  EXPECT_GT(least.at("kiln_update_ed25519"), 1000u);
  EXPECT_LT(ed25519, 32u * 1024u);
}

// The Ed25519-only verifier checks the KWS container as the full one does.
TEST(SecureOnCortexM4, Ed25519OnlyVerifierChecksKws) {
  TemporaryDirectory dir;
  const std::vector<uint8_t> blob =
      load_blob(test::shared_dir() + "/models/mlcommons_tiny/kws_ref_model.tflite", "cortex-m4");
  secure::SealOptions options;
  options.signing_key = keys().ed25519;
  options.security_counter = 1;
  options.model_id = "kws";
  options.target = "cortex-m4";
  const std::vector<uint8_t> signed_only = secure::seal(blob, options);
  const std::string minimal = firmware_dir(m4()) + "/kiln-verify-ed25519.elf";
  const std::string keys_file = write(dir, "keys.bin", keys().device_file());
  const FirmwareRun run = run_firmware(
      m4(), minimal, {"verify", "-i", write(dir, "kws.kilnc", signed_only), "-i", keys_file});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.value("status"), 0u);
  std::printf(
      "kiln-verify-ed25519: KWS (%zu bytes): %llu instructions, stack %llu bytes, image %llu "
      "bytes\n",
      signed_only.size(), static_cast<unsigned long long>(run.value("instructions")),
      static_cast<unsigned long long>(run.value("stack_bytes")),
      static_cast<unsigned long long>(run.value("image_flash_bytes")));
  // It refuses what it does not carry: P-256 signatures and encryption.
  options.signing_key = keys().p256;
  const FirmwareRun p256 = run_firmware(
      m4(), minimal,
      {"verify", "-i", write(dir, "p256.kilnc", secure::seal(blob, options)), "-i", keys_file});
  EXPECT_EQ(p256.value("status"), static_cast<uint64_t>(KILN_CONTAINER_BAD_SIGNATURE_KIND));
  options.signing_key = keys().ed25519;
  options.encrypt_for = keys().aes_kw;
  const FirmwareRun encrypted = run_firmware(
      m4(), minimal,
      {"verify", "-i", write(dir, "kw.kilnc", secure::seal(blob, options)), "-i", keys_file});
  EXPECT_EQ(encrypted.value("status"), static_cast<uint64_t>(KILN_CONTAINER_BAD_ENCRYPTION_KIND));
}

// The power-loss scenario of tests/secure/power_loss_test.cc on the M4:
// every 7th cut point, both kinds, with and without a cut during recovery.
TEST(SecureOnCortexM4, PowerLossSampled) {
  const Key& signer = keys().ed25519;
  const std::vector<uint8_t> blobs[2] = {
      load_blob(test::shared_dir() + "/models/tflite_micro/hello_world_int8.tflite", "cortex-m4"),
      load_blob(test::shared_dir() + "/models/tflite_micro/network_tester_network_model.tflite",
                "cortex-m4")};
  const auto seal = [&](int which, uint32_t counter) {
    secure::SealOptions options;
    options.signing_key = signer;
    options.security_counter = counter;
    options.model_id = which == 0 ? "hello_world" : "network_tester";
    options.target = "cortex-m4";
    options.encrypt_for = secure::public_of(keys().x25519);
    return secure::seal(blobs[which], options);
  };
  // The host counts the update's operations with the same scenario.
  const std::vector<uint8_t> old_c = seal(0, 1), new_c = seal(1, 2), next_c = seal(0, 3);
  kiln_device_keys device_keys{};
  const Key ed_pub = secure::public_of(signer), x_pub = secure::public_of(keys().x25519);
  device_keys.ed25519_public = ed_pub.bytes.data();
  device_keys.x25519_private = keys().x25519.bytes.data();
  device_keys.x25519_public = x_pub.bytes.data();
  kiln_device_policy policy{};
  policy.arena_capacity = UINT32_MAX;
  using power_loss::Span;
  const auto span = [](const std::vector<uint8_t>& v) {
    return Span{v.data(), static_cast<uint32_t>(v.size())};
  };
  const power_loss::Device device{&device_keys, &policy, {span(blobs[0]), span(blobs[1])}};
  std::vector<uint8_t> memory(power_loss::kFlashSize, 0xFF);
  firmware::PowerCutFlash flash(memory.data(), power_loss::kFlashSize, power_loss::kSector,
                                power_loss::kWriteSize);
  kiln_updater updater;
  ASSERT_EQ(kiln_updater_format(&updater, flash.flash(), &power_loss::kLayout), KILN_UPDATE_OK);
  power_loss::Progress progress;
  power_loss::update(flash, device, span(old_c), 0, &progress);
  ASSERT_TRUE(progress.confirmed);
  const uint64_t before = flash.operations();
  const Span next = span(next_c);
  power_loss::update(flash, device, span(new_c), 1, &progress, &next);
  const uint64_t operations = flash.operations() - before;

  std::vector<uint8_t> cuts;
  uint64_t runs = 0;
  for (uint64_t i = 0; i < operations; i += 7) {
    for (uint8_t torn : {0, 1}) {
      for (int8_t recovery : {-1, 0}) {
        for (int b = 0; b < 4; ++b) cuts.push_back(static_cast<uint8_t>(i >> (8 * b)));
        cuts.push_back(torn);
        cuts.push_back(static_cast<uint8_t>(recovery));
        ++runs;
      }
    }
  }
  TemporaryDirectory dir;
  const FirmwareRun run = run_firmware(
      m4(), firmware(),
      {"power-loss", "-i", write(dir, "old.kilnc", old_c), "-i", write(dir, "new.kilnc", new_c),
       "-i", write(dir, "next.kilnc", next_c), "-i", write(dir, "old.kiln", blobs[0]), "-i",
       write(dir, "new.kiln", blobs[1]), "-i", write(dir, "keys.bin", keys().device_file()), "-i",
       write(dir, "cuts.bin", cuts)});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.value("runs"), runs);
  EXPECT_EQ(run.value("violations"), 0u) << run.output;
  EXPECT_GT(run.value("booted_old"), 0u);
  EXPECT_GT(run.value("booted_new"), 0u);
  std::printf(
      "power loss on the Cortex-M4: %llu of %llu cut points x 2 kinds x 2 = %llu runs, %llu "
      "violations; booted "
      "old %llu, new %llu\n",
      static_cast<unsigned long long>((operations + 6) / 7),
      static_cast<unsigned long long>(operations), static_cast<unsigned long long>(runs),
      static_cast<unsigned long long>(run.value("violations")),
      static_cast<unsigned long long>(run.value("booted_old")),
      static_cast<unsigned long long>(run.value("booted_new")));
}

}  // namespace
}  // namespace kiln
