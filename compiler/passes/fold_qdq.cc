// Quantized models in ONNX's QDQ form (and float graphs with fake
// quantization) keep every op float between DequantizeLinear and
// QuantizeLinear nodes. An op whose activations all come dequantized from
// int8, whose weights are dequantized int8 constants and whose result is
// quantized again becomes the int8 op itself: the int8 kernels compute what
// DEQUANTIZE -> float op -> QUANTIZE does, with TFLite's rounding.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/ops/op_record.h"
#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

bool per_tensor_int8(const ir::Tensor& t) {
  return t.dtype == KILN_DTYPE_INT8 && t.quant.present() && !t.quant.per_channel();
}

bool same_quantization(const ir::Tensor& a, const ir::Tensor& b) {
  return a.quant.scales == b.quant.scales && a.quant.zero_points == b.quant.zero_points;
}

// What a DEQUANTIZE reads, if `tensor` is its result (else -1).
int dequantized_source(const ir::Graph& g, int tensor) {
  const int p = tensor < 0 ? -1 : ir::producer(g, tensor);
  if (p < 0 || g.ops[static_cast<size_t>(p)].kind != ir::OpKind::kDequantize) return -1;
  return g.ops[static_cast<size_t>(p)].inputs[0];
}

// int8 kernels that fix or share their output's quantization.
bool output_quantization_fits(const ir::Graph& g, const ir::Op& op, const std::vector<int>& inputs,
                              const ir::Tensor& out) {
  const OpTraits& traits = op_traits(op.kind);
  switch (traits.int8_output) {
    case OutputQuantization::kFixed:
      return out.quant.scale() == traits.fixed_scale &&
             out.quant.zero_point() == traits.fixed_zero_point;
    case OutputQuantization::kSameAsInput:
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (traits.role(i) == InputRole::kData && !same_quantization(tensor_of(g, inputs[i]), out))
          return false;
      }
      return true;
    case OutputQuantization::kFree: return true;
  }
  return true;
}

// A float bias as int32 at input scale x weight scale.
int quantize_bias(ir::Graph& g, int bias, float input_scale, const ir::Quantization& weights) {
  const ir::Tensor& b = tensor_of(g, bias);
  const std::vector<float> v = float_data(b);
  ir::Tensor q;
  q.name = b.name + "/int32";
  q.dtype = KILN_DTYPE_INT32;
  q.shape = b.shape;
  q.constant = true;
  q.data.resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    const double scale =
        static_cast<double>(input_scale) * weights.scales[weights.per_channel() ? i : 0];
    q.quant.scales.push_back(static_cast<float>(scale));
    const int32_t level = static_cast<int32_t>(
        std::fmax(-2147483647.0, std::fmin(2147483647.0, std::nearbyint(v[i] / scale))));
    std::memcpy(&q.data[4 * i], &level, 4);
  }
  q.quant.zero_points.assign(q.quant.scales.size(), 0);
  g.tensors.push_back(std::move(q));
  return static_cast<int>(g.tensors.size() - 1);
}

// The int8 form of op i, or false if it has none.
bool fold_op(ir::Graph& g, const Uses& uses, size_t i) {
  const ir::Op& op = g.ops[i];
  if (!op_traits(op.kind).qdq || op.outputs.size() != 1 ||
      tensor_of(g, op.outputs[0]).dtype != KILN_DTYPE_FLOAT32)
    return false;
  const int q = uses.single_reader(op.outputs[0]);
  if (q < 0 || g.ops[static_cast<size_t>(q)].kind != ir::OpKind::kQuantize) return false;
  const int out = g.ops[static_cast<size_t>(q)].outputs[0];
  if (!per_tensor_int8(tensor_of(g, out))) return false;

  std::vector<int> inputs = op.inputs;
  int weights = -1;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const int t = inputs[k];
    if (t < 0) continue;
    const InputRole role = op_traits(op.kind).role(k);
    const int source = dequantized_source(g, t);
    switch (role) {
      case InputRole::kData:
        // A dequantized int8 tensor, activation or constant.
        if (source < 0 || !per_tensor_int8(tensor_of(g, source))) return false;
        inputs[k] = source;
        break;
      case InputRole::kWeights: {
        if (source < 0 || !tensor_of(g, source).constant ||
            tensor_of(g, source).dtype != KILN_DTYPE_INT8)
          return false;
        for (int64_t zp : tensor_of(g, source).quant.zero_points) {
          if (zp != 0) return false;  // int8 kernels take symmetric weights
        }
        inputs[k] = weights = source;
        break;
      }
      case InputRole::kBias: break;  // after the weights, below
      case InputRole::kParameter:
        if (!tensor_of(g, t).constant) return false;
        break;
    }
  }
  if (!output_quantization_fits(g, op, inputs, tensor_of(g, out))) return false;
  if (weights >= 0 && inputs.size() > 2 && inputs[2] >= 0) {
    const float input_scale = tensor_of(g, inputs[0]).quant.scale();
    const ir::Quantization wq = tensor_of(g, weights).quant;
    const int source = dequantized_source(g, inputs[2]);
    if (source >= 0 && tensor_of(g, source).constant &&
        tensor_of(g, source).dtype == KILN_DTYPE_INT32) {
      inputs[2] = source;  // already int32 at input x weight scale, as QDQ defines it
    } else if (tensor_of(g, inputs[2]).constant &&
               tensor_of(g, inputs[2]).dtype == KILN_DTYPE_FLOAT32) {
      inputs[2] = quantize_bias(g, inputs[2], input_scale, wq);
    } else {
      return false;
    }
  }
  ir::Op& folded = g.ops[i];
  folded.inputs = inputs;
  folded.outputs[0] = out;
  erase_op(g, q);
  return true;
}

