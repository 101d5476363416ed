// kiln compress --flash-budget: an int8 model's layers each stored in the
// form (compress/flash_budget.h) that fits the budget with the least harm
// to its outputs, measured on the test images.
#ifndef KILN_TOOLS_KILN_FLASH_BUDGET_H
#define KILN_TOOLS_KILN_FLASH_BUDGET_H

#include <nlohmann/json.hpp>

#include "compiler/ir/graph.h"
#include "tools/kiln/train_run.h"

namespace kiln {
namespace cli {

// Plans `graph` (optimized) for opts.flash_budget on opts.target, prints the
// plan (each layer's form, flash and error; predicted and compiled flash;
// test accuracy before and after) and writes the blob to opts.output; also
// in `report`. Throws Error(kUsage) when the accuracy drops by more than
// opts.max_accuracy_drop points (nothing written).
void compress_to_budget(const ir::Graph& graph, const TrainCommand& opts, nlohmann::json& report);

// A float model (opts.model) in budget mode: its post-training int8
// version is planned, and the plan's pruning shares, binary layers and
// clusters are set in `opts` (prune_layers, weights, weights_layers,
// budget_clusters) for run_training to fine-tune and train
// quantization-aware, with the budget resolved to bytes (budget_*);
// run_training then plans the fine-tuned int8 model again.
void plan_fine_tuning(TrainCommand& opts);

}  // namespace cli
}  // namespace kiln

#endif
