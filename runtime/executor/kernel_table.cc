// Dispatch table built from the kernel list in kiln/kernels.h.
#include "kiln/kernels.h"

namespace kiln {
namespace {

#define KILN_SIZES_FN(name, number, params_type, sizes_expr, kernel_fn) \
  bool name##_sizes(const void* params, OperandSizes* s) {             \
    const params_type& p = *static_cast<const params_type*>(params);    \
    return sizes_expr;                                                  \
  }
KILN_OPCODES(KILN_SIZES_FN)
#undef KILN_SIZES_FN

constexpr KernelInfo kKernels[] = {
#define KILN_KERNEL_ENTRY(name, number, params_type, sizes_expr, kernel_fn) \
  {OpCode::name, #name, sizeof(params_type), &name##_sizes, &kernel_fn},
    KILN_OPCODES(KILN_KERNEL_ENTRY)
#undef KILN_KERNEL_ENTRY
};

}  // namespace

const KernelInfo* find_kernel(uint32_t opcode) {
  // Opcodes are numbered densely from 1 in list order, so this is a direct
  // index on every invoke; the scan below only serves a list with gaps.
  constexpr uint32_t kCount = sizeof(kKernels) / sizeof(kKernels[0]);
  if (opcode >= 1 && opcode <= kCount && static_cast<uint32_t>(kKernels[opcode - 1].opcode) == opcode) {
    return &kKernels[opcode - 1];
  }
  for (const KernelInfo& k : kKernels) {
    if (static_cast<uint32_t>(k.opcode) == opcode) return &k;
  }
  return nullptr;
}

}  // namespace kiln
