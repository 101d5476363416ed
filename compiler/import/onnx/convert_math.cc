// ONNX math that is not one op kind: Pow by a constant exponent and
// HardSigmoid, made of kiln's ops. (Element-wise ops that are one kind go
// through their records: convert_records.cc.)
#include <fmt/format.h>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

// Element-wise results keep their input's shape and layout.
Value unary_output(Node& n, const Value& in) {
  const ir::Tensor t = n.input_tensor(0);
  return n.define_output(0, t.dtype, t.shape, in.channels_last);
}

// x^2 is SQUARE, x^0.5 SQRT and x^-0.5 RSQRT; other exponents are refused.
void convert_pow(Node& n) {
  const std::vector<float> exponent = n.float_values(1, "exponent");
  for (float e : exponent) {
    if (e != exponent.at(0)) n.unsupported("an exponent that varies by element");
  }
  const float e = exponent.at(0);
  const Value in = n.input(0);
  if (e == 1.0f) return n.alias_output(0, in);
  if (e != 2.0f && e != 0.5f && e != -0.5f)
    n.unsupported(fmt::format("exponent {} (kiln computes x^2, x^0.5 and x^-0.5)", e));
  const Value out = unary_output(n, in);
  const ir::OpKind kind =
      e == 2.0f ? ir::OpKind::kSquare : (e == 0.5f ? ir::OpKind::kSqrt : ir::OpKind::kRsqrt);
  n.emit(kind, {in.tensor}, {out.tensor});
}

// max(0, min(1, alpha * x + beta)): MUL, ADD, CLAMP.
void convert_hard_sigmoid(Node& n) {
  const Value in = n.input(0);
  const ir::Tensor t = n.input_tensor(0);
  if (t.dtype != KILN_DTYPE_FLOAT32)
    n.unsupported(fmt::format("{} input: kiln computes float32", ir::dtype_name(t.dtype)));
  const int alpha = n.add_float_constant("alpha", {}, {n.attr_float("alpha", 0.2f)});
  const int beta = n.add_float_constant("beta", {}, {n.attr_float("beta", 0.5f)});
  const int scaled = n.add_intermediate("scaled", t.dtype, t.shape);
  const int shifted = n.add_intermediate("shifted", t.dtype, t.shape);
  n.emit(ir::OpKind::kMul, {in.tensor, alpha}, {scaled});
  n.emit(ir::OpKind::kAdd, {scaled, beta}, {shifted});
  ir::OpAttrs clamp;
  clamp.clamp_min = 0.0f;
  clamp.clamp_max = 1.0f;
  const Value out = unary_output(n, in);
  n.emit(ir::OpKind::kClamp, {shifted}, {out.tensor}, clamp);
}

}  // namespace

void register_math_converters(std::map<std::string, Converter>& table) {
  table["Pow"] = convert_pow;
  table["HardSigmoid"] = convert_hard_sigmoid;
}

}  // namespace onnx_import
}  // namespace kiln
