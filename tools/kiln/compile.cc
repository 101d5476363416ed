// kiln compile: the model as C++ sources and a CMake target.
#include "compiler/pipeline/compile.h"

#include <fmt/format.h>

#include <memory>

#include "compiler/codegen/cpp_emitter.h"
#include "compiler/common/file_io.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/frontend_flags.h"
#include "tools/kiln/storage_flags.h"

namespace kiln {
namespace cli {

void register_compile(CLI::App& app) {
  struct Options {
    std::string model, dir, name, target = "host";
    CompileOptions compile;
    FrontendFlags frontend;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "generate C++ sources (header, weights, calls) and a CMake target");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model")->required();
  cmd->add_option("-o,--output", opts->dir,
                  "directory to write NAME.h, NAME.cc and CMakeLists.txt to")
      ->required();
  cmd->add_option("--name", opts->name, "C identifier for the model (default: from the file name)");
  cmd->add_option(
         "--target", opts->target,
         "host, cortex-m4, cortex-m7, cortex-m33, cortex-m55, or a target description (.json)")
      ->capture_default_str();
  add_storage_flags(cmd, &opts->compile);
  add_frontend_flags(cmd, &opts->frontend);
  cmd->callback([opts]() {
    const std::string name = opts->name.empty() ? identifier_from_path(opts->model) : opts->name;
    const CompiledModel m = compile_with_frontend(opts->model, opts->frontend,
                                                  with_target(opts->compile, opts->target));
    const GeneratedSources g = generate_cpp(m.graph, m.program, m.plan, name, m.target);
    make_directories(opts->dir);
    write_file(opts->dir + "/" + name + ".h", g.header.data(), g.header.size());
    write_file(opts->dir + "/" + name + ".cc", g.source.data(), g.source.size());
    write_file(opts->dir + "/CMakeLists.txt", g.cmake.data(), g.cmake.size());
    fmt::print("{}/{}.h, {}.cc, CMakeLists.txt: library target '{}' for {}\n", opts->dir, name,
               name, name, opts->target);
  });
}

}  // namespace cli
}  // namespace kiln
