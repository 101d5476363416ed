// Built-in architectures as kiln float graphs (trained through GraphModule
// like any imported model), with initial weights drawn from a seed as
// PyTorch draws its defaults: uniform in ±1/sqrt(fan-in).
#ifndef KILN_COMPILER_TRAIN_ARCHITECTURES_H
#define KILN_COMPILER_TRAIN_ARCHITECTURES_H

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace train {

struct ImageShape {
  int32_t height = 28, width = 28, channels = 1;
};

// Fully connected layers of `hidden` units with ReLU, then `classes` logits
// and a softmax.
ir::Graph mlp(ImageShape input, const std::vector<int32_t>& hidden, int32_t classes, uint64_t seed);

// LeNet-style: for each entry of `channels`, a 5x5 SAME convolution with
// ReLU and a 2x2 max pool; then a fully connected layer to `classes` and a
// softmax.
ir::Graph lenet(ImageShape input, const std::vector<int32_t>& channels, int32_t classes,
                uint64_t seed);

// Trainable parameters of a graph: the elements of its weight and bias constants.
int64_t parameter_count(const ir::Graph& graph);

}  // namespace train
}  // namespace kiln

#endif
