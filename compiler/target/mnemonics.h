// Instruction classes (tools/qemu_profile/instruction_classes.h) by
// mnemonic, as a disassembler prints them: to cost another stack's
// instruction histogram with kiln's cycle model, and to check the plugin's
// byte-level classes against GNU objdump.
#ifndef KILN_COMPILER_TARGET_MNEMONICS_H
#define KILN_COMPILER_TARGET_MNEMONICS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {

// The classes an instruction may be in, the likeliest first. `operands` as
// objdump prints them; empty if unknown (a multiple load is then not a
// return, a VLDR not a Helium load unless its mnemonic says so).
std::vector<std::string> mnemonic_classes(const std::string& mnemonic,
                                          const std::string& operands = "");

// An instruction histogram, "mnemonic,count,taken" lines after a header
// (count: executions; taken: executions after which control went elsewhere
// than the next instruction), as an instruction mix. Without operands, a
// POP or LDM that was taken is a return, and a multiple transfer moves
// `registers_per_multiple` registers (LDRD/STRD: 2). Error(kBadInput)
// naming the line for anything else.
std::map<std::string, uint64_t> mix_from_histogram(const std::string& path,
                                                   uint32_t registers_per_multiple = 4);

}  // namespace kiln

#endif
