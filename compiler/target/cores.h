// The Cortex-M cores kiln builds for: the QEMU board that emulates each and
// the kernel variants its instructions allow.
#ifndef KILN_COMPILER_TARGET_CORES_H
#define KILN_COMPILER_TARGET_CORES_H

#include <string>
#include <vector>

#include "kiln/kernels.h"

namespace kiln {

struct CortexMCore {
  const char* name;                    // "cortex-m4"
  const char* board;                   // QEMU machine, "mps2-an386"
  std::vector<KernelIsa> kernel_isas;  // the core's kernel variants, best first
};

// The supported cores; find_core throws Error(kUsage) listing them.
const std::vector<CortexMCore>& cortex_m_cores();
const CortexMCore& find_core(const std::string& name);

}  // namespace kiln

#endif
