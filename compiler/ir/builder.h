// Building IR graphs in code: for tests, generated example models and the trainer.
#ifndef KILN_COMPILER_IR_BUILDER_H
#define KILN_COMPILER_IR_BUILDER_H

#include <cstring>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace ir {

class GraphBuilder {
 public:
  // A non-constant tensor (per-tensor quantization when scale > 0).
  int tensor(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape,
             float scale = 0.0f, int32_t zero_point = 0) {
    Tensor t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    if (scale > 0.0f) {
      t.quant.scales = {scale};
      t.quant.zero_points = {zero_point};
    }
    graph_.tensors.push_back(std::move(t));
    return static_cast<int>(graph_.tensors.size() - 1);
  }

  int input(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape,
            float scale = 0.0f, int32_t zero_point = 0) {
    const int t = tensor(name, dtype, std::move(shape), scale, zero_point);
    graph_.inputs.push_back(t);
    return t;
  }

  // A constant; `scales` empty for none, one for per-tensor, more for per-channel along `axis`.
  template <typename T>
  int constant(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape,
               const std::vector<T>& values, std::vector<float> scales = {}, int32_t axis = 0) {
    const int t = tensor(name, dtype, std::move(shape));
    Tensor& c = graph_.tensors[static_cast<size_t>(t)];
    c.constant = true;
    c.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(c.data.data(), values.data(), c.data.size());
    c.quant.scales = std::move(scales);
    c.quant.zero_points.assign(c.quant.scales.size(), 0);
    c.quant.axis = axis;
    return t;
  }

  // A persistent tensor (state kept between invocations), reset to zeros.
  int variable(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape,
               float scale = 0.0f, int32_t zero_point = 0) {
    const int t = tensor(name, dtype, std::move(shape), scale, zero_point);
    graph_.tensors[static_cast<size_t>(t)].persistent = true;
    return t;
  }

  Op& op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpAttrs attrs = {}) {
    Op o;
    o.kind = kind;
    o.type_name = op_kind_name(kind);
    o.location = "operator " + std::to_string(graph_.ops.size());
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.attrs = attrs;
    graph_.ops.push_back(std::move(o));
    return graph_.ops.back();
  }

  void output(int t) { graph_.outputs.push_back(t); }

  Graph& graph() { return graph_; }
  // The graph, verified.
  Graph build() const {
    verify(graph_);
    return graph_;
  }

 private:
  Graph graph_;
};

}  // namespace ir
}  // namespace kiln

#endif
