// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL and REDUCE_ANY over any axes,
// ARG_MAX and ARG_MIN (kiln/ops/reduce.h).
// An int8 or int16 mean folds 1/count into the rescale exactly as TFLite
// Micro prepares it.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

int floor_log2(uint64_t v) {
  int bits = -1;
  while (v) {
    v >>= 1;
    ++bits;
  }
  return bits;
}

// The reduction's params from the input shape and the constant axes operand.
ReduceParams reduce_params(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& axes = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  const int rank = static_cast<int>(in.shape.size());
  if (rank < 1 || rank > kMaxReduceRank) {
    ctx.unsupported(op, fmt::format("input '{}' has rank {}; reductions take rank 1 to {}", in.name,
                                    rank, kMaxReduceRank));
  }
  if (!axes.constant || (axes.dtype != KILN_DTYPE_INT32)) {
    ctx.unsupported(op, fmt::format("axes '{}' must be a constant int32 tensor", axes.name));
  }
  ReduceParams p{};
  p.rank = rank;
  for (int a = 0; a < rank; ++a) p.dims[a] = in.shape[static_cast<size_t>(a)];
  for (int64_t i = 0; i < axes.elements(); ++i) {
    const int32_t a = axes.as<int32_t>()[i];
    if (a < -rank || a >= rank) {
      ctx.invalid(op, fmt::format("axis {} is outside the input's {} dims", a, rank));
    }
    p.reduced |= 1u << (a < 0 ? a + rank : a);
  }
  uint32_t outputs = 0, count = 0;
  reduce_counts(p, &outputs, &count);
  if (outputs == 0) {
    ctx.unsupported(op, fmt::format("input {} is beyond the reduction kernels' limits",
                                    ir::shape_string(in.shape)));
  }
  if (out.elements() != outputs) {
    ctx.invalid(op, fmt::format("output {} does not hold the {} results of reducing {}",
                                ir::shape_string(out.shape), outputs, ir::shape_string(in.shape)));
  }
  return p;
}

// The kernels of one reduction, by element type.
struct ReduceKernels {
  OpCode f32, s8, s16;
};

enum class Reduction { kMean, kSum, kMax, kMin };

constexpr ReduceKernels kReduceKernels[] = {
    {OpCode::MEAN_F32, OpCode::MEAN_S8, OpCode::MEAN_S16},                    // kMean
    {OpCode::SUM_F32, OpCode::MEAN_S8, OpCode::MEAN_S16},                     // kSum: no 1/count
    {OpCode::REDUCE_MAX_F32, OpCode::REDUCE_MAX_S8, OpCode::REDUCE_MAX_S16},  // kMax
    {OpCode::REDUCE_MIN_F32, OpCode::REDUCE_MIN_S8, OpCode::REDUCE_MIN_S16},  // kMin
};

