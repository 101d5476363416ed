// ONNX quantization: QuantizeLinear, DequantizeLinear, and the helpers the
// QLinear ops share. kiln's quantized kernels are int8; a uint8 tensor with
// zero point z holds the same real values as int8 with z - 128, so uint8
// activations convert on the way in and out (exactly) and uint8 weights are
// shifted on the host.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

std::vector<float> scales_of(Node& n, size_t i) {
  const ir::Tensor& s = n.constant_input(i, "scale");
  if (s.dtype != KILN_DTYPE_FLOAT32) {
    n.unsupported(fmt::format("scale '{}' is {}: kiln reads float32 scales", s.name,
                              ir::dtype_name(s.dtype)));
  }
  std::vector<float> v(s.as<float>(), s.as<float>() + s.elements());
  for (float f : v) {
    if (!(f > 0.0f) || !std::isfinite(f))
      n.invalid(fmt::format("scale {} is not a positive number", f));
  }
  if (v.empty()) n.invalid("empty scale");
  return v;
}

// Zero points in int8 terms (uint8 ones shifted by -128), and the ONNX type
// they declare (uint8 when absent, as ONNX defaults). An int32 zero point (a
// bias's) must be 0.
std::vector<int64_t> zero_points_of(Node& n, size_t i, size_t count, kiln_dtype* onnx_dtype) {
  *onnx_dtype = KILN_DTYPE_UINT8;
  if (!n.has_input(i)) {
    const int64_t output_dtype = n.attr_int("output_dtype", 0);
    if (output_dtype == onnx::TensorProto::INT8)
      *onnx_dtype = KILN_DTYPE_INT8;
    else if (output_dtype != 0 && output_dtype != onnx::TensorProto::UINT8)
      n.unsupported("only int8 and uint8 quantization is supported");
    return std::vector<int64_t>(count, *onnx_dtype == KILN_DTYPE_UINT8 ? -128 : 0);
  }
  const ir::Tensor z = n.constant_input(i, "zero point");
  if (z.dtype != KILN_DTYPE_INT8 && z.dtype != KILN_DTYPE_UINT8 && z.dtype != KILN_DTYPE_INT32) {
    n.unsupported(fmt::format("zero point '{}' is {}: kiln quantizes to int8 and uint8", z.name,
                              ir::dtype_name(z.dtype)));
  }
  *onnx_dtype = z.dtype;
  if (static_cast<size_t>(z.elements()) != count) {
    n.invalid(
        fmt::format("zero point '{}' has {} values for {} scales", z.name, z.elements(), count));
  }
  std::vector<int64_t> v(count);
  for (size_t k = 0; k < count; ++k) {
    if (z.dtype == KILN_DTYPE_INT32) {
      v[k] = z.as<int32_t>()[k];
      if (v[k] != 0)
        n.unsupported(
            fmt::format("int32 zero point {} (int32 tensors are biases, zero point 0)", v[k]));
    } else {
      v[k] = z.dtype == KILN_DTYPE_UINT8 ? int64_t{z.data[k]} - 128
                                         : int64_t{static_cast<int8_t>(z.data[k])};
    }
  }
  return v;
}

void require_per_tensor(Node& n, const std::vector<float>& scales, const char* what) {
  if (scales.size() != 1)
    n.unsupported(
        fmt::format("per-axis quantization of {} (kiln quantizes activations per tensor)", what));
}

void require_plain_blocks(Node& n) {
  if (n.attr_int("block_size", 0) != 0)
    n.unsupported("blocked quantization (block_size) is not supported");
}

// The channel of element k of a tensor quantized along `axis`.
size_t channel_of(const ir::Tensor& t, int32_t axis, size_t k, size_t channels) {
  if (channels == 1) return 0;
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  return static_cast<size_t>((static_cast<int64_t>(k) / inner) % static_cast<int64_t>(channels));
}

