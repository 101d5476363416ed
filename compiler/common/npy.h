// NumPy's .npy file format (version 1-3): one C-order array, as np.save
// writes it.
#ifndef KILN_COMPILER_COMMON_NPY_H
#define KILN_COMPILER_COMMON_NPY_H

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/types.h"

namespace kiln {

struct NpyArray {
  kiln_dtype dtype =
      KILN_DTYPE_FLOAT32;  // '<f4' float32, '|i1' int8, '|u1' uint8, '<i4' int32, '<i8' int64
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // little-endian, C order
};

bool looks_like_npy(const std::vector<uint8_t>& bytes);

// Parses an .npy file's bytes; '<f8' (float64) arrays are narrowed to
// float32. Throws Error(kBadInput) naming `label` for anything else
// (Fortran order, big-endian or other types, a size that does not match).
NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& label);

// The .npy bytes of a float32/int8/uint8/int32/int64 array.
std::vector<uint8_t> write_npy(const NpyArray& array);

}  // namespace kiln

#endif
