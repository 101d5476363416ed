// Entropy-coded weights (kiln/ops/conv2d_entropy.h): with kiln compile
// --entropy, an int8 filter is stored as one rANS stream under a static
// model of its values when that is smaller than every other form it could
// take (int8, 4-bit indices, nonzero weights). Decoding costs instructions
// per weight, so the form is the user's choice, not the compiler's.
#ifndef KILN_COMPILER_OPS_ENTROPY_WEIGHTS_H
#define KILN_COMPILER_OPS_ENTROPY_WEIGHTS_H

#include <cstdint>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

struct EntropyCoded {
  // The symbols, most frequent first: runs[s] weights of value values[s].
  std::vector<int8_t> values;
  std::vector<uint8_t> runs;
  std::vector<uint16_t> frequencies;  // their shares of kEntropyTotal, each at least 1
  std::vector<uint8_t> stream;
  // What the layer stores: the model's three tables and the stream.
  int64_t bytes() const { return static_cast<int64_t>(values.size() * 4 + stream.size()); }
};

// The shares of kEntropyTotal, each at least 1, that code `counts` (each
// at least 1, at most kEntropyTotal of them) in the fewest bits.
std::vector<uint16_t> entropy_frequencies(const std::vector<int64_t>& counts);

// The rANS coding of an int8 filter of `rows` rows (output channels) of
// `row` weights, under the model of its own symbols: each nonzero weight
// one symbol, and zeros one at a time or in runs of up to kEntropyMaxRun
// inside a row, whichever codes smaller. Zeros scattered at random code
// smaller one at a time (a run costs its length and the fact that a run
// comes); zeros in long stretches (the inputs a layer never uses) in runs,
// which the kernels also skip at once.
EntropyCoded entropy_code(const int8_t* weights, int64_t rows, int32_t row);

// The coding with runs of at most `max_run` zeros.
EntropyCoded entropy_code(const int8_t* weights, int64_t rows, int32_t row, int32_t max_run);

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
