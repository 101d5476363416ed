// TFLite flatbuffer -> kiln graph IR.
#ifndef KILN_COMPILER_IMPORT_TFLITE_IMPORTER_H
#define KILN_COMPILER_IMPORT_TFLITE_IMPORTER_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/ir/graph.h"

namespace kiln {
namespace tflite_import {

// True if the bytes carry the TFLite file identifier.
bool looks_like_tflite(const uint8_t* data, size_t size);

// Imports subgraph 0 of a .tflite file held in memory. `label` names the file
// in error messages. Throws Error: kBadModel for anything truncated, corrupted
// or inconsistent, kUnsupported for valid content kiln cannot represent.
ir::Graph import_tflite(const uint8_t* data, size_t size, const std::string& label);

}  // namespace tflite_import
}  // namespace kiln

#endif
