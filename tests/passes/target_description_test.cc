// Target descriptions: the built-in ones, JSON files, and refusals naming
// the region at fault.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/target/memory_regions.h"

namespace kiln {
namespace {

// The refusal `json` gets: its kind and message.
std::pair<ErrorKind, std::string> refusal(const std::string& json) {
  try {
    parse_target_description(json, "board.json");
  } catch (const Error& e) {
    return {e.kind(), e.what()};
  }
  return {ErrorKind::kUsage, "accepted"};
}

std::string with_regions(const std::string& regions) {
  return R"({"core": "cortex-m7", "regions": [)" + regions + "]}";
}

TEST(TargetDescription, TheCortexM7HasItsDtcmFirstThenSram) {
  const TargetDescription& m7 = builtin_description("cortex-m7");
  const std::vector<MemoryRegion> ram = m7.ram();
  ASSERT_EQ(ram.size(), 2u);
  EXPECT_EQ(ram[0].name, "DTCM");
  EXPECT_EQ(ram[0].capacity(), 108u * 1024);  // 128 KiB less the firmware's 20
  EXPECT_EQ(ram[1].name, "SRAM");
  EXPECT_EQ(ram[1].capacity(), 512u * 1024);
  ASSERT_NE(m7.model_flash(1000), nullptr);
  EXPECT_EQ(m7.model_flash(1000)->name, "FLASH");
  EXPECT_EQ(m7.model_flash(3u << 20), nullptr);
  EXPECT_EQ(builtin_description("cortex-m55").ram()[0].name, "DTCM");
  EXPECT_EQ(builtin_description("cortex-m4").ram().size(), 1u);
  EXPECT_TRUE(describe_target("portable").regions.empty());
  EXPECT_EQ(describe_target("cortex-m33").core, "cortex-m33");
}

TEST(TargetDescription, ReadsSizesOriginsAndSpeeds) {
  const TargetDescription d = parse_target_description(
      with_regions(R"({"name": "SRAM", "kind": "ram", "origin": "0x20010000", "bytes": "256K"},
                      {"name": "DTCM", "kind": "ram", "origin": 536870912, "bytes": 65536,
                       "reserved": "20K", "speed": 2},
                      {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"})"),
      "board.json");
  EXPECT_EQ(d.core, "cortex-m7");
  EXPECT_EQ(d.name, "board.json");
  const std::vector<MemoryRegion> ram = d.ram();
  EXPECT_EQ(ram[0].name, "DTCM");  // the faster first, whatever the order declared
  EXPECT_EQ(ram[0].origin, 0x20000000u);
  EXPECT_EQ(ram[0].capacity(), 44u * 1024);
  EXPECT_EQ(ram[1].origin, 0x20010000u);
  EXPECT_EQ(ram[1].bytes, 256u * 1024);
  EXPECT_EQ(d.model_flash(0)->bytes, 1024u * 1024);
}

TEST(TargetDescription, ABlobGoesToExternalFlashOnlyWhenTheInternalIsTooSmall) {
  const TargetDescription d = parse_target_description(
      with_regions(R"({"name": "DTCM", "kind": "ram", "origin": "0x20000000", "bytes": "64K"},
                      {"name": "QSPI", "kind": "flash", "origin": "0x90000000", "bytes": "16M",
                       "speed": 0.25},
                      {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"})"),
      "board.json");
  EXPECT_EQ(d.model_flash(1u << 20)->name, "FLASH");
  EXPECT_EQ(d.model_flash((1u << 20) + 1)->name, "QSPI");
  EXPECT_EQ(d.model_flash(17u << 20), nullptr);
  EXPECT_EQ(d.largest_flash()->name, "QSPI");
}

TEST(TargetDescription, OverlappingRegionsAreRefusedByName) {
  const auto [kind, message] = refusal(
      with_regions(R"({"name": "DTCM", "kind": "ram", "origin": "0x20000000", "bytes": "64K"},
                      {"name": "SRAM", "kind": "ram", "origin": "0x2000F000", "bytes": "256K"},
                      {"name": "FLASH", "kind": "flash", "bytes": "1M", "origin": "0x08000000"})"));
  EXPECT_EQ(kind, ErrorKind::kUsage);
  EXPECT_EQ(message,
            "target description board.json: regions 'DTCM' [0x20000000, 0x20010000) and 'SRAM' "
            "[0x2000f000, 0x2004f000) overlap");
}

TEST(TargetDescription, ARegionItsReserveFillsIsRefusedByName) {
  EXPECT_EQ(refusal(with_regions(
                        R"({"name": "DTCM", "kind": "ram", "bytes": "16K", "reserved": "16K"},
                   {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"})"))
                .second,
            "target description board.json: region 'DTCM' is too small: it keeps 16384 of its "
            "16384 bytes (reserved)");
  EXPECT_EQ(refusal(with_regions(R"({"name": "DTCM", "kind": "ram", "bytes": 0})")).second,
            "target description board.json: region 'DTCM' has no bytes");
}

TEST(TargetDescription, MalformedDescriptionsNameTheirFault) {
  EXPECT_EQ(refusal(with_regions(R"({"name": "FLASH", "kind": "flash", "bytes": "1M"})")).second,
            "target description board.json: declares no RAM region");
  EXPECT_EQ(refusal(with_regions(R"({"name": "RAM", "kind": "ram", "bytes": "1M"})")).second,
            "target description board.json: declares no flash region");
  EXPECT_EQ(refusal(with_regions(R"({"name": "RAM", "kind": "ram", "bytes": "12Q"})")).second,
            "target description board.json: region 'RAM' bytes: '\"12Q\"' is not a size (a "
            "number, \"0x...\", or with K or M)");
  EXPECT_EQ(refusal(with_regions(R"({"name": "RAM", "kind": "sram", "bytes": 4})")).second,
            "target description board.json: region 'RAM': \"kind\" must be \"ram\" or \"flash\"");
  EXPECT_EQ(
      refusal(with_regions(R"({"name": "RAM", "kind": "ram", "bytes": 4, "wait": 1})")).second,
      "target description board.json: regions[0]: unknown field 'wait'");
  EXPECT_EQ(refusal(R"({"core": "cortex-m7", "regions": [], "clock": 1})").second,
            "target description board.json: unknown field 'clock'");
  EXPECT_EQ(refusal("{\"core\": \"cortex-m7\"").first, ErrorKind::kUsage);  // not JSON
  EXPECT_NE(refusal(R"({"core": "cortex-m8", "regions": []})").second.find("cortex-m55"),
            std::string::npos);  // lists the known cores
  std::string five;
  for (int i = 0; i < 5; ++i) {
    five += "{\"name\": \"R" + std::to_string(i) + "\", \"kind\": \"ram\", \"bytes\": 16, " +
            "\"origin\": " + std::to_string(i * 16) + "},";
  }
  EXPECT_EQ(refusal(with_regions(five + R"({"name": "F", "kind": "flash", "bytes": 16,
                                            "origin": 4096})"))
                .second,
            "target description board.json: declares 5 RAM regions; the runtime takes at most 4");
}

}  // namespace
}  // namespace kiln
