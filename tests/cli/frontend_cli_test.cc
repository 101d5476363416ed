// The audio front-end from the command line: `kiln features` on a recording,
// a classifier fused with its front-end by `kiln convert --frontend`, and
// `kiln run --wav` streaming a recording through the pipeline; against
// TFLM's features and scores, and the errors for recordings and models
// that do not fit.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

using test::kiln_cli;
using test::temp_path;

std::string speech(const std::string& name) {
  return test::shared_dir() + "/frontend/tflm_signal/micro_speech/" + name;
}
std::string golden(const std::string& name) {
  return test::shared_dir() + "/frontend/tflm_signal/goldens/" + name;
}

const std::string kFrontend =
    "--frontend " + speech("audio_preprocessor_int8.tflite") + " --hop 320";

TEST(CliFrontend, FeaturesOfAClipEqualTflm) {
  const std::string out = temp_path("yes_features.bin");
  const test::CliResult r =
      kiln_cli("features " + speech("yes_1000ms.wav") + " " + kFrontend + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("49 frames x [40] int8 features (1960 bytes)"), std::string::npos)
      << r.output;
  EXPECT_EQ(read_file(out), read_file(golden("yes_1000ms_features_int8.bin")));
}

TEST(CliFrontend, ConvertedPipelineRunOnARecordingGivesTflmScores) {
  const std::string blob = temp_path("micro_speech_pipeline.kiln");
  test::CliResult r = kiln_cli("convert " + speech("micro_speech_quantized.tflite") + " " +
                               kFrontend + " -o " + blob);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(
      r.output.find("frames of 480 samples every 320 -> 40 features each -> a window of 49 frames"),
      std::string::npos)
      << r.output;
  const std::string scores = temp_path("no_scores.bin");
  r = kiln_cli("run " + blob + " --wav " + speech("no_1000ms.wav") + " -o " + scores);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("16000 samples, 50 blocks of 320: outputs written 1 times"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(read_file(scores), read_file(golden("no_1000ms_scores_int8.bin")));
  // Fused on the fly, as `run` compiles a .tflite.
  r = kiln_cli("run " + speech("micro_speech_quantized.tflite") + " " + kFrontend + " --wav " +
               speech("yes_1000ms.wav") + " -o " + scores);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(scores), read_file(golden("yes_1000ms_scores_int8.bin")));
  // 30 ms fill no window.
  r = kiln_cli("run " + blob + " --wav " + speech("yes_30ms.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(
                "outputs written 0 times (the window never filled: the recording is too short)"),
            std::string::npos)
      << r.output;
}

// yes_1000ms.wav with its header's format fields changed (a canonical
// 44-byte header: channels at 22, rate at 24, byte rate at 28, block align
// at 32), or cut short.
std::string altered_clip(const std::string& name, uint16_t channels, uint32_t rate, size_t cut) {
  std::vector<uint8_t> bytes = read_file(speech("yes_1000ms.wav"));
  const uint32_t byte_rate = rate * channels * 2;
  const uint16_t block_align = static_cast<uint16_t>(channels * 2);
  std::memcpy(bytes.data() + 22, &channels, 2);
  std::memcpy(bytes.data() + 24, &rate, 4);
  std::memcpy(bytes.data() + 28, &byte_rate, 4);
  std::memcpy(bytes.data() + 32, &block_align, 2);
  bytes.resize(bytes.size() - cut);
  const std::string path = temp_path(name);
  write_file(path, bytes.data(), bytes.size());
  return path;
}

void expect_error(const std::string& args, int code, const std::string& message) {
  const test::CliResult r = kiln_cli(args);
  EXPECT_EQ(r.exit_code, code) << r.output;
  EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
}

TEST(CliFrontend, RecordingsThatDoNotFitAreRefusedNamingBoth) {
  const std::string out = temp_path("features.bin");
  const std::string rate = altered_clip("44k.wav", 1, 44100, 0);
  expect_error("features " + rate + " " + kFrontend + " -o " + out, 5,
               rate + " is 44100 Hz; the front-end expects 16000 Hz (kiln does not resample)");
  const std::string stereo = altered_clip("stereo.wav", 2, 16000, 0);
  expect_error("features " + stereo + " " + kFrontend + " -o " + out, 5,
               stereo + " has 2 channels; the front-end expects 1");
  const std::string cut = altered_clip("cut.wav", 1, 16000, 1000);
  expect_error(
      "run " + speech("micro_speech_quantized.tflite") + " " + kFrontend + " --wav " + cut, 5,
      cut +
          " is truncated: its data chunk declares 32000 bytes (16000 samples) but the file "
          "holds 31000");
  // A recording shorter than one frame.
  expect_error("features " + speech("yes_30ms.wav") + " --frontend " +
                   speech("micro_speech_quantized.tflite") + " --hop 320 -o " + out,
               5,
               "the model takes int8 [1,1960]; streaming samples needs one input of int16 samples");
}

