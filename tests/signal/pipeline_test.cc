// TFLM's micro_speech front-end and classifier fused by kiln into one
// streaming program (compiler/pipeline/stream_pipeline.h): raw 16 kHz
// samples in, one block of 320 (20 ms) per invocation, scores out once the
// window of 49 frames is full. After a whole 1000 ms clip its scores must be
// TFLM's for that clip; before, the gates end every invocation unwritten.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/pipeline/stream_pipeline.h"
#include "kiln/kiln.h"
#include "tests/signal/testdata.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using test::bytes_of;
using test::shared_dir;
using test::signal_dir;

constexpr int32_t kHop = 320, kClipSamples = 16000, kBlocksPerClip = kClipSamples / kHop;

ir::Graph import(const std::string& name) {
  const std::string path = signal_dir() + "/micro_speech/" + name;
  return import_model(read_file(path), path);
}

std::vector<uint8_t> golden_scores(const std::string& clip) {
  return read_file(signal_dir() + "/goldens/" + clip + "_scores_int8.bin");
}

CompiledModel micro_speech_pipeline(const std::string& target = "portable",
                                    int32_t classify_every = 1) {
  CompileOptions options;
  options.target = target;
  StreamPipelineOptions pipeline;
  pipeline.hop_samples = kHop;
  pipeline.classify_every = classify_every;
  return compile_graph(fuse_stream_pipeline(import("audio_preprocessor_int8.tflite"),
                                            import("micro_speech_quantized.tflite"), pipeline),
                       options);
}

std::vector<uint8_t> block(const std::vector<int16_t>& samples, int32_t k) {
  return bytes_of(
      std::vector<int16_t>(samples.begin() + k * kHop, samples.begin() + (k + 1) * kHop));
}

const char* const kClips[] = {"yes_1000ms", "no_1000ms", "silence_1000ms", "noise_1000ms"};

TEST(SignalPipeline, ScoresAfterEachClipEqualTflm) {
  const CompiledModel m = micro_speech_pipeline();
  HostRunner host(m.blob);
  ASSERT_EQ(host.inputs().size(), 1u);
  EXPECT_EQ(host.inputs()[0].shape, (std::vector<int32_t>{1, kHop}));
  for (const char* clip : kClips) {
    const std::vector<int16_t> samples = test::speech_clip(clip);
    ASSERT_EQ(samples.size(), static_cast<size_t>(kClipSamples)) << clip;
    host.reset_state();
    for (int32_t k = 0; k < kBlocksPerClip; ++k) {
      host.set_input(0, block(samples, k));
      host.invoke();
      // Frame 0 needs two blocks (480 samples), the window 49 frames.
      EXPECT_EQ(host.outputs_written(), k == kBlocksPerClip - 1) << clip << " block " << k;
    }
    EXPECT_EQ(host.output(0), golden_scores(clip)) << clip;
  }
}

// The C API's streaming call, fed the clip in uneven pieces: one set of
// scores, at the end, equal to TFLM's.
TEST(SignalPipeline, AppendSamplesInAnyPiecesGivesTflmScores) {
  const CompiledModel m = micro_speech_pipeline();
  std::vector<uint64_t> blob((m.blob.size() + 7) / 8);
  std::memcpy(blob.data(), m.blob.data(), m.blob.size());
  uint32_t arena_bytes = 0;
  ASSERT_EQ(kiln_model_arena_bytes(blob.data(), m.blob.size(), &arena_bytes), KILN_OK);
  std::vector<uint64_t> arena((arena_bytes + 7) / 8);
  kiln_model model;
  ASSERT_EQ(kiln_model_init(&model, blob.data(), m.blob.size(), arena.data(), arena_bytes),
            KILN_OK);
  for (const char* clip : kClips) {
    const std::vector<int16_t> samples = test::speech_clip(clip);
    ASSERT_EQ(kiln_model_reset_state(&model), KILN_OK);
    uint32_t written_total = 0;
    size_t at = 0;
    for (size_t piece = 1; at < samples.size(); piece = piece * 7 % 1013 + 1) {
      const size_t n = std::min(piece, samples.size() - at);
      uint32_t written = 99;
      ASSERT_EQ(kiln_model_append_samples(&model, samples.data() + at, n, &written), KILN_OK);
      written_total += written;
      at += n;
    }
    EXPECT_EQ(written_total, 1u) << clip;
    EXPECT_EQ(kiln_model_outputs_written(&model), 1) << clip;
    std::vector<uint8_t> scores(4);
    ASSERT_EQ(kiln_model_get_output(&model, 0, scores.data(), scores.size()), KILN_OK);
    EXPECT_EQ(scores, golden_scores(clip)) << clip;
    // The next block writes nothing new (its frame is incomplete), and the
    // scores stay where they were.
    uint32_t written = 99;
    ASSERT_EQ(kiln_model_append_samples(&model, samples.data(), 100, &written), KILN_OK);
    EXPECT_EQ(written, 0u);
    ASSERT_EQ(kiln_model_get_output(&model, 0, scores.data(), scores.size()), KILN_OK);
    EXPECT_EQ(scores, golden_scores(clip)) << clip;
  }
  uint32_t written = 0;
  EXPECT_EQ(kiln_model_append_samples(&model, nullptr, 5, &written), KILN_ERR_BAD_ARGUMENT);
  EXPECT_EQ(kiln_model_append_samples(&model, arena.data(), 5, nullptr), KILN_ERR_BAD_ARGUMENT);
  EXPECT_EQ(kiln_model_append_samples(nullptr, arena.data(), 5, &written), KILN_ERR_BAD_ARGUMENT);
}

