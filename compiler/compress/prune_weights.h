// Weight pruning: the weakest weights of a layer set to zero, so that kiln
// stores the layer as its nonzero weights and runs it with a sparse kernel
// (compiler/ops/sparse_weights.h). Unstructured pruning zeroes a share of
// each layer's weights (or of its blocks of consecutive weights); N:M
// pruning keeps the N largest of every M consecutive weights along the
// input depth.
#ifndef KILN_COMPILER_COMPRESS_PRUNE_WEIGHTS_H
#define KILN_COMPILER_COMPRESS_PRUNE_WEIGHTS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

struct Sparsity {
  double fraction = 0.0;  // unstructured: the share of each layer's weights zeroed
  // Unstructured: shares for named layers (their output tensors) in place
  // of `fraction`; a large first layer usually takes more pruning than the
  // small layers before the scores.
  std::map<std::string, double> layer_fractions;
  int32_t n = 0, m = 0;  // N:M: N weights kept in every M (m == 0: unstructured)
  // Unstructured pruning zeroes whole blocks of this many consecutive
  // weights along the input depth, the weakest by L1 norm first (4: the
  // block form of kiln's sparse kernels).
  int32_t block = 1;
};

// "N:M" with 1 <= N < M <= 64; throws Error(kUsage) naming the text otherwise.
Sparsity parse_n_of_m(const std::string& text);

// "NAME=F,NAME=F" (--prune-layers): each layer's share; throws
// Error(kUsage) naming the text otherwise.
std::map<std::string, double> parse_layer_fractions(const std::string& text);

struct SparseLayer {
  std::string name;  // the layer's output tensor
  std::string op;    // e.g. "FULLY_CONNECTED (operator 3)"
  int filter = -1;   // the filter's tensor
  int64_t weights = 0;
  int64_t zeros = 0;  // after pruning
};

struct WeightPruning {
  ir::Graph graph;
  std::vector<SparseLayer> layers;  // every layer a sparse kernel takes
};

// Whether a sparse kernel takes `op`: FULLY_CONNECTED or 1x1 CONV_2D with
// a constant float or int8 filter ([out, in] or [out, 1, 1, in]).
bool sparse_able(const ir::Graph& graph, const ir::Op& op);

// Prunes the filter of every FULLY_CONNECTED and 1x1 CONV_2D layer (the
// layers kiln's sparse kernels run), float or int8, by magnitude: an int8
// weight weighs |q| times its channel's scale. Other layers are left as they
// are. Throws Error(kUsage) for a fraction outside (0, 1) (a layer's, or
// `fraction` where a layer takes it), for a layer_fractions name no such
// layer has (listing the layers), for a block
// other than 1, 2, 4 or 8 or with N:M, and for N:M or blocks with a layer
// whose input depth is not a multiple of M or the block, naming the layer;
// Error(kUnsupported) for a graph with no such layer.
WeightPruning prune_weights(const ir::Graph& graph, const Sparsity& sparsity);

}  // namespace kiln

#endif  // KILN_COMPILER_COMPRESS_PRUNE_WEIGHTS_H
