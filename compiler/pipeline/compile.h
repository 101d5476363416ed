// The compiler pipeline: model bytes -> IR -> passes -> lowered program ->
// plan -> blob.
#ifndef KILN_COMPILER_PIPELINE_COMPILE_H
#define KILN_COMPILER_PIPELINE_COMPILE_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/lower/program.h"
#include "compiler/pipeline/flash_goal.h"
#include "compiler/plan/patches.h"
#include "compiler/plan/planner.h"
#include "compiler/target/memory_regions.h"

namespace kiln {

struct CompiledModel {
  TargetDescription target;  // the core and the memory regions planned for
  ir::Graph graph;
  Program program;
  MemoryPlan plan;
  std::vector<std::string> unsupported;  // ops that could not be lowered (analysis only)
  std::vector<uint8_t> blob;             // empty when `unsupported` is not
  OptimizeGoal goal = OptimizeGoal::kSpeed;
  // kBalanced: the layers stored for speed (the rest lean).
  std::set<std::string> fast_layers;
  // The stage run in bands (compiler/plan/patches.h), if any, and the RAM
  // every op run whole would take (all regions).
  PatchStage patches;
  uint64_t whole_layer_arena_bytes = 0;
};

struct CompileOptions {
  // A kernel target (kernel_target()) or a target description's JSON file
  // (describe_target()): the plan spreads the working tensors over its RAM
  // regions, and a model that overflows them is refused (Error
  // kArenaTooSmall) unless allow_unsupported.
  std::string target = "portable";
  // Record ops kiln cannot lower instead of throwing; no blob is written.
  bool allow_unsupported = false;
  // Run the graph passes (compiler/passes) before lowering.
  bool optimize = true;
  // Keep int4 and clustered filters in int8 (LowerOptions::dense_weights).
  bool dense_weights = false;
  // Entropy-code filters where that stores them smallest
  // (LowerOptions::entropy_weights).
  bool entropy_weights = false;
  // With entropy_weights: only these layers (LowerOptions::entropy_layers).
  std::set<std::string> entropy_layers = {};
  // Speed, flash or a per-layer balance of the two (flash_goal.h).
  OptimizeGoal goal = OptimizeGoal::kSpeed;
  // With kBalanced: the blob's largest size in bytes (0: halfway between the
  // size and speed plans' blobs). A budget no plan meets is refused naming
  // the smallest blob possible.
  uint64_t flash_budget = 0;
  // Patch-based execution (compiler/plan/patches.h): the most MACs the bands
  // may compute again, as a fraction of the model's; the stage and bands
  // taking the smallest arena within it are chosen, where they save at
  // least a tenth of the arena. 0: every op runs whole.
  double max_recompute = 0.10;
};

enum class ModelFormat { kTflite, kOnnx, kKilnBlob, kUnknown };
ModelFormat detect_format(const std::vector<uint8_t>& bytes);

// Compiles an IR graph (verified first, then optimized by the graph passes).
CompiledModel compile_graph(ir::Graph graph, const CompileOptions& options = {});

// Imports a .tflite or .onnx model (Error(kBadModel) naming `label` for
// anything else).
ir::Graph import_model(const std::vector<uint8_t>& bytes, const std::string& label);

// Compiles a .tflite or .onnx model.
CompiledModel compile_model(const std::vector<uint8_t>& bytes, const std::string& label,
                            const CompileOptions& options = {});
// Compiles a .tflite model.
CompiledModel compile_tflite(const std::vector<uint8_t>& bytes, const std::string& label,
                             const CompileOptions& options = {});

// The blob for a model file of any format (a .kiln file is returned as is, a
// .tflite or .onnx model is compiled for `target`).
std::vector<uint8_t> load_blob(const std::string& path, const std::string& target = "portable");

}  // namespace kiln

#endif