TEST(CliFrontend, AClassifierThatDoesNotTakeTheFeaturesIsRefusedNamingBothShapes) {
  const std::string kws = test::model("mlcommons_tiny/kws_ref_model.tflite");
  expect_error("convert " + kws + " " + kFrontend + " -o " + temp_path("p.kiln"), 5,
               speech("audio_preprocessor_int8.tflite") +
                   " output 'PartitionedCall:0' int8 [40] does not "
                   "stack into " +
                   kws +
                   " input 'input_1' int8 [1,49,10,1] (scale 0.5847029, zero point 83): "
                   "its 490 elements are not a whole number of rows of 40");
  expect_error("convert " + speech("micro_speech_quantized.tflite") + " --frontend " +
                   speech("audio_preprocessor_int8.tflite") + " -o " + temp_path("p.kiln"),
               1, "--frontend needs --hop");
  expect_error(
      "run " + speech("micro_speech_quantized.tflite") + " --wav " + speech("yes_1000ms.wav"), 5,
      "the model takes int8 [1,1960]; streaming samples needs one input of int16 samples [1, "
      "block]");
}

// The pipeline's steady state on the emulated M4: the first block that runs
// every stage, its instructions split by stage.
TEST(CliTarget, BenchesAPipelineBlockByStage) {
  const test::CliResult r =
      kiln_cli("bench " + speech("micro_speech_quantized.tflite") + " " + kFrontend +
               " --target cortex-m4 --wav " + speech("yes_1000ms.wav") + " --clock-mhz 120");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SIGNAL_RFFT_S16"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("one block of 320 samples (20.0 ms) with every stage: front-end "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(20 ops), classifier "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("of the 2400000 instructions a core at 120 MHz retires in 20.0 ms"),
            std::string::npos)
      << r.output;
}

// Built-in front-ends by name: features of a clip as .npy, the front-end
// analyzed alone, fused before TFLM's classifier, and a bad spec refused.
TEST(CliFrontend, BuiltInFrontEndsByName) {
  const std::string out = temp_path("yes_mfcc.npy");
  test::CliResult r = kiln_cli("features " + speech("yes_1000ms.wav") +
                               " --frontend mfcc:frame=512,fft=512 --hop 256 -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("61 frames x [1,13] float32 features (3172 bytes)"), std::string::npos)
      << r.output;
  const NpyArray features = parse_npy(read_file(out), out);
  EXPECT_EQ(features.dtype, KILN_DTYPE_FLOAT32);
  EXPECT_EQ(features.shape, (std::vector<int64_t>{61, 13}));

  r = kiln_cli("features " + speech("yes_1000ms.wav") + " --frontend log-mel-int16 --hop 320 -o " +
               temp_path("yes_log_mel.bin"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("49 frames x [1,40] int16 features (scale 0.001953125, zero point 0)"),
            std::string::npos)
      << r.output;

  r = kiln_cli("analyze mfcc");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SIGNAL_RFFT_F32;SIGNAL_ENERGY_F32;SIGNAL_FILTER_BANK_F32"),
            std::string::npos)
      << r.output;

  r = kiln_cli("convert " + speech("micro_speech_quantized.tflite") +
               " --frontend log-mel-int16 --hop 320 -o " + temp_path("log_mel_speech.kiln"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("log-mel-int16 frames of 480 samples every 320 -> 40 features each -> "
                          "a window of 49 frames"),
            std::string::npos)
      << r.output;

  expect_error(
      "features " + speech("yes_1000ms.wav") + " --frontend mfcc:mel=40 --hop 320 -o " + out, 1,
      "front-end 'mfcc:mel=40': 'mel=40' is not a parameter of mfcc");
}

}  // namespace
}  // namespace kiln
