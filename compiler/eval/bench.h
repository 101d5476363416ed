// What `kiln bench` reports: one inference on an emulated core, its
// instructions (per op with `per_layer`), MACs per instruction, RAM and flash.
#ifndef KILN_COMPILER_EVAL_BENCH_H
#define KILN_COMPILER_EVAL_BENCH_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "compiler/exec/runner.h"
#include "compiler/pipeline/stream_pipeline.h"
#include "compiler/plan/patches.h"
#include "compiler/target/cycle_model.h"

namespace kiln {

struct BenchLayer {
  std::string name;    // the op's first output tensor (empty for a .kiln input)
  std::string op;      // the source model's op
  std::string kernel;  // the kernel it ran
  int64_t macs = -1;   // unknown for a .kiln input
  uint64_t instructions = 0;
  int source_index = -1;  // ir::Op::source_index of the op it ran for
  CycleEstimate cycles;   // when estimated
};

struct BenchReport {
  std::string model, target;
  RunCost cost;
  int64_t macs = -1;  // unknown for a .kiln input
  std::vector<BenchLayer> layers;
  bool has_graph = false;                    // false for a .kiln input: no names, MACs or sources
  OptimizeGoal goal = OptimizeGoal::kSpeed;  // how it was compiled (a .kiln input: as given)
  size_t fast_layers = 0;                    // kBalanced: the layers stored for speed
  PatchStage patches;                        // the stage run in bands, if any
  uint64_t whole_layer_arena_bytes = 0;      // the arena with every op run whole
  // The RAM regions the arena spans, by name (one for most targets).
  std::vector<std::pair<std::string, uint64_t>> regions;
  // With BenchOptions::cycles: the cycle model's estimate of the inference
  // (the core's timing, and the part's flash wait states if one is named).
  bool has_cycles = false;
  CycleEstimate cycles;
  std::string part;
};

struct BenchOptions {
  std::vector<std::string> input_files;  // one per model input (zeros if none)
  bool per_layer = false;
  OptimizeGoal goal = OptimizeGoal::kSpeed;
  uint64_t flash_budget = 0;
  double max_recompute = CompileOptions{}.max_recompute;
  // Estimate cycles from the instruction mix (kiln's QEMU plugin), with
  // `part`'s flash wait states if it names one (compiler/target/parts.h).
  bool cycles = false;
  std::string part;
};

// Compiles MODEL for `core` (a .kiln blob runs as it is) and runs it once on
// the emulated core.
BenchReport bench_model(const std::string& model, const std::string& core,
                        const BenchOptions& options);

// A streaming pipeline (MODEL fused after `frontend` as `pipeline` says)
// fed `samples` on the emulated core, a boot per block with the state
// carried; the report is the first block that wrote the outputs, which ran
// every stage. Error(kBadInput) if none did.
BenchReport bench_stream(const std::string& model, const std::string& frontend,
                         const StreamPipelineOptions& pipeline, const std::string& core,
                         const std::vector<int16_t>& samples, bool per_layer);

// Instructions of the layers whose name starts with `prefix` (a pipeline's
// stage: kFrontendPrefix, kClassifierPrefix) and how many there are.
uint64_t stage_instructions(const BenchReport& report, const std::string& prefix,
                            size_t* layers = nullptr);

// MACs per instruction, 0 when either is unknown.
double macs_per_instruction(int64_t macs, uint64_t instructions);

nlohmann::json to_json(const BenchReport& report);
// The per-op table (when the report has one) and the totals; `summary_only`
// leaves out the model line and the per-op table.
std::string to_table(const BenchReport& report, bool summary_only = false);

}  // namespace kiln

#endif
