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

// A blob's size in parts that add up: each section's bytes before the
// section is padded, with every op's parameters padded to 4 bytes and every
// constant to the section alignment, as the writer places them. Two
// programs' parts subtract to what one op or constant more or less costs,
// and blob_bytes() of any sum of such differences is the blob's size exactly.
struct BlobParts {
  int64_t header = 0;  // beyond BlobHeader: the RAM regions' sizes, if any
  int64_t tensors = 0, ops = 0, io = 0, operands = 0, params = 0, data = 0;

  BlobParts& operator+=(const BlobParts& o);
  BlobParts operator-(const BlobParts& o) const;
};

// The parts of a blob write_blob wrote (read from its header).
BlobParts blob_parts(const std::vector<uint8_t>& blob);

// The blob's bytes: the header, then each part padded to the section
// alignment.
int64_t blob_bytes(const BlobParts& parts);

}  // namespace kiln

#endif
