// SVDF (kiln/ops/svdf.h): its state is the persistent tensor of input 4,
// which the kernel updates in place (passed to it as an output).
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

constexpr size_t kStateInput = 4;

void lower_svdf(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& features = ctx.input(op, 1);
  const ir::Tensor& time = ctx.input(op, 2);
  const ir::Tensor& state = ctx.input(op, kStateInput);
  const ir::Tensor& out = ctx.output(op, 0);
  const bool has_bias = ctx.has_input(op, 3);
  require_rank(ctx, op, in, 2, "input");
  require_rank(ctx, op, features, 2, "weights_feature");
  require_rank(ctx, op, time, 2, "weights_time");
  require_rank(ctx, op, out, 2, "output");
  if (!state.persistent) {
    ctx.invalid(op, fmt::format("state '{}' is not a variable tensor", state.name));
  }
  if (!features.constant || !time.constant || (has_bias && !ctx.input(op, 3).constant))
    ctx.unsupported(op, "weights and bias must be constants");
  const int32_t rank = op.attrs.rank;
  const int32_t filters = features.shape[0];
  if (rank < 1 || filters % rank != 0)
    ctx.invalid(op, fmt::format("{} filters do not split into rank {}", filters, rank));
  SvdfParams p{};
  p.batches = in.shape[0];
  p.input_size = in.shape[1];
  p.units = filters / rank;
  p.rank = rank;
  p.memory = time.shape[1];
  p.has_bias = has_bias ? 1 : 0;
  if (features.shape[1] != p.input_size || time.shape[0] != filters ||
      out.shape != std::vector<int32_t>{p.batches, p.units} ||
      state.elements() != int64_t{p.batches} * filters * p.memory) {
    ctx.invalid(op, fmt::format("shapes do not agree: input {}, weights_feature {}, weights_time "
                                "{}, state {}, output {} (rank {})",
                                ir::shape_string(in.shape), ir::shape_string(features.shape),
                                ir::shape_string(time.shape), ir::shape_string(state.shape),
                                ir::shape_string(out.shape), rank));
  }
  const int scratch =
      ctx.add_scratch(out.name + "/svdf_sums", KILN_DTYPE_INT32, {p.batches, filters + p.units});
  const std::vector<int> inputs = {op.inputs[0], op.inputs[1], op.inputs[2],
                                   has_bias ? op.inputs[3] : -1};
  const std::vector<int> outputs = {op.outputs[0], op.inputs[kStateInput], scratch};

  if (numerics_of(ctx, op, in, out) == Numerics::kFloat32) {
    const FloatRange act = activation_range_f32(op.attrs.activation);
    p.act_min_f = act.min;
    p.act_max_f = act.max;
    if (features.dtype != KILN_DTYPE_FLOAT32 || time.dtype != KILN_DTYPE_FLOAT32 ||
        state.dtype != KILN_DTYPE_FLOAT32 || (has_bias && ctx.input(op, 3).dtype != in.dtype))
      ctx.unsupported(op, "a float SVDF needs float weights, bias and state");
    ctx.emit(op, OpCode::SVDF_F32, p, inputs, outputs);
    return;
  }
  if (features.dtype != KILN_DTYPE_INT8 || time.dtype != KILN_DTYPE_INT16 ||
      state.dtype != KILN_DTYPE_INT16 || (has_bias && ctx.input(op, 3).dtype != KILN_DTYPE_INT32)) {
    ctx.unsupported(op,
                    "an int8 SVDF needs int8 feature weights, int16 time weights and state "
                    "and an int32 bias");
  }
  // TFLite Micro forms both rescales as float products of the scales.
  const float feature_scale = in.quant.scale() * features.quant.scale() / state.quant.scale();
  const float output_scale = state.quant.scale() * time.quant.scale() / out.quant.scale();
  const QuantizedMultiplier feature = quantize_multiplier(static_cast<double>(feature_scale));
  const QuantizedMultiplier output = quantize_multiplier(static_cast<double>(output_scale));
  p.input_offset = -in.quant.zero_point();
  p.state_zero_point = state.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.feature_multiplier = feature.multiplier;
  p.feature_shift = feature.shift;
  p.output_multiplier = output.multiplier;
  p.output_shift = output.shift;
  ctx.emit(op, OpCode::SVDF_S8, p, inputs, outputs);
}

int64_t svdf_macs(const ir::Graph& g, const ir::Op& op) {
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& time = g.tensors[static_cast<size_t>(op.inputs[2])];
  if (in.shape.size() != 2 || time.shape.size() != 2) return 0;
  return int64_t{in.shape[0]} * time.shape[0] * (in.shape[1] + time.shape[1]);
}

void read_svdf(tflite_format::OperatorReader& r) {
  const auto& o = r.options<tflite::SVDFOptions>();
  r.attrs().rank = o.rank();
  r.attrs().activation = r.activation(o.fused_activation_function());
  if (r.op().inputs.size() != 5 || r.op().inputs[kStateInput] < 0)
    r.bad("needs 5 inputs: input, weights_feature, weights_time, bias (optional) and state");
}

tflite_format::WrittenOptions write_svdf(tflite_format::OperatorWriter& w) {
  return w.options(
      tflite::CreateSVDFOptions(w.builder(), w.attrs().rank, w.activation(w.attrs().activation)));
}

}  // namespace

const OpRecord kSvdfRecord = {
    ir::OpKind::kSvdf, OpTraits(),
    TfliteForm(tflite::BuiltinOperator_SVDF).reads(read_svdf).writes(write_svdf), lower_svdf,
    svdf_macs};

}  // namespace kiln
