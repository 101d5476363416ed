// How ONNX nodes map onto an op kind: the part of an op record the ONNX
// importer looks up (compiler/import/onnx/convert_records.cc). The importer
// owns the layouts (which values it keeps channels-last) and the operands;
// a record says which ONNX op types it reads, in which pattern, and how
// their attributes become the op's.
#ifndef KILN_COMPILER_OPS_ONNX_FORM_H
#define KILN_COMPILER_OPS_ONNX_FORM_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

// What a record's attribute reader sees of an ONNX node.
class OnnxNodeAttributes {
 public:
  virtual const std::string& op_type() const = 0;
  virtual int64_t opset() const = 0;
  virtual int64_t attr_int(const std::string& name, int64_t fallback) const = 0;
  virtual float attr_float(const std::string& name, float fallback) const = 0;
  virtual std::string attr_string(const std::string& name, const std::string& fallback) const = 0;
  virtual bool has_input(size_t i) const = 0;
  // A constant input's values (fails naming the node and `role` otherwise).
  virtual std::vector<float> float_values(size_t i, const char* role) const = 0;
  virtual std::vector<int64_t> int_values(size_t i, const char* role) const = 0;
  // Refusals naming the node: a feature kiln lacks, or a node ONNX forbids.
  [[noreturn]] virtual void unsupported(const std::string& what) const = 0;
  [[noreturn]] virtual void invalid(const std::string& what) const = 0;

 protected:
  ~OnnxNodeAttributes() = default;
};

// How the node's values become the op's operands and result.
enum class OnnxPattern : uint8_t {
  kNone,
  // Element-wise over numpy-broadcast operands; the result is channels-last
  // where an operand is (ops of more than two operands run pairwise).
  kElementwise,
  // A reduction over `axes` (an attribute, or input 1 from the opset the form
  // names) keeping the dims or not; the op reads the axes as input 1.
  kReduction,
  // An op along one dim (attrs.axis, from the `axis` attribute) in ONNX's
  // element order: GATHER, CUMSUM.
  kAlongAxis,
  // Softmax-like along one dim, over the innermost one (the importer moves
  // another dim there and back).
  kAlongLastAxis,
  // Image ops on NCHW values, computed channels-last: DEPTH_TO_SPACE,
  // SPACE_TO_DEPTH.
  kImage,
};

// The result's type.
enum class OnnxResult : uint8_t {
  kLikeFirst,  // the first operand's
  kLikeLast,   // the last operand's (Where: the values, not the condition)
  kBool,       // comparisons
};

struct OnnxForm {
  std::array<const char*, 4> op_types = {nullptr, nullptr, nullptr, nullptr};
  OnnxPattern pattern = OnnxPattern::kNone;
  // The ONNX inputs that become operands, from the first (-1: all); the rest
  // are parameters the reader or the pattern consumes.
  int8_t operands = -1;
  OnnxResult result = OnnxResult::kLikeFirst;
  // Reduction: the first opset whose axes are input 1 rather than an attribute.
  int8_t axes_input_from = 0;
  // Along an axis: the operand of indices into it, which ONNX counts from the
  // end where negative (a constant's are made positive; -1: none).
  int8_t index_operand = -1;
  // Reads the node's attributes (and constant parameters) into the op's;
  // null: none. It may refuse a value kiln's kernel lacks.
  void (*read)(const OnnxNodeAttributes& node, ir::OpAttrs& attrs) = nullptr;
  // The result's IR shape from the operands' IR shapes and the op's
  // attributes, where the pattern does not give it (GATHER, DEPTH_TO_SPACE);
  // null: the first operand's. It may refuse shapes that do not fit.
  std::vector<int32_t> (*shape)(const OnnxNodeAttributes& node,
                                const std::vector<std::vector<int32_t>>& operands,
                                const ir::OpAttrs& attrs) = nullptr;

  constexpr OnnxForm() = default;
  constexpr OnnxForm(OnnxPattern p, const char* t0, const char* t1 = nullptr,
                     const char* t2 = nullptr)
      : op_types{t0, t1, t2, nullptr}, pattern(p) {}
  constexpr OnnxForm reads(void (*f)(const OnnxNodeAttributes&, ir::OpAttrs&)) const {
    OnnxForm o = *this;
    o.read = f;
    return o;
  }
  constexpr OnnxForm shaped_by(std::vector<int32_t> (*f)(const OnnxNodeAttributes&,
                                                         const std::vector<std::vector<int32_t>>&,
                                                         const ir::OpAttrs&)) const {
    OnnxForm o = *this;
    o.shape = f;
    return o;
  }
  constexpr OnnxForm with_operands(int8_t n) const {
    OnnxForm o = *this;
    o.operands = n;
    return o;
  }
  constexpr OnnxForm result_like(OnnxResult r) const {
    OnnxForm o = *this;
    o.result = r;
    return o;
  }
  constexpr OnnxForm indices_in(int8_t operand) const {
    OnnxForm o = *this;
    o.index_operand = operand;
    return o;
  }
  constexpr OnnxForm axes_input_from_opset(int8_t opset) const {
    OnnxForm o = *this;
    o.axes_input_from = opset;
    return o;
  }
};

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_ONNX_FORM_H
