// ONNX nodes that are one op kind, converted through the ONNX form of the
// kind's record (compiler/ops/onnx_form.h): the record names the ONNX op
// types and reads their attributes; here each pattern places the operands in
// kiln's layouts and derives the result's shape. A node whose operands are
// all constants is computed on the host at once (shape arithmetic: Shape ->
// Gather -> Concat -> Reshape), through the kernels the device would run.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "compiler/exec/graph_evaluator.h"
#include "compiler/import/onnx/context.h"
#include "compiler/ops/op_record.h"

namespace kiln {
namespace onnx_import {
namespace {

// A value and its ONNX shape.
struct Operand {
  Value value;
  std::vector<int32_t> shape;
};

const ir::Tensor& tensor_of(Node& n, const Value& v) {
  return n.graph().tensors[static_cast<size_t>(v.tensor)];
}

// numpy broadcasting of ONNX shapes.
std::vector<int32_t> broadcast_shape(Node& n, const std::vector<Operand>& operands) {
  size_t rank = 0;
  for (const Operand& o : operands) rank = std::max(rank, o.shape.size());
  std::vector<int32_t> out(rank, 1);
  for (const Operand& o : operands) {
    const size_t offset = rank - o.shape.size();
    for (size_t i = 0; i < o.shape.size(); ++i) {
      const int32_t d = o.shape[i];
      if (d != out[offset + i] && d != 1 && out[offset + i] != 1) {
        n.invalid(fmt::format("shapes {} and {} do not broadcast", ir::shape_string(out),
                              ir::shape_string(o.shape)));
      }
      if (d != 1) out[offset + i] = d;
    }
  }
  return out;
}

// An operand of a channels-last result of rank `rank`, brought to that
// layout: constants are rearranged on the host, lower-rank activations
// reshaped to the full rank first.
Value operand_channels_last(Node& n, const Operand& o, size_t rank) {
  if (o.value.channels_last) return o.value;
  if (o.shape.size() > rank)
    n.unsupported(
        fmt::format("an operand of rank {} broadcast against rank {}", o.shape.size(), rank));
  std::vector<int32_t> shape = o.shape;
  shape.insert(shape.begin(), rank - shape.size(), 1);
  const int full = shape == tensor_of(n, o.value).shape
                       ? o.value.tensor
                       : n.reshape(o.value.tensor, shape, "full_rank");
  return n.channels_last(Value{full, false, o.value.as_uint8});
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
  n.rebind_input(1, Value{static_cast<int>(n.graph().tensors.size() - 1), false});
}

}  // namespace

void fold_if_constant(Node& n) {
  ir::Graph& g = n.graph();
  const ir::Op& op = g.ops.back();
  for (int t : op.inputs) {
    if (t >= 0 && !g.tensors[static_cast<size_t>(t)].constant) return;
  }
  std::vector<std::vector<uint8_t>> values = evaluate_op(g, op);
  if (values.empty()) return;  // lowering will say why
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[k])];
    out.constant = true;
    out.data = std::move(values[k]);
  }
  g.ops.pop_back();
}

