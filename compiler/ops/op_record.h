// Everything kiln knows about one op kind, in one record. Each is defined in
// compiler/ops/<op>.cc as k<Kind>Record, listed by ir/op_kinds.h, and looked
// up by the importers, the graph passes, the quantizer, the TFLite writer and
// lowering, none of which switches on op kinds.
#ifndef KILN_COMPILER_OPS_OP_RECORD_H
#define KILN_COMPILER_OPS_OP_RECORD_H

#include <array>
#include <cstdint>
#include <string>

#include "compiler/ir/graph.h"
#include "compiler/lower/lowering.h"
#include "compiler/ops/onnx_form.h"
#include "compiler/tflite/operator_io.h"

namespace kiln {

// What an operand is to its op.
enum class InputRole : uint8_t {
  kData,       // an activation: quantized like one (int8 in an int8 op)
  kWeights,    // constant weights: int8, per channel along OpTraits::weights_axis
  kBias,       // constant bias: int32 at input scale x weight scale
  kParameter,  // a constant the op reads as it is (axes, paddings, a shape, a pad value)
};

// How an int8 op's output is quantized.
enum class OutputQuantization : uint8_t {
  kFree,         // any scale and zero point (calibrated)
  kSameAsInput,  // the data inputs' (the kernel moves or compares values, never rescales)
  kFixed,        // fixed by the kernel: OpTraits::fixed_scale, fixed_zero_point
};

// How an op's output rows (dim 1, H of NHWC) depend on its data inputs' rows:
// what lets patch-based execution (compiler/plan/patches.h) run it in bands.
enum class RowAccess : uint8_t {
  kWhole,    // any output row may depend on any input row: never cut
  kWindow,   // a window sliding along H: the filter's dim 1 (weighted ops) or
             // attrs.filter_h tall, attrs.stride_h, dilation_h and padding
  kSameRow,  // output row r from row r of each input of the output's shape
};

// What passes and the quantizer need to know of an op kind. Built with the
// setters below: OpTraits().weighted(0).fuses_activation().folds_qdq().
struct OpTraits {
  // The roles of the first operands; operands past them take `other_inputs`.
  std::array<InputRole, 3> inputs = {InputRole::kData, InputRole::kParameter,
                                     InputRole::kParameter};
  InputRole other_inputs = InputRole::kParameter;
  // A weighted op's weights: the dim that indexes output channels, and whether
  // kiln's int8 weights are per channel along it (else per tensor).
  int8_t weights_axis = 0;
  bool per_channel_weights = true;
  OutputQuantization int8_output = OutputQuantization::kFree;
  float fixed_scale = 0.0f;  // kFixed
  int32_t fixed_zero_point = 0;
  bool fused_activation = false;  // takes a fused ReLU-style clamp (fuse_activations)
  bool qdq = false;               // DEQUANTIZE -> op -> QUANTIZE becomes the int8 op (fold_qdq)
  // A loop's control flow, which the importer makes of a WHILE: no TFLite
  // builtin of its own.
  bool control_flow = false;
  // The result depends on the input's shape only (SHAPE): a constant however
  // the input is computed (fold_constants).
  bool shape_only = false;
  RowAccess rows = RowAccess::kWhole;

  InputRole role(size_t input) const {
    return input < inputs.size() ? inputs[input] : other_inputs;
  }
  bool weighted() const { return inputs[1] == InputRole::kWeights; }

