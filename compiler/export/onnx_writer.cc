#include "compiler/export/onnx_writer.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/common/error.h"

namespace kiln {
namespace {

using ir::OpKind;

const std::vector<int64_t> kToNchw = {0, 3, 1, 2}, kToNhwc = {0, 2, 3, 1};

class OnnxWriter {
 public:
  explicit OnnxWriter(const ir::Graph& g) : g_(g) {
    model_.set_ir_version(7);
    model_.set_producer_name("kiln");
    model_.add_opset_import()->set_version(13);
    graph_ = model_.mutable_graph();
    graph_->set_name("kiln");
  }

  std::vector<uint8_t> write() {
    for (int t : g_.inputs) {
      nchw_[t] = rank(t) == 4;
      declare(graph_->add_input(), t, name(t), nchw_[t]);
    }
    for (const ir::Op& op : g_.ops) write_op(op);
    for (int t : g_.outputs)
      declare(graph_->add_output(), t, layout(t, rank(t) == 4), rank(t) == 4);
    std::string bytes;
    if (!model_.SerializeToString(&bytes))
      throw Error(ErrorKind::kUnsupported, "the ONNX model does not serialize");
    return {bytes.begin(), bytes.end()};
  }

 private:
  const ir::Tensor& tensor(int t) const { return g_.tensors[static_cast<size_t>(t)]; }
  size_t rank(int t) const { return tensor(t).shape.size(); }

  // Value names: the tensor's, made unique.
  std::string name(int t) {
    const auto it = names_.find(t);
    if (it != names_.end()) return it->second;
    std::string n = tensor(t).name.empty() ? fmt::format("t{}", t) : tensor(t).name;
    if (used_.count(n)) n = fmt::format("{}_{}", n, t);
    used_.insert(n);
    return names_[t] = n;
  }
  std::string fresh(const std::string& base) {
    std::string n = base;
    for (int i = 1; used_.count(n); ++i) n = fmt::format("{}_{}", base, i);
    used_.insert(n);
    return n;
  }

  void declare(onnx::ValueInfoProto* v, int t, const std::string& value, bool nchw) {
    v->set_name(value);
    onnx::TypeProto::Tensor* type = v->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    std::vector<int32_t> dims = tensor(t).shape;
    if (dims.size() == 4 && nchw) dims = {dims[0], dims[3], dims[1], dims[2]};
    for (int32_t d : dims) type->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* node(const std::string& type, const std::vector<std::string>& inputs,
                        const std::string& output) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(type);
    n->set_name(fresh(output + "/" + type));
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  }
  static void ints(onnx::NodeProto* n, const char* attr, const std::vector<int64_t>& values) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
  }
  static void integer(onnx::NodeProto* n, const char* attr, int64_t value) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  std::string initializer(const std::string& base, const std::vector<int64_t>& dims,
                          const std::vector<float>& values) {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(fresh(base));
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
    return t->name();
  }
  std::string int64_initializer(const std::string& base, const std::vector<int64_t>& values) {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(fresh(base));
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(values.size()));
    t->set_raw_data(values.data(), values.size() * sizeof(int64_t));
    return t->name();
  }
  std::vector<float> floats(int t) const {
    const ir::Tensor& c = tensor(t);
    return {c.as<float>(), c.as<float>() + c.elements()};
  }

  // Value t in NCHW (true) or kiln's order, with a Transpose written once
  // when it is held the other way.
  std::string layout(int t, bool nchw) {
    if (tensor(t).constant) {
      if (nchw) throw unsupported("a constant 4-D operand");
      if (!names_.count(t)) {
        const std::vector<float> v = floats(t);
        names_[t] = initializer(tensor(t).name, dims_of(t), v);
      }
      return names_[t];
    }
    if (rank(t) != 4 || nchw_[t] == nchw) return name(t);
    auto& cache = nchw ? as_nchw_ : as_nhwc_;
    const auto it = cache.find(t);
    if (it != cache.end()) return it->second;
    const std::string out = fresh(name(t) + (nchw ? "/nchw" : "/nhwc"));
    ints(node("Transpose", {name(t)}, out), "perm", nchw ? kToNchw : kToNhwc);
    return cache[t] = out;
  }
  std::vector<int64_t> dims_of(int t) const {
    return {tensor(t).shape.begin(), tensor(t).shape.end()};
  }

  Error unsupported(const std::string& what) const {
    return Error(
        ErrorKind::kUnsupported,
        fmt::format("ONNX export: {} ({}, {}) has no float ONNX form here: {}", current_->type_name,
                    op_kind_name(current_->kind), current_->location, what));
  }

