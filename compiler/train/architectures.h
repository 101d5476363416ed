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
// softmax. Error(kUsage) when the pools do not fit the image.
ir::Graph lenet(ImageShape input, const std::vector<int32_t>& channels, int32_t classes,
                uint64_t seed);

// DS-CNN (Hello Edge's keyword spotter): a 3x3 stride-2 convolution to
// `channels`, `blocks` depthwise-separable blocks (3x3 depthwise, 1x1
// pointwise, ReLU after each), global average pooling, a fully connected
// layer and a softmax.
ir::Graph ds_cnn(ImageShape input, int32_t channels, int32_t blocks, int32_t classes,
                 uint64_t seed);

// MobileNetV2-style: a 3x3 stride-2 stem, then per entry of `widths` a stage
// of `blocks` inverted residual blocks (1x1 expansion by `expansion`, 3x3
// depthwise, ReLU6 after both, linear 1x1 projection, the input added back
// where the shapes allow; each stage after the first halves the image).
ir::Graph mobilenet(ImageShape input, const std::vector<int32_t>& widths, int32_t blocks,
                    int32_t expansion, int32_t classes, uint64_t seed);

// ResNet-style: a 3x3 stem to widths[0], then per entry of `widths` a stage
// of `blocks` basic blocks (two 3x3 convolutions, the input added back
// through a 1x1 projection where the shape changes, ReLU after the sum; each
// stage after the first halves the image).
ir::Graph resnet(ImageShape input, const std::vector<int32_t>& widths, int32_t blocks,
                 int32_t classes, uint64_t seed);

// Trainable parameters of a graph: the elements of its weight and bias constants.
int64_t parameter_count(const ir::Graph& graph);

}  // namespace train
}  // namespace kiln

#endif
