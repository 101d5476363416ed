// kiln analyze: per-layer MACs, weights and arena offsets, and model totals.
#include <fmt/format.h>

#include <memory>

#include "compiler/analyze/analysis.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/frontends/frontends.h"
#include "compiler/target/kernel_target.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/frontend_flags.h"
#include "tools/kiln/storage_flags.h"

namespace kiln {
namespace cli {

void register_analyze(CLI::App& app) {
  struct Options {
    std::string model;
    std::string target = "portable";
    bool json = false;
    CompileOptions compile;
    FrontendFlags frontend;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("analyze", "per-layer MACs, weights and arena offsets; model totals");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model")->required();
  cmd->add_flag("--json", opts->json, "print JSON instead of a table");
  cmd->add_option("--target", opts->target,
                  "kernel variants and memory to plan for: " + kernel_target_names() +
                      ", or a target description (.json)")
      ->capture_default_str();
  add_storage_flags(cmd, &opts->compile);
  add_frontend_flags(cmd, &opts->frontend);
  cmd->callback([opts]() {
    // The source files' bytes (a built-in front-end has none).
    const auto file_bytes = [](const std::string& path) -> uint64_t {
      return path.empty() || frontends::is_builtin(path) ? 0 : read_file(path).size();
    };
    const uint64_t model_bytes = file_bytes(opts->model) + file_bytes(opts->frontend.frontend);
    CompileOptions options = with_target(opts->compile, opts->target);
    options.allow_unsupported = true;
    const CompiledModel m = compile_with_frontend(opts->model, opts->frontend, options, opts->json);
    const ModelReport report = analyze(m, opts->model, model_bytes);
    if (opts->json)
      fmt::print("{}\n", to_json(report).dump(2));
    else
      fmt::print("{}", to_table(report));
  });
}

}  // namespace cli
}  // namespace kiln
