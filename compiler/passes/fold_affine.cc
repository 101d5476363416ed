// Per-channel scales and shifts after a layer with constant weights (batch
// normalization, a bias added separately) become part of those weights.
#include "compiler/ops/op_record.h"
#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

// The dim of the weights that indexes output channels; -1 for an op without weights.
int channel_axis(const ir::Op& op) {
  const OpTraits& traits = op_traits(op.kind);
  return traits.weighted() ? traits.weights_axis : -1;
}

// The constant's value per output channel if it broadcasts along the last
// dim of a `rank`-D result with `channels` channels (or is a scalar).
bool per_channel(const ir::Tensor& c, size_t rank, int32_t channels, std::vector<float>* values) {
  if (!c.constant || c.dtype != KILN_DTYPE_FLOAT32 || c.shape.size() > rank) return false;
  for (size_t d = 0; d + 1 < c.shape.size(); ++d) {
    if (c.shape[d] != 1) return false;
  }
  const int64_t n = c.elements();
  if (n != 1 && n != channels) return false;
  const std::vector<float> raw = float_data(c);
  values->assign(static_cast<size_t>(channels), raw.empty() ? 0.0f : raw[0]);
  if (n == channels) *values = raw;
  return true;
}

bool fold_one(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& layer = g.ops[i];
    const int axis = channel_axis(layer);
    if (axis < 0 || layer.attrs.activation != ir::Activation::kNone || layer.inputs.size() < 2)
      continue;
    const ir::Tensor& out = tensor_of(g, layer.outputs[0]);
    const ir::Tensor& w = tensor_of(g, layer.inputs[1]);
    const bool has_bias = layer.inputs.size() > 2 && layer.inputs[2] >= 0;
    if (out.dtype != KILN_DTYPE_FLOAT32 || !w.constant || w.dtype != KILN_DTYPE_FLOAT32 ||
        out.shape.empty() || (has_bias && !tensor_of(g, layer.inputs[2]).constant)) {
      continue;
    }
    const int next = uses.single_reader(layer.outputs[0]);
    if (next < 0) continue;
    const ir::Op& affine = g.ops[static_cast<size_t>(next)];
    const bool mul = affine.kind == ir::OpKind::kMul, add = affine.kind == ir::OpKind::kAdd;
    const bool sub = affine.kind == ir::OpKind::kSub && affine.inputs[0] == layer.outputs[0];
    if ((!mul && !add && !sub) || affine.attrs.activation != ir::Activation::kNone) continue;
    const int other = affine.inputs[0] == layer.outputs[0] ? affine.inputs[1] : affine.inputs[0];
    const int32_t channels = out.shape.back();
    std::vector<float> c;
    if (other == layer.outputs[0] ||
        !per_channel(tensor_of(g, other), out.shape.size(), channels, &c))
      continue;
    if (tensor_of(g, affine.outputs[0]).shape != out.shape) continue;
    if (w.shape.empty() || w.shape[static_cast<size_t>(axis)] != channels) continue;

    std::vector<float> weights = float_data(w);
    std::vector<float> bias = has_bias ? float_data(tensor_of(g, layer.inputs[2]))
                                       : std::vector<float>(static_cast<size_t>(channels), 0.0f);
    if (bias.size() != static_cast<size_t>(channels)) continue;
    if (mul) {
      // Channel of each weight: the dim `axis` index.
      int64_t inner = 1;
      for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
      for (size_t k = 0; k < weights.size(); ++k)
        weights[k] *= c[static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels)];
      for (int32_t o = 0; o < channels; ++o)
        bias[static_cast<size_t>(o)] *= c[static_cast<size_t>(o)];
    } else {
      for (int32_t o = 0; o < channels; ++o)
        bias[static_cast<size_t>(o)] +=
            sub ? -c[static_cast<size_t>(o)] : c[static_cast<size_t>(o)];
    }
    const std::string name = tensor_of(g, affine.outputs[0]).name;
    const std::vector<int32_t> w_shape = w.shape;
    const int new_w =
        mul ? add_float_constant(g, name + "/weights", w_shape, weights) : g.ops[i].inputs[1];
    const int new_b = add_float_constant(g, name + "/bias", {channels}, bias);
    ir::Op& folded = g.ops[i];
    folded.inputs.resize(3);
    folded.inputs[1] = new_w;
    folded.inputs[2] = new_b;
    folded.outputs[0] = g.ops[static_cast<size_t>(next)].outputs[0];
    erase_op(g, next);
    return true;
  }
  return false;
}

}  // namespace

ir::Graph fold_affine_into_weights(ir::Graph g) {
  while (fold_one(g)) {
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
