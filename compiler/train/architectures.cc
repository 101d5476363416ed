#include "compiler/train/architectures.h"

#include <cmath>
#include <random>
#include <string>

#include "compiler/ir/builder.h"

namespace kiln {
namespace train {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

class Layers {
 public:
  Layers(ImageShape in, uint64_t seed) : rng_(seed) {
    x_ = b_.input("image", KILN_DTYPE_FLOAT32, {1, in.height, in.width, in.channels});
    shape_ = {1, in.height, in.width, in.channels};
  }

  void conv(int32_t out_c, int32_t k) {
    const int32_t in_c = shape_[3];
    const std::string name = "conv" + std::to_string(++layer_);
    const int w = weights(name + "/weights", {out_c, k, k, in_c}, k * k * in_c);
    const int bias = weights(name + "/bias", {out_c}, k * k * in_c);
    shape_[3] = out_c;
    ir::OpAttrs a;
    a.padding = ir::Padding::kSame;
    a.activation = ir::Activation::kRelu;
    next(OpKind::kConv2D, {x_, w, bias}, a, name);
  }

  void max_pool() {
    shape_[1] /= 2;
    shape_[2] /= 2;
    ir::OpAttrs a;
    a.filter_h = a.filter_w = a.stride_h = a.stride_w = 2;
    next(OpKind::kMaxPool2D, {x_}, a, "pool" + std::to_string(layer_));
  }

  void flatten() {
    const int32_t size = shape_[1] * shape_[2] * shape_[3];
    const int dims = b_.constant<int32_t>("flatten/shape", KILN_DTYPE_INT32, {2}, {-1, size});
    shape_ = {1, size};
    next(OpKind::kReshape, {x_, dims}, {}, "flatten");
  }

  void dense(int32_t units, bool relu) {
    const int32_t in = shape_[1];
    const std::string name = "dense" + std::to_string(++layer_);
    const int w = weights(name + "/weights", {units, in}, in);
    const int bias = weights(name + "/bias", {units}, in);
    shape_ = {1, units};
    ir::OpAttrs a;
    a.activation = relu ? ir::Activation::kRelu : ir::Activation::kNone;
    next(OpKind::kFullyConnected, {x_, w, bias}, a, name);
  }

  ir::Graph softmax() {
    next(OpKind::kSoftmax, {x_}, {}, "scores");
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

  void next(OpKind kind, std::vector<int> inputs, ir::OpAttrs attrs, const std::string& name) {
    const int y = b_.tensor(name, KILN_DTYPE_FLOAT32, shape_);
    b_.op(kind, std::move(inputs), {y}, attrs);
    x_ = y;
  }

  GraphBuilder b_;
  std::mt19937_64 rng_;
  int x_ = -1;
  int layer_ = 0;
  std::vector<int32_t> shape_;
};

}  // namespace

ir::Graph mlp(ImageShape input, const std::vector<int32_t>& hidden, int32_t classes,
              uint64_t seed) {
  Layers l(input, seed);
  l.flatten();
  for (int32_t units : hidden) l.dense(units, true);
  l.dense(classes, false);
  return l.softmax();
}

ir::Graph lenet(ImageShape input, const std::vector<int32_t>& channels, int32_t classes,
                uint64_t seed) {
  Layers l(input, seed);
  for (int32_t c : channels) {
    l.conv(c, 5);
    l.max_pool();
  }
  l.flatten();
  l.dense(classes, false);
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
