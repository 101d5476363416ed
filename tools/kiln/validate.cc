// kiln validate: compare two models (or one model on two targets) on data.
#include "compiler/eval/validate.h"

#include <fmt/format.h>

#include <memory>

#include "tools/kiln/commands.h"
#include "tools/kiln/progress.h"

namespace kiln {
namespace cli {

void register_validate(CLI::App& app) {
  struct Options {
    std::string model_a, model_b, data;
    ValidateOptions validate;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "compare two models on the same inputs, output by output and layer by layer");
  cmd->add_option("MODEL_A", opts->model_a, "the reference: .tflite, .onnx or .kiln")->required();
  cmd->add_option("MODEL_B", opts->model_b, "the model to check: .tflite, .onnx or .kiln")
      ->required();
  cmd->add_option("--data", opts->data,
                  "directory of input samples in MODEL_A's input type and layout")
      ->required();
  cmd->add_option("--labels", opts->validate.labels,
                  "class labels: one per line in sample order, or '<sample> <label>'");
  cmd->add_option("--target", opts->validate.target_b,
                  "where MODEL_B runs: host, cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->add_option("--threshold", opts->validate.threshold,
                  "relative L2 error at which a layer counts as diverging")
      ->capture_default_str();
  cmd->add_option("--limit", opts->validate.limit, "use only the first N samples (0: all)")
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    opts->validate.progress = progress_printer("validating", /*quiet_when_piped=*/true);
    const ValidateReport r =
        validate_models(opts->model_a, opts->model_b, opts->data, opts->validate);
    if (opts->json)
      fmt::print("{}\n", to_json(r).dump(2));
    else
      fmt::print("{}", to_table(r, opts->validate.threshold));
  });
}

}  // namespace cli
}  // namespace kiln
