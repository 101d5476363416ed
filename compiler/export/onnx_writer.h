// kiln graph IR -> float ONNX model (opset 13) in ONNX's own NCHW layout, for
// the float models kiln trains: convolutions, depthwise convolutions (grouped
// Conv), fully connected layers (Gemm), pooling, global means, residual
// adds, reshapes, transposes, softmax and activations.
#ifndef KILN_COMPILER_EXPORT_ONNX_WRITER_H
#define KILN_COMPILER_EXPORT_ONNX_WRITER_H

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

// 4-D activations are stored NCHW, as ONNX models take them: filters are
// rearranged, and where kiln's NHWC element order matters (a reshape of a
// 4-D value, an op without an NCHW form) a Transpose is written. A 4-D graph
// input or output is NCHW. Throws Error(kUnsupported) naming the op for a
// quantized tensor or an op outside that list.
std::vector<uint8_t> write_onnx(const ir::Graph& graph);

}  // namespace kiln

#endif