namespace {

std::vector<Operand> operands_of(Node& n, const OnnxForm& form) {
  const size_t count =
      form.operands < 0 ? n.num_inputs() : std::min(n.num_inputs(), size_t(form.operands));
  std::vector<Operand> operands;
  for (size_t i = 0; i < count; ++i) {
    if (!n.has_input(i)) n.unsupported(fmt::format("absent input {}", i));
    operands.push_back({n.input(i), n.input_shape(i)});
  }
  if (operands.empty()) n.invalid("no inputs");
  for (const Operand& o : operands) {
    const ir::Tensor& t = tensor_of(n, o.value);
    const bool small_int =
        t.dtype == KILN_DTYPE_INT8 || t.dtype == KILN_DTYPE_UINT8 || t.dtype == KILN_DTYPE_INT16;
    if (small_int && !t.quant.present()) {
      n.unsupported(fmt::format(
          "{} operand '{}' without quantization: kiln computes float32, int32, int64 and bool, "
          "and int8/int16 only quantized (through QuantizeLinear)",
          o.value.as_uint8 ? "uint8" : ir::dtype_name(t.dtype), t.name));
    }
  }
  return operands;
}

kiln_dtype result_type(Node& n, const OnnxForm& form, const std::vector<Operand>& operands) {
  switch (form.result) {
    case OnnxResult::kBool: return KILN_DTYPE_BOOL;
    case OnnxResult::kLikeLast: return tensor_of(n, operands.back().value).dtype;
    case OnnxResult::kLikeFirst: break;
  }
  return tensor_of(n, operands.front().value).dtype;
}

// One op over broadcast operands: the node's output when `last`, else an
// intermediate result.
Operand emit_elementwise(Node& n, ir::OpKind kind, const std::vector<Operand>& operands,
                         kiln_dtype dtype, const ir::OpAttrs& attrs, bool last) {
  const std::vector<int32_t> shape = broadcast_shape(n, operands);
  bool channels_last = false;
  for (const Operand& o : operands) channels_last = channels_last || o.value.channels_last;
  channels_last = channels_last && (shape.size() == 3 || shape.size() == 4);
  std::vector<int> inputs;
  for (const Operand& o : operands) {
    inputs.push_back(channels_last ? operand_channels_last(n, o, shape.size()).tensor
                                   : n.plain(o.value).tensor);
  }
  const std::vector<int32_t> ir_shape = channels_last ? channels_last_shape(shape) : shape;
  const Value out = last ? n.define_output(0, dtype, ir_shape, channels_last)
                         : Value{n.add_intermediate("partial", dtype, ir_shape), channels_last};
  n.emit(kind, inputs, {out.tensor}, attrs);
  fold_if_constant(n);
  return {out, shape};
}

void convert_elementwise(Node& n, const OpRecord& record, const ir::OpAttrs& attrs) {
  if (n.opset() < 7 && n.num_inputs() == 2 && n.attr_int("broadcast", 0) != 0 && n.has_attr("axis"))
    align_legacy_broadcast(n);
  std::vector<Operand> operands = operands_of(n, record.onnx);
  const kiln_dtype dtype = result_type(n, record.onnx, operands);
  // ONNX's variadic Min, Max: pairwise, left to right.
  const int max_inputs = ir::op_kind_max_inputs(record.kind);
  if (max_inputs == 2 && operands.size() == 1) {
    n.alias_output(0, operands[0].value);
    return;
  }
  while (max_inputs == 2 && operands.size() > 2) {
    const Operand partial =
        emit_elementwise(n, record.kind, {operands[0], operands[1]}, dtype, attrs, false);
    operands.erase(operands.begin(), operands.begin() + 2);
    operands.insert(operands.begin(), partial);
  }
  emit_elementwise(n, record.kind, operands, dtype, attrs, true);
}

void convert_reduction(Node& n, const OpRecord& record, ir::OpAttrs attrs) {
  const std::vector<int32_t> shape = n.input_shape(0);
  const size_t rank = shape.size();
  std::vector<int64_t> axes;
  if (record.onnx.axes_input_from > 0 && n.opset() >= record.onnx.axes_input_from) {
    if (n.has_input(1)) axes = n.int_values(1, "axes");
  } else {
    axes = n.attr_ints("axes");
  }
  if (axes.empty()) {
    if (n.attr_int("noop_with_empty_axes", 0) != 0) {
      n.alias_output(0, n.input(0));
      return;
    }
    axes.resize(rank);
    std::iota(axes.begin(), axes.end(), 0);
  }
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    const int32_t d = normalize_axis(a, rank);
    if (d < 0) n.invalid(fmt::format("axis {} out of range for rank {}", a, rank));
    reduced[static_cast<size_t>(d)] = true;
  }
  const bool keep = n.attr_int("keepdims", 1) != 0;
  Value in = n.input(0);
  // Without the reduced dims, the result is in ONNX's order if the kept dims
  // are in the same order in kiln's layout.
  const std::vector<int32_t> dims = channels_last_dims(rank);
  if (in.channels_last && !keep) {
    int32_t previous = -1;
    for (size_t d = 0; d < rank; ++d) {
      if (reduced[d]) continue;
      if (dims[d] < previous) in = n.plain(in);
      previous = dims[d];
    }
  }
  std::vector<bool> reduced_ir(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    if (reduced[d]) reduced_ir[static_cast<size_t>(in.channels_last ? dims[d] : int32_t(d))] = true;
  }
  const ir::Tensor t = tensor_of(n, in);
  std::vector<int32_t> ir_axes, out_shape;
  for (size_t i = 0; i < rank; ++i) {
    if (reduced_ir[i]) ir_axes.push_back(static_cast<int32_t>(i));
    if (!reduced_ir[i] || keep) out_shape.push_back(reduced_ir[i] ? 1 : t.shape[i]);
  }
  attrs.keep_dims = keep;
  const int axes_tensor = n.add_int32_constant("axes", ir_axes);
  const Value out = n.define_output(0, t.dtype, out_shape, in.channels_last && keep);
  n.emit(record.kind, {in.tensor, axes_tensor}, {out.tensor}, attrs);
  fold_if_constant(n);
}

