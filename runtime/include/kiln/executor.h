// The executor: runs a .kiln blob in place with a caller-given arena.
//
// init() checks the whole blob once (header, checksum, every table entry and
// every op's operand sizes against its parameters); after it succeeds,
// invoke() cannot index outside the blob or the arena whatever the blob's
// bytes were. No heap, no exceptions: failures are kiln_status codes.
#ifndef KILN_EXECUTOR_H
#define KILN_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/blob_format.h"
#include "kiln/kernels.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// One RAM region's buffer for init(): 4-byte aligned, at least the bytes
// required_region_bytes() gives.
struct RegionBuffer {
  void* data;
  size_t bytes;
};

// Called before (begin = true) and after each op; e.g. for per-layer timing.
using OpObserver = void (*)(void* context, uint32_t op_index, OpCode opcode, bool begin);

class Executor {
 public:
  // Reads the header only: the arena size to give init(). The blob must be 4-byte aligned.
  static kiln_status required_arena_bytes(const void* blob, size_t blob_bytes,
                                          uint32_t* arena_bytes);

  // Reads the header only: how many RAM regions the plan uses (1 unless it
  // was planned for a target with several) and the bytes of region `index`.
  static kiln_status required_regions(const void* blob, size_t blob_bytes, uint32_t* count);
  static kiln_status required_region_bytes(const void* blob, size_t blob_bytes, uint32_t index,
                                           uint32_t* bytes);

  // A blob planned in one region: the arena is all it needs.
  kiln_status init(const void* blob, size_t blob_bytes, void* arena, size_t arena_bytes);
  // One buffer per RAM region the blob uses (region 0 is the arena); a
  // region missing or smaller than its plan is KILN_ERR_ARENA_TOO_SMALL.
  kiln_status init(const void* blob, size_t blob_bytes, const RegionBuffer* regions,
                   uint32_t num_regions);
  kiln_status invoke();
  // Whether the last invoke wrote the outputs: false when a gate ended it
  // early (a streaming pipeline whose window is not yet full).
  bool outputs_written() const { return outputs_written_; }
  // A streaming pipeline's input 0 is one block of samples: appends `count`
  // samples of its type to it and invokes each time it fills. *written
  // counts the invocations that wrote outputs (the last one's are in the
  // outputs).
  kiln_status append_samples(const void* samples, size_t count, uint32_t* written);
  // Puts every persistent tensor back to its reset value (init() does it
  // once); invocations in between carry state from one to the next.
  kiln_status reset_state();
  // The state region's size, at the start of the arena (region 0).
  uint32_t state_bytes() const { return header_ ? header_->state_bytes : 0; }

  uint32_t num_inputs() const { return header_ ? header_->num_inputs : 0; }
  uint32_t num_outputs() const { return header_ ? header_->num_outputs : 0; }
  // Null for an index out of range.
  const blob::IoRecord* input_info(uint32_t index) const;
  const blob::IoRecord* output_info(uint32_t index) const;
  void* input_data(uint32_t index);
  const void* output_data(uint32_t index) const;
  uint32_t tensor_bytes(uint16_t tensor) const;
  uint32_t num_ops() const { return header_ ? header_->num_ops : 0; }
  const blob::OpRecord* op(uint32_t index) const;

  // Bounds the backward jumps (loop iterations, over all loops) of one
  // invoke: past the limit, invoke() stops with KILN_ERR_LOOP_LIMIT. 0, the
  // default, sets none: like TFLite, a WHILE runs until its condition fails.
  void set_loop_limit(uint32_t max_iterations) { loop_limit_ = max_iterations; }

  void set_observer(OpObserver observer, void* context) {
    observer_ = observer;
    observer_context_ = context;
  }

 private:
  kiln_status check_op(const blob::BlobHeader& h, const blob::OpRecord& op) const;
  kiln_status check_tensor(const blob::BlobHeader& h, const blob::RegionSizes& sizes,
                           const blob::TensorRecord& t) const;
  const void* tensor_data(uint16_t tensor) const;
  void run_op(uint32_t index) const;
  // invoke() for a program with BRANCH ops (loops, gates). A function of its
  // own: with both loops in invoke(), the straight-line one compiled worse
  // (MLPerf KWS took 46 more instructions per inference on the M4).
  kiln_status invoke_with_branches();

  const blob::BlobHeader* header_ = nullptr;
  const blob::TensorRecord* tensors_ = nullptr;
  const blob::OpRecord* ops_ = nullptr;
  const blob::IoRecord* io_ = nullptr;
  const uint16_t* operands_ = nullptr;
  const uint8_t* params_ = nullptr;
  // Per tensor Location, where its offsets start: the arena (kArena,
  // kState), the constant data (kConstant, never written through), each
  // further RAM region. A tensor's address is one load and one add.
  static constexpr int kLocations = static_cast<int>(blob::Location::kRegion3) + 1;
  uint8_t* bases_[kLocations] = {};
  bool has_branches_ = false;  // whether invoke() must look for BRANCH ops
  bool outputs_written_ = false;
  uint32_t pending_bytes_ = 0;  // of input 0 appended since its last invoke
  uint32_t loop_limit_ = 0;
  OpObserver observer_ = nullptr;
  void* observer_context_ = nullptr;
};

}  // namespace kiln

#endif  // KILN_EXECUTOR_H
