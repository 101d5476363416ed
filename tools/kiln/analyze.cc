// kiln analyze: per-layer MACs, weights and arena offsets, and model totals.
#include <fmt/format.h>

#include <memory>

#include "compiler/analyze/analysis.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/target/kernel_target.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_analyze(CLI::App& app) {
  struct Options {
    std::string model;
    std::string target = "portable";
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("analyze", "per-layer MACs, weights and arena offsets; model totals");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model")->required();
  cmd->add_flag("--json", opts->json, "print JSON instead of a table");
  cmd->add_option("--target", opts->target, "kernel variants to plan for: " + kernel_target_names())
      ->capture_default_str();
  cmd->callback([opts]() {
    const std::vector<uint8_t> bytes = read_file(opts->model);
    const CompiledModel m =
        compile_model(bytes, opts->model, {opts->target, /*allow_unsupported=*/true});
    const ModelReport report = analyze(m, opts->model, bytes.size());
    if (opts->json)
      fmt::print("{}\n", to_json(report).dump(2));
    else
      fmt::print("{}", to_table(report));
  });
}

}  // namespace cli
}  // namespace kiln