// QUANTIZE(DEQUANTIZE(x)) with x's own quantization is x.
bool drop_round_trip(ir::Graph& g, const Uses& uses, size_t i) {
  const ir::Op& op = g.ops[i];
  if (op.kind != ir::OpKind::kQuantize || uses.graph_output[static_cast<size_t>(op.outputs[0])])
    return false;
  const int source = dequantized_source(g, op.inputs[0]);
  if (source < 0 || !per_tensor_int8(tensor_of(g, source)) ||
      !per_tensor_int8(tensor_of(g, op.outputs[0])) ||
      !same_quantization(tensor_of(g, source), tensor_of(g, op.outputs[0]))) {
    return false;
  }
  replace_uses(g, op.outputs[0], source);
  erase_op(g, static_cast<int>(i));
  return true;
}

// RESHAPE / TRANSPOSE of DEQUANTIZE(x) moves x's int8 bytes instead, then
// dequantizes: the bytes move the same, and a QUANTIZE after it meets its
// DEQUANTIZE.
bool sink_dequantize(ir::Graph& g, const Uses& uses, size_t i) {
  const ir::Op& op = g.ops[i];
  if (op.kind != ir::OpKind::kReshape && op.kind != ir::OpKind::kTranspose) return false;
  const int d = ir::producer(g, op.inputs[0]);
  if (d < 0 || g.ops[static_cast<size_t>(d)].kind != ir::OpKind::kDequantize ||
      uses.single_reader(op.inputs[0]) != static_cast<int>(i)) {
    return false;
  }
  const int source = g.ops[static_cast<size_t>(d)].inputs[0];
  if (tensor_of(g, source).constant || !per_tensor_int8(tensor_of(g, source))) return false;
  ir::Tensor moved = tensor_of(g, op.outputs[0]);
  moved.name += "/quantized";
  moved.dtype = KILN_DTYPE_INT8;
  moved.quant = tensor_of(g, source).quant;
  g.tensors.push_back(std::move(moved));
  const int moved_index = static_cast<int>(g.tensors.size() - 1);
  ir::Op dequantize = g.ops[static_cast<size_t>(d)];
  dequantize.inputs[0] = moved_index;
  dequantize.outputs[0] = g.ops[i].outputs[0];
  g.ops[i].inputs[0] = source;
  g.ops[i].outputs[0] = moved_index;
  g.ops.insert(g.ops.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(dequantize));
  erase_op(g, d);  // d < i: the op order stays a valid schedule
  return true;
}

bool fold_one(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (fold_op(g, uses, i) || drop_round_trip(g, uses, i) || sink_dequantize(g, uses, i))
      return true;
  }
  return false;
}

// DEQUANTIZE of a constant: the float constant.
bool fold_constant(ir::Graph& g) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& op = g.ops[i];
    if (op.kind != ir::OpKind::kDequantize || !tensor_of(g, op.inputs[0]).constant ||
        std::find(g.outputs.begin(), g.outputs.end(), op.outputs[0]) != g.outputs.end()) {
      continue;
    }
    const ir::Tensor& q = tensor_of(g, op.inputs[0]);
    const size_t channels = q.quant.scales.size();
    if (channels == 0) continue;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(q.quant.axis) + 1; d < q.shape.size(); ++d)
      inner *= q.shape[d];
    std::vector<float> values(static_cast<size_t>(q.elements()));
    for (size_t k = 0; k < values.size(); ++k) {
      const size_t c = channels > 1 ? static_cast<size_t>((static_cast<int64_t>(k) / inner) %
                                                          static_cast<int64_t>(channels))
                                    : 0;
      int64_t level = 0;
      if (q.dtype == KILN_DTYPE_INT8)
        level = static_cast<int8_t>(q.data[k]);
      else if (q.dtype == KILN_DTYPE_INT32)
        level = q.as<int32_t>()[k];
      else
        return false;
      values[k] = q.quant.scales[c] * static_cast<float>(level - q.quant.zero_points[c]);
    }
    const std::string name = tensor_of(g, op.outputs[0]).name;
    const std::vector<int32_t> shape = tensor_of(g, op.outputs[0]).shape;
    const int out = op.outputs[0];
    const int constant = add_float_constant(g, name, shape, values);
    replace_uses(g, out, constant);
    erase_op(g, static_cast<int>(i));
    return true;
  }
  return false;
}

}  // namespace

ir::Graph fold_qdq(ir::Graph g) {
  while (fold_one(g)) {
  }
  return g;
}

ir::Graph fold_constant_dequantize(ir::Graph g) {
  while (fold_constant(g)) {
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
