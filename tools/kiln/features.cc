// kiln features: a front-end's features for a recording, frame after frame,
// as a device computes them (the data a classifier trains on).
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/frontends/frontends.h"
#include "compiler/ir/graph.h"
#include "compiler/run/open_model.h"
#include "compiler/run/stream.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void register_features(CLI::App& app) {
  struct Options {
    std::string audio, frontend, output;
    int32_t hop = 0, sample_rate = 16000;
    RunnerOptions runner;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "features", "a front-end's features for a recording (WAV or .npy), frame by frame");
  cmd->add_option("AUDIO", opts->audio,
                  "a 16-bit PCM WAV, mono, or an int16 .npy [samples] or [samples, axes]")
      ->required();
  cmd->add_option("--frontend", opts->frontend,
                  "the front-end: a model taking one frame of int16 samples to one row of "
                  "features (e.g. TFLM's audio_preprocessor_int8.tflite), or a built-in one: " +
                      frontends::describe_builtins())
      ->required();
  cmd->add_option("--hop", opts->hop,
                  "new int16 values per frame (micro_speech: 320, 20 ms at 16 kHz; interleaved "
                  "axes: samples x axes)")
      ->required();
  cmd->add_option("-o,--output", opts->output,
                  "where to write the rows of features: raw, or .npy [frames, features]")
      ->required();
  cmd->add_option("--sample-rate", opts->sample_rate,
                  "the WAV rate the front-end expects (kiln does not resample)")
      ->capture_default_str();
  cmd->add_option("--target", opts->runner.target,
                  "host, or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->callback([opts]() {
    OpenedModel m = open_model(opts->frontend, opts->runner);
    size_t channels = 1;
    const std::vector<int16_t> samples = read_recording(opts->audio, opts->sample_rate, &channels);
    if (opts->hop % static_cast<int32_t>(channels) != 0) {
      throw Error(
          ErrorKind::kUsage,
          fmt::format("--hop {} is not a whole number of samples of {} axes", opts->hop, channels));
    }
    size_t frames = 0;
    const std::vector<uint8_t> features = frontend_features(*m.runner, samples, opts->hop, &frames);
    const TensorPort& row = m.runner->outputs()[0];
    if (ends_with(opts->output, ".npy")) {
      NpyArray a;
      a.dtype = row.dtype;
      int64_t elements = 1;
      for (int32_t d : row.shape) elements *= d;
      a.shape = {static_cast<int64_t>(frames), elements};
      a.data = features;
      const std::vector<uint8_t> bytes = write_npy(a);
      write_file(opts->output, bytes.data(), bytes.size());
    } else {
      write_file(opts->output, features.data(), features.size());
    }
    const std::string quantization =
        row.quantized() ? fmt::format(" (scale {}, zero point {})", row.scale, row.zero_point)
                        : std::string();
    fmt::print("{}: {} frames x {} {} features{} ({} bytes) from {} samples of {}\n", opts->output,
               frames, ir::shape_string(row.shape), ir::dtype_name(row.dtype), quantization,
               features.size(), samples.size() / channels, opts->audio);
  });
}

}  // namespace cli
}  // namespace kiln
