// kiln run: one inference on the host or an emulated core.
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/run/open_model.h"
#include "compiler/run/tensor_summary.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_run(CLI::App& app) {
  struct Options {
    std::string model;
    std::vector<std::string> inputs, outputs;
    RunnerOptions runner;
    size_t invocations = 1;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("run", "run a model with kiln's runtime, on the host or an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model, or a .kiln blob")->required();
  cmd->add_option(
      "-i,--input", opts->inputs,
      "raw little-endian input tensor, once per model input, in order (default: zeros)");
  cmd->add_option("-o,--output", opts->outputs, "file to write each output tensor to, in order");
  cmd->add_option("--arena-bytes", opts->runner.arena_bytes,
                  "run with this arena size instead of the planned one");
  cmd->add_option("--invocations", opts->invocations,
                  "invoke N times, each input file holding N tensors back to back (streaming "
                  "models); outputs are the last invocation's")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--target", opts->runner.target,
                  "host, or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->callback([opts]() {
    OpenedModel m = open_model(opts->model, opts->runner);
    Runner& runner = *m.runner;
    if (opts->outputs.size() > runner.outputs().size()) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("model has {} outputs but {} --output files were given",
                              runner.outputs().size(), opts->outputs.size()));
    }
    for (const auto& step : read_input_steps(runner, opts->inputs, opts->invocations)) {
      for (size_t i = 0; i < step.size(); ++i) runner.set_input(i, step[i]);
      runner.invoke();
    }
    for (size_t i = 0; i < runner.outputs().size(); ++i) {
      const std::vector<uint8_t> out = runner.output(i);
      if (i < opts->outputs.size()) write_file(opts->outputs[i], out.data(), out.size());
      fmt::print("output {}: {}\n", i, tensor_summary(runner.outputs()[i], out));
    }
    if (const auto cost = runner.cost()) {
      fmt::print("{}: {} instructions per inference\n", opts->runner.target, cost->instructions);
    }
  });
}

}  // namespace cli
}  // namespace kiln
