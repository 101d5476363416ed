// QUANTIZE and DEQUANTIZE.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

void lower_quantize(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.elements() != out.elements()) ctx.invalid(op, "input and output sizes differ");
  if (out.dtype != KILN_DTYPE_INT8 || !out.quant.present() || out.quant.per_channel()) {
    ctx.unsupported(op, fmt::format("output '{}' must be per-tensor int8 (is {})", out.name, ir::dtype_name(out.dtype)));
  }
  QuantizeParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.output_zero_point = out.quant.zero_point();
  if (in.dtype == KILN_DTYPE_FLOAT32) {
    p.scale = out.quant.scale();
    ctx.emit(op, OpCode::QUANTIZE_F32_S8, p, {op.inputs[0]}, {op.outputs[0]});
  } else if (in.dtype == KILN_DTYPE_INT8 && in.quant.present()) {
    const QuantizedMultiplier q =
        quantize_multiplier(static_cast<double>(in.quant.scale()) / static_cast<double>(out.quant.scale()));
    p.input_zero_point = in.quant.zero_point();
    p.multiplier = q.multiplier;
    p.shift = q.shift;
    ctx.emit(op, OpCode::REQUANTIZE_S8, p, {op.inputs[0]}, {op.outputs[0]});
  } else {
    ctx.unsupported(op, fmt::format("{} input is not supported", ir::dtype_name(in.dtype)));
  }
}

void lower_dequantize(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.elements() != out.elements()) ctx.invalid(op, "input and output sizes differ");
  if (in.dtype != KILN_DTYPE_INT8 || out.dtype != KILN_DTYPE_FLOAT32 || !in.quant.present() ||
      in.quant.per_channel()) {
    ctx.unsupported(op, fmt::format("only per-tensor int8 -> float32 is supported ({} -> {})",
                                    ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
  }
  QuantizeParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.scale = in.quant.scale();
  p.input_zero_point = in.quant.zero_point();
  ctx.emit(op, OpCode::DEQUANTIZE_S8_F32, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

const OpDef kQuantizeDef = {ir::OpKind::kQuantize, lower_quantize, no_macs};
const OpDef kDequantizeDef = {ir::OpKind::kDequantize, lower_dequantize, no_macs};

}  // namespace kiln
