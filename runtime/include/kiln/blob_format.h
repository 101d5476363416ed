// The .kiln blob: a pre-planned model the executor runs in place.
//
// Layout (little-endian, every section 16-byte aligned):
//   BlobHeader | TensorRecord[num_tensors] | OpRecord[num_ops] |
//   IoRecord[num_inputs + num_outputs] | uint16 operands[num_operands] |
//   params bytes | constant data
// The compiler writes it (compiler/blob) and the executor reads it
// (runtime/executor); this header is the only definition of the format.
#ifndef KILN_BLOB_FORMAT_H
#define KILN_BLOB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

namespace kiln {
namespace blob {

constexpr uint8_t kMagic[4] = {'K', 'I', 'L', 'N'};
// Readers refuse any other major version. 2: the packed convolutions' constants
// became one operand of per-block records. 3: MEAN reduces any axes
// (ReduceParams), with an int32 scratch operand for its integer sums.
constexpr uint16_t kVersionMajor = 3;
// Minor 1: persistent tensors in a state region (Location::kState,
// BlobHeader::state_bytes, TensorRecord::reset_value); a reader of 3.0
// refuses such a blob by its tensor locations. Minor 2: working tensors in
// up to four RAM regions (Location::kRegion1..3, RegionSizes); a blob planned
// in one region is written as 3.1, and a reader of 3.1 refuses the others by
// their tensor locations.
constexpr uint16_t kVersionMinor = 2;
constexpr uint16_t kVersionMinorOneRegion = 1;
constexpr uint32_t kMaxRamRegions = 4;
constexpr uint32_t kSectionAlignment = 16;
constexpr uint16_t kNoTensor = 0xFFFF;  // an absent optional operand
constexpr int kMaxRank = 6;

struct BlobHeader {
  uint8_t magic[4];
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t header_bytes;  // sizeof(BlobHeader) when written
  uint32_t total_bytes;   // the whole blob
  uint32_t checksum;      // CRC-32 of bytes [header_bytes, total_bytes)
  uint32_t arena_bytes;   // the arena the plan needs, state region included
  uint32_t num_tensors, tensors_offset;
  uint32_t num_ops, ops_offset;
  uint32_t num_inputs, num_outputs, io_offset;
  uint32_t num_operands, operands_offset;
  uint32_t params_offset, params_bytes;
  uint32_t data_offset, data_bytes;
  // The state region: arena bytes [0, state_bytes), kept from one invocation
  // to the next and rewritten only by a reset (init() resets).
  uint32_t state_bytes;
};
static_assert(sizeof(BlobHeader) == 80, "BlobHeader layout is part of the format");

// Follows the header in a blob whose tensors use more than one RAM region
// (header_bytes >= sizeof(BlobHeader) + sizeof(RegionSizes)): each region's
// bytes. Region 0 is the arena (bytes[0] == arena_bytes); the caller gives
// one buffer per region, e.g. a Cortex-M7's DTCM and its SRAM.
struct RegionSizes {
  uint32_t bytes[kMaxRamRegions];
};
static_assert(sizeof(RegionSizes) == 16, "RegionSizes layout is part of the format");

// kArena tensors lie in [state_bytes, arena_bytes) of the arena (RAM region
// 0), kState ones in [0, state_bytes), kRegionN ones in RAM region N.
enum class Location : uint8_t {
  kArena = 0,
  kConstant = 1,
  kState = 2,
  kRegion1 = 3,
  kRegion2 = 4,
  kRegion3 = 5,
};

struct TensorRecord {
  uint32_t offset;  // into the arena or the constant data section
  uint32_t bytes;
  uint8_t location;  // Location
  uint8_t dtype;     // kiln_dtype
  // kState: the constant tensor a reset copies in, or kNoTensor for zeros.
  // Otherwise 0.
  uint16_t reset_value;
};
static_assert(sizeof(TensorRecord) == 12, "TensorRecord layout is part of the format");

struct OpRecord {
  uint16_t opcode;  // OpCode
  uint8_t num_inputs;
  uint8_t num_outputs;
  uint32_t first_operand;  // operands[first_operand ...]: inputs, then outputs
  uint32_t params_offset;  // into the params section, 4-byte aligned
  uint32_t params_bytes;
};
static_assert(sizeof(OpRecord) == 16, "OpRecord layout is part of the format");

// A model input or output as the caller sees it.
struct IoRecord {
  uint16_t tensor;
  uint8_t dtype;
  uint8_t rank;
  int32_t dims[kMaxRank];
  float scale;  // 0 when not quantized
  int32_t zero_point;
};
static_assert(sizeof(IoRecord) == 36, "IoRecord layout is part of the format");

// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace blob
}  // namespace kiln

#endif  // KILN_BLOB_FORMAT_H