void lower_reduction(LowerContext& ctx, const ir::Op& op, Reduction reduction) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  ReduceParams p = reduce_params(ctx, op);
  const ReduceKernels& kernels = kReduceKernels[static_cast<int>(reduction)];
  if (in.dtype == KILN_DTYPE_FLOAT32 && out.dtype == KILN_DTYPE_FLOAT32) {
    ctx.emit(op, kernels.f32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  const bool int8 = in.dtype == KILN_DTYPE_INT8 && out.dtype == KILN_DTYPE_INT8;
  const bool int16 = in.dtype == KILN_DTYPE_INT16 && out.dtype == KILN_DTYPE_INT16;
  if (!int8 && !int16) {
    ctx.unsupported(op, fmt::format("{} input with {} output is not supported",
                                    ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
  }
  if (!in.quant.present() || !out.quant.present() || in.quant.per_channel() ||
      out.quant.per_channel()) {
    ctx.invalid(op, "quantized tensors without per-tensor quantization parameters");
  }
  if (reduction == Reduction::kMax || reduction == Reduction::kMin) {
    // Stored values compared: TFLM requires one quantization.
    require_same_quantization(ctx, op, in, out);
    ctx.emit(op, int8 ? kernels.s8 : kernels.s16, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  // TFLM: the input/output rescale; for a mean, 1/count folded into the
  // multiplier with as much precision as its shift allows.
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  uint32_t outputs = 0, count = 0;
  reduce_counts(p, &outputs, &count);
  if (count == 0) ctx.invalid(op, "reduces an empty tensor");
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  if (reduction == Reduction::kMean) {
    int shift = floor_log2(count);
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + q.shift);
    p.multiplier =
        static_cast<int32_t>((static_cast<int64_t>(q.multiplier) << shift) / int64_t{count});
    p.shift = q.shift - shift;
  }
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  const int sums =
      ctx.add_scratch(out.name + "/sums", KILN_DTYPE_INT32, {static_cast<int32_t>(outputs)});
  ctx.emit(op, int8 ? kernels.s8 : kernels.s16, p, {op.inputs[0]}, {op.outputs[0], sums});
}

template <Reduction R>
void lower_as(LowerContext& ctx, const ir::Op& op) {
  lower_reduction(ctx, op, R);
}

// REDUCE_ALL and REDUCE_ANY of bools (stored 0 or 1): the minimum and the
// maximum of the bytes.
template <Reduction R>
void lower_logical(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.dtype != KILN_DTYPE_BOOL || out.dtype != KILN_DTYPE_BOOL) {
    ctx.unsupported(op, fmt::format("{} input with {} output: both must be bool",
                                    ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
  }
  const ReduceParams p = reduce_params(ctx, op);
  ctx.emit(op, kReduceKernels[static_cast<int>(R)].s8, p, {op.inputs[0]}, {op.outputs[0]});
}

struct ArgKernels {
  kiln_dtype dtype;
  OpCode max, min;
};

constexpr ArgKernels kArgKernels[] = {
    {KILN_DTYPE_FLOAT32, OpCode::ARG_MAX_F32, OpCode::ARG_MIN_F32},
    {KILN_DTYPE_INT8, OpCode::ARG_MAX_S8, OpCode::ARG_MIN_S8},
    {KILN_DTYPE_INT16, OpCode::ARG_MAX_S16, OpCode::ARG_MIN_S16},
    {KILN_DTYPE_INT32, OpCode::ARG_MAX_S32, OpCode::ARG_MIN_S32},
};

// ARG_MAX, ARG_MIN: (input, axis) -> int32 or int64 indices.
template <bool kMax>
void lower_arg(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const std::vector<int64_t> axes = constant_integers(ctx, op, 1, "axis");
  if (axes.size() != 1) ctx.invalid(op, "axis must be one value");
  const size_t axis = normalized_axis(ctx, op, axes[0], in.shape.size());
  std::vector<int32_t> shape = in.shape;
  shape.erase(shape.begin() + static_cast<ptrdiff_t>(axis));
  if (out.shape != shape || (out.dtype != KILN_DTYPE_INT32 && out.dtype != KILN_DTYPE_INT64)) {
    ctx.invalid(op, fmt::format("output '{}' must be int32 or int64 {}", out.name,
                                ir::shape_string(shape)));
  }
  const ArgKernels* kernels = nullptr;
  for (const ArgKernels& k : kArgKernels) {
    if (k.dtype == in.dtype) kernels = &k;
  }
  if (!kernels) {
    ctx.unsupported(
        op, fmt::format("{} input '{}' is not supported", ir::dtype_name(in.dtype), in.name));
  }
  ArgParams p{};
  p.outer = 1;
  p.inner = 1;
  for (size_t d = 0; d < axis; ++d) p.outer *= in.shape[d];
  for (size_t d = axis + 1; d < in.shape.size(); ++d) p.inner *= in.shape[d];
  p.axis_size = in.shape[axis];
  p.output_size = static_cast<int32_t>(kiln_dtype_size(out.dtype));
  ctx.emit(op, kMax ? kernels->max : kernels->min, p, {op.inputs[0]}, {op.outputs[0]});
}

tflite_format::WrittenOptions write_arg_max(tflite_format::OperatorWriter& w) {
  const ir::Tensor& out = w.graph().tensors[static_cast<size_t>(w.op().outputs.at(0))];
  return w.options(tflite::CreateArgMaxOptions(w.builder(), out.dtype == KILN_DTYPE_INT64
                                                                ? tflite::TensorType_INT64
                                                                : tflite::TensorType_INT32));
}

tflite_format::WrittenOptions write_arg_min(tflite_format::OperatorWriter& w) {
  const ir::Tensor& out = w.graph().tensors[static_cast<size_t>(w.op().outputs.at(0))];
  return w.options(tflite::CreateArgMinOptions(w.builder(), out.dtype == KILN_DTYPE_INT64
                                                                ? tflite::TensorType_INT64
                                                                : tflite::TensorType_INT32));
}

void read_reducer(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ReducerOptions>())
    r.attrs().keep_dims = o->keep_dims();
}

tflite_format::WrittenOptions write_reducer(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateReducerOptions(w.builder(), w.attrs().keep_dims));
}

}  // namespace

const OpRecord kMeanRecord = {
    ir::OpKind::kMean,
    OpTraits().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_MEAN).reads(read_reducer).writes(write_reducer),
    lower_as<Reduction::kMean>,
    nullptr,
    OnnxForm(OnnxPattern::kReduction, "ReduceMean").with_operands(1).axes_input_from_opset(18)};
const OpRecord kSumRecord = {
    ir::OpKind::kSum,
    OpTraits().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_SUM).reads(read_reducer).writes(write_reducer),
    lower_as<Reduction::kSum>,
    nullptr,
    OnnxForm(OnnxPattern::kReduction, "ReduceSum").with_operands(1).axes_input_from_opset(13)};