int32_t axis_of(Node& n, size_t rank, size_t channels) {
  if (channels == 1) return 0;
  const int32_t axis = normalize_axis(n.attr_int("axis", 1), rank);
  if (axis < 0) n.invalid("axis out of range");
  return axis;
}

void convert_quantize_linear(Node& n) {
  require_plain_blocks(n);
  const std::vector<float> scales = scales_of(n, 1);
  kiln_dtype onnx_dtype;
  const std::vector<int64_t> zps = zero_points_of(n, 2, scales.size(), &onnx_dtype);
  const ir::Tensor& x = n.input_tensor(0);
  if (x.dtype != KILN_DTYPE_FLOAT32)
    n.unsupported(fmt::format("{} input (float32 expected)", ir::dtype_name(x.dtype)));
  ir::Quantization q;
  q.scales = scales;
  q.zero_points = zps;
  if (x.constant) {
    // Quantized on the host, rounding half to even as ONNX defines it.
    const int32_t axis = axis_of(n, x.shape.size(), scales.size());
    q.axis = axis;
    std::vector<int8_t> values(static_cast<size_t>(x.elements()));
    for (size_t k = 0; k < values.size(); ++k) {
      const size_t c = channel_of(x, axis, k, scales.size());
      const double v = std::nearbyint(static_cast<double>(x.as<float>()[k]) / scales[c]) +
                       static_cast<double>(zps[c]);
      values[k] = static_cast<int8_t>(std::fmin(127.0, std::fmax(-128.0, v)));
    }
    const int t =
        n.add_constant("quantized", KILN_DTYPE_INT8, x.shape, values.data(), values.size());
    n.graph().tensors[static_cast<size_t>(t)].quant = q;
    n.alias_output(0, Value{t, false});
    return;
  }
  require_per_tensor(n, scales, "an activation");
  if (onnx_dtype == KILN_DTYPE_INT32) n.unsupported("quantizing an activation to int32");
  const Value in = n.input(0);
  Value out = n.define_output(0, KILN_DTYPE_INT8, x.shape, in.channels_last);
  n.graph().tensors[static_cast<size_t>(out.tensor)].quant = q;
  n.emit(ir::OpKind::kQuantize, {in.tensor}, {out.tensor});
  out.as_uint8 = onnx_dtype == KILN_DTYPE_UINT8;
  n.alias_output(0, out);
}

void convert_dequantize_linear(Node& n) {
  require_plain_blocks(n);
  const ir::Tensor x = n.input_tensor(0);
  if (x.constant) {
    // Kept as DEQUANTIZE of the integer constant: a QDQ model's weights stay
    // int8 for the pass that turns the model into int8 ops (fold_qdq); the
    // passes fold whatever stays float into a float constant.
    Node::ConstantOperand q{quantized_constant(n, 0, 1, 2, -1), true};
    n.alias_output(0, Value{n.float_operand("dequantized", q), false});
    return;
  }
  require_per_tensor(n, scales_of(n, 1), "an activation");
  const Value in = quantized_input(n, 0, 1, 2);
  const Value out =
      n.define_output(0, KILN_DTYPE_FLOAT32,
                      n.graph().tensors[static_cast<size_t>(in.tensor)].shape, in.channels_last);
  n.emit(ir::OpKind::kDequantize, {in.tensor}, {out.tensor});
}

}  // namespace

ir::Quantization output_quantization(Node& n, size_t scale, size_t zero_point) {
  ir::Quantization q;
  q.scales = scales_of(n, scale);
  require_per_tensor(n, q.scales, "an output");
  kiln_dtype onnx_dtype;
  q.zero_points = zero_points_of(n, zero_point, 1, &onnx_dtype);
  return q;
}

