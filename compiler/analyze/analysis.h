// What `kiln analyze` reports: per-layer cost and memory, and model totals.
#ifndef KILN_COMPILER_ANALYZE_ANALYSIS_H
#define KILN_COMPILER_ANALYZE_ANALYSIS_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/pipeline/compile.h"

namespace kiln {

struct LayerReport {
  int index = 0;
  std::string name;  // the op's first output tensor, as Netron labels it
  std::string op;
  std::string kernel;                              // kernel(s) it lowered to; empty if unsupported
  std::vector<std::vector<int32_t>> input_shapes;  // non-constant inputs
  std::vector<int32_t> output_shape;
  int64_t macs = 0;
  uint64_t weight_bytes = 0;  // constant inputs, as stored in the model
  // Constant operands of its kernels, as the blob stores them for the
  // target (packed, widened or 4-bit coded).
  uint64_t stored_weight_bytes = 0;
  int32_t codebooks = 0;             // 4-bit coded filter: its codebooks; 0 otherwise
  int32_t sparse_block = 0;          // sparse filter: weights per stored unit (1 or 4); 0 otherwise
  int64_t stored_nonzeros = 0;       // sparse filter: the weights of its stored units
  int64_t filter_weights = 0;        // sparse or entropy-coded filter: all its weights
  int64_t entropy_stream_bytes = 0;  // entropy-coded filter: its rANS stream
  bool binary_weights = false;       // a bit per weight and two values per channel
  bool binary_activations = false;   // and a bit per input: the layer runs fully binary
  int64_t arena_offset = -1;         // of the output; -1 if not in RAM
  int region = 0;                    // the RAM region that offset is in
  int bands = 0;                     // patch-based execution: the bands it runs in; 0: whole
  uint64_t output_bytes = 0;
  bool supported = true;
};

// What the plan takes of one of the target's memory regions.
struct RegionUse {
  std::string name;
  bool ram = true;  // false: the flash region the blob is in
  uint64_t bytes = 0;
  uint64_t capacity = 0;  // what the model may use of it
  int buffers = 0;        // RAM: the buffers placed there
};

struct ModelReport {
  std::string model;
  std::string target;              // the description planned for
  std::vector<RegionUse> regions;  // empty for targets without regions (portable, host)
  uint64_t model_bytes = 0;
  std::vector<LayerReport> layers;
  int64_t macs = 0;
  uint64_t weights_bytes = 0;
  uint64_t stored_weights_bytes = 0;  // every constant the blob stores, once
  uint64_t arena_bytes = 0;
  uint64_t state_bytes = 0;                  // the part of the arena kept between invocations
  uint64_t blob_bytes = 0;                   // 0 when the model cannot be compiled
  OptimizeGoal goal = OptimizeGoal::kSpeed;  // --optimize the blob was compiled with
  size_t fast_layers = 0;                    // kBalanced: layers stored for speed
  PatchStage patches;                        // the stage run in bands, if any
  uint64_t whole_layer_arena_bytes = 0;      // the arena with every op run whole
  int ops_total = 0;
  int ops_supported = 0;
  std::vector<std::string> unsupported;
  // The kernels the blob runs, each once, by opcode name: a runtime built
  // with KILN_KERNELS set to these carries no other kernel's code.
  std::vector<std::string> kernels;
};

ModelReport analyze(const CompiledModel& model, const std::string& label, uint64_t model_bytes);

nlohmann::json to_json(const ModelReport& report);
std::string to_table(const ModelReport& report);

}  // namespace kiln

#endif
