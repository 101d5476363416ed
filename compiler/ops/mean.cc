// MEAN over the spatial axes of an NHWC tensor.
#include <fmt/format.h>

#include <set>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

void lower_mean(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& axes = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  std::set<int32_t> axis_set;
  if (axes.constant && axes.dtype == KILN_DTYPE_INT32) {
    for (int64_t i = 0; i < axes.elements(); ++i) {
      const int32_t a = axes.as<int32_t>()[i];
      axis_set.insert(a < 0 ? a + static_cast<int32_t>(in.shape.size()) : a);
    }
  }
  if (in.shape.size() != 4 || axis_set != std::set<int32_t>{1, 2}) {
    ctx.unsupported(
        op, fmt::format("only MEAN over axes 1 and 2 of a 4-D tensor is supported (input {})",
                        ir::shape_string(in.shape)));
  }
  if (out.elements() != int64_t{in.shape[0]} * in.shape[3])
    ctx.invalid(op, "output size does not match the reduction");
  MeanParams p{};
  p.batches = in.shape[0];
  p.spatial = in.shape[1] * in.shape[2];
  p.channels = in.shape[3];
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::MEAN_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  // TFLite's integer mean rounds this way only for keep_dims; the other
  // form uses a different rounding kiln does not implement yet.
  if (!op.attrs.keep_dims) ctx.unsupported(op, "int8 MEAN without keep_dims is not supported yet");
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  ctx.emit(op, OpCode::MEAN_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

namespace {

void read_mean(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ReducerOptions>())
    r.attrs().keep_dims = o->keep_dims();
}

tflite_format::WrittenOptions write_mean(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateReducerOptions(w.builder(), w.attrs().keep_dims));
}

}  // namespace

const OpRecord kMeanRecord = {
    ir::OpKind::kMean, OpTraits().folds_qdq(),
    TfliteForm(tflite::BuiltinOperator_MEAN).reads(read_mean).writes(write_mean), lower_mean,
    nullptr};

}  // namespace kiln
