// Which kernel variants a compilation may use. The compiler picks, per op,
// the first variant in the target's list whose conditions the op meets, and
// the reference kernel otherwise; a blob is only as portable as its target.
#ifndef KILN_COMPILER_TARGET_KERNEL_TARGET_H
#define KILN_COMPILER_TARGET_KERNEL_TARGET_H

#include <string>
#include <typeindex>
#include <vector>

#include "kiln/kernels.h"

namespace kiln {

struct KernelTarget {
  std::string name;
  std::vector<KernelIsa> isas;  // best first; the reference kernels always remain
  bool has(KernelIsa isa) const;
};

// "portable" (reference kernels only: runs on any kiln runtime), "host" (this
// machine: AVX2 if the processor has it), and every emulated core with its
// variants (cortex_m_cores(): Arm DSP; Helium, then DSP on the M55). Throws
// Error(kUsage) listing them for any other name.
const KernelTarget& kernel_target(const std::string& name);
std::string kernel_target_names();

const char* kernel_isa_name(KernelIsa isa);

// Whether a kernel accepts these params (its operand_sizes check): a
// variant's conditions (lanes, window or size limits) are stated there once.
bool kernel_accepts(OpCode opcode, const void* params);

// The kernel for an op whose reference kernel is `reference`: the first
// variant, in the target's order of instruction sets, that takes the same
// params struct and accepts `params`; `reference` if none does. A variant is
// found by its name in the kernel list, <reference>_<INSTRUCTION SET>
// (CONV_2D_S16_ARM_DSP for CONV_2D_S16), so adding one needs no table here.
OpCode choose_variant(const KernelTarget& target, OpCode reference, const void* params,
                      std::type_index params_type);
template <typename Params>
OpCode choose_variant(const KernelTarget& target, OpCode reference, const Params& params) {
  return choose_variant(target, reference, &params, typeid(Params));
}

}  // namespace kiln

#endif
