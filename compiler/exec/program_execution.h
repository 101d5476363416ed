// Runs a lowered program on the host with every tensor in a buffer of its own,
// calling the kernels of the kernel list directly: no memory plan, no blob.
// The graph evaluator and constant folding run ops this way, so every
// intermediate result survives the run.
#ifndef KILN_COMPILER_EXEC_PROGRAM_EXECUTION_H
#define KILN_COMPILER_EXEC_PROGRAM_EXECUTION_H

#include <cstdint>
#include <vector>

#include "compiler/lower/program.h"

namespace kiln {

class ProgramExecution {
 public:
  // Allocates a zeroed buffer for every tensor the program touches (an alias
  // shares its root's) and copies the constants and the persistent tensors'
  // reset values in; persistent tensors then keep their values across runs. Throws
  // Error(kUnsupported) naming an op whose kernel this runtime cannot run.
  explicit ProgramExecution(Program program);
  ProgramExecution(const ProgramExecution&) = delete;
  ProgramExecution& operator=(const ProgramExecution&) = delete;

  const Program& program() const { return program_; }
  // Whether tensor t has a buffer that a run writes or reads: the program's
  // inputs and every non-constant operand.
  bool has_buffer(int tensor) const;
  uint8_t* data(int tensor);
  const uint8_t* data(int tensor) const;
  uint64_t bytes(int tensor) const { return program_.tensors[static_cast<size_t>(tensor)].bytes; }

  // Every op in order.
  void run();
  // Persistent tensors back to their reset values.
  void reset_state();

 private:
  // 16-byte blocks keep every buffer as aligned as an arena slot.
  struct alignas(16) Block {
    uint8_t bytes[16];
  };

  Program program_;
  std::vector<std::vector<Block>> buffers_;  // per root tensor; empty if untouched
  std::vector<const void*> inputs_;          // scratch for one kernel call
  std::vector<void*> outputs_;
};

}  // namespace kiln

#endif
