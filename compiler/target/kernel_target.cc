#include "compiler/target/kernel_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

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

// Every kernel's name, instruction set and params struct, from the kernel list.
struct ListedKernel {
  OpCode opcode;
  std::string_view name;
  KernelIsa isa;
  std::type_index params_type;
};
const std::vector<ListedKernel>& listed_kernels() {
  static const std::vector<ListedKernel> all = {
#define KILN_LISTED_KERNEL(name, number, params, sizes, isa, kernel) \
  {OpCode::name, #name, KernelIsa::isa, typeid(params)},
      KILN_OPCODES(KILN_LISTED_KERNEL)
#undef KILN_LISTED_KERNEL
  };
  return all;
}

// The suffix of a variant's name: "_ARM_DSP" for the Arm DSP extension.
std::string isa_suffix(KernelIsa isa) {
  std::string suffix = std::string("_") + kernel_isa_name(isa);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return suffix;
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

bool kernel_accepts(OpCode opcode, const void* params) {
  const KernelInfo* info = find_kernel(static_cast<uint32_t>(opcode));
  OperandSizes sizes{};
  return info && info->operand_sizes && info->operand_sizes(params, &sizes);
}

OpCode choose_variant(const KernelTarget& target, OpCode reference, const void* params,
                      std::type_index params_type) {
  const auto& kernels = listed_kernels();
  const auto base = std::find_if(kernels.begin(), kernels.end(),
                                 [&](const ListedKernel& k) { return k.opcode == reference; });
  if (base == kernels.end()) return reference;
  for (KernelIsa isa : target.isas) {
    const std::string name = std::string(base->name) + isa_suffix(isa);
    for (const ListedKernel& k : kernels) {
      if (k.isa == isa && k.name == name && k.params_type == params_type &&
          kernel_accepts(k.opcode, params))
        return k.opcode;
    }
  }
  return reference;
}

}  // namespace kiln
