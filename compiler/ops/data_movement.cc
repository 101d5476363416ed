// RESHAPE (and SQUEEZE, EXPAND_DIMS), PAD, CONCATENATION, PACK and TRANSPOSE.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// A reshape is a copy the memory planner usually removes by giving the output
// the input's buffer (see elide_copies).
void lower_reshape(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.bytes() != out.bytes() || in.dtype != out.dtype) {
    ctx.invalid(op, fmt::format("reshape from {} to {} changes the size",
                                ir::shape_string(in.shape), ir::shape_string(out.shape)));
  }
  CopyParams p{static_cast<int32_t>(in.bytes())};
  ctx.emit(op, OpCode::COPY, p, {op.inputs[0]}, {op.outputs[0]});
}

void lower_pad(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& paddings = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const size_t rank = in.shape.size();
  if (rank > static_cast<size_t>(kMaxPadRank))
    ctx.unsupported(op, fmt::format("rank {} is above {}", rank, kMaxPadRank));
  if (!paddings.constant || paddings.dtype != KILN_DTYPE_INT32 ||
      paddings.elements() != static_cast<int64_t>(2 * rank)) {
    ctx.unsupported(op, fmt::format("paddings '{}' must be a constant int32 [{}, 2] tensor",
                                    paddings.name, rank));
  }
  PadParams p{};
  const size_t lead = kMaxPadRank - rank;
  for (size_t i = 0; i < static_cast<size_t>(kMaxPadRank); ++i) {
    const bool real = i >= lead;
    p.in_dims[i] = real ? in.shape[i - lead] : 1;
    p.before[i] = real ? paddings.as<int32_t>()[2 * (i - lead)] : 0;
    p.after[i] = real ? paddings.as<int32_t>()[2 * (i - lead) + 1] : 0;
    if (p.before[i] < 0 || p.after[i] < 0) ctx.invalid(op, "negative padding");
    if (real && out.shape[i - lead] != p.in_dims[i] + p.before[i] + p.after[i]) {
      ctx.invalid(op, fmt::format("output {} does not match input {} plus paddings",
                                  ir::shape_string(out.shape), ir::shape_string(in.shape)));
    }
  }
  p.element_size = static_cast<int32_t>(kiln_dtype_size(in.dtype));
  // The fill is zero in real terms unless a value is given (PADV2): for
  // quantized tensors, that value quantized.
  float value = 0.0f;
  if (ctx.has_input(op, 2)) {
    const ir::Tensor& v = ctx.input(op, 2);
    if (!v.constant || v.elements() != 1 ||
        (v.dtype != KILN_DTYPE_FLOAT32 && v.dtype != in.dtype)) {
      ctx.unsupported(op, fmt::format("pad value '{}' must be one constant element", v.name));
    }
    if (v.dtype == KILN_DTYPE_FLOAT32) {
      value = v.as<float>()[0];
    } else {
      std::memcpy(&p.pad_value_bits, v.data.data(), kiln_dtype_size(v.dtype));
      ctx.emit(op, OpCode::PAD, p, {op.inputs[0]}, {op.outputs[0]});
      return;
    }
  }
  if (in.dtype == KILN_DTYPE_INT8) {
    const double q =
        std::round(static_cast<double>(value) / out.quant.scale()) + out.quant.zero_point();
    p.pad_value_bits = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -128.0, 127.0)));
  } else if (in.dtype == KILN_DTYPE_FLOAT32) {
    std::memcpy(&p.pad_value_bits, &value, 4);
  } else if (value != 0.0f) {
    ctx.unsupported(
        op, fmt::format("a float pad value for {} '{}'", ir::dtype_name(in.dtype), in.name));
  }
  ctx.emit(op, OpCode::PAD, p, {op.inputs[0]}, {op.outputs[0]});
}

