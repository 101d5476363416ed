// ONNX element-wise arithmetic, activations and Softmax.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

// numpy broadcasting of two ONNX shapes.
std::vector<int32_t> broadcast_shape(Node& n, const std::vector<int32_t>& a,
                                     const std::vector<int32_t>& b) {
  std::vector<int32_t> out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int32_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int32_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1) {
      n.invalid(fmt::format("shapes {} and {} do not broadcast", ir::shape_string(a),
                            ir::shape_string(b)));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// An operand of a channels-last result of rank `rank`, brought to that
// layout: constants are rearranged on the host, lower-rank activations
// reshaped to the full rank first.
Value operand_channels_last(Node& n, size_t i, size_t rank) {
  const Value v = n.input(i);
  if (v.channels_last) return v;
  std::vector<int32_t> shape = n.input_shape(i);
  if (shape.size() > rank)
    n.unsupported(
        fmt::format("input {} of rank {} broadcast against rank {}", i, shape.size(), rank));
  shape.insert(shape.begin(), rank - shape.size(), 1);
  const int full =
      shape == n.input_tensor(i).shape ? v.tensor : n.reshape(v.tensor, shape, "full_rank");
  return n.channels_last(Value{full, false});
}

// Opset 1-6 broadcasting places B's dims at A's dim `axis`; numpy
// broadcasting needs them padded with trailing 1s. B is a constant there.
void align_legacy_broadcast(Node& n) {
  const size_t a_rank = n.input_shape(0).size();
  const ir::Tensor& b = n.constant_input(1, "B (legacy broadcasting)");
  const int32_t axis = normalize_axis(n.attr_int("axis", 0), a_rank);
  if (axis < 0 || static_cast<size_t>(axis) + b.shape.size() > a_rank) {
    n.invalid(fmt::format("B {} does not fit A's dims from axis {}", ir::shape_string(b.shape),
                          n.attr_int("axis", 0)));
  }
  std::vector<int32_t> shape = b.shape;
  shape.resize(a_rank - static_cast<size_t>(axis), 1);
  ir::Tensor aligned = b;
  aligned.name = b.name + "/aligned";
  aligned.shape = shape;
  n.graph().tensors.push_back(std::move(aligned));
  // Rebind the input name for this node only.
  n.rebind_input(1, Value{static_cast<int>(n.graph().tensors.size() - 1), false});
}

enum class Arith { kAdd, kSub, kMul, kDiv };

void convert_binary(Node& n, Arith arith) {
  if (n.opset() < 7 && n.attr_int("broadcast", 0) != 0 && n.has_attr("axis"))
    align_legacy_broadcast(n);
  const std::vector<int32_t> out_shape = broadcast_shape(n, n.input_shape(0), n.input_shape(1));
  const kiln_dtype dtype = n.input_tensor(0).dtype;
  if (dtype != KILN_DTYPE_FLOAT32 || n.input_tensor(1).dtype != dtype) {
    n.unsupported(fmt::format(
        "{} and {} operands: kiln computes float32 (quantized models go through QuantizeLinear)",
        ir::dtype_name(dtype), ir::dtype_name(n.input_tensor(1).dtype)));
  }
  Value a = n.input(0), b = n.input(1);
  // Division by a constant is multiplication by its reciprocal.
  int b_tensor = b.tensor;
  ir::OpKind kind = arith == Arith::kAdd   ? ir::OpKind::kAdd
                    : arith == Arith::kSub ? ir::OpKind::kSub
                                           : ir::OpKind::kMul;
  if (arith == Arith::kDiv) {
    const ir::Tensor& divisor = n.constant_input(1, "divisor");
    std::vector<float> reciprocal(static_cast<size_t>(divisor.elements()));
    for (size_t k = 0; k < reciprocal.size(); ++k) reciprocal[k] = 1.0f / divisor.as<float>()[k];
    b_tensor = n.add_float_constant("reciprocal", divisor.shape, reciprocal);
  }
  const bool channels_last =
      (a.channels_last || b.channels_last) && (out_shape.size() == 3 || out_shape.size() == 4);
  if (channels_last) {
    a = operand_channels_last(n, 0, out_shape.size());
    if (b_tensor == b.tensor) {
      b_tensor = operand_channels_last(n, 1, out_shape.size()).tensor;
    } else {
      std::vector<int32_t> shape = n.graph().tensors[static_cast<size_t>(b_tensor)].shape;
      shape.insert(shape.begin(), out_shape.size() - shape.size(), 1);
      b_tensor = n.channels_last(Value{n.reshape(b_tensor, shape, "full_rank"), false}).tensor;
    }
  } else {
    a = n.plain(a);
    if (b_tensor == b.tensor) b_tensor = n.plain(b).tensor;
  }
  const Value out = n.define_output(
      0, dtype, channels_last ? channels_last_shape(out_shape) : out_shape, channels_last);
  n.emit(kind, {a.tensor, b_tensor}, {out.tensor});
}

// Element-wise ops keep their input's shape and layout.
void emit_unary(Node& n, ir::OpKind kind, const ir::OpAttrs& attrs = {}) {
  const Value in = n.input(0);
  const ir::Tensor& t = n.input_tensor(0);
  if (t.dtype != KILN_DTYPE_FLOAT32)
    n.unsupported(fmt::format("{} input: kiln computes float32", ir::dtype_name(t.dtype)));
  const Value out = n.define_output(0, t.dtype, t.shape, in.channels_last);
  n.emit(kind, {in.tensor}, {out.tensor}, attrs);
}

void convert_clip(Node& n) {
  ir::OpAttrs a;
  if (n.opset() < 11) {
    a.clamp_min = n.attr_float("min", -std::numeric_limits<float>::infinity());
    a.clamp_max = n.attr_float("max", std::numeric_limits<float>::infinity());
  } else {
    if (n.has_input(1)) a.clamp_min = n.float_values(1, "min").at(0);
    if (n.has_input(2)) a.clamp_max = n.float_values(2, "max").at(0);
  }
  // ONNX: min above max gives max everywhere.
  if (a.clamp_min > a.clamp_max) a.clamp_min = a.clamp_max;
  emit_unary(n, ir::OpKind::kClamp, a);
}

// kiln's SOFTMAX runs over the innermost IR dim; other axes are moved there.
void convert_softmax(Node& n) {
  const Value in = n.input(0);
  const ir::Tensor& t = n.input_tensor(0);
  if (t.dtype != KILN_DTYPE_FLOAT32)
    n.unsupported(fmt::format("{} input: kiln computes float32", ir::dtype_name(t.dtype)));
  const std::vector<int32_t> logical = n.input_shape(0), ir_shape = t.shape;
  const size_t rank = logical.size();
  if (rank == 0) n.invalid("scalar input");
  ir::OpAttrs attrs;
  attrs.beta = 1.0f;
  if (n.opset() < 13) {
    // Softmax over the flattened dims from `axis` on: per row of the 2-D view.
    const int32_t axis = normalize_axis(n.attr_int("axis", 1), rank);
    if (axis < 0) n.invalid("axis out of range");
    // The set of elements in a row is the same in either layout when the row
    // spans the channels and every spatial dim; otherwise use ONNX's order.
    const Value src = in.channels_last && axis <= 1 ? in : n.plain(in);
    const std::vector<int32_t> shape = n.graph().tensors[static_cast<size_t>(src.tensor)].shape;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis); d < rank; ++d) inner *= shape[d];
    const int32_t outer = static_cast<int32_t>(t.elements() / std::max<int64_t>(1, inner));
    const bool flat = axis == static_cast<int32_t>(rank) - 1;
    const int rows =
        flat ? src.tensor : n.reshape(src.tensor, {outer, static_cast<int32_t>(inner)}, "rows");
    if (flat) {
      const Value out = n.define_output(0, t.dtype, shape, src.channels_last);
      n.emit(ir::OpKind::kSoftmax, {rows}, {out.tensor}, attrs);
      return;
    }
    const int result =
        n.add_intermediate("softmax_rows", t.dtype, {outer, static_cast<int32_t>(inner)});
    n.emit(ir::OpKind::kSoftmax, {rows}, {result}, attrs);
    const Value out = n.define_output(0, t.dtype, shape, src.channels_last);
    n.emit(ir::OpKind::kReshape, {result}, {out.tensor});
    return;
  }
  const int32_t axis = normalize_axis(n.attr_int("axis", -1), rank);
  if (axis < 0) n.invalid("axis out of range");
  const int32_t ir_axis =
      in.channels_last ? channels_last_dims(rank)[static_cast<size_t>(axis)] : axis;
  if (ir_axis == static_cast<int32_t>(rank) - 1) {
    const Value out = n.define_output(0, t.dtype, ir_shape, in.channels_last);
    n.emit(ir::OpKind::kSoftmax, {in.tensor}, {out.tensor}, attrs);
    return;
  }
  // Move the axis last, softmax, and move it back.
  std::vector<int32_t> perm, inverse(rank);
  for (int32_t d = 0; d < static_cast<int32_t>(rank); ++d) {
    if (d != ir_axis) perm.push_back(d);
  }
  perm.push_back(ir_axis);
  for (size_t d = 0; d < rank; ++d) inverse[static_cast<size_t>(perm[d])] = static_cast<int32_t>(d);
  const int moved = n.transpose(in.tensor, perm, "axis_last");
  const int result =
      n.add_intermediate("softmax_axis_last", t.dtype, permute_shape(ir_shape, perm));
  n.emit(ir::OpKind::kSoftmax, {moved}, {result}, attrs);
  const Value out = n.define_output(0, t.dtype, ir_shape, in.channels_last);
  ir::OpAttrs back;
  back.perm = inverse;
  n.emit(ir::OpKind::kTranspose, {result}, {out.tensor}, back).type_name = "TRANSPOSE";
}

}  // namespace

