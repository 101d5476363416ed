// Program + memory plan -> .kiln blob bytes (format: kiln/blob_format.h).
#ifndef KILN_COMPILER_BLOB_WRITER_H
#define KILN_COMPILER_BLOB_WRITER_H

#include <cstdint>
#include <vector>

#include "compiler/lower/program.h"
#include "compiler/plan/planner.h"

namespace kiln {

// Writes only the tensors the ops and the model's inputs/outputs refer to.
// Throws Error(kUnsupported) if the program holds placeholder ops.
std::vector<uint8_t> write_blob(const Program& program, const MemoryPlan& plan);

}  // namespace kiln

#endif
