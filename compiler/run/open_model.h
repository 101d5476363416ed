// Opening a model file to run it: a .tflite or .onnx model is compiled for
// where it runs (or evaluated as a graph), a .kiln blob runs as it is, and
// the runner takes and gives data in the model's own layout. `kiln run`,
// `validate`, `bench` and the tests all start here.
#ifndef KILN_COMPILER_RUN_OPEN_MODEL_H
#define KILN_COMPILER_RUN_OPEN_MODEL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/exec/graph_evaluator.h"
#include "compiler/exec/runner.h"
#include "compiler/pipeline/compile.h"
#include "compiler/pipeline/stream_pipeline.h"

namespace kiln {

struct RunnerOptions {
  std::string target =
      "host";  // "host", or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55
  int64_t arena_bytes = -1;  // host: run with this arena instead of the planned one
  bool per_layer = false;    // emulated cores: also time each op
  bool read_outputs = true;  // emulated cores: false only counts (outputs are not written back)
  // Emulated cores: count instructions by class (RunCost::mix) with kiln's
  // QEMU plugin, flash reads as `flash` says.
  bool profile = false;
  FlashReads flash;
  // Host: run a .tflite or .onnx model as a graph with every tensor kept
  // (GraphEvaluator, after the graph passes) instead of as a compiled blob.
  bool evaluate_graph = false;
  // Take and give data in the source model's layout (ONNX's NCHW); false:
  // kiln's layout, as the compiled model has it.
  bool source_layout = true;
  // A front-end model to fuse before the model (compiler/pipeline/
  // stream_pipeline.h), which then takes blocks of raw samples.
  std::string frontend;
  StreamPipelineOptions pipeline;
  // How a .tflite or .onnx model is compiled for the target (flash_goal.h).
  OptimizeGoal goal = OptimizeGoal::kSpeed;
  uint64_t flash_budget = 0;
  double max_recompute = CompileOptions{}.max_recompute;  // patch-based execution

  CompileOptions compile_options() const {
    CompileOptions c;
    c.target = target;
    c.goal = goal;
    c.flash_budget = flash_budget;
    c.max_recompute = max_recompute;
    return c;
  }
};

struct OpenedModel {
  // A .tflite or .onnx model: its graph after the passes and, unless it is
  // evaluated as a graph, its program, plan and blob. A .kiln file: the blob.
  CompiledModel compiled;
  std::unique_ptr<Runner> runner;
  const GraphEvaluator* evaluator = nullptr;  // the runner's graph evaluator, if it is one

  bool has_graph() const { return !compiled.graph.tensors.empty(); }
};

// Throws Error naming the file for anything that cannot be opened, compiled
// or run where asked (a blob too large for the core, an unknown target).
OpenedModel open_model(const std::string& path, const RunnerOptions& options = {});

// The inputs of `steps` invocations, [step][input]: from one file per model
// input holding the steps' tensors back to back (raw little-endian data of
// the input's type and shape), or zeros when `files` is empty. Errors name
// the file and both sizes.
using InputSteps = std::vector<std::vector<std::vector<uint8_t>>>;
InputSteps read_input_steps(const Runner& runner, const std::vector<std::string>& files,
                            size_t steps);

// Sets every input of `runner` from a file holding one tensor (or zeros).
void set_inputs_from_files(Runner& runner, const std::vector<std::string>& files);

}  // namespace kiln

#endif
