// Ops whose outputs are views of their input: SLICE, STRIDED_SLICE,
// REVERSE_V2, SPLIT, SPLIT_V and UNPACK. Each lowers to one strided copy per
// output (element_view.h), for any element type.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "compiler/ops/element_view.h"
#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// The input's view that selects [begin, begin + size) along every axis.
ElementView box_view(const std::vector<int32_t>& shape, const std::vector<int64_t>& begin,
                     const std::vector<int32_t>& size) {
  ElementView v = whole_view(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    v.offset += begin[d] * v.strides[d];
    v.dims[d] = size[d];
  }
  return v;
}

void lower_slice(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const std::vector<int64_t> begin = constant_integers(ctx, op, 1, "begin");
  const std::vector<int64_t> size = constant_integers(ctx, op, 2, "size");
  const size_t rank = in.shape.size();
  if (begin.size() != rank || size.size() != rank)
    ctx.invalid(op, fmt::format("begin and size must have {} values, one per axis", rank));
  std::vector<int32_t> sizes(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t dim = in.shape[d];
    const int64_t s = size[d] == -1 ? dim - begin[d] : size[d];  // -1: to the end
    if (begin[d] < 0 || s < 1 || begin[d] + s > dim) {
      ctx.invalid(op, fmt::format("slice [{}, +{}) of axis {} is outside input {}", begin[d],
                                  size[d], d, ir::shape_string(in.shape)));
    }
    sizes[d] = static_cast<int32_t>(s);
  }
  if (sizes != out.shape) {
    ctx.invalid(op, fmt::format("output {} is not the slice's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(sizes)));
  }
  emit_view(ctx, op, op.inputs[0], box_view(in.shape, begin, sizes), op.outputs[0]);
}

int64_t clamp_index(int64_t index, int64_t axis_size, int64_t stride) {
  if (index < 0) index += axis_size;
  return stride > 0 ? std::clamp<int64_t>(index, 0, axis_size)
                    : std::clamp<int64_t>(index, -1, axis_size - 1);
}

// TFLite's strided slice: per axis, the start (masked, wrapped, clamped), the
// stop (likewise, or start + 1 for a shrunk axis), then every stride-th
// element from start towards stop.
void lower_strided_slice(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const std::vector<int64_t> begin = constant_integers(ctx, op, 1, "begin");
  const std::vector<int64_t> end = constant_integers(ctx, op, 2, "end");
  const std::vector<int64_t> strides = constant_integers(ctx, op, 3, "strides");
  const size_t rank = in.shape.size();
  if (begin.size() > rank || end.size() != begin.size() || strides.size() != begin.size()) {
    ctx.invalid(op,
                fmt::format("begin, end and strides must have the same count, at most {}", rank));
  }
  // Axes the indices leave out (leading) are taken whole.
  const size_t lead = rank - begin.size();
  const ir::OpAttrs& a = op.attrs;
  ElementView v = whole_view(in.shape);
  std::vector<int32_t> kept;  // the output's shape: the counts of unshrunk axes
  for (size_t d = lead; d < rank; ++d) {
    const size_t i = d - lead;
    const int64_t axis_size = in.shape[d], stride = strides[i];
    if (stride == 0) ctx.invalid(op, fmt::format("stride 0 on axis {}", d));
    int64_t start = clamp_index(begin[i], axis_size, stride);
    if (a.begin_mask & (1 << i)) start = stride > 0 ? 0 : axis_size - 1;
    int64_t stop;
    if (a.shrink_axis_mask & (1 << i)) {
      stop = start >= axis_size ? start : start + 1;
    } else {
      stop = clamp_index(end[i] + (a.end_is_offset ? start : 0), axis_size, stride);
      if (a.end_mask & (1 << i)) stop = stride > 0 ? axis_size : -1;
    }
    const int64_t span = stride > 0 ? stop - start : start - stop;
    const int64_t step = stride > 0 ? stride : -stride;
    const int64_t count = span <= 0 ? 0 : (span + step - 1) / step;
    if (count == 0)
      ctx.unsupported(op, fmt::format("axis {} selects no elements (empty tensors)", d));
    v.offset += start * v.strides[d];
    v.strides[d] *= stride;
    v.dims[d] = static_cast<int32_t>(count);
    if (!(a.shrink_axis_mask & (1 << i))) kept.push_back(v.dims[d]);
  }
  kept.insert(kept.begin(), in.shape.begin(), in.shape.begin() + static_cast<ptrdiff_t>(lead));
  if (kept != out.shape) {
    ctx.invalid(op, fmt::format("output {} is not the slice's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(kept)));
  }
  emit_view(ctx, op, op.inputs[0], v, op.outputs[0]);
}

void lower_reverse(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  if (in.shape != out.shape) ctx.invalid(op, "output shape differs from the input's");
  ElementView v = whole_view(in.shape);
  std::vector<bool> reversed(in.shape.size(), false);
  for (int64_t axis : constant_integers(ctx, op, 1, "axes")) {
    const size_t d = normalized_axis(ctx, op, axis, in.shape.size());
    if (reversed[d]) ctx.invalid(op, fmt::format("axis {} is reversed twice", axis));
    reversed[d] = true;
    v.offset += int64_t{in.shape[d] - 1} * v.strides[d];
    v.strides[d] = -v.strides[d];
  }
  emit_view(ctx, op, op.inputs[0], v, op.outputs[0]);
}

// Output k of a split along `axis` starts `starts[k]` into it.
void emit_split(LowerContext& ctx, const ir::Op& op, size_t axis,
                const std::vector<int64_t>& starts) {
  const ir::Tensor& in = ctx.input(op, 0);
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    const ir::Tensor& out = ctx.output(op, k);
    require_same_quantization(ctx, op, in, out);
    std::vector<int32_t> size = in.shape;
    size[axis] = out.shape.size() == in.shape.size() ? out.shape[axis] : 0;
    if (out.shape != size) {
      ctx.invalid(op, fmt::format("output '{}' has shape {}; splitting {} along axis {} gives {}",
                                  out.name, ir::shape_string(out.shape), ir::shape_string(in.shape),
                                  axis, ir::shape_string(size)));
    }
    std::vector<int64_t> begin(in.shape.size(), 0);
    begin[axis] = starts[k];
    emit_view(ctx, op, op.inputs[0], box_view(in.shape, begin, size), op.outputs[k]);
  }
}

// Outputs of consecutive parts along the axis, each as long as its shape says.
void lower_split_by_outputs(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const size_t axis = normalized_axis(ctx, op, op.attrs.axis, in.shape.size());
  std::vector<int64_t> starts;
  int64_t total = 0;
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    starts.push_back(total);
    const ir::Tensor& out = ctx.output(op, k);
    total += out.shape.size() == in.shape.size() ? out.shape[axis] : 0;
  }
  if (total != in.shape[axis]) {
    ctx.invalid(op, fmt::format("the outputs' sizes along axis {} add up to {}, not {}", axis,
                                total, in.shape[axis]));
  }
  if (op.kind == ir::OpKind::kSplit) {
    for (size_t k = 1; k < op.outputs.size(); ++k) {
      if (starts[k] != static_cast<int64_t>(k) * starts[1])
        ctx.invalid(op, "SPLIT's outputs must be equal");
    }
  } else {
    const std::vector<int64_t> sizes = constant_integers(ctx, op, 1, "size_splits");
    if (sizes.size() != op.outputs.size())
      ctx.invalid(op, fmt::format("{} sizes for {} outputs", sizes.size(), op.outputs.size()));
    for (size_t k = 0; k < sizes.size(); ++k) {
      const int64_t size = (k + 1 < starts.size() ? starts[k + 1] : total) - starts[k];
      if (sizes[k] != -1 && sizes[k] != size)
        ctx.invalid(op,
                    fmt::format("output {} is {} long, size_splits says {}", k, size, sizes[k]));
    }
  }
  emit_split(ctx, op, axis, starts);
}

// UNPACK: output k is the input at index k of the axis, the axis removed.
void lower_unpack(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const size_t axis = normalized_axis(ctx, op, op.attrs.axis, in.shape.size());
  if (op.outputs.size() != static_cast<size_t>(in.shape[axis])) {
    ctx.invalid(op, fmt::format("{} outputs for {} entries along axis {}", op.outputs.size(),
                                in.shape[axis], axis));
  }
  std::vector<int32_t> size = in.shape;
  size[axis] = 1;
  std::vector<int32_t> unpacked = in.shape;
  unpacked.erase(unpacked.begin() + static_cast<ptrdiff_t>(axis));
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    const ir::Tensor& out = ctx.output(op, k);
    require_same_quantization(ctx, op, in, out);
    if (out.shape != unpacked) {
      ctx.invalid(op, fmt::format("output '{}' has shape {}, expected {}", out.name,
                                  ir::shape_string(out.shape), ir::shape_string(unpacked)));
    }
    std::vector<int64_t> begin(in.shape.size(), 0);
    begin[axis] = static_cast<int64_t>(k);
    emit_view(ctx, op, op.inputs[0], box_view(in.shape, begin, size), op.outputs[k]);
  }
}

void read_strided_slice(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::StridedSliceOptions>();
  if (o.ellipsis_mask() != 0 || o.new_axis_mask() != 0)
    r.unsupported("uses an ellipsis or new-axis mask");
  r.attrs().begin_mask = o.begin_mask();
  r.attrs().end_mask = o.end_mask();
  r.attrs().shrink_axis_mask = o.shrink_axis_mask();
  r.attrs().end_is_offset = o.offset();
}

tflite_format::WrittenOptions write_strided_slice(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateStridedSliceOptions(w.builder(), w.attrs().begin_mask, w.attrs().end_mask, 0, 0,
                                        w.attrs().shrink_axis_mask, w.attrs().end_is_offset));
}

