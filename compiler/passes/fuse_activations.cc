// A standalone ReLU-style clamp after an op that can clamp its own output
// becomes that op's fused activation, as TFLite's converter fuses them.
#include <cmath>

#include "compiler/numerics/multiplier.h"
#include "compiler/ops/op_record.h"
#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

bool takes_fused_activation(ir::OpKind kind) { return op_traits(kind).fused_activation; }

// The fused activation clamping to [lo, hi], if there is one.
bool as_activation(float lo, float hi, ir::Activation* out) {
  if (lo == 0.0f && std::isinf(hi) && hi > 0)
    *out = ir::Activation::kRelu;
  else if (lo == 0.0f && hi == 6.0f)
    *out = ir::Activation::kRelu6;
  else if (lo == -1.0f && hi == 1.0f)
    *out = ir::Activation::kReluN1To1;
  else if (std::isinf(lo) && std::isinf(hi))
    *out = ir::Activation::kNone;
  else
    return false;
  return true;
}

// A clamp after an op's own fused activation clamps to the intersection.
bool compose(ir::Activation fused, const ir::OpAttrs& clamp, ir::Activation* out) {
  const FloatRange r = activation_range_f32(fused);
  return as_activation(std::max(r.min, clamp.clamp_min), std::min(r.max, clamp.clamp_max), out);
}

bool same_quantization(const ir::Tensor& a, const ir::Tensor& b) {
  return a.dtype == b.dtype && a.quant.scales == b.quant.scales &&
         a.quant.zero_points == b.quant.zero_points;
}

// The op that reads `tensor` alone, seen through reshapes (which move no
// data, so a clamp after them is a clamp of the tensor itself); -1 if none.
int reader_through_reshapes(const ir::Graph& g, const Uses& uses, int tensor,
                            std::vector<int>* reshapes) {
  int next = uses.single_reader(tensor);
  while (next >= 0 && g.ops[static_cast<size_t>(next)].kind == ir::OpKind::kReshape) {
    reshapes->push_back(next);
    next = uses.single_reader(g.ops[static_cast<size_t>(next)].outputs[0]);
  }
  return next;
}

bool fuse_one(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& op = g.ops[i];
    if (!takes_fused_activation(op.kind) || op.outputs.size() != 1) continue;
    std::vector<int> reshapes;
    const int next = reader_through_reshapes(g, uses, op.outputs[0], &reshapes);
    ir::Activation activation;
    if (next < 0 || g.ops[static_cast<size_t>(next)].kind != ir::OpKind::kClamp ||
        !compose(op.attrs.activation, g.ops[static_cast<size_t>(next)].attrs, &activation)) {
      continue;
    }
    const ir::Op& clamp = g.ops[static_cast<size_t>(next)];
    const ir::Tensor& mid = tensor_of(g, clamp.inputs[0]);
    const ir::Tensor& out = tensor_of(g, clamp.outputs[0]);
    // An int8 clamp that rescales is not a plain fused clamp.
    if (mid.dtype != KILN_DTYPE_FLOAT32 && !same_quantization(mid, out)) continue;
    if (mid.shape != out.shape) continue;
    g.ops[i].attrs.activation = activation;
    // The clamp's result is now what the last reshape (or the op) writes.
    ir::Op& writer = reshapes.empty() ? g.ops[i] : g.ops[static_cast<size_t>(reshapes.back())];
    writer.outputs[0] = clamp.outputs[0];
    erase_op(g, next);
    return true;
  }
  return false;
}

}  // namespace

ir::Graph fuse_activations(ir::Graph g) {
  while (fuse_one(g)) {
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
