// Small helpers shared by the op definitions.
#ifndef KILN_COMPILER_OPS_OP_UTIL_H
#define KILN_COMPILER_OPS_OP_UTIL_H

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/lower/lowering.h"
#include "compiler/numerics/int16_table.h"
#include "compiler/numerics/multiplier.h"
#include "compiler/ops/op_record.h"
#include "kiln/fixed_point.h"

namespace kiln {

// The dtype combination an op runs in.
enum class Numerics { kInt8, kInt16, kFloat32 };
// Whether a lowering handles int16 activations (TFLite's 16x8 scheme).
enum class Int16 { kRefused, kSupported };

inline Numerics numerics_of(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in,
                            const ir::Tensor& out, Int16 int16 = Int16::kRefused) {
  if (in.dtype == KILN_DTYPE_INT8 && out.dtype == KILN_DTYPE_INT8) {
    if (!in.quant.present() || !out.quant.present())
      ctx.invalid(op, "int8 tensors without quantization parameters");
    return Numerics::kInt8;
  }
  if (int16 == Int16::kSupported && in.dtype == KILN_DTYPE_INT16 && out.dtype == KILN_DTYPE_INT16) {
    // TFLite's int16 kernels take symmetric activations only.
    if (!in.quant.present() || !out.quant.present() || in.quant.zero_point() != 0 ||
        out.quant.zero_point() != 0)
      ctx.unsupported(op, "int16 tensors need per-tensor quantization with zero point 0");
    return Numerics::kInt16;
  }
  if (in.dtype == KILN_DTYPE_FLOAT32 && out.dtype == KILN_DTYPE_FLOAT32) return Numerics::kFloat32;
  ctx.unsupported(op, fmt::format("{} input with {} output is not supported",
                                  ir::dtype_name(in.dtype), ir::dtype_name(out.dtype)));
}

// The int16 sigmoid table (compiler/numerics/int16_table.h) as a constant
// operand, for the kernels that read it (int16 LOGISTIC and TANH, the LSTM).
inline int add_sigmoid_table(LowerContext& ctx, const std::string& name) {
  const std::vector<uint16_t> table = sigmoid_table_uint16();
  std::vector<uint8_t> bytes(table.size() * sizeof(uint16_t));
  std::memcpy(bytes.data(), table.data(), bytes.size());
  return ctx.add_constant(name, KILN_DTYPE_INT16, {kSigmoidTableEntries}, std::move(bytes));
}

inline void require_rank(LowerContext& ctx, const ir::Op& op, const ir::Tensor& t, size_t rank,
                         const char* role) {
  if (t.shape.size() != rank) {
    ctx.invalid(op, fmt::format("{} '{}' has shape {}, expected rank {}", role, t.name,
                                ir::shape_string(t.shape), rank));
  }
}

// The index of a weight tensor the kernel can read in `numerics`: int8
// weights of a float op (TFLite's "hybrid" models) are dequantized here.
inline int weights_for(LowerContext& ctx, const ir::Op& op, size_t input, Numerics numerics) {
  const ir::Tensor& w = ctx.input(op, input);
  if (!w.constant) ctx.unsupported(op, fmt::format("weights '{}' are not constant", w.name));
  if (numerics != Numerics::kFloat32) {
    if (w.dtype != KILN_DTYPE_INT8) {
      ctx.unsupported(op, fmt::format("{} op with {} weights '{}'",
                                      numerics == Numerics::kInt8 ? "int8" : "int16",
                                      ir::dtype_name(w.dtype), w.name));
    }
    return op.inputs[input];
  }
  if (w.dtype == KILN_DTYPE_FLOAT32) return op.inputs[input];
  if (w.dtype != KILN_DTYPE_INT8 || !w.quant.present()) {
    ctx.unsupported(op,
                    fmt::format("float op with {} weights '{}'", ir::dtype_name(w.dtype), w.name));
  }
  const size_t channels = w.quant.scales.size();
  const int32_t axis = w.quant.axis;
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<float> values(static_cast<size_t>(w.elements()));
  for (size_t i = 0; i < values.size(); ++i) {
    const size_t c = channels > 1 ? (i / static_cast<size_t>(inner)) % channels : 0;
    const int32_t zp =
        c < w.quant.zero_points.size() ? static_cast<int32_t>(w.quant.zero_points[c]) : 0;
    values[i] = w.quant.scales[c] * static_cast<float>(w.as<int8_t>()[i] - zp);
  }
  return ctx.add_float_constant(w.name + "/dequantized", w.shape, values);
}

// Optional bias: int32 for int8 ops, int64 or int32 for int16 ops, float32
// for float ops; -1 if absent.
inline int bias_for(LowerContext& ctx, const ir::Op& op, size_t input, Numerics numerics) {
  if (!ctx.has_input(op, input)) return -1;
  const ir::Tensor& b = ctx.input(op, input);
  if (numerics == Numerics::kInt16 && b.dtype == KILN_DTYPE_INT64) return op.inputs[input];
  const kiln_dtype want = numerics == Numerics::kFloat32 ? KILN_DTYPE_FLOAT32 : KILN_DTYPE_INT32;
  if (b.dtype != want) {
    ctx.unsupported(op, fmt::format("bias '{}' is {}, expected {}", b.name, ir::dtype_name(b.dtype),
                                    ir::dtype_name(want)));
  }
  return op.inputs[input];
}

// The 16x8 convolution kernel for `p`: 64-bit sums with an int64 bias (or
// none), 32-bit with an int32 one (as TFLite Micro picks them); the
// target's DSP or Helium variant where it has one.
inline OpCode conv_16x8_opcode(LowerContext& ctx, int bias, bool depthwise, const Conv2DParams& p) {
  const bool wide = bias < 0 || ctx.tensor(bias).dtype == KILN_DTYPE_INT64;
  const OpCode reference = depthwise ? OpCode::DEPTHWISE_CONV_2D_S16
                           : wide    ? OpCode::CONV_2D_S16
                                     : OpCode::CONV_2D_S16_B32;
  return choose_variant(ctx.target(), reference, p);
}

// The int8 (or int16) output stage of a convolution: checks the filter's quantization
// (one scale, or one per output channel; symmetric), sets p's input and
// output offsets and activation range, and returns the per-channel
// requantization, multipliers then shifts.
template <typename Params>
std::vector<int32_t> int8_output_stage(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in,
                                       const ir::Tensor& filter, const ir::Tensor& out,
                                       int32_t out_c, ir::Activation activation, Params* p) {
  const size_t channels = filter.quant.scales.size();
  if (channels != 1 && channels != static_cast<size_t>(out_c)) {
    ctx.invalid(op, fmt::format("filter '{}' has {} scales for {} output channels", filter.name,
                                channels, out_c));
  }
  for (int64_t zp : filter.quant.zero_points) {
    if (zp != 0)
      ctx.unsupported(op,
                      fmt::format("filter '{}' has zero point {}; int8 weights must be symmetric",
                                  filter.name, zp));
  }
  p->input_offset = -in.quant.zero_point();
  p->output_offset = out.quant.zero_point();
  const IntRange r =
      activation_range(activation, out.quant.scale(), out.quant.zero_point(), out.dtype);
  p->act_min = r.min;
  p->act_max = r.max;
  std::vector<int32_t> quant(2 * static_cast<size_t>(out_c));
  for (int32_t c = 0; c < out_c; ++c) {
    const double filter_scale = filter.quant.scales[channels == 1 ? 0 : static_cast<size_t>(c)];
    const QuantizedMultiplier q =
        quantize_multiplier(static_cast<double>(in.quant.scale()) * filter_scale /
                            static_cast<double>(out.quant.scale()));
    quant[static_cast<size_t>(c)] = q.multiplier;
    quant[static_cast<size_t>(out_c) + static_cast<size_t>(c)] = q.shift;
  }
  return quant;
}

// Ops that move values keep their type and quantization: `b` must match `a`.
inline void require_same_quantization(LowerContext& ctx, const ir::Op& op, const ir::Tensor& a,
                                      const ir::Tensor& b) {
  if (a.dtype != b.dtype || a.quant.scale() != b.quant.scale() ||
      a.quant.zero_point() != b.quant.zero_point()) {
    ctx.unsupported(op,
                    fmt::format("'{}' and '{}' differ in type or quantization", a.name, b.name));
  }
}

// The values of constant integer input i (int32 or int64): axes, sizes,
// begin and end indices.
inline std::vector<int64_t> constant_integers(LowerContext& ctx, const ir::Op& op, size_t i,
                                              const char* role) {
  const ir::Tensor& t = ctx.input(op, i);
  if (!t.constant || (t.dtype != KILN_DTYPE_INT32 && t.dtype != KILN_DTYPE_INT64)) {
    ctx.unsupported(op,
                    fmt::format("{} '{}' must be a constant int32 or int64 tensor", role, t.name));
  }
  std::vector<int64_t> values(static_cast<size_t>(t.elements()));
  for (size_t k = 0; k < values.size(); ++k) {
    if (t.dtype == KILN_DTYPE_INT32) {
      int32_t v;
      std::memcpy(&v, t.data.data() + 4 * k, 4);
      values[k] = v;
    } else {
      std::memcpy(&values[k], t.data.data() + 8 * k, 8);
    }
  }
  return values;
}

// An axis in [-rank, rank) as an index in [0, rank).
inline size_t normalized_axis(LowerContext& ctx, const ir::Op& op, int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    ctx.invalid(op, fmt::format("axis {} out of range for rank {}", axis, rank));
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

// Right-aligns the output's and the inputs' shapes to kMaxBroadcastRank dims
// (into out_dims and in_dims[k]); fails naming the op unless every input
// broadcasts to the output.
template <size_t N>
void broadcast_dims(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out,
                    const std::array<const ir::Tensor*, N>& inputs, int32_t* out_dims,
                    const std::array<int32_t*, N>& in_dims) {
  auto align = [&](const ir::Tensor& t, int32_t* dims) {
    if (t.shape.size() > static_cast<size_t>(kMaxBroadcastRank))
      ctx.unsupported(op, fmt::format("'{}' has rank above {}", t.name, kMaxBroadcastRank));
    const size_t lead = kMaxBroadcastRank - t.shape.size();
    for (size_t i = 0; i < static_cast<size_t>(kMaxBroadcastRank); ++i)
      dims[i] = i < lead ? 1 : t.shape[i - lead];
  };
  align(out, out_dims);
  for (size_t k = 0; k < N; ++k) align(*inputs[k], in_dims[k]);
  for (int i = 0; i < kMaxBroadcastRank; ++i) {
    int32_t widest = 1;
    for (size_t k = 0; k < N; ++k) {
      const int32_t d = in_dims[k][i];
      if (d != 1 && d != out_dims[i]) widest = -1;
      if (widest > 0) widest = std::max(widest, d);
    }
    if (widest != out_dims[i]) {
      std::vector<std::string> shapes;
      for (const ir::Tensor* t : inputs) shapes.push_back(ir::shape_string(t->shape));
      ctx.invalid(op, fmt::format("shapes {} do not broadcast to {}", fmt::join(shapes, " and "),
                                  ir::shape_string(out.shape)));
    }
  }
}

// For ops that do no multiply-accumulates.

inline std::vector<uint8_t> int32_bytes(const std::vector<int32_t>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(int32_t));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// The reference kernels' requantization table (out_c multipliers, then out_c
// shifts) as the variants take it, prepared on the host: one
// fp::PreparedRequant per output channel.
inline std::vector<uint8_t> prepared_requant_bytes(const std::vector<int32_t>& requant) {
  std::vector<fp::PreparedRequant> table(requant.size() / 2);
  for (size_t c = 0; c < table.size(); ++c)
    table[c] = fp::prepare_requant(requant[c], requant[table.size() + c]);
  std::vector<uint8_t> bytes(table.size() * sizeof(fp::PreparedRequant));
  std::memcpy(bytes.data(), table.data(), bytes.size());
  return bytes;
}

}  // namespace kiln

#endif
