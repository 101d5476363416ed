// Dispatch table built from the kernel list in kiln/kernels.h.
#include "kiln/kernels.h"

namespace kiln {
namespace {

// Unused (and dropped) for the instruction sets a build does not compile.
#define KILN_SIZES_FN(name, number, params_type, sizes_expr, isa, kernel_fn) \
  [[maybe_unused]] bool name##_sizes(const void* params, OperandSizes* s) {  \
    const params_type& p = *static_cast<const params_type*>(params);         \
    return sizes_expr;                                                       \
  }
KILN_OPCODES(KILN_SIZES_FN)
#undef KILN_SIZES_FN

// The contents check of a params struct that has one (kChecksConstants).
template <typename Params>
bool checked_constants(const void* params, const void* const* inputs) {
  if constexpr (kChecksConstants<Params>) {
    return constants_ok(*static_cast<const Params*>(params), inputs);
  } else {
    return true;
  }
}

// A kernel's address and its operand check if this build compiles its
// instruction set, else null (the build system defines KILN_KERNELS_<ISA>
// for the sets it compiles): a device carries no code for another core's
// variants.
#define KILN_KERNEL_ref(fn) &ref::fn
#define KILN_SIZES_ref(name) &name##_sizes
#if KILN_KERNELS_ARM_DSP
#define KILN_KERNEL_arm_dsp(fn) &arm_dsp::fn
#define KILN_SIZES_arm_dsp(name) &name##_sizes
#else
#define KILN_KERNEL_arm_dsp(fn) nullptr
#define KILN_SIZES_arm_dsp(name) nullptr
#endif
#if KILN_KERNELS_ARM_MVE
#define KILN_KERNEL_arm_mve(fn) &arm_mve::fn
#define KILN_SIZES_arm_mve(name) &name##_sizes
#else
#define KILN_KERNEL_arm_mve(fn) nullptr
#define KILN_SIZES_arm_mve(name) nullptr
#endif
#if KILN_KERNELS_X86_AVX2
#define KILN_KERNEL_x86_avx2(fn) &x86_avx2::fn
#define KILN_SIZES_x86_avx2(name) &name##_sizes
#else
#define KILN_KERNEL_x86_avx2(fn) nullptr
#define KILN_SIZES_x86_avx2(name) nullptr
#endif

// Whether the build carries a kernel: all of them, unless the build system
// names a selection (the KILN_KERNELS CMake option). An unselected entry has
// no code address and no name, so the linker drops the kernel and its name.
#ifdef KILN_KERNEL_SELECTION_HEADER
#include KILN_KERNEL_SELECTION_HEADER
#define KILN_SELECTED_OPCODE(name) OpCode::name,
constexpr OpCode kSelected[] = {KILN_SELECTED_KERNELS(KILN_SELECTED_OPCODE)};
#undef KILN_SELECTED_OPCODE
constexpr bool selected(OpCode opcode) {
  for (OpCode s : kSelected) {
    if (s == opcode) return true;
  }
  return false;
}
#else
constexpr bool selected(OpCode) { return true; }
#endif

constexpr KernelInfo kKernels[] = {
#define KILN_KERNEL_ENTRY(name, number, params_type, sizes_expr, isa, kernel_fn) \
  {OpCode::name,                                                                 \
   selected(OpCode::name) ? #name : nullptr,                                     \
   KernelIsa::isa,                                                               \
   sizeof(params_type),                                                          \
   selected(OpCode::name) ? KILN_SIZES_##isa(name) : nullptr,                    \
   kChecksConstants<params_type> ? &checked_constants<params_type> : nullptr,    \
   selected(OpCode::name) ? KILN_KERNEL_##isa(kernel_fn) : nullptr},
    KILN_OPCODES(KILN_KERNEL_ENTRY)
#undef KILN_KERNEL_ENTRY
};

// Whether this build carries any kernel of the instruction set.
bool isa_compiled(KernelIsa isa) {
  for (const KernelInfo& k : kKernels) {
    if (k.isa == isa && k.kernel != nullptr) return true;
  }
  return false;
}

}  // namespace

const KernelInfo* find_kernel(uint32_t opcode) {
  // Opcodes are numbered densely from 1 in list order, so this is a direct
  // index on every invoke; the scan below only serves a list with gaps.
  constexpr uint32_t kCount = sizeof(kKernels) / sizeof(kKernels[0]);
  if (opcode >= 1 && opcode <= kCount &&
      static_cast<uint32_t>(kKernels[opcode - 1].opcode) == opcode) {
    return &kKernels[opcode - 1];
  }
  for (const KernelInfo& k : kKernels) {
    if (static_cast<uint32_t>(k.opcode) == opcode) return &k;
  }
  return nullptr;
}

bool kernel_isa_available(KernelIsa isa) {
  if (!isa_compiled(isa)) return false;
#if KILN_KERNELS_X86_AVX2
  // The AVX2 kernels are built into every x86-64 host runtime; the processor
  // decides whether they may run.
  if (isa == KernelIsa::x86_avx2) {
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    return has_avx2;
  }
#endif
  return true;
}

const KernelInfo* find_runnable_kernel(uint32_t opcode) {
  const KernelInfo* info = find_kernel(opcode);
  return info && info->kernel && kernel_isa_available(info->isa) ? info : nullptr;
}

}  // namespace kiln
