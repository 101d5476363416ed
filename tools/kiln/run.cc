// kiln run: inferences on the host or an emulated core, from tensors or,
// for a streaming pipeline, from a recording.
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/wav.h"
#include "compiler/run/open_model.h"
#include "compiler/run/stream.h"
#include "compiler/run/tensor_summary.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/frontend_flags.h"

namespace kiln {
namespace cli {

namespace {

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs, outputs;
  RunnerOptions runner;
  size_t invocations = 1;
  FrontendFlags frontend;
  std::string wav;
  int32_t sample_rate = 16000;
};

// The recording through the pipeline: the outputs each time they are
// written, the last ones to the --output files.
void run_recording(Runner& runner, const RunOptions& opts) {
  const int32_t block = stream_block_samples(runner);
  const std::vector<int16_t> samples = read_wav_samples(opts.wav, opts.sample_rate, 1);
  const std::vector<StreamOutputs> written = stream_samples(runner, samples);
  for (const StreamOutputs& s : written) {
    for (size_t i = 0; i < s.outputs.size(); ++i) {
      fmt::print("{:8.1f} ms  output {}: {}\n",
                 1000.0 * static_cast<double>(s.end_sample) / opts.sample_rate, i,
                 tensor_summary(runner.outputs()[i], s.outputs[i]));
    }
  }
  const size_t blocks = samples.size() / static_cast<size_t>(block);
  fmt::print("{}: {} samples, {} blocks of {}: outputs written {} times{}\n", opts.wav,
             samples.size(), blocks, block, written.size(),
             written.empty() ? " (the window never filled: the recording is too short)" : "");
  if (!written.empty()) {
    for (size_t i = 0; i < opts.outputs.size(); ++i)
      write_file(opts.outputs[i], written.back().outputs[i].data(),
                 written.back().outputs[i].size());
  }
  if (const auto cost = runner.cost()) {
    fmt::print("{}: {} instructions for the last block\n", opts.runner.target, cost->instructions);
  }
}

}  // namespace

void register_run(CLI::App& app) {
  using Options = RunOptions;
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
                  "host, or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55 (or a "
                  "target description .json of one)")
      ->capture_default_str();
  add_frontend_flags(cmd, &opts->frontend);
  CLI::Option* wav = cmd->add_option(
      "--wav", opts->wav,
      "a recording (16-bit PCM WAV, mono) streamed through a pipeline (a .kiln made with "
      "--frontend, or MODEL with --frontend), one block per invocation; prints the outputs each "
      "time they are written");
  cmd->add_option("--sample-rate", opts->sample_rate,
                  "with --wav: the rate the front-end expects (kiln does not resample)")
      ->capture_default_str()
      ->needs(wav);
  cmd->callback([opts]() {
    opts->runner.frontend = opts->frontend.frontend;
    opts->runner.pipeline = stream_options(opts->frontend);
    check_frontend_flags(opts->frontend);
    if (!opts->wav.empty() && !opts->inputs.empty())
      throw Error(ErrorKind::kUsage, "give --wav or --input, not both");
    OpenedModel m = open_model(opts->model, opts->runner);
    Runner& runner = *m.runner;
    if (opts->outputs.size() > runner.outputs().size()) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("model has {} outputs but {} --output files were given",
                              runner.outputs().size(), opts->outputs.size()));
    }
    if (!opts->wav.empty()) {
      run_recording(runner, *opts);
      return;
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
