// QUANTIZE, DEQUANTIZE and CAST: the conversions between element types.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

struct Conversion {
  kiln_dtype from, to;
  OpCode opcode;
};

// QUANTIZE from float: by the output's scale.
constexpr Conversion kFromFloat[] = {
    {KILN_DTYPE_FLOAT32, KILN_DTYPE_INT8, OpCode::QUANTIZE_F32_S8},
    {KILN_DTYPE_FLOAT32, KILN_DTYPE_INT16, OpCode::QUANTIZE_F32_S16},
};
// QUANTIZE between integer types: a fixed-point rescale (TFLite's Requantize).
constexpr Conversion kRescale[] = {
    {KILN_DTYPE_INT8, KILN_DTYPE_INT8, OpCode::REQUANTIZE_S8},
    {KILN_DTYPE_UINT8, KILN_DTYPE_INT8, OpCode::REQUANTIZE_U8_S8},
    {KILN_DTYPE_INT8, KILN_DTYPE_UINT8, OpCode::REQUANTIZE_S8_U8},
    {KILN_DTYPE_INT16, KILN_DTYPE_INT16, OpCode::REQUANTIZE_S16},
    {KILN_DTYPE_INT16, KILN_DTYPE_INT8, OpCode::REQUANTIZE_S16_S8},
    {KILN_DTYPE_INT8, KILN_DTYPE_INT16, OpCode::REQUANTIZE_S8_S16},
    {KILN_DTYPE_INT16, KILN_DTYPE_INT32, OpCode::REQUANTIZE_S16_S32},
    {KILN_DTYPE_INT8, KILN_DTYPE_INT32, OpCode::REQUANTIZE_S8_S32},
    {KILN_DTYPE_INT32, KILN_DTYPE_INT16, OpCode::REQUANTIZE_S32_S16},
    {KILN_DTYPE_INT32, KILN_DTYPE_INT8, OpCode::REQUANTIZE_S32_S8},
};
// DEQUANTIZE: to float by the input's scale.
constexpr Conversion kToFloat[] = {
    {KILN_DTYPE_INT8, KILN_DTYPE_FLOAT32, OpCode::DEQUANTIZE_S8_F32},
    {KILN_DTYPE_INT16, KILN_DTYPE_FLOAT32, OpCode::DEQUANTIZE_S16_F32},
    {KILN_DTYPE_UINT8, KILN_DTYPE_FLOAT32, OpCode::DEQUANTIZE_U8_F32},
};

template <size_t N>
const Conversion* find_conversion(const Conversion (&table)[N], kiln_dtype from, kiln_dtype to) {
  for (const Conversion& c : table) {
    if (c.from == from && c.to == to) return &c;
  }
  return nullptr;
}

void require_per_tensor(LowerContext& ctx, const ir::Op& op, const ir::Tensor& t) {
  if (!t.quant.present() || t.quant.per_channel()) {
    ctx.unsupported(op, fmt::format("'{}' must have per-tensor quantization", t.name));
  }
}

[[noreturn]] void no_conversion(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in,
                                const ir::Tensor& out) {
  ctx.unsupported(op, fmt::format("{} input with {} output is not supported",
                                  ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
}

void lower_quantize(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.elements() != out.elements()) ctx.invalid(op, "input and output sizes differ");
  QuantizeParams p{};
  p.size = static_cast<int32_t>(in.elements());
  if (const Conversion* c = find_conversion(kFromFloat, in.dtype, out.dtype)) {
    require_per_tensor(ctx, op, out);
    p.scale = out.quant.scale();
    p.output_zero_point = out.quant.zero_point();
    ctx.emit(op, c->opcode, p, {op.inputs[0]}, {op.outputs[0]});
    return;
  }
  const Conversion* c = find_conversion(kRescale, in.dtype, out.dtype);
  if (!c) no_conversion(ctx, op, in, out);
  require_per_tensor(ctx, op, in);
  require_per_tensor(ctx, op, out);
  const QuantizedMultiplier q = quantize_multiplier(static_cast<double>(in.quant.scale()) /
                                                    static_cast<double>(out.quant.scale()));
  p.input_zero_point = in.quant.zero_point();
  p.output_zero_point = out.quant.zero_point();
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  ctx.emit(op, c->opcode, p, {op.inputs[0]}, {op.outputs[0]});
}

void lower_dequantize(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.elements() != out.elements()) ctx.invalid(op, "input and output sizes differ");
  const Conversion* c = find_conversion(kToFloat, in.dtype, out.dtype);
  if (!c) no_conversion(ctx, op, in, out);
  require_per_tensor(ctx, op, in);
  QuantizeParams p{};
  p.size = static_cast<int32_t>(in.elements());
  p.scale = in.quant.scale();
  p.input_zero_point = in.quant.zero_point();
  ctx.emit(op, c->opcode, p, {op.inputs[0]}, {op.outputs[0]});
}

// CAST converts values, whatever the quantization says.
bool is_integer(kiln_dtype t) {
  switch (t) {
    case KILN_DTYPE_INT8:
    case KILN_DTYPE_UINT8:
    case KILN_DTYPE_INT16:
    case KILN_DTYPE_INT32:
    case KILN_DTYPE_UINT32:
    case KILN_DTYPE_INT64:
    case KILN_DTYPE_UINT64: return true;
    default: return false;
  }
}

void lower_cast(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.shape != out.shape) ctx.invalid(op, "output shape differs from the input's");
  // Between integer types of one width a cast keeps the bits (it wraps, as
  // TFLite's static_cast does): a copy, which the planner makes an alias.
  if (is_integer(in.dtype) && is_integer(out.dtype) &&
      kiln_dtype_size(in.dtype) == kiln_dtype_size(out.dtype)) {
    ctx.emit(op, OpCode::COPY, CopyParams{static_cast<int32_t>(in.bytes())}, {op.inputs[0]},
             {op.outputs[0]});
    return;
  }
  CastParams p{static_cast<int32_t>(in.elements()), in.dtype, out.dtype};
  ctx.emit(op, OpCode::CAST, p, {op.inputs[0]}, {op.outputs[0]});
}

}  // namespace

const OpRecord kQuantizeRecord = {ir::OpKind::kQuantize, OpTraits(),
                                  TfliteForm(tflite::BuiltinOperator_QUANTIZE), lower_quantize,
                                  nullptr};
const OpRecord kDequantizeRecord = {ir::OpKind::kDequantize, OpTraits(),
                                    TfliteForm(tflite::BuiltinOperator_DEQUANTIZE),
                                    lower_dequantize, nullptr};
const OpRecord kCastRecord = {ir::OpKind::kCast, OpTraits(),
                              TfliteForm(tflite::BuiltinOperator_CAST), lower_cast, nullptr};

}  // namespace kiln
