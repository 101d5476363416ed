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
// options->dense_weights, entropy_weights and entropy_layers.
void add_storage_flags(CLI::App* cmd, CompileOptions* options);

inline CompileOptions with_target(CompileOptions options, const std::string& target) {
  options.target = target;
  return options;
}

}  // namespace cli
}  // namespace kiln

#endif