const OpRecord kReduceMaxRecord = {
    ir::OpKind::kReduceMax,
    OpTraits().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_REDUCE_MAX).reads(read_reducer).writes(write_reducer),
    lower_as<Reduction::kMax>,
    nullptr,
    OnnxForm(OnnxPattern::kReduction, "ReduceMax").with_operands(1).axes_input_from_opset(18)};
const OpRecord kReduceMinRecord = {
    ir::OpKind::kReduceMin,
    OpTraits().same_quantization_as_input().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_REDUCE_MIN).reads(read_reducer).writes(write_reducer),
    lower_as<Reduction::kMin>,
    nullptr,
    OnnxForm(OnnxPattern::kReduction, "ReduceMin").with_operands(1).axes_input_from_opset(18)};

const OpRecord kReduceAllRecord = {
    ir::OpKind::kReduceAll, OpTraits(),
    TfliteForm(tflite::BuiltinOperator_REDUCE_ALL).reads(read_reducer).writes(write_reducer),
    lower_logical<Reduction::kMin>, nullptr};
const OpRecord kReduceAnyRecord = {
    ir::OpKind::kReduceAny, OpTraits(),
    TfliteForm(tflite::BuiltinOperator_REDUCE_ANY).reads(read_reducer).writes(write_reducer),
    lower_logical<Reduction::kMax>, nullptr};

const OpRecord kArgMaxRecord = {ir::OpKind::kArgMax, OpTraits(),
                                TfliteForm(tflite::BuiltinOperator_ARG_MAX).writes(write_arg_max),
                                lower_arg<true>, nullptr};
const OpRecord kArgMinRecord = {ir::OpKind::kArgMin, OpTraits(),
                                TfliteForm(tflite::BuiltinOperator_ARG_MIN).writes(write_arg_min),
                                lower_arg<false>, nullptr};

}  // namespace kiln