  // (data, weights, bias): a convolution or a fully connected layer.
  constexpr OpTraits weighted(int8_t axis, bool per_channel = true) const {
    OpTraits t = *this;
    t.inputs = {InputRole::kData, InputRole::kWeights, InputRole::kBias};
    t.weights_axis = axis;
    t.per_channel_weights = per_channel;
    return t;
  }
  // Every operand is data (element-wise arithmetic, concatenation).
  constexpr OpTraits all_data() const {
    OpTraits t = *this;
    t.inputs = {InputRole::kData, InputRole::kData, InputRole::kData};
    t.other_inputs = InputRole::kData;
    return t;
  }
  constexpr OpTraits same_quantization_as_input() const {
    OpTraits t = *this;
    t.int8_output = OutputQuantization::kSameAsInput;
    return t;
  }
  constexpr OpTraits fixed_output(float scale, int32_t zero_point) const {
    OpTraits t = *this;
    t.int8_output = OutputQuantization::kFixed;
    t.fixed_scale = scale;
    t.fixed_zero_point = zero_point;
    return t;
  }
  constexpr OpTraits fuses_activation() const {
    OpTraits t = *this;
    t.fused_activation = true;
    return t;
  }
  constexpr OpTraits folds_qdq() const {
    OpTraits t = *this;
    t.qdq = true;
    return t;
  }
  constexpr OpTraits reads_shape_only() const {
    OpTraits t = *this;
    t.shape_only = true;
    return t;
  }
  constexpr OpTraits reads_rows(RowAccess access) const {
    OpTraits t = *this;
    t.rows = access;
    return t;
  }
  constexpr OpTraits controls_flow() const {
    OpTraits t = *this;
    t.control_flow = true;
    return t;
  }
};

// How an op kind is stored in a .tflite file. Built with the setters:
// TfliteForm(tflite::BuiltinOperator_CONV_2D).reads(read_conv2d).writes(...).
struct TfliteForm {
  // The builtin codes read as this kind (-1: none); the first is the one
  // written unless `builtin` chooses.
  std::array<int16_t, 4> builtins = {-1, -1, -1, -1};
  // A CUSTOM operator's custom_code read as this kind (null: none); its
  // flexbuffer options go to the reader (OperatorReader::custom_int).
  const char* custom_code = nullptr;
  // Reads the operator's options into the op, and puts its operands in
  // kiln's order; null: nothing to read.
  void (*read)(tflite_format::OperatorReader& r) = nullptr;
  // The builtin an op is written as, where the kind has several (the ReLUs of
  // CLAMP, PAD and PADV2); null: builtins[0].
  int (*builtin)(const ir::Op& op) = nullptr;
  // Puts back what the reader took out of the operands (TRANSPOSE's
  // permutation, TRANSPOSE_CONV's output shape), as constants in `g`.
  void (*to_tflite_operands)(ir::Graph& g, ir::Op& op) = nullptr;
  tflite_format::WrittenOptions (*write)(tflite_format::OperatorWriter& w) = nullptr;

  constexpr TfliteForm() = default;
  constexpr explicit TfliteForm(int b0, int b1 = -1, int b2 = -1)
      : builtins{static_cast<int16_t>(b0), static_cast<int16_t>(b1), static_cast<int16_t>(b2), -1} {
  }
  static constexpr TfliteForm custom(const char* code) {
    TfliteForm t;
    t.custom_code = code;
    return t;
  }
  constexpr TfliteForm reads(void (*f)(tflite_format::OperatorReader&)) const {
    TfliteForm t = *this;
    t.read = f;
    return t;
  }
  constexpr TfliteForm writes(
      tflite_format::WrittenOptions (*f)(tflite_format::OperatorWriter&)) const {
    TfliteForm t = *this;
    t.write = f;
    return t;
  }
  constexpr TfliteForm written_as(int (*f)(const ir::Op&)) const {
    TfliteForm t = *this;
    t.builtin = f;
    return t;
  }
  constexpr TfliteForm with_operands(void (*f)(ir::Graph&, ir::Op&)) const {
    TfliteForm t = *this;
    t.to_tflite_operands = f;
    return t;
  }
};

struct OpRecord {
  ir::OpKind kind;
  OpTraits traits;
  TfliteForm tflite;
  // Checks the op, derives its fixed-point parameters and emits its kernel
  // calls (lowering.h). Errors name the op, its location and the tensor.
  void (*lower)(LowerContext& ctx, const ir::Op& op);
  // Multiply-accumulates; null: none.
  int64_t (*macs)(const ir::Graph& graph, const ir::Op& op);
  // The ONNX ops read as this kind (onnx_form.h); none by default.
  OnnxForm onnx = {};
};

// The record of an op kind; null for kUnsupported.
const OpRecord* find_op_record(ir::OpKind kind);
// The traits of an op kind (defaults for kUnsupported: nothing folds or fuses).
const OpTraits& op_traits(ir::OpKind kind);
// The record whose TFLite form reads builtin `code`; null if none does.
const OpRecord* find_tflite_record(int code);
// The record whose TFLite form reads CUSTOM operators of `custom_code`; null
// if none does.
const OpRecord* find_tflite_custom_record(const std::string& custom_code);
// The record whose ONNX form reads `op_type`; null if none does.
const OpRecord* find_onnx_record(const std::string& op_type);

// The records, one per kind of ir/op_kinds.h.
#define KILN_DECLARE_OP_RECORD(kind, name, min_inputs, max_inputs, outputs) \
  extern const OpRecord kind##Record;
KILN_OP_KINDS(KILN_DECLARE_OP_RECORD)
#undef KILN_DECLARE_OP_RECORD

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_OP_RECORD_H
