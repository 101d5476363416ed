#include "tools/kiln/frontend_flags.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/frontends/frontends.h"
#include "compiler/pipeline/stream_pipeline.h"

namespace kiln {
namespace cli {

void add_frontend_flags(CLI::App* cmd, FrontendFlags* flags) {
  CLI::Option* frontend = cmd->add_option(
      "--frontend", flags->frontend,
      "a front-end model (one frame of int16 samples -> one row of features, e.g. TFLM's "
      "audio_preprocessor_int8.tflite) to fuse before MODEL: the result takes raw samples, a "
      "block of --hop per invocation, and gives MODEL's outputs once its input window is full");
  cmd->add_option("--hop", flags->hop,
                  "with --frontend: new samples per frame (micro_speech: 320, 20 ms at 16 kHz)")
      ->needs(frontend);
  cmd->add_option("--classify-every", flags->classify_every,
                  "with --frontend: run MODEL every N frames (its window slides by N)")
      ->capture_default_str()
      ->needs(frontend);
}

StreamPipelineOptions stream_options(const FrontendFlags& flags) {
  StreamPipelineOptions options;
  options.hop_samples = flags.hop;
  options.classify_every = flags.classify_every;
  return options;
}

void check_frontend_flags(const FrontendFlags& flags) {
  if (!flags.frontend.empty() && flags.hop < 1) {
    throw Error(ErrorKind::kUsage,
                "--frontend needs --hop: the new samples each frame advances by (micro_speech: "
                "320, 20 ms at 16 kHz)");
  }
}

CompiledModel compile_with_frontend(const std::string& model, const FrontendFlags& flags,
                                    const CompileOptions& options, bool quiet) {
  check_frontend_flags(flags);
  if (flags.frontend.empty()) {
    if (frontends::is_builtin(model)) return compile_graph(frontends::build(model), options);
    return compile_model(read_file(model), model, options);
  }
  StreamPipelineShape shape;
  CompiledModel m =
      compile_stream_pipeline(flags.frontend, model, stream_options(flags), options, &shape);
  if (quiet) return m;
  fmt::print(
      "pipeline: {} frames of {} samples every {} -> {} features each -> a window of {} "
      "frames -> {} every {} frame(s); state {} bytes\n",
      flags.frontend, shape.frame_samples, shape.hop_samples, shape.feature_elements,
      shape.window_frames, model, shape.classify_every, m.plan.state_bytes);
  return m;
}

}  // namespace cli
}  // namespace kiln
