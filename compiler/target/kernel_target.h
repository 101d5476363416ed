// Which kernel variants a compilation may use. The compiler picks, per op,
// the first variant in the target's list whose conditions the op meets, and
// the reference kernel otherwise; a blob is only as portable as its target.
#ifndef KILN_COMPILER_TARGET_KERNEL_TARGET_H
#define KILN_COMPILER_TARGET_KERNEL_TARGET_H

#include <string>
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

}  // namespace kiln

#endif
