// SOFTMAX and LOGISTIC.
#include <fmt/format.h>

#include <cmath>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// int8 SOFTMAX and LOGISTIC outputs are fixed at scale 1/256, zero point -128.
void require_unit_output(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out) {
  if (out.quant.scale() != 1.0f / 256 || out.quant.zero_point() != -128) {
    ctx.unsupported(op, fmt::format("int8 output '{}' must have scale 1/256 and zero point -128 (has {} and {})",
                                    out.name, out.quant.scale(), out.quant.zero_point()));
  }
}

void lower_softmax(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  if (in.shape.empty() || in.shape != out.shape) {
    ctx.invalid(op, fmt::format("input {} and output {} differ", ir::shape_string(in.shape), ir::shape_string(out.shape)));
  }
  SoftmaxParams p{};
  p.depth = in.shape.back();
  p.outer = p.depth > 0 ? static_cast<int32_t>(in.elements() / p.depth) : 0;
  p.beta = op.attrs.beta;
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::SOFTMAX_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  require_unit_output(ctx, op, out);
  constexpr int kScaledDiffIntegerBits = 5;
  const double real = std::min(static_cast<double>(op.attrs.beta) * static_cast<double>(in.quant.scale()) *
                                   static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
                               static_cast<double>((int64_t{1} << 31) - 1));
  const QuantizedMultiplier q = quantize_multiplier(real);
  if (q.shift < 0) ctx.unsupported(op, "softmax input scale times beta is too small");
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  p.diff_min = -input_radius(kScaledDiffIntegerBits, q.shift);
  ctx.emit(op, OpCode::SOFTMAX_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

void lower_logistic(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const Numerics numerics = numerics_of(ctx, op, in, out);
  LogisticParams p{};
  p.size = static_cast<int32_t>(in.elements());
  if (numerics == Numerics::kFloat32) {
    ctx.emit(op, OpCode::LOGISTIC_F32, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  require_unit_output(ctx, op, out);
  constexpr int kInputIntegerBits = 4;
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) *
                                                    static_cast<double>(1 << (31 - kInputIntegerBits)));
  if (q.shift < 0) ctx.unsupported(op, "logistic input scale is too small");
  p.input_zero_point = in.quant.zero_point();
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  p.input_range_radius = input_radius(kInputIntegerBits, q.shift);
  ctx.emit(op, OpCode::LOGISTIC_S8, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

const OpDef kSoftmaxDef = {ir::OpKind::kSoftmax, lower_softmax, no_macs};
const OpDef kLogisticDef = {ir::OpKind::kLogistic, lower_logistic, no_macs};

}  // namespace kiln
