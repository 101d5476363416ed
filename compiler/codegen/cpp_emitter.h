// Ahead-of-time code generation: a compiled model as C++ sources that drop
// into a firmware build (no interpreter, no blob parsing on the device).
#ifndef KILN_COMPILER_CODEGEN_CPP_EMITTER_H
#define KILN_COMPILER_CODEGEN_CPP_EMITTER_H

#include <string>

#include "compiler/ir/graph.h"
#include "compiler/lower/program.h"
#include "compiler/plan/planner.h"
#include "compiler/target/memory_regions.h"

namespace kiln {

struct GeneratedSources {
  std::string header;  // NAME.h, usable from C
  std::string source;  // NAME.cc
  std::string cmake;   // CMakeLists.txt: static library NAME linking kiln::runtime
};

// The program lowered from `graph` and its memory plan, as sources. `name`
// must be a C identifier; `target` is what it was compiled for (its core:
// "host", "cortex-m4", ...). A plan over several RAM regions takes one buffer
// per region in every entry point (NAME_ARENA_BYTES, NAME_REGION1_BYTES, ...).
// Throws Error(kUsage) for a bad name.
GeneratedSources generate_cpp(const ir::Graph& graph, const Program& program,
                              const MemoryPlan& plan, const std::string& name,
                              const TargetDescription& target);

// A C identifier from a file name: "kws_ref_model.tflite" -> "kws_ref_model".
std::string identifier_from_path(const std::string& path);

}  // namespace kiln

#endif
