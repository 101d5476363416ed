#include "compiler/train/architectures.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/train/layers.h"

namespace kiln {
namespace train {
using ir::OpKind;

ir::Graph mlp(ImageShape input, const std::vector<int32_t>& hidden, int32_t classes,
              uint64_t seed) {
  Layers l(input, seed);
  l.flatten();
  for (int32_t units : hidden) l.dense(units, ir::Activation::kRelu);
  l.dense(classes, ir::Activation::kNone);
  return l.softmax();
}

ir::Graph lenet(ImageShape input, const std::vector<int32_t>& channels, int32_t classes,
                uint64_t seed) {
  Layers l(input, seed);
  for (int32_t c : channels) {
    if (l.shape()[1] < 2 || l.shape()[2] < 2) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("cnn: {} 2x2 max pools do not fit {}x{} samples (--input-shape "
                              "gives samples a height and a width)",
                              channels.size(), input.height, input.width));
    }
    l.conv(c, 5);
    l.max_pool();
  }
  l.flatten();
  l.dense(classes, ir::Activation::kNone);
  return l.softmax();
}

ir::Graph ds_cnn(ImageShape input, int32_t channels, int32_t blocks, int32_t classes,
                 uint64_t seed) {
  Layers l(input, seed);
  l.conv(channels, 3, 2);
  for (int32_t i = 0; i < blocks; ++i) {
    l.depthwise(3, 1, ir::Activation::kRelu);
    l.conv(channels, 1);
  }
  l.global_average_pool();
  l.dense(classes, ir::Activation::kNone);
  return l.softmax();
}

ir::Graph mobilenet(ImageShape input, const std::vector<int32_t>& widths, int32_t blocks,
                    int32_t expansion, int32_t classes, uint64_t seed) {
  Layers l(input, seed);
  l.conv(widths.empty() ? 16 : widths[0], 3, 2, ir::Activation::kRelu6);
  for (size_t stage = 0; stage < widths.size(); ++stage) {
    for (int32_t i = 0; i < blocks; ++i) {
      const int32_t stride = stage > 0 && i == 0 ? 2 : 1;
      const bool residual = stride == 1 && l.channels() == widths[stage];
      const Layers::Saved in = l.save();
      l.conv(l.channels() * expansion, 1, 1, ir::Activation::kRelu6);
      l.depthwise(3, stride, ir::Activation::kRelu6);
      l.conv(widths[stage], 1, 1, ir::Activation::kNone);
      if (residual) l.add(in, ir::Activation::kNone);
    }
  }
  l.global_average_pool();
  l.dense(classes, ir::Activation::kNone);
  return l.softmax();
}

ir::Graph resnet(ImageShape input, const std::vector<int32_t>& widths, int32_t blocks,
                 int32_t classes, uint64_t seed) {
  Layers l(input, seed);
  l.conv(widths.empty() ? 16 : widths[0], 3);
  for (size_t stage = 0; stage < widths.size(); ++stage) {
    for (int32_t i = 0; i < blocks; ++i) {
      const int32_t stride = stage > 0 && i == 0 ? 2 : 1;
      const Layers::Saved in = l.save();
      Layers::Saved shortcut = in;
      if (stride != 1 || l.channels() != widths[stage]) {  // a 1x1 projection
        l.conv(widths[stage], 1, stride, ir::Activation::kNone);
        shortcut = l.save();
        l.restore(in);
      }
      l.conv(widths[stage], 3, stride);
      l.conv(widths[stage], 3, 1, ir::Activation::kNone);
      l.add(shortcut, ir::Activation::kRelu);
    }
  }
  l.global_average_pool();
  l.dense(classes, ir::Activation::kNone);
  return l.softmax();
}

int64_t parameter_count(const ir::Graph& graph) {
  int64_t count = 0;
  for (const ir::Op& op : graph.ops) {
    if (op.kind != OpKind::kConv2D && op.kind != OpKind::kDepthwiseConv2D &&
        op.kind != OpKind::kFullyConnected)
      continue;
    for (size_t i = 1; i < op.inputs.size(); ++i) {
      if (op.inputs[i] >= 0) count += graph.tensors[static_cast<size_t>(op.inputs[i])].elements();
    }
  }
  return count;
}

}  // namespace train
}  // namespace kiln
