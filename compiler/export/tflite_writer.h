// kiln graph IR -> .tflite flatbuffer that TFLite and TFLite Micro load.
#ifndef KILN_COMPILER_EXPORT_TFLITE_WRITER_H
#define KILN_COMPILER_EXPORT_TFLITE_WRITER_H

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

// Writes the graph as a single-subgraph schema-3 model. Ops of kind
// kUnsupported are written as the builtin their type_name names.
// Int4 weights (ir::Tensor::int4) are written as INT4, two to a byte.
// Throws Error(kUnsupported) for a tensor type or op it cannot express.
// With buffers_after_flatbuffer, constant data follows the flatbuffer and
// buffers refer to it by file offset and size (the form TFLite uses for
// models above 2 GB).
std::vector<uint8_t> write_tflite(const ir::Graph& graph, bool buffers_after_flatbuffer = false);

}  // namespace kiln

#endif
