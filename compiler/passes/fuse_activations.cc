// A standalone ReLU-style clamp after an op that can clamp its own output
// becomes that op's fused activation, as TFLite's converter fuses them.
#include <cmath>

#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

bool takes_fused_activation(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::kConv2D:
    case ir::OpKind::kDepthwiseConv2D:
    case ir::OpKind::kFullyConnected:
    case ir::OpKind::kTransposeConv:
    case ir::OpKind::kAveragePool2D:
    case ir::OpKind::kMaxPool2D:
    case ir::OpKind::kAdd:
    case ir::OpKind::kSub:
    case ir::OpKind::kMul: return true;
    default: return false;
  }
}

bool as_activation(const ir::OpAttrs& a, ir::Activation* out) {
  if (a.clamp_min == 0.0f && std::isinf(a.clamp_max) && a.clamp_max > 0) *out = ir::Activation::kRelu;
  else if (a.clamp_min == 0.0f && a.clamp_max == 6.0f) *out = ir::Activation::kRelu6;
  else if (a.clamp_min == -1.0f && a.clamp_max == 1.0f) *out = ir::Activation::kReluN1To1;
  else return false;
  return true;
}

bool same_quantization(const ir::Tensor& a, const ir::Tensor& b) {
  return a.dtype == b.dtype && a.quant.scales == b.quant.scales && a.quant.zero_points == b.quant.zero_points;
}

bool fuse_one(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& op = g.ops[i];
    if (!takes_fused_activation(op.kind) || op.attrs.activation != ir::Activation::kNone || op.outputs.size() != 1) continue;
    const int next = uses.single_reader(op.outputs[0]);
    ir::Activation activation;
    if (next < 0 || g.ops[static_cast<size_t>(next)].kind != ir::OpKind::kClamp ||
        !as_activation(g.ops[static_cast<size_t>(next)].attrs, &activation)) {
      continue;
    }
    const ir::Tensor& mid = tensor_of(g, op.outputs[0]);
    const ir::Tensor& out = tensor_of(g, g.ops[static_cast<size_t>(next)].outputs[0]);
    // An int8 clamp that rescales is not a plain fused clamp.
    if (mid.dtype != KILN_DTYPE_FLOAT32 && !same_quantization(mid, out)) continue;
    if (mid.shape != out.shape) continue;
    g.ops[i].attrs.activation = activation;
    g.ops[i].outputs[0] = g.ops[static_cast<size_t>(next)].outputs[0];
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
