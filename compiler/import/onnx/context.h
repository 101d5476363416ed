// The ONNX importer's state, as the per-op converters see it: values by
// name (each an IR tensor, with its layout), attribute and constant readers,
// and helpers that emit IR ops. Internal to compiler/import/onnx.
#ifndef KILN_COMPILER_IMPORT_ONNX_CONTEXT_H
#define KILN_COMPILER_IMPORT_ONNX_CONTEXT_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/ir/layout.h"
#include "compiler/ops/onnx_form.h"

namespace kiln {
struct OpRecord;
namespace onnx_import {

// An ONNX value as the IR holds it. Activations of convolutions and pooling
// (rank 3 or 4) are stored channels-last, kiln's layout: ONNX's N, C, spatial
// dims become N, spatial dims, C; see channels_last_dims.
struct Value {
  int tensor = -1;
  bool channels_last = false;
  // An ONNX uint8 tensor held as int8 with zero point - 128 (the same real
  // values; kiln's quantized kernels are int8).
  bool as_uint8 = false;
};

// For a rank-r value stored channels-last: ONNX dim i is IR dim result[i]
// ({0, 3, 1, 2} for NCHW stored NHWC).
std::vector<int32_t> channels_last_dims(size_t rank);
// The IR shape of an ONNX shape stored channels-last.
std::vector<int32_t> channels_last_shape(const std::vector<int32_t>& onnx_shape);

class Importer;

// One node being converted.
class Node final : public OnnxNodeAttributes {
 public:
  Node(Importer& importer, const onnx::NodeProto& proto, int index)
      : im_(importer), proto_(proto), index_(index) {}

  const onnx::NodeProto& proto() const { return proto_; }
  const std::string& op_type() const override { return proto_.op_type(); }
  // "node 3 'conv1' (Conv)": how errors name the node.
  std::string where() const;
  int64_t opset() const override;
  ir::Graph& graph();

  [[noreturn]] void unsupported(const std::string& what) const override;
  [[noreturn]] void invalid(const std::string& what) const override;

  // Attributes, with defaults when absent; a present attribute of the wrong
  // type is an error.
  bool has_attr(const std::string& name) const { return find_attr(name) != nullptr; }
  int64_t attr_int(const std::string& name, int64_t fallback) const override;
  float attr_float(const std::string& name, float fallback) const override;
  std::string attr_string(const std::string& name, const std::string& fallback) const override;
  std::vector<int64_t> attr_ints(const std::string& name,
                                 const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name) const;
  std::vector<std::string> attr_strings(const std::string& name) const;
  const onnx::TensorProto* attr_tensor(const std::string& name) const;

  // Inputs: an empty name is an absent optional input.
  size_t num_inputs() const { return static_cast<size_t>(proto_.input_size()); }
  bool has_input(size_t i) const override {
    return i < num_inputs() && !proto_.input(static_cast<int>(i)).empty();
  }
  Value input(size_t i) const;
  // This node reads `v` as input i (a converter's own rewrite of an operand).
  void rebind_input(size_t i, Value v) { overrides_[i] = v; }
  // Copies: converters add tensors to the graph, which would leave a
  // reference into its tensor list dangling.
  ir::Tensor input_tensor(size_t i) const;
  // The input's ONNX shape (NCHW for an image, whatever its IR layout).
  std::vector<int32_t> input_shape(size_t i) const;
  // A constant input (fails naming it otherwise).
  ir::Tensor constant_input(size_t i, const char* role) const;
  // A constant operand (weights, bias): a float32 constant, or the int8 /
  // int32 constant a DequantizeLinear reads, with its quantization (a QDQ
  // model's weights; `quantized` is then true).
  struct ConstantOperand {
    ir::Tensor tensor;
    bool quantized = false;
  };
  ConstantOperand constant_operand(size_t i, const char* role) const;
  // Whether input i is such a constant operand.
  bool has_constant_operand(size_t i) const;
  // A constant operand as a float tensor an op reads: the float constant, or
  // the quantized constant behind a DEQUANTIZE (folded away by the passes).
  int float_operand(const std::string& suffix, const ConstantOperand& c);
  // A constant integer (int32/int64) or float input read as int64 / float values.
  std::vector<int64_t> int_values(size_t i, const char* role) const override;
  std::vector<float> float_values(size_t i, const char* role) const override;

  size_t num_outputs() const { return static_cast<size_t>(proto_.output_size()); }
  // Output i's name (an empty name is an unused optional output); fails
  // naming the node if it has fewer outputs.
  const std::string& output_name(size_t i) const;
  // Output i's IR tensor: a new activation of `dtype` with IR shape `shape`
  // (already channels-last when `channels_last`), bound to the output's name.
  Value define_output(size_t i, kiln_dtype dtype, std::vector<int32_t> shape, bool channels_last);
  // Output i is another value (Identity, a Reshape that changes nothing).
  void alias_output(size_t i, Value v);

  // Emits an op reading `inputs` and writing `outputs` (IR tensor indices).
  ir::Op& emit(ir::OpKind kind, std::vector<int> inputs, std::vector<int> outputs,
               ir::OpAttrs attrs = {});
  // A new constant tensor for this node.
  int add_constant(const std::string& suffix, kiln_dtype dtype, std::vector<int32_t> shape,
                   const void* data, size_t bytes);
  int add_float_constant(const std::string& suffix, std::vector<int32_t> shape,
                         const std::vector<float>& values);
  // A 1-D int32 constant (axes, sizes, slice bounds, gather indices).
  int add_int32_constant(const std::string& suffix, const std::vector<int32_t>& values);
  // A new activation tensor for this node's intermediate results.
  int add_intermediate(const std::string& suffix, kiln_dtype dtype, std::vector<int32_t> shape);

