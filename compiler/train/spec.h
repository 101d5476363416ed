// A model described in a small text file, one layer per line, for
// `kiln train --spec FILE`:
//
//   # Fashion-MNIST, LeNet-style       comments and blank lines are ignored
//   input 28 28 1                      height, width, channels: the first layer
//   conv 32 kernel=5                   SAME convolution; kernel 3, stride 1, ReLU by default
//   maxpool 2                          size x size window, stride size (default 2)
//   depthwise kernel=3 stride=2        SAME depthwise convolution; same defaults as conv
//   globalpool                         average over the image: [1, channels]
//   flatten                            [1, height x width x channels]
//   dense 10                           fully connected; no activation by default
//   softmax                            optional; added after a final dense
//
// Options are key=value: kernel, stride, activation (relu, relu6, none).
// Errors name the file, line and column of what is wrong.
#ifndef KILN_COMPILER_TRAIN_SPEC_H
#define KILN_COMPILER_TRAIN_SPEC_H

#include <cstdint>
#include <string>

#include "compiler/ir/graph.h"

namespace kiln {
namespace train {

// Throws Error(kBadInput) "<label>:<line>:<column>: ..." for anything the
// format does not allow, or a layer that does not fit the shape before it.
ir::Graph parse_spec(const std::string& text, const std::string& label, uint64_t seed);

// The file at `path` (Error(kFileNotFound) if it cannot be read).
ir::Graph load_spec(const std::string& path, uint64_t seed);

}  // namespace train
}  // namespace kiln

#endif
