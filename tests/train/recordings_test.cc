// Training on recordings through a front-end (compiler/train/recordings.h):
// three-axis motion recordings of three classes become spectral features
// with the same graph the device runs; the classifier trained on them,
// fused with that front-end by `kiln convert --frontend`, classifies the raw
// recordings streamed block by block.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/exec/host_runner.h"
#include "compiler/train/datasets.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

constexpr int32_t kSamples = 200, kAxes = 3, kRecordings = 90;  // 2 s at 100 Hz each
const std::string kFrontend = "spectral:axes=3,frame=64,bands=4,scale=0.000244140625";
constexpr int32_t kHop = 32 * kAxes;

void write_recording(const std::string& path, const std::vector<int16_t>& samples, int64_t length) {
  NpyArray a;
  a.dtype = KILN_DTYPE_INT16;
  a.shape = {length, kAxes};
  a.data.resize(samples.size() * 2);
  std::memcpy(a.data.data(), samples.data(), a.data.size());
  const std::vector<uint8_t> bytes = write_npy(a);
  write_file(path, bytes.data(), bytes.size());
}

// Class 0 rests (noise over 1 g on z), 1 walks (a 1.6-2.4 Hz swing on z),
// 2 shakes (an 8-11 Hz circle in x, y): recording i is of class i % 3, in
// LSBs of a +-8 g accelerometer. Returns the directory; its labels.txt
// names each file's class.
std::string motion_recordings(const std::string& name) {
  const std::string dir = test::temp_path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 150.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::string labels;
  for (int32_t i = 0; i < kRecordings; ++i) {
    const int32_t c = i % 3;
    const double phase = 6.28 * uniform(rng), amp = 0.7 + 0.6 * uniform(rng);
    const double walk = 1.6 + 0.8 * uniform(rng), shake = 8.0 + 3.0 * uniform(rng);
    std::vector<int16_t> samples;
    for (int32_t s = 0; s < kSamples; ++s) {
      const double t = s / 100.0;
      double v[kAxes] = {noise(rng), noise(rng), noise(rng) + 4096};
      if (c == 1) {
        v[2] += amp * 3000 * std::sin(2 * M_PI * walk * t + phase);
        v[0] += amp * 800 * std::sin(2 * M_PI * 4 * t + phase);
      } else if (c == 2) {
        v[0] += amp * 2500 * std::sin(2 * M_PI * shake * t + phase);
        v[1] += amp * 2500 * std::cos(2 * M_PI * shake * t + phase);
      }
      for (double x : v) samples.push_back(static_cast<int16_t>(std::lround(x)));
    }
    const std::string file = fmt::format("r{:03d}.npy", i);
    write_recording(dir + "/" + file, samples, kSamples);
    labels += fmt::format("{} {}\n", file, c);
  }
  write_file(dir + "/labels.txt", labels.data(), labels.size());
  return dir;
}

std::vector<int16_t> recording(const std::string& path) {
  const NpyArray a = parse_npy(read_file(path), path);
  std::vector<int16_t> v(a.data.size() / 2);
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

TEST(TrainRecordings, FeaturesOfTheDeviceFrontEndTrainTheClassifierItStreams) {
  const std::string dir = motion_recordings("motion_recordings");
  const std::string model = test::temp_path("motion.tflite");
  const std::string report = test::temp_path("motion.json");
  const std::string frontend = "--frontend " + kFrontend + " --hop " + std::to_string(kHop);
  test::CliResult r = test::kiln_cli(
      "train --data " + dir + " --labels " + dir + "/labels.txt " + frontend +
      " --arch mlp --widths 32 --epochs 60 --learning-rate 0.01 --threads 1 --int8 -o " + model +
      " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_GE(j["test_accuracy"].get<double>(), 0.95) << r.output;

  const std::string pipeline = test::temp_path("motion.kiln");
  r = test::kiln_cli("convert " + model + " " + frontend + " -o " + pipeline);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("frames of 192 samples every 96 -> 27 features each -> a window of 5 "
                          "frames"),
            std::string::npos)
      << r.output;
  // Five frames of 64 samples every 32 end at sample 192: six blocks.
  HostRunner runner(read_file(pipeline));
  int correct = 0;
  for (int32_t i = 0; i < kRecordings; ++i) {
    const std::vector<int16_t> samples = recording(fmt::format("{}/r{:03d}.npy", dir, i));
    runner.reset_state();
    for (int32_t block = 0; block < 6; ++block) {
      std::vector<uint8_t> bytes(kHop * 2);
      std::memcpy(bytes.data(), samples.data() + block * kHop, bytes.size());
      runner.set_input(0, bytes);
      runner.invoke();
    }
    const std::vector<uint8_t> scores = runner.output(0);
    ASSERT_EQ(scores.size(), 3u);
    const auto* s = reinterpret_cast<const int8_t*>(scores.data());
    correct += (std::max_element(s, s + 3) - s) == i % 3;
  }
  EXPECT_GE(correct, kRecordings * 95 / 100) << correct << " of " << kRecordings;
}

// Half-second 16 kHz clips of three classes: a 500 Hz tone, a 2.5 kHz tone
// (each at a random level and with noise), and noise alone.
std::string tone_recordings(const std::string& name, int32_t count) {
  const std::string dir = test::temp_path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::string labels;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t c = i % 3;
    const double level = 500 + 8000 * uniform(rng), hiss = 50 + 400 * uniform(rng);
    const double hz = c == 0 ? 500 : 2500, phase = 6.28 * uniform(rng);
    std::vector<int16_t> samples;
    for (int32_t s = 0; s < 8000; ++s) {
      const double tone = c == 2 ? 0.0 : level * std::sin(2 * M_PI * hz * s / 16000 + phase);
      samples.push_back(static_cast<int16_t>(std::lround(tone + hiss * noise(rng))));
    }
    NpyArray a;
    a.dtype = KILN_DTYPE_INT16;
    a.shape = {8000};
    a.data.resize(samples.size() * 2);
    std::memcpy(a.data.data(), samples.data(), a.data.size());
    const std::vector<uint8_t> bytes = write_npy(a);
    const std::string file = fmt::format("t{:03d}.npy", i);
    write_file(dir + "/" + file, bytes.data(), bytes.size());
    labels += fmt::format("{} {}\n", file, c);
  }
  write_file(dir + "/labels.txt", labels.data(), labels.size());
  return dir;
}