  // The value in the element order of its ONNX shape (a TRANSPOSE if it is
  // stored channels-last), or a rank-3/4 value stored channels-last (a
  // TRANSPOSE if it is not; constants are rearranged on the host).
  Value plain(Value v);
  Value channels_last(Value v);
  // A new tensor holding `tensor` permuted (output dim i = input dim perm[i]).
  int transpose(int tensor, const std::vector<int32_t>& perm, const std::string& suffix);
  // A new tensor holding `tensor` with another shape of the same size.
  int reshape(int tensor, std::vector<int32_t> shape, const std::string& suffix);

 private:
  const onnx::AttributeProto* find_attr(const std::string& name) const;
  const onnx::AttributeProto& attr_of_type(const std::string& name,
                                           onnx::AttributeProto::AttributeType type) const;

  Importer& im_;
  const onnx::NodeProto& proto_;
  int index_;
  std::map<size_t, Value> overrides_;
};

using Converter = void (*)(Node& node);

// Converts a node onto the op kind whose record's ONNX form reads its type
// (convert_records.cc).
void convert_by_record(Node& node, const OpRecord& record);

// Converters of ONNX ops that are not one op kind (Conv with its layout,
// Gemm, BatchNormalization, QLinear*, Reshape, Shape, ...), by ONNX op type;
// each file registers its own group.
void register_nn_converters(std::map<std::string, Converter>& table);
void register_math_converters(std::map<std::string, Converter>& table);
void register_tensor_converters(std::map<std::string, Converter>& table);
void register_quant_converters(std::map<std::string, Converter>& table);
void register_slicing_converters(std::map<std::string, Converter>& table);
void register_resize_converters(std::map<std::string, Converter>& table);
void register_recurrent_converters(std::map<std::string, Converter>& table);

// Computes the op just emitted on the host, through the kernels the device
// would run, if its inputs are all constants: its outputs become constants
// (shape arithmetic). Leaves it if it cannot run there.
void fold_if_constant(Node& n);

// Quantized operands (convert_quant.cc). Input `value` as an int8 activation
// with the quantization of inputs `scale` and `zero_point` (a uint8 one is
// converted; a graph input takes the parameters of its first reader).
Value quantized_input(Node& n, size_t value, size_t scale, size_t zero_point);
// A constant int8 or uint8 input as an int8 tensor with its quantization (per
// tensor, or per channel along `axis`; -1: the node's axis attribute).
ir::Tensor quantized_constant(Node& n, size_t value, size_t scale, size_t zero_point, int32_t axis);
// The int8 quantization of an output with these scale and zero point inputs.
ir::Quantization output_quantization(Node& n, size_t scale, size_t zero_point);

// Shared by the converters.
// A rank-r ONNX dim index (negative counts from the end); -1 if out of range.
int32_t normalize_axis(int64_t axis, size_t rank);
using ir::permute_shape;
using ir::transpose_data;

// The graph-wide state: the IR being built and the values by name.
class Importer {
 public:
  Importer(const onnx::ModelProto& model, const std::string& label)
      : model_(model), label_(label) {}
  ir::Graph run();

  const std::string& label() const { return label_; }
  int64_t opset() const { return opset_; }
  ir::Graph& graph() { return graph_; }
  bool has_value(const std::string& name) const { return values_.count(name) != 0; }
  Value value(const std::string& name) const { return values_.at(name); }
  void bind(const std::string& name, Value v) { values_[name] = v; }
  // Layout conversions, remembered so that a value is transposed once.
  std::map<int, Value>& plain_cache() { return plain_cache_; }
  std::map<int, Value>& channels_last_cache() { return channels_last_cache_; }
  // Float tensors that DequantizeLinear makes of a constant -> that constant.
  std::map<int, int>& dequantized_constants() { return dequantized_constants_; }

 private:
  void import_initializers();
  void import_inputs();
  void import_outputs();

  const onnx::ModelProto& model_;
  std::string label_;
  int64_t opset_ = 1;
  ir::Graph graph_;
  std::map<std::string, Value> values_;
  std::map<int, Value> plain_cache_, channels_last_cache_;
  std::map<int, int> dequantized_constants_;
};

// The graph's nodes as the importer converts them, with their indices in
// the graph: node sequences that are one kiln op replaced by that op's node
// (patterns.cc: PyTorch's GELU of Erf). `fused` owns the nodes made here.
struct NodeList {
  std::vector<std::pair<int, const onnx::NodeProto*>> nodes;
  std::deque<onnx::NodeProto> fused;
};
NodeList nodes_with_patterns_fused(const onnx::GraphProto& graph);

// Decodes a TensorProto (raw or typed fields) into a constant IR tensor.
// Throws Error(kBadModel / kUnsupported) with `where` in the message.
ir::Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where);
// The kiln type of an ONNX element type; KILN_DTYPE_COUNT if none.
kiln_dtype dtype_from_onnx(int32_t elem_type);

}  // namespace onnx_import
}  // namespace kiln

#endif
