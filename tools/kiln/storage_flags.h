// The flags that choose how a compilation stores filters, shared by the
// commands that compile a model.
#ifndef KILN_TOOLS_KILN_STORAGE_FLAGS_H
#define KILN_TOOLS_KILN_STORAGE_FLAGS_H

#include <CLI/CLI.hpp>
#include <string>

#include "compiler/pipeline/compile.h"

namespace kiln {
namespace cli {

// --dense-weights, --entropy and --entropy-layers, into
// options->dense_weights, entropy_weights and entropy_layers; and
// add_optimize_flags' into options->goal, flash_budget and max_recompute.
void add_storage_flags(CLI::App* cmd, CompileOptions* options);

// --optimize speed|size|balanced, --flash-budget BYTES (which implies
// balanced) and --max-recompute PERCENT (patch-based execution).
void add_optimize_flags(CLI::App* cmd, OptimizeGoal* goal, uint64_t* flash_budget,
                        double* max_recompute);

inline CompileOptions with_target(CompileOptions options, const std::string& target) {
  options.target = target;
  return options;
}

}  // namespace cli
}  // namespace kiln

#endif
