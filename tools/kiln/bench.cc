// kiln bench: instructions, memory and flash of one inference on an emulated core.
#include "compiler/eval/bench.h"

#include <fmt/format.h>

#include <memory>

#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_bench(CLI::App& app) {
  struct Options {
    std::string model, target;
    std::vector<std::string> inputs;
    bool json = false, layers = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "instructions, memory and flash of one inference on an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model (or a .kiln blob: no MAC counts)")
      ->required();
  cmd->add_option("--target", opts->target, "cortex-m4, cortex-m7, cortex-m33 or cortex-m55")
      ->required();
  cmd->add_option("-i,--input", opts->inputs, "input tensors (default: zeros)");
  cmd->add_flag("--layers", opts->layers, "also count instructions per op");
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const BenchReport report = bench_model(opts->model, opts->target, opts->inputs, opts->layers);
    if (opts->json)
      fmt::print("{}\n", to_json(report).dump(2));
    else
      fmt::print("{}", to_table(report));
  });
}

}  // namespace cli
}  // namespace kiln
