// A streaming pipeline: a front-end model that turns one frame of samples
// into one row of features (TFLM's audio_preprocessor) and a classifier that
// scores a window of those rows (micro_speech), fused into one graph whose
// input is the next block of raw samples and whose output is the scores:
//
//   samples [1, hop] -> SignalFramer (frame_size = the front-end's input,
//   frame_step = hop) -> END_UNLESS(frame ready) -> front-end ->
//   SignalStacker (the classifier's input: window rows, sliding by
//   classify_every rows) ->
//   END_UNLESS(window full) -> classifier -> scores
//
// The framer's and the stacker's FIFOs live in the state region, so an
// invocation per block carries everything over; the gates end an invocation
// without outputs until a frame and then a window are complete. Frame k
// covers samples [k * hop, k * hop + frame_size), as TFLM frames a clip.
#ifndef KILN_COMPILER_PIPELINE_STREAM_PIPELINE_H
#define KILN_COMPILER_PIPELINE_STREAM_PIPELINE_H

#include <cstdint>
#include <string>

#include "compiler/ir/graph.h"
#include "compiler/pipeline/compile.h"

namespace kiln {

struct StreamPipelineOptions {
  int32_t hop_samples = 0;  // new samples per frame (micro_speech: 320, 20 ms at 16 kHz)
  // Frames between the classifier's runs (1: every frame, once the window
  // is full); at most the window.
  int32_t classify_every = 1;
  std::string frontend_label = "front-end", classifier_label = "classifier";
};

// What a fused pipeline is made of, for reports.
struct StreamPipelineShape {
  int32_t frame_samples = 0, hop_samples = 0;
  int32_t feature_elements = 0;  // one frame's features
  int32_t window_frames = 0;     // feature rows in the classifier's input
  int32_t classify_every = 1;
};

// The front-end must take one int16 frame and give one feature row; the
// classifier one input holding a whole number of those rows, in the same
// type and quantization (float or quantized features are quantized for an
// int8 or int16 classifier as its input is). Throws Error(kBadInput) naming
// both shapes (or types, or scales) when they do not fit, Error(kUsage) for
// a bad hop or classify_every.
ir::Graph fuse_stream_pipeline(const ir::Graph& frontend, const ir::Graph& classifier,
                               const StreamPipelineOptions& options,
                               StreamPipelineShape* shape = nullptr);

// A built-in front-end's graph (compiler/frontends/frontends.h: "mfcc",
// "log-mel:mels=32", ...) or a front-end model file's.
ir::Graph load_frontend(const std::string& spec_or_path);

// Reads both models (the front-end by load_frontend) and compiles their fused
// graph; errors name the files.
// (The options' labels become the paths.)
CompiledModel compile_stream_pipeline(const std::string& frontend_path,
                                      const std::string& classifier_path,
                                      StreamPipelineOptions pipeline,
                                      const CompileOptions& options = {},
                                      StreamPipelineShape* shape = nullptr);

// Names of the fused graph's tensors start with these, so that a per-layer
// report can tell the stages apart.
constexpr const char* kFrontendPrefix = "frontend/";
constexpr const char* kClassifierPrefix = "classifier/";

}  // namespace kiln

#endif  // KILN_COMPILER_PIPELINE_STREAM_PIPELINE_H
