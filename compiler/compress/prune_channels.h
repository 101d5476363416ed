// Structured pruning: whole output channels (filters) of convolutions and
// units of fully connected layers are removed, and the layers that read
// them shrink to match, so the pruned model needs fewer MACs and less
// weight flash with the same dense kernels.
#ifndef KILN_COMPILER_COMPRESS_PRUNE_CHANNELS_H
#define KILN_COMPILER_COMPRESS_PRUNE_CHANNELS_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

struct PrunedLayer {
  std::string name;  // the layer's output tensor
  std::string op;    // e.g. "CONV_2D (operator 3)"
  int32_t channels_before = 0, channels_after = 0;
  std::vector<int32_t> kept;  // the channels left, by their index before pruning
  // Why the layer keeps its channels (empty when it was pruned).
  std::string kept_because;
};

struct ChannelPruning {
  ir::Graph graph;
  std::vector<PrunedLayer> layers;  // every convolution and fully connected layer
};

// Removes `fraction` (0 to 1) of the output channels of every float or
// int8 (per-channel scales follow their channels) CONV_2D and
// FULLY_CONNECTED layer whose channels flow, through
// per-channel ops (activations, pooling, depthwise convolutions with one
// filter per channel, spatial means, a flattening reshape), only into other
// convolutions and fully connected layers. Layers whose outputs meet at
// residual ADDs share one set of channels and are pruned together. The
// channels whose filters have the smallest L1 norm (summed over the layers
// that share them) go, at least one kept. Layers whose channels reach
// anything else (a softmax, a graph output) keep them, with the reason.
// The channels kept are rounded up to a multiple of `multiple` (where the
// layer has more), since vector kernels run whole groups of channels.
// Throws Error(kUsage) for a fraction outside [0, 1) or a multiple below 1.
ChannelPruning prune_channels(const ir::Graph& graph, double fraction, int32_t multiple = 1);

}  // namespace kiln

#endif
