#include "compiler/target/cores.h"

#include <fmt/format.h>

#include "compiler/common/error.h"

namespace kiln {

const std::vector<CortexMCore>& cortex_m_cores() {
  static const std::vector<CortexMCore> cores = {
      {"cortex-m4", "mps2-an386", {KernelIsa::arm_dsp}},
      {"cortex-m7", "mps2-an500", {KernelIsa::arm_dsp}},
      {"cortex-m33", "mps2-an505", {KernelIsa::arm_dsp}},
      {"cortex-m55", "mps3-an547", {KernelIsa::arm_mve, KernelIsa::arm_dsp}},
  };
  return cores;
}

const CortexMCore& find_core(const std::string& name) {
  std::string known;
  for (const CortexMCore& c : cortex_m_cores()) {
    if (name == c.name) return c;
    known += known.empty() ? c.name : std::string(", ") + c.name;
  }
  throw Error(ErrorKind::kUsage, fmt::format("unknown target '{}' (known: {})", name, known));
}

}  // namespace kiln
