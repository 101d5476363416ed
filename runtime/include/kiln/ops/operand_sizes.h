// How a kernel states the exact byte size of every operand its parameters
// imply. The executor compares these with the blob's tensor table before the
// first inference, so a kernel never indexes past a buffer whatever the blob
// says; the compiler uses the same functions to check what it emits.
#ifndef KILN_OPS_OPERAND_SIZES_H
#define KILN_OPS_OPERAND_SIZES_H

#include <stdint.h>

namespace kiln {

constexpr int kMaxOperands = 8;
// Upper bound on any one dimension, stride, dilation or pad: keeps every index
// computation of the reference kernels inside int32.
constexpr int32_t kMaxDim = 1 << 16;
// Upper bound on any one operand, in bytes.
constexpr uint64_t kMaxOperandBytes = uint64_t{1} << 30;

// Kernels whose constant operands steer their reads (the offsets of sparse
// weights) check those operands' contents too, once when a blob loads: the
// params header sets kChecksConstants for its params struct and defines
// `bool constants_ok(const Params&, const void* const* inputs)`, where
// inputs[i] is input i's data if the blob stores it as a constant, else null.
template <typename Params>
inline constexpr bool kChecksConstants = false;

struct OperandSizes {
  uint32_t inputs[kMaxOperands];  // 0: the operand must be absent (optional input)
  uint32_t outputs[kMaxOperands];
  int num_inputs;
  int num_outputs;
};

inline bool dim_ok(int32_t d) { return d >= 1 && d <= kMaxDim; }
inline bool pad_ok(int32_t p) { return p >= 0 && p <= kMaxDim; }

// Product of dims times element size, or 0 if any is out of range.
inline uint32_t operand_bytes(uint32_t element_size, const int32_t* dims, int rank) {
  uint64_t n = element_size;
  for (int i = 0; i < rank; ++i) {
    if (!dim_ok(dims[i])) return 0;
    n *= static_cast<uint64_t>(dims[i]);
    if (n > kMaxOperandBytes) return 0;
  }
  return static_cast<uint32_t>(n);
}

// Bytes of an operand viewed as [dims...] where the dims are counts the
// kernel indexes only within the operand (the rows of a flattened tensor,
// say): each at least 1 and only the total bounded (kMaxOperandBytes, so
// every index fits int32). 0 if out of range.
inline uint32_t block_bytes(uint32_t element_size, const int32_t* dims, int rank) {
  uint64_t n = element_size;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 1) return 0;
    n *= static_cast<uint64_t>(dims[i]);
    if (n > kMaxOperandBytes) return 0;
  }
  return static_cast<uint32_t>(n);
}

// Bytes of a flat run of `count` elements (element-wise kernels index it
// with one int32), or 0 if empty or above kMaxOperandBytes: no per-dim bound.
inline uint32_t flat_bytes(uint32_t element_size, int32_t count) {
  if (count < 1) return 0;
  const uint64_t n = static_cast<uint64_t>(count) * element_size;
  return n > kMaxOperandBytes ? 0 : static_cast<uint32_t>(n);
}

inline bool shift_ok(int32_t shift) { return shift >= -31 && shift <= 30; }
// Zero-point offsets: int8 zero points (negated or not) are within +-128;
// the bound keeps every product and shifted sum of the int8 kernels in int32.
inline bool offset_ok(int32_t offset) { return offset >= -256 && offset <= 256; }

}  // namespace kiln

#endif  // KILN_OPS_OPERAND_SIZES_H
