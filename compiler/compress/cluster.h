// Weight clustering (weight sharing): each int8 filter of a convolution or
// fully connected layer is reduced to at most K distinct values, the
// centres of an optimal one-dimensional k-means over its int8 values, so
// that kiln stores it as 4-bit indices into a codebook
// (compiler/ops/coded_weights.h) and decodes it in the kernels' inner loops.
#ifndef KILN_COMPILER_COMPRESS_CLUSTER_H
#define KILN_COMPILER_COMPRESS_CLUSTER_H

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

// Weights of each int8 value (index: value + 128), and each value's centre.
using Int8Histogram = std::array<double, 256>;
using Int8Mapping = std::array<int8_t, 256>;

// The optimal one-dimensional k-means of the int8 values `histogram` weighs
// into at most `clusters` runs of consecutive values (dynamic programming,
// Wang and Song's Ckmeans.1d.dp in its simple O(k n^2) form): each value's
// centre, rounded to int8. What cluster_weights does to a filter, and what
// training with weight clusters simulates.
Int8Mapping optimal_int8_centres(const Int8Histogram& histogram, int32_t clusters);

// Whether `op` is a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED layer
// with a constant, quantized int8 filter: the layers clustering, int4 and
// binary weights (and budget mode) work on.
bool clusterable(const ir::Graph& graph, const ir::Op& op);

struct ClusteredLayer {
  std::string name;  // the layer's output tensor
  std::string op;    // e.g. "CONV_2D (operator 3)"
  int64_t weights = 0;
  int32_t values_before = 0;  // distinct int8 values (largest over channels if per channel)
  int32_t codebooks = 0;      // 0: left as it was (kept_because says why)
  int64_t int8_bytes = 0, coded_bytes = 0;  // the filter as kiln stores it, before and after
  double rms_error = 0.0;  // of the real (dequantized) weights, relative to their RMS
  std::string kept_because;
};

struct Clustering {
  ir::Graph graph;
  std::vector<ClusteredLayer> layers;  // every int8 convolution and fully connected layer
};

// Clusters the int8 filters of every CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED layer into at most `clusters` (2 to 16) values, with one
// set of centres for the layer or, `per_channel`, one per output channel.
// The k-means is exact (dynamic programming over the 256 int8 values) and
// minimizes the squared error of the real weights, so channels with larger
// scales weigh more in a shared codebook; centres are rounded to int8.
// Scales, zero points and biases are unchanged. Layers whose filters kiln
// would not store coded (too small for a codebook to pay) are left as they
// are. Throws Error(kUsage) for `clusters` outside [2, 16] and
// Error(kUnsupported) for a graph without int8 weights. Only `layers`
// (output tensor names), if any are given.
Clustering cluster_weights(const ir::Graph& graph, int32_t clusters, bool per_channel,
                           const std::set<std::string>& layers = {});

// int4 weights from int8 ones, with no data: each filter (per channel where
// its scales are) is requantized symmetrically to [-7, 7] at max|w| / 7, and
// its int32 bias to the new weight scale, so that kiln stores it in 4 bits
// under the int4 codebook. Layers are reported as by cluster_weights, with
// one codebook each. Throws Error(kUnsupported) for a graph without int8
// weights. Only `layers` (output tensor names), if any are given.
Clustering requantize_int4(const ir::Graph& graph, const std::set<std::string>& layers = {});

// Binary weights from int8 ones, with no data: each output channel's
// weights become +a or -a by their sign, a the channel's mean magnitude in
// its int8 levels; scales and biases are unchanged. kiln stores the
// convolution and fully connected filters in one bit per weight
// (compiler/ops/binary_weights.h); depthwise ones stay int8. Reported as
// by cluster_weights, with a codebook of two values per channel. Throws
// Error(kUnsupported) for a graph without int8 weights. Only `layers`, if
// any are given.
Clustering binarize_weights(const ir::Graph& graph, const std::set<std::string>& layers = {});

}  // namespace kiln

#endif  // KILN_COMPILER_COMPRESS_CLUSTER_H
