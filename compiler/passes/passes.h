// Graph passes: each takes a graph and returns the rewritten one, with the
// same outputs for every input (bit for bit on int8 graphs; float graphs up to
// the rounding of a reassociated product). compile_graph runs `optimize`
// before lowering; each pass is tested alone on before/after graphs.
#ifndef KILN_COMPILER_PASSES_PASSES_H
#define KILN_COMPILER_PASSES_PASSES_H

#include "compiler/ir/graph.h"

namespace kiln {
namespace passes {

// An op whose inputs are all constants (but a DEQUANTIZE, see fold_qdq)
// runs once on the host through the reference kernels and becomes a constant.
ir::Graph fold_constants(ir::Graph g);

// Transposes that move no data become reshapes; a transpose to NCHW feeding
// (through reshapes) a fully connected layer is folded into its weights'
// column order; back-to-back transposes compose; transposes next to the
// graph's inputs and outputs move into their recorded source layout.
ir::Graph fold_transposes(ir::Graph g);

// A reshape of a reshape becomes one reshape; a reshape to the shape it
// already has disappears (unless it makes a graph output).
ir::Graph collapse_reshapes(ir::Graph g);

// A float convolution, depthwise convolution, transposed convolution or fully
// connected layer followed by a MUL and/or ADD of a per-output-channel
// constant (batch normalization, a separate bias) takes them into its
// weights and bias.
ir::Graph fold_affine_into_weights(ir::Graph g);

// A CLAMP with ReLU, ReLU6 or ReLU-1..1 bounds after an op that can apply it
// becomes that op's fused activation (float ops; int8 ops only when the clamp
// keeps the quantization).
ir::Graph fuse_activations(ir::Graph g);

// An op between DEQUANTIZE of int8 inputs (dequantized int8 constant
// weights, int32 biases) and a QUANTIZE of its result becomes the int8 op;
// QUANTIZE(DEQUANTIZE(x)) with x's quantization becomes x. This is how
// ONNX QDQ models become int8.
ir::Graph fold_qdq(ir::Graph g);

// DEQUANTIZE of a constant becomes a float constant (weights of a QDQ
// model's ops that stay float).
ir::Graph fold_constant_dequantize(ir::Graph g);

// Drops ops whose results nobody reads and tensors no op or graph
// input/output refers to.
ir::Graph remove_unused(ir::Graph g);

// All of the above, to a fixed point, verifying the graph after each pass.
ir::Graph optimize(ir::Graph g);

}  // namespace passes
}  // namespace kiln

#endif