// Row i of the output is row i of every input, side by side (`row_bytes[k]`
// of input k). One kernel call takes kMaxOperands inputs: more are joined
// in groups into scratch buffers first, and the groups then joined.
void emit_concat(LowerContext& ctx, const ir::Op& op, int32_t outer, std::vector<int> inputs,
                 std::vector<int64_t> row_bytes, int destination) {
  constexpr size_t kGroup = static_cast<size_t>(kMaxOperands);
  for (int level = 0; inputs.size() > kGroup; ++level) {
    std::vector<int> joined;
    std::vector<int64_t> joined_bytes;
    for (size_t first = 0; first < inputs.size(); first += kGroup) {
      const size_t end = std::min(inputs.size(), first + kGroup);
      if (end - first == 1) {
        joined.push_back(inputs[first]);
        joined_bytes.push_back(row_bytes[first]);
        continue;
      }
      ConcatParams p{};
      p.num_inputs = static_cast<int32_t>(end - first);
      p.outer = outer;
      int64_t bytes = 0;
      for (size_t k = first; k < end; ++k) {
        p.inner_bytes[k - first] = static_cast<int32_t>(row_bytes[k]);
        bytes += row_bytes[k];
      }
      const int group = ctx.add_scratch(
          fmt::format("{}/group{}_{}", ctx.program_tensor(destination).name, level, first / kGroup),
          KILN_DTYPE_UINT8, {outer, static_cast<int32_t>(bytes)});
      ctx.emit(op, OpCode::CONCATENATION, p,
               std::vector<int>(inputs.begin() + static_cast<ptrdiff_t>(first),
                                inputs.begin() + static_cast<ptrdiff_t>(end)),
               {group});
      joined.push_back(group);
      joined_bytes.push_back(bytes);
    }
    inputs = std::move(joined);
    row_bytes = std::move(joined_bytes);
  }
  ConcatParams p{};
  p.num_inputs = static_cast<int32_t>(inputs.size());
  p.outer = outer;
  for (size_t k = 0; k < inputs.size(); ++k) p.inner_bytes[k] = static_cast<int32_t>(row_bytes[k]);
  ctx.emit(op, OpCode::CONCATENATION, p, inputs, {destination});
}

void lower_concatenation(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& out = ctx.output(op, 0);
  if (op.inputs.empty()) ctx.invalid(op, "has no inputs");
  if (op.attrs.activation != ir::Activation::kNone)
    ctx.unsupported(op, "fused activation on CONCATENATION");
  const int rank = static_cast<int>(out.shape.size());
  const int axis = op.attrs.axis < 0 ? op.attrs.axis + rank : op.attrs.axis;
  if (axis < 0 || axis >= rank)
    ctx.invalid(op, fmt::format("axis {} out of range for rank {}", op.attrs.axis, rank));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out.shape[static_cast<size_t>(d)];
  for (int d = axis + 1; d < rank; ++d) inner *= out.shape[static_cast<size_t>(d)];
  int64_t axis_total = 0;
  std::vector<int64_t> row_bytes;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const ir::Tensor& in = ctx.input(op, i);
    require_same_quantization(ctx, op, in, out);
    if (static_cast<int>(in.shape.size()) != rank)
      ctx.invalid(op, fmt::format("input '{}' has a different rank", in.name));
    axis_total += in.shape[static_cast<size_t>(axis)];
    row_bytes.push_back(in.shape[static_cast<size_t>(axis)] * inner * kiln_dtype_size(in.dtype));
  }
  if (axis_total != out.shape[static_cast<size_t>(axis)])
    ctx.invalid(op, "input sizes along the axis do not add up to the output");
  emit_concat(ctx, op, static_cast<int32_t>(outer), op.inputs, row_bytes, op.outputs[0]);
}

// PACK stacks its inputs along a new output axis: a concatenation in which
// each input adds one entry along it.
void lower_pack(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& out = ctx.output(op, 0);
  const size_t axis = normalized_axis(ctx, op, op.attrs.axis, out.shape.size());
  std::vector<int32_t> stacked = out.shape;
  stacked.erase(stacked.begin() + static_cast<ptrdiff_t>(axis));
  if (out.shape[axis] != static_cast<int32_t>(op.inputs.size()))
    ctx.invalid(
        op, fmt::format("{} inputs stacked into {} entries", op.inputs.size(), out.shape[axis]));
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= out.shape[d];
  for (size_t d = axis + 1; d < out.shape.size(); ++d) inner *= out.shape[d];
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const ir::Tensor& in = ctx.input(op, i);
    require_same_quantization(ctx, op, in, out);
    if (in.shape != stacked) {
      ctx.invalid(op, fmt::format("input '{}' has shape {}; stacking into {} needs {}", in.name,
                                  ir::shape_string(in.shape), ir::shape_string(out.shape),
                                  ir::shape_string(stacked)));
    }
  }
  emit_concat(ctx, op, static_cast<int32_t>(outer), op.inputs,
              std::vector<int64_t>(op.inputs.size(), inner * kiln_dtype_size(out.dtype)),
              op.outputs[0]);
}

void lower_transpose(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const std::vector<int32_t>& perm = op.attrs.perm;
  const size_t rank = in.shape.size();
  if (rank > static_cast<size_t>(kMaxTransposeRank)) {
    ctx.unsupported(op, fmt::format("rank {} is above {}", rank, kMaxTransposeRank));
  }
  if (perm.size() != rank || out.shape.size() != rank) {
    ctx.invalid(op, fmt::format("permutation [{}] does not fit input {} and output {}",
                                fmt::join(perm, ","), ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
  TransposeParams p{};
  const size_t lead = kMaxTransposeRank - rank;
  for (size_t i = 0; i < static_cast<size_t>(kMaxTransposeRank); ++i) {
    const bool real = i >= lead;
    p.in_dims[i] = real ? in.shape[i - lead] : 1;
    p.perm[i] = real ? perm[i - lead] + static_cast<int32_t>(lead) : static_cast<int32_t>(i);
    if (real && (perm[i - lead] < 0 || static_cast<size_t>(perm[i - lead]) >= rank ||
                 out.shape[i - lead] != in.shape[static_cast<size_t>(perm[i - lead])])) {
      ctx.invalid(
          op, fmt::format("output {} is not input {} permuted by [{}]", ir::shape_string(out.shape),
                          ir::shape_string(in.shape), fmt::join(perm, ",")));
    }
  }
  p.element_size = static_cast<int32_t>(kiln_dtype_size(in.dtype));
  ctx.emit(op, OpCode::TRANSPOSE, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

namespace {

// TFLite's permutation is a constant input; kiln's an attribute.
void read_transpose(tflite_format::OperatorReader& r) {
  r.attrs().perm = r.int32_input(1, "permutation");
  r.op().inputs.resize(1);
}

void transpose_operands(ir::Graph& g, ir::Op& op) {
  op.inputs = {op.inputs[0],
               ir::add_int32_constant(
                   g, g.tensors[static_cast<size_t>(op.outputs[0])].name + "/perm", op.attrs.perm)};
}

tflite_format::WrittenOptions write_transpose(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateTransposeOptions(w.builder()));
}

void read_pack(tflite_format::OperatorReader& r) {
  r.attrs().axis = r.options<tflite::PackOptions>().axis();
}

tflite_format::WrittenOptions write_pack(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreatePackOptions(
      w.builder(), static_cast<int32_t>(w.op().inputs.size()), w.attrs().axis));
}

// SQUEEZE and EXPAND_DIMS are reshapes: the output's shape says it all.
// EXPAND_DIMS's axis operand goes, as RESHAPE's second operand is a shape.
void read_reshape(tflite_format::OperatorReader& r) {
  if (r.builtin() == tflite::BuiltinOperator_EXPAND_DIMS) r.op().inputs.resize(1);
}

tflite_format::WrittenOptions write_reshape(tflite_format::OperatorWriter& w) {
  const ir::Tensor& out = w.graph().tensors[static_cast<size_t>(w.op().outputs.at(0))];
  return w.options(tflite::CreateReshapeOptions(w.builder(), w.builder().CreateVector(out.shape)));
}

// PADV2 carries the pad value as a third operand.
int pad_builtin(const ir::Op& op) {
  return op.inputs.size() > 2 ? tflite::BuiltinOperator_PADV2 : tflite::BuiltinOperator_PAD;
}

void read_concatenation(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ConcatenationOptions>()) {
    r.attrs().axis = o->axis();
    r.attrs().activation = r.activation(o->fused_activation_function());
  }
}

tflite_format::WrittenOptions write_concatenation(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateConcatenationOptions(w.builder(), w.attrs().axis,
                                                      w.activation(w.attrs().activation)));
}

}  // namespace

const OpRecord kTransposeRecord = {ir::OpKind::kTranspose,
                                   OpTraits().same_quantization_as_input().folds_qdq(),
                                   TfliteForm(tflite::BuiltinOperator_TRANSPOSE)
                                       .reads(read_transpose)
                                       .with_operands(transpose_operands)
                                       .writes(write_transpose),
                                   lower_transpose, nullptr};
const OpRecord kReshapeRecord = {
    ir::OpKind::kReshape, OpTraits().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_RESHAPE, tflite::BuiltinOperator_SQUEEZE,
               tflite::BuiltinOperator_EXPAND_DIMS)
        .reads(read_reshape)
        .writes(write_reshape),
    lower_reshape, nullptr};
const OpRecord kPadRecord = {
    ir::OpKind::kPad, OpTraits().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_PAD, tflite::BuiltinOperator_PADV2).written_as(pad_builtin),
    lower_pad, nullptr};
const OpRecord kConcatenationRecord = {
    ir::OpKind::kConcatenation, OpTraits().all_data().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_CONCATENATION)
        .reads(read_concatenation)
        .writes(write_concatenation),
    lower_concatenation, nullptr};
const OpRecord kPackRecord = {
    ir::OpKind::kPack, OpTraits().all_data().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_PACK).reads(read_pack).writes(write_pack), lower_pack,
    nullptr};

}  // namespace kiln