// Constant indices into a dim of size `dim` with ONNX's negative ones
// counted from the end (a new constant if any is negative).
int positive_indices(Node& n, int tensor, int32_t dim) {
  const ir::Tensor t = n.graph().tensors[static_cast<size_t>(tensor)];
  if (!t.constant || (t.dtype != KILN_DTYPE_INT32 && t.dtype != KILN_DTYPE_INT64)) return tensor;
  std::vector<uint8_t> data = t.data;
  bool changed = false;
  const size_t size = kiln_dtype_size(t.dtype);
  for (size_t k = 0; k + size <= data.size(); k += size) {
    int64_t v = 0;
    if (size == 4) {
      int32_t v32;
      std::memcpy(&v32, &data[k], 4);
      v = v32;
    } else {
      std::memcpy(&v, &data[k], 8);
    }
    if (v >= 0 || v < -static_cast<int64_t>(dim)) continue;
    v += dim;
    changed = true;
    if (size == 4) {
      const int32_t v32 = static_cast<int32_t>(v);
      std::memcpy(&data[k], &v32, 4);
    } else {
      std::memcpy(&data[k], &v, 8);
    }
  }
  return changed ? n.add_constant("indices", t.dtype, t.shape, data.data(), data.size()) : tensor;
}

// In ONNX's element order, along attrs.axis (normalized here).
void convert_along_axis(Node& n, const OpRecord& record, ir::OpAttrs attrs) {
  const std::vector<Operand> operands = operands_of(n, record.onnx);
  std::vector<int> inputs;
  std::vector<std::vector<int32_t>> shapes;
  for (const Operand& o : operands) {
    inputs.push_back(n.plain(o.value).tensor);
    shapes.push_back(o.shape);
  }
  const int32_t axis = normalize_axis(attrs.axis, shapes[0].size());
  if (axis < 0)
    n.invalid(fmt::format("axis {} out of range for rank {}", attrs.axis, shapes[0].size()));
  attrs.axis = axis;
  const int index = record.onnx.index_operand;
  if (index > 0 && static_cast<size_t>(index) < inputs.size())
    inputs[static_cast<size_t>(index)] = positive_indices(n, inputs[static_cast<size_t>(index)],
                                                          shapes[0][static_cast<size_t>(axis)]);
  const std::vector<int32_t> shape =
      record.onnx.shape ? record.onnx.shape(n, shapes, attrs) : shapes[0];
  const Value out = n.define_output(0, result_type(n, record.onnx, operands), shape, false);
  n.emit(record.kind, inputs, {out.tensor}, attrs);
  fold_if_constant(n);
}

// Softmax-like kernels run over the innermost IR dim; another axis is moved
// there and back.
void convert_along_last_axis(Node& n, const OpRecord& record, const ir::OpAttrs& attrs) {
  const Value in = n.input(0);
  const ir::Tensor t = n.input_tensor(0);
  const std::vector<int32_t> logical = n.input_shape(0), ir_shape = t.shape;
  const size_t rank = logical.size();
  if (rank == 0) n.invalid("scalar input");
  if (n.opset() < 13) {
    // Over the flattened dims from `axis` on: per row of the 2-D view.
    const int32_t axis = normalize_axis(n.attr_int("axis", 1), rank);
    if (axis < 0) n.invalid("axis out of range");
    // The set of elements in a row is the same in either layout when the row
    // spans the channels and every spatial dim; otherwise use ONNX's order.
    const Value src = in.channels_last && axis <= 1 ? in : n.plain(in);
    const std::vector<int32_t> shape = tensor_of(n, src).shape;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis); d < rank; ++d) inner *= shape[d];
    const int32_t outer = static_cast<int32_t>(t.elements() / std::max<int64_t>(1, inner));
    if (axis == static_cast<int32_t>(rank) - 1) {
      const Value out = n.define_output(0, t.dtype, shape, src.channels_last);
      n.emit(record.kind, {src.tensor}, {out.tensor}, attrs);
      return;
    }
    const std::vector<int32_t> rows_shape = {outer, static_cast<int32_t>(inner)};
    const int rows = n.reshape(src.tensor, rows_shape, "rows");
    const int result = n.add_intermediate("rows_result", t.dtype, rows_shape);
    n.emit(record.kind, {rows}, {result}, attrs);
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
    n.emit(record.kind, {in.tensor}, {out.tensor}, attrs);
    return;
  }
  std::vector<int32_t> perm;
  for (int32_t d = 0; d < static_cast<int32_t>(rank); ++d) {
    if (d != ir_axis) perm.push_back(d);
  }
  perm.push_back(ir_axis);
  const int moved = n.transpose(in.tensor, perm, "axis_last");
  const int result = n.add_intermediate("axis_last_result", t.dtype, permute_shape(ir_shape, perm));
  n.emit(record.kind, {moved}, {result}, attrs);
  const Value out = n.define_output(0, t.dtype, ir_shape, in.channels_last);
  ir::OpAttrs back;
  back.perm = ir::inverse_permutation(perm);
  n.emit(ir::OpKind::kTranspose, {result}, {out.tensor}, back).type_name = "TRANSPOSE";
}

// An NCHW image op computed channels-last.
void convert_image(Node& n, const OpRecord& record, const ir::OpAttrs& attrs) {
  if (n.input_shape(0).size() != 4)
    n.unsupported(fmt::format("input of rank {} (NCHW images only)", n.input_shape(0).size()));
  const Value in = n.channels_last(n.input(0));
  const ir::Tensor& t = tensor_of(n, in);
  const std::vector<int32_t> shape =
      record.onnx.shape ? record.onnx.shape(n, {t.shape}, attrs) : t.shape;
  const Value out = n.define_output(0, t.dtype, shape, true);
  n.emit(record.kind, {in.tensor}, {out.tensor}, attrs);
}

}  // namespace

void convert_by_record(Node& n, const OpRecord& record) {
  ir::OpAttrs attrs;
  if (record.onnx.read) record.onnx.read(n, attrs);
  switch (record.onnx.pattern) {
    case OnnxPattern::kElementwise: return convert_elementwise(n, record, attrs);
    case OnnxPattern::kReduction: return convert_reduction(n, record, attrs);
    case OnnxPattern::kAlongAxis: return convert_along_axis(n, record, attrs);
    case OnnxPattern::kAlongLastAxis: return convert_along_last_axis(n, record, attrs);
    case OnnxPattern::kImage: return convert_image(n, record, attrs);
    case OnnxPattern::kNone: break;
  }
  n.unsupported(fmt::format("kiln does not support the ONNX op '{}'", n.op_type()));
}

}  // namespace onnx_import
}  // namespace kiln