// SPLIT's axis is its first operand and SPLIT_V's its last; kiln keeps it as
// an attribute, the data first.
void read_split(tflite_format::OperatorReader& r) {
  std::vector<int>& inputs = r.op().inputs;
  if (inputs.size() != 2) r.bad("must have 2 operands (axis, input)");
  const std::vector<int32_t> axis = r.int32_input(0, "axis");
  if (axis.size() != 1) r.bad("axis must be one value");
  r.attrs().axis = axis[0];
  inputs = {inputs[1]};
}

void read_split_v(tflite_format::OperatorReader& r) {
  std::vector<int>& inputs = r.op().inputs;
  if (inputs.size() != 3) r.bad("must have 3 operands (input, size_splits, axis)");
  const std::vector<int32_t> axis = r.int32_input(2, "axis");
  if (axis.size() != 1) r.bad("axis must be one value");
  r.attrs().axis = axis[0];
  inputs.resize(2);
}

std::string axis_name(const ir::Graph& g, const ir::Op& op) {
  return g.tensors[static_cast<size_t>(op.outputs.at(0))].name + "/axis";
}

void split_operands(ir::Graph& g, ir::Op& op) {
  op.inputs.insert(op.inputs.begin(), ir::add_int32_constant(g, axis_name(g, op), {op.attrs.axis}));
}

