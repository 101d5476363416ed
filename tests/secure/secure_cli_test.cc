// kiln keygen, sign, verify, inspect and device as a user runs them: exit
// codes and messages, and an update on a flash image file from format to
// confirmation.
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

using test::kiln_cli;
using test::temp_path;

struct Workspace {
  std::string dir = temp_path("secure_");
  std::string blob = dir + "hello.kiln";
  Workspace() {
    EXPECT_EQ(kiln_cli("convert " + test::model("tflite_micro/hello_world_int8.tflite") +
                       " --target cortex-m4 -o " + blob)
                  .exit_code,
              0);
    for (const char* kind : {"ed25519", "x25519", "p256"}) {
      EXPECT_EQ(kiln_cli(std::string("keygen --type ") + kind + " -o " + dir + kind).exit_code, 0);
    }
  }
  std::string sign(uint32_t counter, const std::string& extra = "") const {
    const std::string out = dir + "hello_" + std::to_string(counter) + ".kilnc";
    const test::CliResult r = kiln_cli(
        "sign " + blob + " --key " + dir + "ed25519.key --counter " + std::to_string(counter) +
        " --target cortex-m4 --model-id hello " + extra + " -o " + out);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
  }
};

// One workspace for the file's tests: each kiln run starts a sanitized tool.
const Workspace& workspace() {
  static const Workspace w;
  return w;
}

TEST(SecureCli, SignVerifyInspectAndTheirRefusals) {
  const Workspace& w = workspace();
  const std::string c = w.sign(5, "--encrypt-for " + w.dir + "x25519.pub");
  test::CliResult r =
      kiln_cli("verify " + c + " --key " + w.dir + "ed25519.pub --key " + w.dir +
               "x25519.key --min-counter 5 --target cortex-m4 -o " + w.dir + "out.kiln");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(w.dir + "out.kiln"), read_file(w.blob));
  // Exit code 7 and the reason, for each refusal.
  r = kiln_cli("verify " + c + " --key " + w.dir + "ed25519.pub");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.output.find("encrypted for a key the device does not hold (status 25)"),
            std::string::npos)
      << r.output;
  r = kiln_cli("verify " + c + " --key " + w.dir + "p256.pub --key " + w.dir + "x25519.key");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.output.find("signed with an unknown key (status 18)"), std::string::npos) << r.output;
  r = kiln_cli("verify " + c + " --key " + w.dir + "ed25519.pub --key " + w.dir +
               "x25519.key --min-counter 6");
  EXPECT_NE(r.output.find("downgrade) (status 20)"), std::string::npos) << r.output;
  r = kiln_cli("verify " + c + " --key " + w.dir + "ed25519.key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("not a ed25519-private key"), std::string::npos) << r.output;
  r = kiln_cli("inspect " + c);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("aes-256-ctr, key from x25519 + hkdf-sha256"), std::string::npos)
      << r.output;
  // A cut file is refused by inspect and verify alike.
  std::vector<uint8_t> bytes = read_file(c);
  bytes.resize(bytes.size() - 1);
  write_file(w.dir + "cut.kilnc", bytes.data(), bytes.size());
  r = kiln_cli("inspect " + w.dir + "cut.kilnc");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.output.find("truncated (status 1)"), std::string::npos) << r.output;
  r = kiln_cli("sign " + w.blob + " --key " + w.dir +
               "x25519.key --counter 1 --target cortex-m4 -o x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("a x25519-private key cannot sign"), std::string::npos) << r.output;
  r = kiln_cli("sign " + c + " --key " + w.dir + "ed25519.key --counter 1 --target cortex-m4 -o x");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("not a .kiln blob"), std::string::npos) << r.output;
}

TEST(SecureCli, DeviceUpdatesAFlashImage) {
  const Workspace& w = workspace();
  const std::string image = w.dir + "flash.img";
  const std::string keys = " --key " + w.dir + "ed25519.pub --key " + w.dir + "x25519.key";
  ASSERT_EQ(kiln_cli("device format " + image + " --slot-size 8192 --sector-size 1024").exit_code,
            0);
  test::CliResult r = kiln_cli("device boot " + image + keys);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.output.find("no model that verifies"), std::string::npos) << r.output;
  const std::string first = w.sign(2, "--encrypt-for " + w.dir + "x25519.pub");
  r = kiln_cli("device install " + image + " " + first + keys);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = kiln_cli("device boot " + image + keys + " -o " + w.dir + "booted.kiln");
  EXPECT_NE(r.output.find("boots slot 0: 'hello', counter 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("on trial"), std::string::npos);
  EXPECT_EQ(read_file(w.dir + "booted.kiln"), read_file(w.blob));
  r = kiln_cli("device confirm " + image);
  EXPECT_NE(r.output.find("slot 0 confirmed; the device's security counter is 2"),
            std::string::npos)
      << r.output;
  // A downgrade is refused and changes nothing; an unconfirmed trial reverts.
  r = kiln_cli("device install " + image + " " + w.sign(1) + keys);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.output.find("downgrade"), std::string::npos) << r.output;
  ASSERT_EQ(kiln_cli("device install " + image + " " + w.sign(3) + keys).exit_code, 0);
  EXPECT_NE(kiln_cli("device boot " + image + keys).output.find("boots slot 1"), std::string::npos);
  r = kiln_cli("device boot " + image + keys);
  EXPECT_NE(r.output.find("boots slot 0: 'hello', counter 2, "), std::string::npos) << r.output;
  r = kiln_cli("device status " + image);
  EXPECT_NE(r.output.find("idle; confirmed slot 0, pending slot none, security counter 2"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln
