// The QEMU plugin's instruction classes against GNU objdump: every
// instruction of kiln's four firmware images, classified from its bytes,
// lands in the class its mnemonic names (compiler/target/mnemonics.h).
#include "instruction_classes.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "compiler/run/emulated_core.h"
#include "compiler/target/cores.h"
#include "compiler/target/mnemonics.h"

namespace kiln {
namespace {

struct Tally {
  std::map<std::string, uint64_t> per_class;
  std::vector<std::string> mismatches;
  uint64_t instructions = 0;
};

Tally classify_image(const std::string& elf) {
  // Armv8.1-M decodes every core's code, Helium included.
  const std::string command = "arm-none-eabi-objdump -d -m armv8.1-m.main '" + elf + "' 2>&1";
  Tally t;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return t;
  char buffer[1024];
  while (std::fgets(buffer, sizeof buffer, pipe)) {
    // "  addr:\t<hw1> [hw2] \t<mnemonic>\t<operands>"
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, '\t');) fields.push_back(f);
    if (fields.size() < 3 || fields[0].empty() || fields[0].back() != ':') continue;
    std::istringstream words(fields[1]);
    std::vector<std::string> halfwords;
    for (std::string w; words >> w;) halfwords.push_back(w);
    const std::string mnemonic = fields[2].substr(0, fields[2].find(' '));
    if (halfwords.empty() || halfwords.size() > 2 || halfwords[0].size() != 4 || mnemonic.empty() ||
        mnemonic[0] == '.' || mnemonic == "undefined")
      continue;  // data in the code (literal pools), or not an instruction
    const uint16_t hw1 = static_cast<uint16_t>(std::stoul(halfwords[0], nullptr, 16));
    const uint16_t hw2 =
        halfwords.size() > 1 ? static_cast<uint16_t>(std::stoul(halfwords[1], nullptr, 16)) : 0;
    const kiln_insn k = kiln_classify_insn(hw1, hw2);
    const std::string operands = fields.size() > 3 ? fields[3] : "";
    ++t.instructions;
    const std::string cls = kiln_insn_class_name(k.cls);
    ++t.per_class[cls];
    const std::vector<std::string> expected = mnemonic_classes(mnemonic, operands);
    if (k.bytes != 2 * halfwords.size()) {
      t.mismatches.push_back(fmt::format("{}: {} bytes", line, k.bytes));
    } else if (std::find(expected.begin(), expected.end(), cls) == expected.end()) {
      t.mismatches.push_back(fmt::format("{}: {}", line, cls));
    }
  }
  pclose(pipe);
  return t;
}

TEST(InstructionClasses, EveryInstructionOfTheFirmwareAsObjdumpNamesIt) {
  for (const CortexMCore& core : cortex_m_cores()) {
    SCOPED_TRACE(core.name);
    const Tally t = classify_image(firmware_dir(core) + "/kiln-runner.elf");
    ASSERT_GT(t.instructions, 10000u);
    for (size_t i = 0; i < t.mismatches.size() && i < 20; ++i) ADD_FAILURE() << t.mismatches[i];
    EXPECT_EQ(t.mismatches.size(), 0u) << "of " << t.instructions;
    for (const char* cls : {"alu", "mul", "mul_long", "div", "load", "store", "load_multiple",
                            "store_multiple", "branch", "load_pc", "fp", "fp_load"})
      EXPECT_GT(t.per_class.count(cls) ? t.per_class.at(cls) : 0, 0u) << cls;
    if (std::string(core.name) == "cortex-m55") {
      for (const char* cls : {"mve_load", "mve_store", "mve_int", "mve_mul", "loop"})
        EXPECT_GT(t.per_class.count(cls) ? t.per_class.at(cls) : 0, 0u) << cls;
    }
  }
}

TEST(InstructionClasses, LengthComesFromTheFirstHalfword) {
  EXPECT_EQ(kiln_classify_insn(0x4770, 0).bytes, 2);       // bx lr
  EXPECT_EQ(kiln_classify_insn(0xf8d0, 0x1004).bytes, 4);  // ldr.w r1, [r0, #4]
  EXPECT_EQ(kiln_insn_is_32bit(0xe92d), 1);                // push.w
  EXPECT_EQ(kiln_insn_is_32bit(0xe7fe), 0);                // b.n .
  const kiln_insn pop_pc = kiln_classify_insn(0xbd10, 0);  // pop {r4, pc}
  EXPECT_EQ(pop_pc.cls, KILN_INSN_LOAD_PC);
  EXPECT_EQ(pop_pc.registers, 2);
  const kiln_insn ldm = kiln_classify_insn(0xe8b0, 0x000f);  // ldmia.w r0!, {r0-r3}
  EXPECT_EQ(ldm.cls, KILN_INSN_LOAD_MULTIPLE);
  EXPECT_EQ(ldm.registers, 4);
  EXPECT_EQ(kiln_classify_insn(0xfb90, 0xf0f1).cls, KILN_INSN_DIV);  // sdiv r0, r0, r1
}

}  // namespace
}  // namespace kiln
