#include "compiler/target/kernel_target.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/common/error.h"
#include "compiler/target/cores.h"

namespace kiln {
namespace {

std::vector<KernelTarget> make_targets() {
  std::vector<KernelTarget> targets = {{"portable", {}}, {"host", {}}};
  // The host target is whatever this machine's runtime can run.
  if (kernel_isa_available(KernelIsa::x86_avx2)) targets[1].isas.push_back(KernelIsa::x86_avx2);
  for (const CortexMCore& core : cortex_m_cores()) targets.push_back({core.name, core.kernel_isas});
  return targets;
}

const std::vector<KernelTarget>& targets() {
  static const std::vector<KernelTarget> all = make_targets();
  return all;
}

}  // namespace

bool KernelTarget::has(KernelIsa isa) const {
  return std::find(isas.begin(), isas.end(), isa) != isas.end();
}

std::string kernel_target_names() {
  std::string names;
  for (const KernelTarget& t : targets()) names += (names.empty() ? "" : ", ") + t.name;
  return names;
}

const KernelTarget& kernel_target(const std::string& name) {
  for (const KernelTarget& t : targets()) {
    if (t.name == name) return t;
  }
  throw Error(ErrorKind::kUsage,
              fmt::format("unknown target '{}' (targets: {})", name, kernel_target_names()));
}

const char* kernel_isa_name(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::ref: return "ref";
    case KernelIsa::arm_dsp: return "arm_dsp";
    case KernelIsa::arm_mve: return "arm_mve";
    case KernelIsa::x86_avx2: return "x86_avx2";
  }
  return "?";
}

}  // namespace kiln