  // The op's result, then its fused activation.
  void finish(const ir::Op& op, onnx::NodeProto* n, bool nchw) {
    const int out = op.outputs[0];
    nchw_[out] = nchw && rank(out) == 4;
    if (op.attrs.activation == ir::Activation::kNone) return;
    const std::string raw = fresh(name(out) + "/linear");
    n->set_output(0, raw);
    switch (op.attrs.activation) {
      case ir::Activation::kRelu: node("Relu", {raw}, name(out)); return;
      case ir::Activation::kRelu6: clip(raw, 0.0f, 6.0f, name(out)); return;
      case ir::Activation::kReluN1To1: clip(raw, -1.0f, 1.0f, name(out)); return;
      case ir::Activation::kNone: return;
    }
  }
  void clip(const std::string& in, float lo, float hi, const std::string& out) {
    node("Clip", {in, initializer(out + "/min", {}, {lo}), initializer(out + "/max", {}, {hi})},
         out);
  }

  // Kernel, strides, dilations and pads ([top, left, bottom, right]).
  void window(onnx::NodeProto* n, const ir::Op& op, int32_t k_h, int32_t k_w, bool dilations) {
    const std::vector<int32_t>& in = tensor(op.inputs[0]).shape;
    const std::vector<int32_t>& out = tensor(op.outputs[0]).shape;
    const ir::OpAttrs& a = op.attrs;
    const int32_t d_h = dilations ? a.dilation_h : 1, d_w = dilations ? a.dilation_w : 1;
    const auto total = [](int32_t in_size, int32_t out_size, int32_t k, int32_t s, int32_t d) {
      return std::max(0, (out_size - 1) * s + (k - 1) * d + 1 - in_size);
    };
    const int32_t p_h = total(in[1], out[1], k_h, a.stride_h, d_h);
    const int32_t p_w = total(in[2], out[2], k_w, a.stride_w, d_w);
    const int32_t top = a.padding == ir::Padding::kExplicit ? a.pad_top
                        : a.padding == ir::Padding::kSame   ? p_h / 2
                                                            : 0;
    const int32_t left = a.padding == ir::Padding::kExplicit ? a.pad_left
                         : a.padding == ir::Padding::kSame   ? p_w / 2
                                                             : 0;
    const int32_t bottom = a.padding == ir::Padding::kValid ? 0 : p_h - top;
    const int32_t right = a.padding == ir::Padding::kValid ? 0 : p_w - left;
    ints(n, "kernel_shape", {k_h, k_w});
    ints(n, "strides", {a.stride_h, a.stride_w});
    if (dilations) ints(n, "dilations", {d_h, d_w});
    ints(n, "pads", {top, left, bottom, right});
  }