// The classifier every 7 frames: scores at the blocks where the window has
// slid by 7 since the last, equal to the every-frame pipeline's there
// (the window is the same; the classifier keeps no state). Two clips back to
// back, the second's features through the first's noise estimates.
TEST(SignalPipeline, ClassifyingEverySeventhFrameGivesTheSameScoresThere) {
  HostRunner every(micro_speech_pipeline().blob),
      seventh(micro_speech_pipeline("portable", 7).blob);
  std::vector<int16_t> samples = test::speech_clip("yes_1000ms");
  const std::vector<int16_t> second = test::speech_clip("no_1000ms");
  samples.insert(samples.end(), second.begin(), second.end());
  int written = 0;
  for (int32_t k = 0; k < 2 * kBlocksPerClip; ++k) {
    test::run_once(every, {block(samples, k)});
    test::run_once(seventh, {block(samples, k)});
    // Frame f (0-based) completes at block f + 1; the window is full at frame 48.
    const int32_t frame = k - 1;
    EXPECT_EQ(every.outputs_written(), frame >= 48) << "block " << k;
    EXPECT_EQ(seventh.outputs_written(), frame >= 48 && (frame - 48) % 7 == 0) << "block " << k;
    if (seventh.outputs_written()) {
      EXPECT_EQ(seventh.output(0), every.output(0)) << "block " << k;
      ++written;
    }
  }
  EXPECT_EQ(written, 8);  // frames 48, 55, ..., 97
  try {
    micro_speech_pipeline("portable", 50);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_EQ(std::string(e.what()),
              "the classifier can run every 1 to 49 frames (its window); got 50");
  }
}

void expect_bad_input(const ir::Graph& frontend, const ir::Graph& classifier, int32_t hop,
                      ErrorKind kind, const std::string& message) {
  try {
    fuse_stream_pipeline(frontend, classifier,
                         {hop, 1, "audio_preprocessor_int8.tflite", "model.tflite"});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(SignalPipeline, MismatchedStagesAreRefusedNamingBothShapes) {
  const ir::Graph front = import("audio_preprocessor_int8.tflite");
  // MLPerf's keyword spotter takes 49 x 10 MFCCs, not 40 log-mel features.
  const std::string kws = shared_dir() + "/models/mlcommons_tiny/kws_ref_model.tflite";
  const ir::Graph classifier = import_model(read_file(kws), kws);
  expect_bad_input(
      front, classifier, kHop, ErrorKind::kBadInput,
      "audio_preprocessor_int8.tflite output 'PartitionedCall:0' int8 [40] does not "
      "stack into model.tflite input 'input_1' int8 [1,49,10,1] (scale 0.5847029, zero "
      "point 83): its 490 elements are not a whole number of rows of 40");
  expect_bad_input(front, import("micro_speech_quantized.tflite"), 0, ErrorKind::kUsage,
                   "the hop must be 1 to 480 samples (a frame of audio_preprocessor_int8.tflite); "
                   "got 0");
  expect_bad_input(front, import("micro_speech_quantized.tflite"), 481, ErrorKind::kUsage,
                   "the hop must be 1 to 480 samples (a frame of audio_preprocessor_int8.tflite); "
                   "got 481");
  // The classifier as the front-end: its input is not a frame of samples.
  expect_bad_input(import("micro_speech_quantized.tflite"), import("micro_speech_quantized.tflite"),
                   kHop, ErrorKind::kBadInput,
                   "audio_preprocessor_int8.tflite input 'Reshape_1' int8 [1,1960] (scale "
                   "0.101715684, zero point -128) is not a frame of int16 samples");
}

// On the emulated core each block is a boot, the FIFOs and the noise
// estimate carried from one to the next through the state.
TEST(SignalPipeline, EmulatedCoreScoresAfterEachClipEqualTflm) {
  if (test::device().empty()) GTEST_SKIP() << "no --kiln-device";
  const CompiledModel m = micro_speech_pipeline(test::device());
  EmulatedCoreRunner core(m.blob, test::device());
  for (const char* clip : kClips) {
    const std::vector<int16_t> samples = test::speech_clip(clip);
    core.reset_state();
    for (int32_t k = 0; k < kBlocksPerClip; ++k) {
      test::run_once(core, {block(samples, k)});
      EXPECT_EQ(core.outputs_written(), k == kBlocksPerClip - 1) << clip << " block " << k;
    }
    EXPECT_EQ(core.output(0), golden_scores(clip)) << clip << " on " << test::device();
  }
}

}  // namespace
}  // namespace kiln
