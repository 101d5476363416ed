// A tensor in one line, as `kiln run` prints each output.
#ifndef KILN_COMPILER_RUN_TENSOR_SUMMARY_H
#define KILN_COMPILER_RUN_TENSOR_SUMMARY_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/exec/runner.h"

namespace kiln {

// "int8 [1,12] argmax=3 values=[-128, -100, ...]": type, shape, the index of
// the largest value and the first eight values (raw, not dequantized).
std::string tensor_summary(const TensorPort& port, const std::vector<uint8_t>& bytes);

}  // namespace kiln

#endif
