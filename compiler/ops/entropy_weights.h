// Entropy-coded weights (kiln/ops/conv2d_entropy.h): with kiln compile
// --entropy, an int8 filter is stored as one rANS stream under static
// models of its runs of zeros and its nonzero values when that is smaller
// than every other form it could take (int8, 4-bit indices, nonzero
// weights). Decoding costs instructions
// per weight, so the form is the user's choice, not the compiler's.
#ifndef KILN_COMPILER_OPS_ENTROPY_WEIGHTS_H
#define KILN_COMPILER_OPS_ENTROPY_WEIGHTS_H

#include <cstdint>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

// An entropy-coded filter (kiln/ops/conv2d_entropy.h): the runs' and the
// values' models, each the most frequent symbol first, and the stream.
struct EntropyCoded {
  std::vector<uint8_t> run_lengths;
  std::vector<uint16_t> run_frequencies;
  std::vector<int8_t> values;
  std::vector<uint16_t> value_frequencies;
  std::vector<uint8_t> stream;
  // What the layer stores: the models (3 bytes a symbol) and the stream.
  int64_t bytes() const {
    return static_cast<int64_t>((run_lengths.size() + values.size()) * 3 + stream.size());
  }
};

// The shares of kEntropyTotal, each at least 1, that code `counts` (each
// at least 1, at most kEntropyTotal of them) in the fewest bits.
std::vector<uint16_t> entropy_frequencies(const std::vector<int64_t>& counts);

// The rANS coding of an int8 filter of `rows` rows (output channels) of
// `row` weights under the models of its own runs of zeros and nonzero
// values.
EntropyCoded entropy_code(const int8_t* weights, int64_t rows, int32_t row);

// Emits CONV_2D_S8_ENTROPY for an int8 convolution with groups 1
// (FULLY_CONNECTED as a 1x1 convolution) and returns true if the compilation
// codes weights (LowerOptions::entropy_weights) and the coded filter is
// smaller than every other form kiln stores it in; false (nothing emitted)
// otherwise. `requant` is the reference kernels' table.
bool lower_entropy_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                          bool depthwise, const int8_t* filter, int bias,
                          const std::vector<int32_t>& requant);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_ENTROPY_WEIGHTS_H
