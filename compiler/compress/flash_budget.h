// Budget mode: a form for each layer's weights (int8, pruned, clustered,
// binary, entropy-coded) chosen so that the compiled model fits a flash
// budget with the least harm to its outputs.
//
// Each layer is tried alone in each form, the others left as they are: the
// compiled model's flash (exact, for the target) and the model's output
// error (measured by the caller, on data). A layer's share of each blob
// section does not depend on the other layers' forms, so the plan's flash is
// the int8 model's sections plus the chosen forms' differences, padded as
// the blob writer pads them: exact before it is compiled. Its error is predicted
// as the sum of the forms' errors and measured again once chosen. Where
// the caller counts a blob's instructions on a core, each form's are
// counted too and the plan's predicted as the int8 model's plus each form's
// difference, and may be capped. A layer's kernel costs the same whatever
// the other layers do, but kernels whose cost depends on their inputs
// (softmax) move by a few instructions when the layers before them change:
// the prediction is close, not exact, and the plan is counted again.
// The choice is a multiple-choice knapsack: step by step the layer whose
// next smaller form adds the least error per byte saved takes it (walking
// each layer's lower convex hull of (flash, error)) until the budget holds;
// then any layer whose better form still fits takes it.
#ifndef KILN_COMPILER_COMPRESS_FLASH_BUDGET_H
#define KILN_COMPILER_COMPRESS_FLASH_BUDGET_H

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "compiler/blob/writer.h"
#include "compiler/ir/graph.h"
#include "compiler/pipeline/compile.h"

namespace kiln {

// How one layer's int8 weights are stored.
struct WeightForm {
  double prune = 0.0;    // the share of weights zeroed by magnitude (0: none)
  int32_t clusters = 0;  // k-means weight sharing into this many values (0: none)
  bool binary = false;   // two values per channel, one bit per weight
  bool entropy = false;  // rANS-coded where that stores the filter smallest

  // e.g. "int8", "75% pruned, 16 clusters, entropy-coded".
  std::string name() const;
  bool lossless() const { return prune == 0.0 && clusters == 0 && !binary; }
};

// The forms budget mode tries for a convolution or fully connected layer:
// int8 first, then clustered, binary (groups-1 convolutions and fully
// connected layers) and pruned (fully connected and 1x1 layers), each also
// entropy-coded where kiln can code the layer.
std::vector<WeightForm> weight_forms(const ir::Graph& graph, const ir::Op& op);

// `graph` with layer `layer` (its output tensor's name) in `form` (the
// entropy coding, a matter of compilation, aside). Throws the compress
// passes' errors for a form the layer cannot take.
ir::Graph apply_weight_form(const ir::Graph& graph, const std::string& layer,
                            const WeightForm& form);

struct FormCost {
  WeightForm form;
  int64_t flash_bytes = 0;   // the compiled model's, this layer alone in this form
  BlobParts parts;           // its blob's parts (blob/writer.h)
  int64_t arena_bytes = 0;   // likewise
  int64_t instructions = 0;  // likewise, if counted (BudgetOptions::instructions)
  double error = 0.0;        // the model's output error, likewise
};

struct BudgetLayer {
  std::string name;  // the layer's output tensor
  std::string op;    // e.g. "FULLY_CONNECTED (operator 3)"
  int64_t weights = 0;
  std::vector<FormCost> forms;  // forms[0]: int8, as the model has it
  size_t chosen = 0;
};

struct BudgetOptions {
  int64_t flash_bytes = 0;  // the model flash the plan must fit
  int64_t ram_bytes = 0;    // the arena it must fit (0: any)
  std::string target = "portable";
  // One inference's instructions for a blob compiled for `target` (an
  // emulated core), or null: instructions are neither counted nor capped.
  std::function<int64_t(const std::vector<uint8_t>& blob)> instructions;
  int64_t max_instructions = 0;  // with `instructions`: the plan's cap (0: none)
  // Called after each form is sized and measured.
  std::function<void(size_t done, size_t total)> progress;
};

struct BudgetPlan {
  ir::Graph graph;                       // every layer in its chosen form
  std::set<std::string> entropy_layers;  // to compile entropy-coded (CompileOptions)
  std::vector<BudgetLayer> layers;
  int64_t int8_flash_bytes = 0;      // the model as given
  int64_t smallest_flash_bytes = 0;  // every layer in its smallest form
  int64_t predicted_flash_bytes = 0;
  int64_t flash_bytes = 0;  // the plan compiled
  int64_t int8_arena_bytes = 0, arena_bytes = 0;
  // If counted: the model as given, the plan predicted and compiled.
  int64_t int8_instructions = 0, predicted_instructions = 0, instructions = 0;
  double predicted_error = 0.0;  // the chosen forms' errors, summed
};

// How a plan compiles for `target`: its entropy-coded layers, and no
// other, entropy-coded.
CompileOptions plan_compile_options(const std::string& target,
                                    const std::set<std::string>& entropy_layers);

// The model's output error for a graph: 0 for the graph as given, more the
// further its outputs move (the caller runs it on data).
using ModelError = std::function<double(const ir::Graph&)>;

// Chooses a form for every convolution and fully connected layer with int8
// weights of `graph` (optimized, as kiln compiles it) so that it compiles for
// `options.target` into at most `options.flash_bytes` of model flash (and an
// arena of at most `options.ram_bytes`, in at most
// `options.max_instructions`). Throws Error(kUsage) naming the smallest
// flash (or arena) reachable when the budget is below it, and
// Error(kUnsupported) for a graph without int8 weights.
BudgetPlan plan_flash_budget(const ir::Graph& graph, const ModelError& error,
                             const BudgetOptions& options);

// The bytes of a budget given as BYTES, as a share of `reference_bytes`
// (the int8 model's: "1/4", "25%") or with a unit ("64KiB", "64kB");
// Error(kUsage) naming `option` and the text otherwise.
int64_t parse_budget(const std::string& option, const std::string& text, int64_t reference_bytes);

}  // namespace kiln

#endif  // KILN_COMPILER_COMPRESS_FLASH_BUDGET_H
