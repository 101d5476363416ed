// Where a model runs: one interface for the host executor (a compiled blob),
// the graph evaluator (every intermediate tensor kept) and the emulated
// Cortex-M cores. Tools and tests ask for a runner and feed it; none of them
// chooses a backend itself.
#ifndef KILN_COMPILER_EXEC_RUNNER_H
#define KILN_COMPILER_EXEC_RUNNER_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/types.h"

namespace kiln {

// A model input or output as a runner takes or gives it: raw little-endian
// data of this type and shape.
struct TensorPort {
  std::string name;
  kiln_dtype dtype = KILN_DTYPE_FLOAT32;
  std::vector<int32_t> shape;
  float scale = 0.0f;  // 0: not quantized
  int32_t zero_point = 0;

  uint64_t bytes() const;
  bool quantized() const { return scale > 0.0f; }
};

// Executed instructions by timing class and the events cycle estimates
// need (taken branches, flash lines read, ...), by the names kiln's QEMU
// plugin prints (tools/qemu_profile); empty when not profiled.
using InstructionMix = std::map<std::string, uint64_t>;

// How a profile counts data reads from flash (InstructionMix "flash_lines"):
// a read fetches `line_bytes`, and a direct-mapped cache of `cache_bytes`
// (0: only the last line read) holds lines read before.
struct FlashReads {
  uint32_t line_bytes = 8;
  uint32_t cache_bytes = 0;
};

// One op's share of an inference on an emulated core.
struct LayerCost {
  uint32_t op_index = 0;  // in the compiled program
  uint32_t opcode = 0;
  uint64_t instructions = 0;
  InstructionMix mix;  // when profiled
};

// What the last inference cost, where a runner measures it.
struct RunCost {
  uint64_t instructions = 0;
  uint64_t counter_overhead = 0;  // instructions one counter read costs (already subtracted)
  uint64_t arena_bytes = 0;       // RAM region 0
  uint64_t region1_bytes = 0;     // a second RAM region's, if the plan uses one
  uint64_t model_flash_bytes = 0;
  uint64_t runtime_flash_bytes = 0;
  uint64_t static_ram_bytes = 0;
  uint64_t stack_bytes = 0;       // measured peak
  std::vector<LayerCost> layers;  // when the runner times each op
  InstructionMix mix;             // when profiled: the inference's
  uint64_t ram_bytes() const {
    return static_ram_bytes + arena_bytes + region1_bytes + stack_bytes;
  }
};

class Runner {
 public:
  virtual ~Runner() = default;
  Runner() = default;
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  virtual const std::vector<TensorPort>& inputs() const = 0;
  virtual const std::vector<TensorPort>& outputs() const = 0;

  // Throws Error(kBadInput) naming both sizes if `bytes` does not fit input i.
  void set_input(size_t i, const std::vector<uint8_t>& bytes);
  // Runs one inference. Set every input before each invoke: an input never
  // set reads as zeros the first time, and as anything after.
  virtual void invoke() = 0;
  // Puts the model's state (variables, recurrent layers' memory) back to its
  // reset value, where a new runner starts. Invocations in between carry it
  // from one to the next; stateless models have none.
  virtual void reset_state() = 0;
  // Output i of the last invoke.
  virtual std::vector<uint8_t> output(size_t i) const = 0;
  // Whether the last invoke wrote the outputs: false when a streaming
  // pipeline's gate ended it early (no new frame or full window yet).
  virtual bool outputs_written() const { return true; }
  // The last invoke's cost; none on the host, where nothing is counted.
  virtual std::optional<RunCost> cost() const { return std::nullopt; }

 protected:
  // Input i's bytes, already checked against its port.
  virtual void write_input(size_t i, const std::vector<uint8_t>& bytes) = 0;
};

}  // namespace kiln

#endif
