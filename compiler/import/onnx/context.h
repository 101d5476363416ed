// The ONNX importer's state, as the per-op converters see it: values by
// name (each an IR tensor, with its layout), attribute and constant readers,
// and helpers that emit IR ops. Internal to compiler/import/onnx.
#ifndef KILN_COMPILER_IMPORT_ONNX_CONTEXT_H
#define KILN_COMPILER_IMPORT_ONNX_CONTEXT_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace onnx_import {

// An ONNX value as the IR holds it. A 4-D activation is stored NHWC: its
// ONNX (NCHW) dim i is IR dim kNchwInIr[i].
struct Value {
  int tensor = -1;
  bool nchw = false;
};

constexpr int32_t kNchwInIr[4] = {0, 3, 1, 2};  // ONNX NCHW dim -> IR NHWC dim
constexpr int32_t kNhwcInNchw[4] = {0, 2, 3, 1};  // IR NHWC dim -> ONNX NCHW dim

class Importer;

// One node being converted.
class Node {
 public:
  Node(Importer& importer, const onnx::NodeProto& proto, int index) : im_(importer), proto_(proto), index_(index) {}

  const onnx::NodeProto& proto() const { return proto_; }
  const std::string& op_type() const { return proto_.op_type(); }
  // "node 3 'conv1' (Conv)": how errors name the node.
  std::string where() const;
  int64_t opset() const;
  ir::Graph& graph();

  [[noreturn]] void unsupported(const std::string& what) const;
  [[noreturn]] void invalid(const std::string& what) const;

  // Attributes, with defaults when absent; a present attribute of the wrong
  // type is an error.
  bool has_attr(const std::string& name) const { return find_attr(name) != nullptr; }
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name, const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name) const;
  const onnx::TensorProto* attr_tensor(const std::string& name) const;

  // Inputs: an empty name is an absent optional input.
  size_t num_inputs() const { return static_cast<size_t>(proto_.input_size()); }
  bool has_input(size_t i) const { return i < num_inputs() && !proto_.input(static_cast<int>(i)).empty(); }
  Value input(size_t i) const;
  // This node reads `v` as input i (a converter's own rewrite of an operand).
  void rebind_input(size_t i, Value v) { overrides_[i] = v; }
  const ir::Tensor& input_tensor(size_t i) const;
  // The input's ONNX shape (NCHW for a 4-D activation).
  std::vector<int32_t> input_shape(size_t i) const;
  // A constant input (fails naming it otherwise).
  const ir::Tensor& constant_input(size_t i, const char* role) const;
  // A constant integer (int32/int64) or float input read as int64 / float values.
  std::vector<int64_t> int_values(size_t i, const char* role) const;
  std::vector<float> float_values(size_t i, const char* role) const;

  size_t num_outputs() const { return static_cast<size_t>(proto_.output_size()); }
  const std::string& output_name(size_t i) const { return proto_.output(static_cast<int>(i)); }
  // Output i's IR tensor: a new activation of `dtype` with IR shape `shape`
  // (already NHWC when `nchw`), bound to the output's name.
  Value define_output(size_t i, kiln_dtype dtype, std::vector<int32_t> shape, bool nchw);
  // Output i is another value (Identity, a Reshape that changes nothing).
  void alias_output(size_t i, Value v);

  // Emits an op reading `inputs` and writing `outputs` (IR tensor indices).
  ir::Op& emit(ir::OpKind kind, std::vector<int> inputs, std::vector<int> outputs, ir::OpAttrs attrs = {});
  // A new constant tensor for this node.
  int add_constant(const std::string& suffix, kiln_dtype dtype, std::vector<int32_t> shape, const void* data,
                   size_t bytes);
  int add_float_constant(const std::string& suffix, std::vector<int32_t> shape, const std::vector<float>& values);
  // A new activation tensor for this node's intermediate results.
  int add_intermediate(const std::string& suffix, kiln_dtype dtype, std::vector<int32_t> shape);

  // The value in the element order of its ONNX shape (a TRANSPOSE from NHWC
  // if it is stored NHWC), or a 4-D value stored NHWC (a TRANSPOSE from
  // NCHW if it is not).
  Value plain(Value v);
  Value nhwc(Value v);

 private:
  const onnx::AttributeProto* find_attr(const std::string& name) const;
  const onnx::AttributeProto& attr_of_type(const std::string& name, onnx::AttributeProto::AttributeType type) const;

  Importer& im_;
  const onnx::NodeProto& proto_;
  int index_;
  std::map<size_t, Value> overrides_;
};

using Converter = void (*)(Node& node);

// Converters by ONNX op type; each file registers its own group.
void register_nn_converters(std::map<std::string, Converter>& table);
void register_math_converters(std::map<std::string, Converter>& table);
void register_tensor_converters(std::map<std::string, Converter>& table);

// Shared by the converters.
// A rank-r ONNX dim index (negative counts from the end); -1 if out of range.
int32_t normalize_axis(int64_t axis, size_t rank);
// The IR shape of an ONNX 4-D shape stored NHWC.
std::vector<int32_t> nhwc_shape(const std::vector<int32_t>& nchw);
// Row-major transpose of a constant's elements: output dim i is input dim perm[i].
std::vector<uint8_t> transpose_data(const std::vector<uint8_t>& data, const std::vector<int32_t>& shape,
                                    const std::vector<int32_t>& perm, size_t element_size);
std::vector<int32_t> permute_shape(const std::vector<int32_t>& shape, const std::vector<int32_t>& perm);

// The graph-wide state: the IR being built and the values by name.
class Importer {
 public:
  Importer(const onnx::ModelProto& model, const std::string& label) : model_(model), label_(label) {}
  ir::Graph run();

  const std::string& label() const { return label_; }
  int64_t opset() const { return opset_; }
  ir::Graph& graph() { return graph_; }
  bool has_value(const std::string& name) const { return values_.count(name) != 0; }
  Value value(const std::string& name) const { return values_.at(name); }
  void bind(const std::string& name, Value v) { values_[name] = v; }
  // Layout conversions, remembered so that a value is transposed once.
  std::map<int, Value>& plain_cache() { return plain_cache_; }
  std::map<int, Value>& nhwc_cache() { return nhwc_cache_; }

 private:
  void import_initializers();
  void import_inputs();
  void import_outputs();

  const onnx::ModelProto& model_;
  std::string label_;
  int64_t opset_ = 1;
  ir::Graph graph_;
  std::map<std::string, Value> values_;
  std::map<int, Value> plain_cache_, nhwc_cache_;
};

// Decodes a TensorProto (raw or typed fields) into a constant IR tensor.
// Throws Error(kBadModel / kUnsupported) with `where` in the message.
ir::Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where);
// The kiln type of an ONNX element type; KILN_DTYPE_COUNT if none.
kiln_dtype dtype_from_onnx(int32_t elem_type);

}  // namespace onnx_import
}  // namespace kiln

#endif