void split_v_operands(ir::Graph& g, ir::Op& op) {
  op.inputs.push_back(ir::add_int32_constant(g, axis_name(g, op), {op.attrs.axis}));
}

tflite_format::WrittenOptions write_split(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateSplitOptions(w.builder(), static_cast<int32_t>(w.op().outputs.size())));
}

tflite_format::WrittenOptions write_split_v(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateSplitVOptions(w.builder(), static_cast<int32_t>(w.op().outputs.size())));
}

void read_unpack(tflite_format::OperatorReader& r) {
  r.attrs().axis = r.options<tflite::UnpackOptions>().axis();
}

tflite_format::WrittenOptions write_unpack(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateUnpackOptions(
      w.builder(), static_cast<int32_t>(w.op().outputs.size()), w.attrs().axis));
}

tflite_format::WrittenOptions write_slice(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateSliceOptions(w.builder()));
}

tflite_format::WrittenOptions write_reverse(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateReverseV2Options(w.builder()));
}

constexpr OpTraits kView = OpTraits().same_quantization_as_input().folds_qdq();

}  // namespace

const OpRecord kSliceRecord = {ir::OpKind::kSlice, kView,
                               TfliteForm(tflite::BuiltinOperator_SLICE).writes(write_slice),
                               lower_slice, nullptr};
const OpRecord kStridedSliceRecord = {ir::OpKind::kStridedSlice, kView,
                                      TfliteForm(tflite::BuiltinOperator_STRIDED_SLICE)
                                          .reads(read_strided_slice)
                                          .writes(write_strided_slice),
                                      lower_strided_slice, nullptr};
const OpRecord kReverseRecord = {
    ir::OpKind::kReverse, kView,
    TfliteForm(tflite::BuiltinOperator_REVERSE_V2).writes(write_reverse), lower_reverse, nullptr};
const OpRecord kSplitRecord = {ir::OpKind::kSplit, kView,
                               TfliteForm(tflite::BuiltinOperator_SPLIT)
                                   .reads(read_split)
                                   .with_operands(split_operands)
                                   .writes(write_split),
                               lower_split_by_outputs, nullptr};
const OpRecord kSplitVRecord = {ir::OpKind::kSplitV, kView,
                                TfliteForm(tflite::BuiltinOperator_SPLIT_V)
                                    .reads(read_split_v)
                                    .with_operands(split_v_operands)
                                    .writes(write_split_v),
                                lower_split_by_outputs, nullptr};
const OpRecord kUnpackRecord = {
    ir::OpKind::kUnpack, kView,
    TfliteForm(tflite::BuiltinOperator_UNPACK).reads(read_unpack).writes(write_unpack),
    lower_unpack, nullptr};

}  // namespace kiln
