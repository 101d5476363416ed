// Building a float kiln graph layer by layer, as the built-in architectures
// and spec files describe models: shapes follow each layer, weights and
// biases are drawn from a seed as PyTorch draws its defaults (uniform in
// ±1/sqrt(fan-in)), and every tensor is named after its layer.
#ifndef KILN_COMPILER_TRAIN_LAYERS_H
#define KILN_COMPILER_TRAIN_LAYERS_H

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "compiler/ir/builder.h"
#include "compiler/train/architectures.h"

namespace kiln {
namespace train {

class Layers {
 public:
  Layers(ImageShape in, uint64_t seed) : rng_(seed) {
    x_ = b_.input("image", KILN_DTYPE_FLOAT32, {1, in.height, in.width, in.channels});
    shape_ = {1, in.height, in.width, in.channels};
  }

  // A k x k SAME convolution (stride 2 halves the image, rounding up).
  void conv(int32_t out_c, int32_t k, int32_t stride = 1,
            ir::Activation activation = ir::Activation::kRelu) {
    const int32_t in_c = shape_[3];
    const std::string name = "conv" + std::to_string(++layer_);
    const int w = weights(name + "/weights", {out_c, k, k, in_c}, k * k * in_c);
    const int bias = weights(name + "/bias", {out_c}, k * k * in_c);
    shape_[3] = out_c;
    next(ir::OpKind::kConv2D, {x_, w, bias}, window(stride, activation), name);
  }

  void depthwise(int32_t k, int32_t stride, ir::Activation activation) {
    const int32_t c = shape_[3];
    const std::string name = "depthwise" + std::to_string(++layer_);
    const int w = weights(name + "/weights", {1, k, k, c}, k * k);
    const int bias = weights(name + "/bias", {c}, k * k);
    next(ir::OpKind::kDepthwiseConv2D, {x_, w, bias}, window(stride, activation), name);
  }

  // The value so far, to add back later (a residual connection).
  struct Saved {
    int tensor;
    std::vector<int32_t> shape;
  };
  Saved save() const { return {x_, shape_}; }
  void restore(const Saved& s) {
    x_ = s.tensor;
    shape_ = s.shape;
  }
  void add(const Saved& shortcut, ir::Activation activation) {
    ir::OpAttrs a;
    a.activation = activation;
    next(ir::OpKind::kAdd, {x_, shortcut.tensor}, a, "add" + std::to_string(layer_));
  }
  int32_t channels() const { return shape_[3]; }
  // The current value's shape ([1, H, W, C], or [1, N] once flattened).
  const std::vector<int32_t>& shape() const { return shape_; }

  void global_average_pool() {
    const int axes =
        b_.constant<int32_t>("pool/axes" + std::to_string(layer_), KILN_DTYPE_INT32, {2}, {1, 2});
    shape_ = {1, shape_[3]};
    next(ir::OpKind::kMean, {x_, axes}, {}, "global_pool");
  }

  // A size x size VALID max pool with stride `size`.
  void max_pool(int32_t size = 2) {
    shape_[1] /= size;
    shape_[2] /= size;
    ir::OpAttrs a;
    a.filter_h = a.filter_w = a.stride_h = a.stride_w = size;
    next(ir::OpKind::kMaxPool2D, {x_}, a, "pool" + std::to_string(layer_));
  }

  void flatten() {
    const int32_t size = shape_[1] * shape_[2] * shape_[3];
    const int dims = b_.constant<int32_t>("flatten/shape", KILN_DTYPE_INT32, {2}, {-1, size});
    shape_ = {1, size};
    next(ir::OpKind::kReshape, {x_, dims}, {}, "flatten");
  }

  void dense(int32_t units, ir::Activation activation) {
    const int32_t in = shape_[1];
    const std::string name = "dense" + std::to_string(++layer_);
    const int w = weights(name + "/weights", {units, in}, in);
    const int bias = weights(name + "/bias", {units}, in);
    shape_ = {1, units};
    ir::OpAttrs a;
    a.activation = activation;
    next(ir::OpKind::kFullyConnected, {x_, w, bias}, a, name);
  }

  ir::Graph softmax() {
    next(ir::OpKind::kSoftmax, {x_}, {}, "scores");
    b_.output(x_);
    return b_.build();
  }

 private:
  int weights(const std::string& name, std::vector<int32_t> shape, int32_t fan_in) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    std::uniform_real_distribution<float> draw(-bound, bound);
    size_t count = 1;
    for (int32_t d : shape) count *= static_cast<size_t>(d);
    std::vector<float> values(count);
    for (float& v : values) v = draw(rng_);
    return b_.constant<float>(name, KILN_DTYPE_FLOAT32, std::move(shape), values);
  }

  ir::OpAttrs window(int32_t stride, ir::Activation activation) {
    shape_[1] = (shape_[1] + stride - 1) / stride;
    shape_[2] = (shape_[2] + stride - 1) / stride;
    ir::OpAttrs a;
    a.padding = ir::Padding::kSame;
    a.stride_h = a.stride_w = stride;
    a.activation = activation;
    return a;
  }

  void next(ir::OpKind kind, std::vector<int> inputs, ir::OpAttrs attrs, const std::string& name) {
    const int y = b_.tensor(name, KILN_DTYPE_FLOAT32, shape_);
    b_.op(kind, std::move(inputs), {y}, attrs);
    x_ = y;
  }

  ir::GraphBuilder b_;
  std::mt19937_64 rng_;
  int x_ = -1;
  int layer_ = 0;
  std::vector<int32_t> shape_;
};

}  // namespace train
}  // namespace kiln

#endif
