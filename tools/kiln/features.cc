// kiln features: a front-end model's features for a recording, frame after
// frame, as a device computes them (the data a classifier trains on).
#include <fmt/format.h>

#include <memory>

#include "compiler/common/file_io.h"
#include "compiler/common/wav.h"
#include "compiler/ir/graph.h"
#include "compiler/run/open_model.h"
#include "compiler/run/stream.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_features(CLI::App& app) {
  struct Options {
    std::string audio, frontend, output;
    int32_t hop = 0, sample_rate = 16000;
    RunnerOptions runner;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "features", "a front-end model's features for a recording (WAV), frame by frame");
  cmd->add_option("AUDIO", opts->audio, "a 16-bit PCM WAV, mono")->required();
  cmd->add_option("--frontend", opts->frontend,
                  "the front-end: one frame of int16 samples -> one row of features (e.g. "
                  "TFLM's audio_preprocessor_int8.tflite)")
      ->required();
  cmd->add_option("--hop", opts->hop, "new samples per frame (micro_speech: 320, 20 ms at 16 kHz)")
      ->required();
  cmd->add_option("-o,--output", opts->output, "where to write the rows of features, raw")
      ->required();
  cmd->add_option("--sample-rate", opts->sample_rate,
                  "the rate the front-end expects (kiln does not resample)")
      ->capture_default_str();
  cmd->add_option("--target", opts->runner.target,
                  "host, or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->callback([opts]() {
    OpenedModel m = open_model(opts->frontend, opts->runner);
    const std::vector<int16_t> samples = read_wav_samples(opts->audio, opts->sample_rate, 1);
    size_t frames = 0;
    const std::vector<uint8_t> features = frontend_features(*m.runner, samples, opts->hop, &frames);
    write_file(opts->output, features.data(), features.size());
    const TensorPort& row = m.runner->outputs()[0];
    fmt::print("{}: {} frames x {} {} features ({} bytes) from {} samples of {}\n", opts->output,
               frames, ir::shape_string(row.shape), ir::dtype_name(row.dtype), features.size(),
               samples.size(), opts->audio);
  });
}

}  // namespace cli
}  // namespace kiln
