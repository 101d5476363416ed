// ONNX import: a ModelProto (Debian's libonnx protobuf classes) becomes a
// kiln IR graph in kiln's NHWC layout.
//
// ONNX lays 4-D activations out NCHW; kiln converts at compile time: every
// 4-D activation is stored NHWC in the IR, weights are rearranged on the host,
// and axis-dependent ops (Concat, Softmax, Pad, Transpose, broadcasting
// constants) are remapped. Only where ONNX semantics need the NCHW element
// order (a Reshape or Flatten of a 4-D activation) does the importer emit a
// TRANSPOSE, which the graph passes then fold into the weights of the fully
// connected layer that follows (compiler/passes). Graph inputs and outputs
// record their permutation (ir::Graph::input_source_perm) so that tools read
// and write user data in the ONNX model's own layout.
#ifndef KILN_COMPILER_IMPORT_ONNX_IMPORTER_H
#define KILN_COMPILER_IMPORT_ONNX_IMPORTER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace onnx_import {

// Whether the bytes parse as an ONNX ModelProto with a graph.
bool looks_like_onnx(const uint8_t* data, size_t size);

// Imports opsets 7 and later (the ops in docs/onnx.md). Throws Error(kBadModel)
// for a file that is not a valid model and Error(kUnsupported) naming the node
// and op for anything kiln cannot compile; both messages start with `label`.
ir::Graph import_onnx(const uint8_t* data, size_t size, const std::string& label);

// The ONNX op types kiln imports, sorted: those of the op records' ONNX
// forms and those with converters of their own. `converted` (if not null)
// gets the latter.
std::vector<std::string> supported_op_types(std::vector<std::string>* converted = nullptr);

}  // namespace onnx_import
}  // namespace kiln

#endif
