// A small float graph for the training tests: every layout question (SAME
// padding with the odd pixel last, stride 2, a depthwise convolution,
// pooling, a RELU6 and a fully connected layer over a flattened image).
#ifndef KILN_TESTS_TRAIN_LAYOUT_GRAPH_H
#define KILN_TESTS_TRAIN_LAYOUT_GRAPH_H

#include <random>
#include <vector>

#include "compiler/ir/builder.h"

namespace kiln {
namespace test {

inline ir::Graph layout_graph() {
  ir::GraphBuilder b;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> draw(-0.5f, 0.5f);
  const auto values = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = draw(rng);
    return v;
  };
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 9, 8, 3});
  const int w1 = b.constant<float>("w1", KILN_DTYPE_FLOAT32, {4, 3, 3, 3}, values(108));
  const int b1 = b.constant<float>("b1", KILN_DTYPE_FLOAT32, {4}, values(4));
  const int c1 = b.tensor("c1", KILN_DTYPE_FLOAT32, {1, 5, 4, 4});
  ir::OpAttrs conv;
  conv.padding = ir::Padding::kSame;
  conv.stride_h = conv.stride_w = 2;
  conv.activation = ir::Activation::kRelu;
  b.op(ir::OpKind::kConv2D, {x, w1, b1}, {c1}, conv);
  const int w2 = b.constant<float>("w2", KILN_DTYPE_FLOAT32, {1, 3, 3, 4}, values(36));
  const int c2 = b.tensor("c2", KILN_DTYPE_FLOAT32, {1, 5, 4, 4});
  ir::OpAttrs depthwise;
  depthwise.padding = ir::Padding::kSame;
  b.op(ir::OpKind::kDepthwiseConv2D, {c1, w2, -1}, {c2}, depthwise);
  const int r = b.tensor("r", KILN_DTYPE_FLOAT32, {1, 5, 4, 4});
  ir::OpAttrs relu6;
  relu6.clamp_min = 0.0f;
  relu6.clamp_max = 6.0f;
  b.op(ir::OpKind::kClamp, {c2}, {r}, relu6);
  const int p = b.tensor("p", KILN_DTYPE_FLOAT32, {1, 2, 2, 4});
  ir::OpAttrs pool;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  b.op(ir::OpKind::kMaxPool2D, {r}, {p}, pool);
  const int shape = b.constant<int32_t>("shape", KILN_DTYPE_INT32, {2}, {-1, 16});
  const int f = b.tensor("f", KILN_DTYPE_FLOAT32, {1, 16});
  b.op(ir::OpKind::kReshape, {p, shape}, {f});
  const int w3 = b.constant<float>("w3", KILN_DTYPE_FLOAT32, {5, 16}, values(80));
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 5});
  b.op(ir::OpKind::kFullyConnected, {f, w3, -1}, {y});
  b.output(y);
  return b.build();
}

}  // namespace test
}  // namespace kiln

#endif