  void convolution(const ir::Op& op, bool depthwise) {
    const ir::Tensor& filter = tensor(op.inputs[1]);
    if (!filter.constant) throw unsupported("its filter is not a constant");
    // kiln: [out, kh, kw, in] (depthwise [1, kh, kw, out]); ONNX: [out, in/group, kh, kw].
    const int32_t kh = filter.shape[1], kw = filter.shape[2], last = filter.shape[3];
    const int32_t out_c = depthwise ? last : filter.shape[0], in_c = depthwise ? 1 : last;
    const std::vector<float> w = floats(op.inputs[1]);
    std::vector<float> onnx_w(w.size());
    for (int64_t o = 0; o < out_c; ++o)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          for (int64_t i = 0; i < in_c; ++i) {
            const int64_t from =
                depthwise ? (y * kw + x) * last + o : ((o * kh + y) * kw + x) * in_c + i;
            onnx_w[static_cast<size_t>(((o * in_c + i) * kh + y) * kw + x)] =
                w[static_cast<size_t>(from)];
          }
    std::vector<std::string> inputs = {layout(op.inputs[0], true),
                                       initializer(filter.name, {out_c, in_c, kh, kw}, onnx_w)};
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) inputs.push_back(layout(op.inputs[2], false));
    onnx::NodeProto* n = node("Conv", inputs, name(op.outputs[0]));
    window(n, op, kh, kw, true);
    integer(n, "group", depthwise ? tensor(op.inputs[0]).shape[3] : 1);
    finish(op, n, true);
  }

  void write_op(const ir::Op& op) {
    current_ = &op;
    for (int t : op.inputs)
      if (t >= 0 && tensor(t).dtype != KILN_DTYPE_FLOAT32 && op.kind != OpKind::kReshape &&
          op.kind != OpKind::kMean && op.kind != OpKind::kTranspose)
        throw unsupported(fmt::format("tensor '{}' is {}, not float", tensor(t).name,
                                      ir::dtype_name(tensor(t).dtype)));
    const int in = op.inputs[0], out = op.outputs[0];
    const bool nchw_in = rank(in) == 4 && !tensor(in).constant && nchw_[in];
    switch (op.kind) {
      case OpKind::kConv2D: return convolution(op, false);
      case OpKind::kDepthwiseConv2D: return convolution(op, true);
      case OpKind::kFullyConnected: {
        std::string x = layout(in, false);
        const int64_t k = tensor(op.inputs[1]).shape[1];
        if (rank(in) != 2) {
          const std::string flat = fresh(name(out) + "/rows");
          node("Reshape", {x, int64_initializer(flat + "/shape", {-1, k})}, flat);
          x = flat;
        }
        std::vector<std::string> inputs = {x, layout(op.inputs[1], false)};
        if (op.inputs.size() > 2 && op.inputs[2] >= 0)
          inputs.push_back(layout(op.inputs[2], false));
        onnx::NodeProto* n = node("Gemm", inputs, name(out));
        integer(n, "transB", 1);
        return finish(op, n, false);
      }
      case OpKind::kMaxPool2D:
      case OpKind::kAveragePool2D: {
        const bool max = op.kind == OpKind::kMaxPool2D;
        onnx::NodeProto* n = node(max ? "MaxPool" : "AveragePool", {layout(in, true)}, name(out));
        window(n, op, op.attrs.filter_h, op.attrs.filter_w, false);
        if (!max) integer(n, "count_include_pad", 0);  // TFLite averages the image's taps only
        return finish(op, n, true);
      }
      case OpKind::kMean: {
        const ir::Tensor& axes = tensor(op.inputs[1]);
        if (!axes.constant) throw unsupported("its axes are not a constant");
        std::vector<int64_t> onnx_axes;
        for (int64_t i = 0; i < axes.elements(); ++i) {
          int64_t a =
              axes.dtype == KILN_DTYPE_INT64 ? axes.as<int64_t>()[i] : axes.as<int32_t>()[i];
          if (a < 0) a += static_cast<int64_t>(rank(in));
          onnx_axes.push_back(nchw_in ? std::vector<int64_t>{0, 2, 3, 1}[static_cast<size_t>(a)]
                                      : a);
        }
        onnx::NodeProto* n = node("ReduceMean", {layout(in, nchw_in)}, name(out));
        ints(n, "axes", onnx_axes);
        integer(n, "keepdims", op.attrs.keep_dims ? 1 : 0);
        return finish(op, n, nchw_in && op.attrs.keep_dims);
      }
      case OpKind::kAdd: {
        const int b = op.inputs[1];
        const bool nchw = nchw_in && !tensor(b).constant;
        onnx::NodeProto* n = node("Add", {layout(in, nchw), layout(b, nchw)}, name(out));
        return finish(op, n, nchw);
      }
      case OpKind::kReshape: {
        const std::vector<int64_t> shape = dims_of(out);
        onnx::NodeProto* n =
            node("Reshape", {layout(in, false), int64_initializer(name(out) + "/shape", shape)},
                 name(out));
        return finish(op, n, false);
      }
      case OpKind::kTranspose: {
        onnx::NodeProto* n = node("Transpose", {layout(in, false)}, name(out));
        ints(n, "perm", {op.attrs.perm.begin(), op.attrs.perm.end()});
        return finish(op, n, false);
      }
      case OpKind::kSoftmax: {
        std::string x = layout(in, false);
        if (op.attrs.beta != 1.0f) {
          const std::string scaled = fresh(name(out) + "/scaled");
          node("Mul", {x, initializer(scaled + "/beta", {}, {op.attrs.beta})}, scaled);
          x = scaled;
        }
        onnx::NodeProto* n = node("Softmax", {x}, name(out));
        integer(n, "axis", -1);
        return finish(op, n, false);
      }
      case OpKind::kClamp: {
        const std::string x = layout(in, nchw_in);
        if (op.attrs.clamp_min == 0.0f && std::isinf(op.attrs.clamp_max)) {
          return finish(op, node("Relu", {x}, name(out)), nchw_in);
        }
        clip(x, op.attrs.clamp_min, op.attrs.clamp_max, name(out));
        nchw_[out] = nchw_in;
        return;
      }
      case OpKind::kLeakyRelu: {
        onnx::NodeProto* n = node("LeakyRelu", {layout(in, nchw_in)}, name(out));
        onnx::AttributeProto* a = n->add_attribute();
        a->set_name("alpha");
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(op.attrs.alpha);
        return finish(op, n, nchw_in);
      }
      case OpKind::kLogistic:
        return finish(op, node("Sigmoid", {layout(in, nchw_in)}, name(out)), nchw_in);
      case OpKind::kTanh:
        return finish(op, node("Tanh", {layout(in, nchw_in)}, name(out)), nchw_in);
      default: throw unsupported("not one of the ops kiln trains");
    }
  }

  const ir::Graph& g_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
  std::map<int, std::string> names_, as_nchw_, as_nhwc_;
  std::map<int, bool> nchw_;  // 4-D values held NCHW
  std::set<std::string> used_;
  const ir::Op* current_ = nullptr;
};

}  // namespace

std::vector<uint8_t> write_onnx(const ir::Graph& graph) { return OnnxWriter(graph).write(); }

}  // namespace kiln
