// QUANTIZE and DEQUANTIZE.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// QUANTIZE: float32 -> int8 by the output scale; between int8 and int8 or
// uint8 (either side) a fixed-point rescale, as TFLite's Requantize.
void lower_quantize(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.elements() != out.elements()) ctx.invalid(op, "input and output sizes differ");
  const bool int8_out = out.dtype == KILN_DTYPE_INT8, uint8_out = out.dtype == KILN_DTYPE_UINT8;
  if ((!int8_out && !uint8_out) || !out.quant.present() || out.quant.per_channel()) {
    ctx.unsupported(op, fmt::format("output '{}' must be per-tensor int8 or uint8 (is {})",
                                    out.name, ir::dtype_name(out.dtype)));
  }
  QuantizeParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.output_zero_point = out.quant.zero_point();
  if (in.dtype == KILN_DTYPE_FLOAT32 && int8_out) {
    p.scale = out.quant.scale();
    ctx.emit(op, OpCode::QUANTIZE_F32_S8, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  const bool int8_in = in.dtype == KILN_DTYPE_INT8, uint8_in = in.dtype == KILN_DTYPE_UINT8;
  if ((!int8_in && !uint8_in) || !in.quant.present() || in.quant.per_channel() ||
      (uint8_in && uint8_out)) {
    ctx.unsupported(op, fmt::format("{} input with {} output is not supported",
                                    ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
  }
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  p.input_zero_point = in.quant.zero_point();
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  const OpCode opcode = uint8_in ? OpCode::REQUANTIZE_U8_S8
                                 : (uint8_out ? OpCode::REQUANTIZE_S8_U8 : OpCode::REQUANTIZE_S8);
  ctx.emit(op, opcode, p, {op.inputs[0]}, {op.outputs[0]});
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

const OpRecord kQuantizeRecord = {ir::OpKind::kQuantize, OpTraits(),
                                  TfliteForm(tflite::BuiltinOperator_QUANTIZE), lower_quantize,
                                  nullptr};
const OpRecord kDequantizeRecord = {ir::OpKind::kDequantize, OpTraits(),
                                    TfliteForm(tflite::BuiltinOperator_DEQUANTIZE),
                                    lower_dequantize, nullptr};

}  // namespace kiln
