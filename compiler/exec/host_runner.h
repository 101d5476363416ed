// Runs a .kiln blob on the host through the device executor and its kernels:
// the same code path as on a microcontroller.
#ifndef KILN_COMPILER_EXEC_HOST_RUNNER_H
#define KILN_COMPILER_EXEC_HOST_RUNNER_H

#include <cstdint>
#include <vector>

#include "compiler/exec/runner.h"
#include "kiln/executor.h"

namespace kiln {

class HostRunner : public Runner {
 public:
  // Copies the blob into aligned storage and initializes the executor with
  // buffers of exactly the sizes the blob asks for, one per RAM region (the
  // arena, region 0, of `arena_bytes` if given).
  // Throws Error(kBadModel / kArenaTooSmall / kUnsupported) with the status text.
  explicit HostRunner(const std::vector<uint8_t>& blob, int64_t arena_bytes = -1);

  const std::vector<TensorPort>& inputs() const override { return inputs_; }
  const std::vector<TensorPort>& outputs() const override { return outputs_; }
  void invoke() override;
  void reset_state() override { executor_.reset_state(); }
  uint32_t state_bytes() const { return executor_.state_bytes(); }
  std::vector<uint8_t> output(size_t i) const override;

  uint32_t arena_bytes() const { return arena_bytes_; }
  // Each RAM region's bytes ([0]: the arena).
  const std::vector<uint32_t>& region_bytes() const { return region_bytes_; }
  bool outputs_written() const override { return executor_.outputs_written(); }
  // The executor, for the C-level calls a pipeline streams with.
  Executor& executor() { return executor_; }
  // Bounds one invoke's loop iterations (Executor::set_loop_limit; 0: none).
  void set_loop_limit(uint32_t max_iterations) { executor_.set_loop_limit(max_iterations); }

 private:
  void write_input(size_t i, const std::vector<uint8_t>& bytes) override;

  std::vector<uint64_t> blob_storage_;                 // 8-byte aligned copy of the blob
  std::vector<std::vector<uint64_t>> region_storage_;  // [0]: the arena
  uint32_t arena_bytes_ = 0;
  std::vector<uint32_t> region_bytes_;
  Executor executor_;
  std::vector<TensorPort> inputs_, outputs_;
};

}  // namespace kiln

#endif