void register_math_converters(std::map<std::string, Converter>& table) {
  table["Add"] = [](Node& n) { convert_binary(n, Arith::kAdd); };
  table["Sub"] = [](Node& n) { convert_binary(n, Arith::kSub); };
  table["Mul"] = [](Node& n) { convert_binary(n, Arith::kMul); };
  table["Div"] = [](Node& n) { convert_binary(n, Arith::kDiv); };
  table["Relu"] = [](Node& n) {
    ir::OpAttrs a;
    a.clamp_min = 0.0f;
    emit_unary(n, ir::OpKind::kClamp, a);
  };
  table["Clip"] = convert_clip;
  table["LeakyRelu"] = [](Node& n) {
    ir::OpAttrs a;
    a.alpha = n.attr_float("alpha", 0.01f);
    emit_unary(n, ir::OpKind::kLeakyRelu, a);
  };
  table["Sigmoid"] = [](Node& n) { emit_unary(n, ir::OpKind::kLogistic); };
  table["Tanh"] = [](Node& n) { emit_unary(n, ir::OpKind::kTanh); };
  table["HardSwish"] = [](Node& n) { emit_unary(n, ir::OpKind::kHardSwish); };
  table["Softmax"] = convert_softmax;
}

}  // namespace onnx_import
}  // namespace kiln