Value quantized_input(Node& n, size_t value, size_t scale, size_t zero_point) {
  const std::vector<float> scales = scales_of(n, scale);
  require_per_tensor(n, scales, "an activation");
  kiln_dtype onnx_dtype;
  const std::vector<int64_t> zps = zero_points_of(n, zero_point, 1, &onnx_dtype);
  const Value v = n.input(value);
  const ir::Tensor t = n.input_tensor(value);
  if (t.constant)
    n.unsupported(fmt::format("constant input '{}' where an activation is expected", t.name));
  if (t.dtype != KILN_DTYPE_INT8 && t.dtype != KILN_DTYPE_UINT8) {
    n.unsupported(
        fmt::format("{} input '{}' (int8 or uint8 expected)", ir::dtype_name(t.dtype), t.name));
  }
  if (t.dtype == KILN_DTYPE_UINT8 && onnx_dtype != KILN_DTYPE_UINT8)
    n.invalid("uint8 input with an int8 zero point");
  const bool uint8 = t.dtype == KILN_DTYPE_UINT8;
  // A graph input learns its quantization from its first reader.
  ir::Quantization have = t.quant;
  if (!have.present()) {
    have.scales = scales;
    have.zero_points = {uint8 ? zps[0] + 128 : zps[0]};
    n.graph().tensors[static_cast<size_t>(v.tensor)].quant = have;
  }
  ir::Quantization want;
  want.scales = scales;
  want.zero_points = zps;
  if (!uint8 && have.scales == want.scales && have.zero_points == want.zero_points) return v;
  // uint8 -> int8, or int8 read with other parameters: a requantizing QUANTIZE.
  const int out = n.add_intermediate(fmt::format("input{}_int8", value), KILN_DTYPE_INT8, t.shape);
  n.graph().tensors[static_cast<size_t>(out)].quant = want;
  n.emit(ir::OpKind::kQuantize, {v.tensor}, {out}).type_name = "QUANTIZE";
  return Value{out, v.channels_last};
}

ir::Tensor quantized_constant(Node& n, size_t value, size_t scale, size_t zero_point,
                              int32_t axis) {
  ir::Tensor t = n.constant_input(value, "quantized constant");
  if (t.dtype != KILN_DTYPE_INT8 && t.dtype != KILN_DTYPE_UINT8 && t.dtype != KILN_DTYPE_INT32) {
    n.unsupported(fmt::format("{} constant '{}' (int8, uint8 or int32 expected)",
                              ir::dtype_name(t.dtype), t.name));
  }
  const std::vector<float> scales = scales_of(n, scale);
  kiln_dtype onnx_dtype;
  std::vector<int64_t> zps = zero_points_of(n, zero_point, scales.size(), &onnx_dtype);
  const bool absent_zero_point = !n.has_input(zero_point);
  if (t.dtype != onnx_dtype && !(absent_zero_point && t.dtype != KILN_DTYPE_UINT8)) {
    n.invalid(fmt::format("'{}' is {} but its zero point is {}", t.name, ir::dtype_name(t.dtype),
                          ir::dtype_name(onnx_dtype)));
  }
  if (absent_zero_point && t.dtype != KILN_DTYPE_UINT8) std::fill(zps.begin(), zps.end(), 0);
  const int32_t a = axis >= 0 ? axis : axis_of(n, t.shape.size(), scales.size());
  if (scales.size() > 1 &&
      (t.shape.empty() || static_cast<size_t>(t.shape[static_cast<size_t>(a)]) != scales.size())) {
    n.invalid(fmt::format("{} scales for dimension {} of {}", scales.size(), a,
                          ir::shape_string(t.shape)));
  }
  if (t.dtype == KILN_DTYPE_UINT8) {
    for (uint8_t& b : t.data) b = static_cast<uint8_t>(b - 128);
    t.dtype = KILN_DTYPE_INT8;
  }
  t.quant.scales = scales;
  t.quant.zero_points = zps;
  t.quant.axis = a;
  return t;
}

void register_quant_converters(std::map<std::string, Converter>& table) {
  table["QuantizeLinear"] = convert_quantize_linear;
  table["DequantizeLinear"] = convert_dequantize_linear;
}

}  // namespace onnx_import
}  // namespace kiln
