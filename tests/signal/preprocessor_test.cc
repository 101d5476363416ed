// TFLite Micro's micro_speech front-end as a model: audio_preprocessor_int8
// (and _float), built from builtin ops and the nine signal custom ops,
// imported and compiled by kiln and run frame by frame (30 ms frames, 20 ms
// hop, the spectral subtraction's noise estimate carried across a clip's
// frames and reset between clips), against the features TFLM computed for
// each Speech Commands clip; then the classifier on those features against
// TFLM's scores. Under --kiln-device every clip's int8 features are computed
// on that emulated core too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "tests/signal/testdata.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using test::bytes_of;
using test::run_once;
using test::shared_dir;
using test::signal_dir;

constexpr int kFrameSamples = 480, kHopSamples = 320, kMaxFrames = 49, kFeatures = 40;

std::vector<uint8_t> read(const std::string& path) { return read_file(path); }

// Frame k of a clip: samples [320k, 320k + 480), while they last (at most 49).
std::vector<std::vector<uint8_t>> frames_of(const std::vector<int16_t>& samples) {
  std::vector<std::vector<uint8_t>> frames;
  for (size_t start = 0; start + kFrameSamples <= samples.size() && frames.size() < kMaxFrames;
       start += kHopSamples) {
    frames.push_back(
        bytes_of(std::vector<int16_t>(samples.begin() + static_cast<long>(start),
                                      samples.begin() + static_cast<long>(start + kFrameSamples))));
  }
  return frames;
}

// The clip's features, frame after frame, from a fresh state.
std::vector<uint8_t> features(Runner& runner, const std::vector<std::vector<uint8_t>>& frames) {
  runner.reset_state();
  std::vector<uint8_t> all;
  for (const std::vector<uint8_t>& frame : frames) {
    const std::vector<uint8_t> f = run_once(runner, {frame})[0];
    all.insert(all.end(), f.begin(), f.end());
  }
  return all;
}

CompiledModel compile_file(const std::string& name) {
  const std::string path = signal_dir() + "/micro_speech/" + name;
  return compile_tflite(read(path), path);
}

const char* const kClips[] = {"yes_1000ms",   "no_1000ms", "silence_1000ms",
                              "noise_1000ms", "yes_30ms",  "no_30ms"};

void expect_int8_features_of_every_clip(Runner& runner, const std::string& where) {
  for (const char* clip : kClips) {
    const std::vector<std::vector<uint8_t>> frames = frames_of(test::speech_clip(clip));
    const std::vector<uint8_t> golden =
        read(signal_dir() + "/goldens/" + std::string(clip) + "_features_int8.bin");
    ASSERT_EQ(golden.size(), frames.size() * kFeatures) << clip;
    EXPECT_EQ(features(runner, frames), golden) << clip << " on " << where;
  }
}

TEST(SignalPreprocessor, Int8FeaturesEqualTflmForEveryClip) {
  const CompiledModel m = compile_file("audio_preprocessor_int8.tflite");
  HostRunner host(m.blob);
  expect_int8_features_of_every_clip(host, "the host");
}

TEST(SignalPreprocessor, FloatFeaturesEqualTflmForEveryClip) {
  const CompiledModel m = compile_file("audio_preprocessor_float.tflite");
  HostRunner host(m.blob);
  for (const char* clip : kClips) {
    const std::vector<std::vector<uint8_t>> frames = frames_of(test::speech_clip(clip));
    const std::vector<float> golden = test::values_of<float>(
        read(signal_dir() + "/goldens/" + std::string(clip) + "_features_float.bin"));
    const std::vector<float> got = test::values_of<float>(features(host, frames));
    ASSERT_EQ(got.size(), golden.size()) << clip;
    // The int16 log times 1/25.6 (an exact float product of TFLM's values).
    EXPECT_EQ(got, golden) << clip;
  }
}

TEST(SignalPreprocessor, ClassifierOnKilnFeaturesGivesTflmScores) {
  const CompiledModel front = compile_file("audio_preprocessor_int8.tflite");
  const CompiledModel classifier = compile_file("micro_speech_quantized.tflite");
  HostRunner host_front(front.blob), host_classifier(classifier.blob);
  for (const char* clip : {"yes_1000ms", "no_1000ms", "silence_1000ms", "noise_1000ms"}) {
    const std::vector<uint8_t> f = features(host_front, frames_of(test::speech_clip(clip)));
    const std::vector<uint8_t> scores = run_once(host_classifier, {f})[0];
    EXPECT_EQ(scores, read(signal_dir() + "/goldens/" + std::string(clip) + "_scores_int8.bin"))
        << clip;
  }
}

// On the emulated core each frame is a boot, the noise estimate carried
// from one to the next through the state.
TEST(SignalPreprocessor, EmulatedCoreInt8FeaturesEqualTflmForEveryClip) {
  if (test::device().empty()) GTEST_SKIP() << "no --kiln-device";
  const CompiledModel m = compile_file("audio_preprocessor_int8.tflite");
  EmulatedCoreRunner core(m.blob, test::device());
  expect_int8_features_of_every_clip(core, test::device());
}

// The model with SignalWindow's flexbuffer options ({"shift": 12}, as
// models.json gives their bytes) replaced by `options` of the same length.
std::vector<uint8_t> with_window_options(const std::vector<uint8_t>& options) {
  static const uint8_t kShift12[] = {0x73, 0x68, 0x69, 0x66, 0x74, 0x00, 0x01, 0x07,
                                     0x01, 0x01, 0x01, 0x0c, 0x04, 0x02, 0x24, 0x01};
  std::vector<uint8_t> model = read(signal_dir() + "/micro_speech/audio_preprocessor_int8.tflite");
  const auto at = std::search(model.begin(), model.end(), std::begin(kShift12), std::end(kShift12));
  EXPECT_NE(at, model.end());
  EXPECT_EQ(options.size(), sizeof(kShift12));
  if (at != model.end()) std::copy(options.begin(), options.end(), at);
  return model;
}

void expect_bad_model(const std::vector<uint8_t>& model, const std::string& message) {
  try {
    compile_tflite(model, "audio_preprocessor_int8.tflite");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel) << e.what();
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(SignalPreprocessor, MalformedCustomOptionsAreABadModel) {
  // Garbage where the flexbuffer was.
  expect_bad_model(with_window_options(std::vector<uint8_t>(16, 0xff)),
                   "SignalWindow (subgraph 0, operator 0) has custom options that are not a valid "
                   "flexbuffer");
  // A valid map whose key is "shaft", not "shift".
  expect_bad_model(with_window_options({0x73, 0x68, 0x61, 0x66, 0x74, 0x00, 0x01, 0x07, 0x01, 0x01,
                                        0x01, 0x0c, 0x04, 0x02, 0x24, 0x01}),
                   "lacks custom option 'shift'");
}

}  // namespace
}  // namespace kiln