// int16 features (MFCC in fixed point) train as the values they stand for;
// the pipeline requantizes them into the int8 classifier's input.
TEST(TrainRecordings, Int16FeaturesTrainAsTheirValues) {
  const std::string dir = tone_recordings("tone_recordings", 60);
  const std::string model = test::temp_path("tones.tflite");
  const std::string report = test::temp_path("tones.json");
  const std::string frontend = "--frontend mfcc-int16:frame=256,fft=256,mels=20 --hop 256";
  test::CliResult r = test::kiln_cli(
      "train --data " + dir + " --labels " + dir + "/labels.txt " + frontend +
      " --arch mlp --widths 16 --epochs 40 --learning-rate 0.01 --threads 1 --int8 -o " + model +
      " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_GE(j["test_accuracy"].get<double>(), 0.9) << r.output;
  const std::string pipeline = test::temp_path("tones.kiln");
  r = test::kiln_cli("convert " + model + " " + frontend + " -o " + pipeline);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  HostRunner runner(read_file(pipeline));
  int correct = 0;
  for (int32_t i = 0; i < 60; ++i) {
    const std::vector<int16_t> samples = recording(fmt::format("{}/t{:03d}.npy", dir, i));
    runner.reset_state();
    std::vector<uint8_t> scores;
    for (size_t block = 0; (block + 1) * 256 <= samples.size(); ++block) {
      std::vector<uint8_t> bytes(256 * 2);
      std::memcpy(bytes.data(), samples.data() + block * 256, bytes.size());
      runner.set_input(0, bytes);
      runner.invoke();
      if (runner.outputs_written()) scores = runner.output(0);
    }
    ASSERT_EQ(scores.size(), 3u);
    const auto* s = reinterpret_cast<const int8_t*>(scores.data());
    correct += (std::max_element(s, s + 3) - s) == i % 3;
  }
  EXPECT_GE(correct, 54) << correct << " of 60";
}

template <typename F>
std::string error_of(F load, ErrorKind kind) {
  try {
    load();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(TrainRecordings, RecordingsThatDoNotFitAreNamed) {
  const std::string dir = motion_recordings("motion_bad");
  train::DataOptions options;
  options.data = dir;
  options.labels = dir + "/labels.txt";
  options.frontend.frontend = kFrontend;
  EXPECT_NE(error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage)
                .find("--frontend needs --hop"),
            std::string::npos);
  options.frontend.hop = kHop;
  // A shorter recording gives fewer frames.
  write_recording(dir + "/r005.npy", std::vector<int16_t>(150 * kAxes, 0), 150);
  EXPECT_NE(error_of([&] { train::load_training_data(options); }, ErrorKind::kBadInput)
                .find("r005.npy: 3 frames of features; the first recording, r000.npy, gives 5"),
            std::string::npos);
  // TFLM's int8 preprocessor gives int8 features.
  options.frontend.frontend =
      test::shared_dir() + "/frontend/tflm_signal/micro_speech/audio_preprocessor_int8.tflite";
  EXPECT_NE(error_of([&] { train::load_training_data(options); }, ErrorKind::kBadInput)
                .find("gives int8 features without a scale; training takes float32 or "
                      "quantized int8/int16 ones"),
            std::string::npos);
}

}  // namespace
}  // namespace kiln
