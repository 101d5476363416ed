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
#include "compiler/run/stream.h"
#include "compiler/train/datasets.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

constexpr int32_t kSamples = 200, kAxes = 3, kRecordings = 90;  // 2 s at 100 Hz each
const std::string kFrontend = "spectral:axes=3,frame=64,bands=4,scale=0.000244140625";
constexpr int32_t kHop = 32 * kAxes;

void write_recording(const std::string& path, const std::vector<int16_t>& samples,
                     std::vector<int64_t> shape) {
  NpyArray a;
  a.dtype = KILN_DTYPE_INT16;
  a.shape = std::move(shape);
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
    write_recording(dir + "/" + file, samples, {kSamples, kAxes});
    labels += fmt::format("{} {}\n", file, c);
  }
  write_file(dir + "/labels.txt", labels.data(), labels.size());
  return dir;
}

// Trains an int8 MLP (`training`: its flags) on the recordings of `dir`
// (labels.txt) through `frontend` ("--frontend ... --hop N"), fuses it with
// that front-end by `kiln convert`, and streams every recording through the
// pipeline as a device receives it.
struct TrainedPipeline {
  double test_accuracy = 0;  // train's report
  int classified_right = 0;  // by the pipeline, of every recording
  std::string convert_output;
};

TrainedPipeline train_and_stream(const std::string& name, const std::string& dir,
                                 const std::string& frontend, const std::string& training) {
  TrainedPipeline out;
  const std::string model = test::temp_path(name + ".tflite");
  const std::string report = test::temp_path(name + ".json");
  test::CliResult r = test::kiln_cli("train --data " + dir + " --labels " + dir + "/labels.txt " +
                                     frontend + " --arch mlp --threads 1 --int8 " + training +
                                     " -o " + model + " --report " + report);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (r.exit_code != 0) return out;
  out.test_accuracy = nlohmann::json::parse(std::ifstream(report))["test_accuracy"].get<double>();
  const std::string pipeline = test::temp_path(name + ".kiln");
  r = test::kiln_cli("convert " + model + " " + frontend + " -o " + pipeline);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  out.convert_output = r.output;
  HostRunner runner(read_file(pipeline));
  std::ifstream labels(dir + "/labels.txt");
  std::string file;
  for (int label = 0; labels >> file >> label;) {
    size_t channels = 0;
    const std::vector<StreamOutputs> written =
        stream_samples(runner, read_recording(dir + "/" + file, 16000, &channels));
    if (written.empty()) continue;
    const std::vector<uint8_t>& scores = written.back().outputs[0];
    const auto* s = reinterpret_cast<const int8_t*>(scores.data());
    out.classified_right += (std::max_element(s, s + scores.size()) - s) == label;
  }
  return out;
}

TEST(TrainRecordings, FeaturesOfTheDeviceFrontEndTrainTheClassifierItStreams) {
  const TrainedPipeline p =
      train_and_stream("motion", motion_recordings("motion_recordings"),
                       "--frontend " + kFrontend + " --hop " + std::to_string(kHop),
                       "--widths 32 --epochs 60 --learning-rate 0.01");
  EXPECT_GE(p.test_accuracy, 0.95);
  EXPECT_NE(p.convert_output.find("frames of 192 samples every 96 -> 27 features each -> a "
                                  "window of 5 frames"),
            std::string::npos)
      << p.convert_output;
  EXPECT_GE(p.classified_right, kRecordings * 95 / 100) << "of " << kRecordings;
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
    const std::string file = fmt::format("t{:03d}.npy", i);
    write_recording(dir + "/" + file, samples, {8000});
    labels += fmt::format("{} {}\n", file, c);
  }
  write_file(dir + "/labels.txt", labels.data(), labels.size());
  return dir;
}

// int16 features (MFCC in fixed point) train as the values they stand for;
// the pipeline requantizes them into the int8 classifier's input.
TEST(TrainRecordings, Int16FeaturesTrainAsTheirValues) {
  const TrainedPipeline p =
      train_and_stream("tones", tone_recordings("tone_recordings", 60),
                       "--frontend mfcc-int16:frame=256,fft=256,mels=20 --hop 256",
                       "--widths 16 --epochs 40 --learning-rate 0.01");
  EXPECT_GE(p.test_accuracy, 0.9);
  EXPECT_GE(p.classified_right, 54) << "of 60";
}

TEST(TrainRecordings, RecordingsThatDoNotFitAreNamed) {
  const std::string dir = motion_recordings("motion_bad");
  train::DataOptions options;
  options.data = dir;
  options.labels = dir + "/labels.txt";
  options.frontend.frontend = kFrontend;
  EXPECT_NE(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage)
                .find("--frontend needs --hop"),
            std::string::npos);
  options.frontend.hop = kHop + 1;
  EXPECT_NE(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage)
                .find("r000.npy: --hop 97 is not a whole number of samples of its 3 axes"),
            std::string::npos);
  options.frontend.hop = kHop;
  // A shorter recording gives fewer frames.
  write_recording(dir + "/r005.npy", std::vector<int16_t>(150 * kAxes, 0), {150, kAxes});
  EXPECT_NE(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kBadInput)
                .find("r005.npy: 3 frames of features; the first recording, r000.npy, gives 5"),
            std::string::npos);
  // TFLM's int8 preprocessor gives int8 features.
  options.frontend.frontend =
      test::shared_dir() + "/frontend/tflm_signal/micro_speech/audio_preprocessor_int8.tflite";
  EXPECT_NE(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kBadInput)
                .find("gives int8 features without a scale; training takes float32 or "
                      "quantized int8/int16 ones"),
            std::string::npos);
}

}  // namespace
}  // namespace kiln
