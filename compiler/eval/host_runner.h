// Runs a .kiln blob on the host through the device executor and reference
// kernels: the same code path as on a microcontroller.
#ifndef KILN_COMPILER_EVAL_HOST_RUNNER_H
#define KILN_COMPILER_EVAL_HOST_RUNNER_H

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/executor.h"

namespace kiln {

class HostRunner {
 public:
  // Copies the blob into aligned storage and initializes the executor with an
  // arena of exactly the size the blob asks for (or `arena_bytes` if given).
  // Throws Error(kBadModel / kArenaTooSmall / kUnsupported) with the status text.
  explicit HostRunner(const std::vector<uint8_t>& blob, int64_t arena_bytes = -1);
  HostRunner(const HostRunner&) = delete;
  HostRunner& operator=(const HostRunner&) = delete;

  Executor& executor() { return executor_; }
  uint32_t arena_bytes() const { return arena_bytes_; }

  // Throws Error(kBadInput) naming both sizes if `bytes` does not fit input i.
  void set_input(uint32_t index, const std::vector<uint8_t>& bytes);
  void invoke();
  std::vector<uint8_t> output(uint32_t index) const;
  // The arena: every planned tensor's bytes at its planned offset.
  const uint8_t* arena() const { return reinterpret_cast<const uint8_t*>(arena_storage_.data()); }

 private:
  std::vector<uint64_t> blob_storage_;  // 8-byte aligned copy of the blob
  std::vector<uint64_t> arena_storage_;
  uint32_t arena_bytes_ = 0;
  Executor executor_;
};

// Bytes of an input/output record's tensor.
uint64_t io_bytes(const blob::IoRecord& io);
std::string io_shape_string(const blob::IoRecord& io);

}  // namespace kiln

#endif
