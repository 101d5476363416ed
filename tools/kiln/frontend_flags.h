// --frontend and --hop: a front-end model fused before the model into one
// streaming pipeline (compiler/pipeline/stream_pipeline.h), shared by the
// commands that compile or run a model.
#ifndef KILN_TOOLS_KILN_FRONTEND_FLAGS_H
#define KILN_TOOLS_KILN_FRONTEND_FLAGS_H

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "compiler/pipeline/compile.h"
#include "compiler/pipeline/stream_pipeline.h"

namespace kiln {
namespace cli {

struct FrontendFlags {
  std::string frontend;
  int32_t hop = 0;
  int32_t classify_every = 1;
};

void add_frontend_flags(CLI::App* cmd, FrontendFlags* flags);

// Error(kUsage) for --frontend without --hop.
void check_frontend_flags(const FrontendFlags& flags);

StreamPipelineOptions stream_options(const FrontendFlags& flags);

// The model compiled alone, or, with --frontend, the fused pipeline (its
// shape printed first, unless `quiet`).
CompiledModel compile_with_frontend(const std::string& model, const FrontendFlags& flags,
                                    const CompileOptions& options, bool quiet = false);

}  // namespace cli
}  // namespace kiln

#endif  // KILN_TOOLS_KILN_FRONTEND_FLAGS_H
