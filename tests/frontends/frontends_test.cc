// The built-in front-ends (compiler/frontends): their specs and errors, their
// tables, the float real FFT they run on, and a front-end fused before an
// int8 classifier. Their features against torchaudio and scipy are checked
// by tests/integration/frontends/check_frontends.py.
#include "compiler/frontends/frontends.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
#include "compiler/frontends/filters.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "compiler/pipeline/stream_pipeline.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using test::bytes_of;
using test::values_of;

std::string usage_error(const std::string& spec) {
  try {
    frontends::build(spec);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << spec << " was accepted";
  return {};
}

TEST(Frontends, SpecsNameTheFrontEndAndItsParameters) {
  EXPECT_TRUE(frontends::is_builtin("mfcc"));
  EXPECT_TRUE(frontends::is_builtin("log-mel:mels=20"));
  EXPECT_TRUE(frontends::is_builtin("spectral:axes=1"));
  EXPECT_FALSE(frontends::is_builtin("audio_preprocessor_int8.tflite"));
  EXPECT_FALSE(frontends::is_builtin("mfccs"));

  const ir::Graph mfcc = frontends::build("mfcc");
  ASSERT_EQ(mfcc.inputs.size(), 1u);
  ASSERT_EQ(mfcc.outputs.size(), 1u);
  const ir::Tensor& in = mfcc.tensors[static_cast<size_t>(mfcc.inputs[0])];
  const ir::Tensor& out = mfcc.tensors[static_cast<size_t>(mfcc.outputs[0])];
  EXPECT_EQ(in.dtype, KILN_DTYPE_INT16);
  EXPECT_EQ(in.shape, (std::vector<int32_t>{1, 480}));
  EXPECT_EQ(out.dtype, KILN_DTYPE_FLOAT32);
  EXPECT_EQ(out.shape, (std::vector<int32_t>{1, 13}));

  const ir::Graph log_mel = frontends::build("log-mel:frame=640,fft=1024,mels=32");
  EXPECT_EQ(log_mel.tensors[static_cast<size_t>(log_mel.inputs[0])].shape,
            (std::vector<int32_t>{1, 640}));
  EXPECT_EQ(log_mel.tensors[static_cast<size_t>(log_mel.outputs[0])].shape,
            (std::vector<int32_t>{1, 32}));

  // Three axes of 128 samples: per axis RMS, 4 band powers, 4 band peaks.
  const ir::Graph motion = frontends::build("spectral:axes=3,frame=128,bands=4");
  EXPECT_EQ(motion.tensors[static_cast<size_t>(motion.inputs[0])].shape,
            (std::vector<int32_t>{1, 384}));
  EXPECT_EQ(motion.tensors[static_cast<size_t>(motion.outputs[0])].shape,
            (std::vector<int32_t>{1, 27}));
}

// The int16 front-ends give int16 features with a scale (zero point 0):
// log-mel in steps of 2 / 1024 of ln P, MFCC in steps that hold
// sqrt(2 mels) 64, and they run no float op.
TEST(Frontends, FixedPointFrontEndsGiveQuantizedInt16) {
  for (const char* spec : {"log-mel-int16", "mfcc-int16:mels=32"}) {
    const ir::Graph g = frontends::build(spec);
    const ir::Tensor& out = g.tensors[static_cast<size_t>(g.outputs[0])];
    EXPECT_EQ(out.dtype, KILN_DTYPE_INT16) << spec;
    ASSERT_TRUE(out.quant.present()) << spec;
    EXPECT_EQ(out.quant.zero_point(), 0) << spec;
    for (const ir::Tensor& t : g.tensors) EXPECT_NE(t.dtype, KILN_DTYPE_FLOAT32) << spec << t.name;
  }
  const ir::Graph log_mel = frontends::build("log-mel-int16");
  EXPECT_FLOAT_EQ(log_mel.tensors[static_cast<size_t>(log_mel.outputs[0])].quant.scale(),
                  2.0f / 1024);
  const ir::Graph mfcc = frontends::build("mfcc-int16:mels=32");
  EXPECT_EQ(mfcc.tensors[static_cast<size_t>(mfcc.outputs[0])].shape,
            (std::vector<int32_t>{1, 13}));
  EXPECT_FLOAT_EQ(mfcc.tensors[static_cast<size_t>(mfcc.outputs[0])].quant.scale(),
                  static_cast<float>(std::sqrt(64.0) * 64 / 32767));
}

// The same clip through the float and the int16 log-mel: loud bands agree
// (the int16 FFT's rounding shows only far under each frame's peak).
TEST(Frontends, FixedPointLogMelFollowsTheFloatOne) {
  HostRunner fixed(compile_graph(frontends::build("log-mel-int16")).blob);
  HostRunner floating(compile_graph(frontends::build("log-mel")).blob);
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 30.0);
  std::vector<int16_t> frame(480);
  for (size_t i = 0; i < frame.size(); ++i) {  // a tone at 1 kHz over noise
    frame[i] = static_cast<int16_t>(std::lround(
        8000 * std::sin(2 * M_PI * 1000.0 * static_cast<double>(i) / 16000) + noise(rng)));
  }
  fixed.set_input(0, bytes_of(frame));
  floating.set_input(0, bytes_of(frame));
  fixed.invoke();
  floating.invoke();
  const std::vector<int16_t> q = values_of<int16_t>(fixed.output(0));
  const std::vector<float> f = values_of<float>(floating.output(0));
  ASSERT_EQ(q.size(), f.size());
  const float loudest = *std::max_element(f.begin(), f.end());
  for (size_t m = 0; m < f.size(); ++m) {
    if (f[m] > loudest - 3 * std::log(10.0f)) {  // within 30 dB
      EXPECT_NEAR(q[m] * 2.0 / 1024, f[m], 0.1) << "band " << m;
    }
  }
}

TEST(Frontends, BadSpecsAreRefusedNamingWhatIsWrong) {
  EXPECT_NE(usage_error("mfccs").find("not a built-in front-end: log-mel[:rate=16000"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:mel=40")
                .find("'mel=40' is not a parameter of mfcc (key=value; it "
                      "has rate, frame, fft, mels, min_hz, max_hz, floor, "
                      "coefficients)"),
            std::string::npos);
  EXPECT_NE(usage_error("log-mel:coefficients=13").find("not a parameter of log-mel"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:frame=480.5").find("frame = '480.5' must be an integer"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:mels=").find("mels = '' must be an integer"), std::string::npos);
  EXPECT_NE(usage_error("mfcc:mels=20,mels=30")
                .find("front-end 'mfcc:mels=20,mels=30': mels is "
                      "given twice"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:frame=600")
                .find("fft = 512 must be a power of two of at least "
                      "frame = 600"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:fft=500,frame=400").find("fft = 500 must be a power of two"),
            std::string::npos);
  EXPECT_NE(usage_error("mfcc:mels=20,coefficients=21").find("coefficients = 21 exceeds mels = 20"),
            std::string::npos);
  EXPECT_NE(usage_error("log-mel:max_hz=9000").find("max_hz <= rate / 2 = 8000 Hz"),
            std::string::npos);
  EXPECT_NE(
      usage_error("spectral:frame=128,bands=5").find("bands = 5 does not divide fft / 2 = 64"),
      std::string::npos);
}

TEST(Frontends, TablesAreTorchaudiosAndScipys) {
  // The orthonormal DCT-II: its rows are orthonormal.
  const auto dct = frontends::dct2_ortho(8, 8);
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < 8; ++j) {
      double dot = 0;
      for (size_t k = 0; k < 8; ++k) dot += dct[i][k] * dct[j][k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
    }
  }
  EXPECT_NEAR(frontends::mel_to_hz(frontends::hz_to_mel(1234.5)), 1234.5, 1e-9);
  EXPECT_NEAR(frontends::hz_to_mel(700.0), 2595.0 * std::log10(2.0), 1e-9);
  // Ten mels over 0-8 kHz and a 512-point FFT: bands of the bins between
  // mel points, each bin's two weights summing to one, rising from 0 at a
  // band's first point.
  const frontends::MelBands bands = frontends::mel_bands(10, 512, 16000, 0.0, 8000.0);
  ASSERT_EQ(bands.widths.size(), 11u);
  int32_t bins = 0;
  for (size_t b = 0; b < 11; ++b) {
    EXPECT_EQ(bands.weight_starts[b], bins);
    if (b > 0) {
      EXPECT_EQ(bands.freq_starts[b], bands.freq_starts[b - 1] + bands.widths[b - 1]);
    }
    bins += bands.widths[b];
  }
  // Every bin: Nyquist is the last point, in the last band or (rounding of
  // the mel round trip) just past it.
  EXPECT_GE(bins, 256);
  EXPECT_LE(bins, 257);
  for (size_t i = 0; i < bands.weights.size(); ++i) {
    EXPECT_NEAR(bands.weights[i] + bands.unweights[i], 1.0, 1e-12);
  }
  EXPECT_EQ(bands.unweights[0], 0.0);  // bin 0 at 0 Hz, the first point
  const double second_point = frontends::mel_to_hz(frontends::hz_to_mel(8000.0) / 11);
  const size_t first_of_band1 = static_cast<size_t>(bands.weight_starts[1]);
  const double hz = 8000.0 * bands.freq_starts[1] / 256;
  EXPECT_NEAR(bands.unweights[first_of_band1],
              (hz - second_point) /
                  (frontends::mel_to_hz(frontends::hz_to_mel(8000.0) * 2 / 11) - second_point),
              1e-12);
  const std::vector<double> hann = frontends::hann_window(4);  // periodic: no last zero
  const double want[4] = {0.0, 0.5, 1.0, 0.5};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(hann[i], want[i], 1e-15);
}

// SIGNAL_RFFT_F32 against the DFT in double, rows zero-padded.
TEST(Frontends, FloatRealFftIsTheDft) {
  for (int32_t fft_length : {4, 8, 64, 512}) {
    const int32_t rows = 2, length = fft_length - fft_length / 4, bins = fft_length / 2 + 1;
    ir::GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_FLOAT32, {rows, length});
    const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {rows, bins, 2});
    b.op(ir::OpKind::kSignalRfft, {x}, {y}).attrs.custom_options = {0, fft_length};
    b.output(y);
    std::mt19937 rng(fft_length);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> input(static_cast<size_t>(rows * length));
    for (float& v : input) v = uniform(rng);
    const std::vector<float> got = test::run_graph<float>(b.build(), {bytes_of(input)});
    ASSERT_EQ(got.size(), static_cast<size_t>(rows * bins * 2));
    for (int32_t r = 0; r < rows; ++r) {
      for (int32_t k = 0; k < bins; ++k) {
        double re = 0, im = 0;
        for (int32_t i = 0; i < length; ++i) {
          const double phase = -2 * M_PI * k * i / fft_length;
          const float x = input.at(static_cast<size_t>(r) * length + i);
          re += x * std::cos(phase);
          im += x * std::sin(phase);
        }
        const size_t at = (static_cast<size_t>(r) * bins + k) * 2;
        EXPECT_NEAR(got[at], re, 1e-5 * fft_length) << fft_length << " bin " << k;
        EXPECT_NEAR(got[at + 1], im, 1e-5 * fft_length) << fft_length << " bin " << k;
      }
    }
  }
}

// A classifier taking int8 windows of 3 MFCC rows, [1, 3, 13], scale 0.25:
// its weights pick each row's coefficient 0 and 1.
ir::Graph tiny_classifier() {
  ir::GraphBuilder b;
  const int x = b.input("window", KILN_DTYPE_INT8, {1, 3, 13}, 0.25f, -10);
  const int flat = b.tensor("flat", KILN_DTYPE_INT8, {1, 39}, 0.25f, -10);
  b.op(ir::OpKind::kReshape, {x}, {flat});
  std::vector<int8_t> weights(2 * 39, 0);
  for (int32_t f = 0; f < 3; ++f) {
    weights.at(13 * static_cast<size_t>(f)) = 1;
    weights.at(40 + 13 * static_cast<size_t>(f)) = 1;
  }
  const int w = b.constant("weights", KILN_DTYPE_INT8, {2, 39}, weights, {1.0f});
  const int scores = b.tensor("scores", KILN_DTYPE_INT8, {1, 2}, 1.0f, 0);
  b.op(ir::OpKind::kFullyConnected, {flat, w}, {scores});
  b.output(scores);
  return b.build();
}

TEST(Frontends, FloatFeaturesAreQuantizedIntoAnInt8Classifier) {
  const std::string spec = "mfcc:frame=256,fft=256,mels=20";
  StreamPipelineOptions options;
  options.hop_samples = 128;
  StreamPipelineShape shape;
  const ir::Graph fused =
      fuse_stream_pipeline(load_frontend(spec), tiny_classifier(), options, &shape);
  EXPECT_EQ(shape.frame_samples, 256);
  EXPECT_EQ(shape.feature_elements, 13);
  EXPECT_EQ(shape.window_frames, 3);
  HostRunner pipeline(compile_graph(fused).blob);
  HostRunner frontend(compile_graph(frontends::build(spec)).blob);
  HostRunner classifier(compile_graph(tiny_classifier()).blob);

  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 3000.0f);
  std::vector<int16_t> samples(128 * 4);
  for (int16_t& s : samples) s = static_cast<int16_t>(std::lround(noise(rng)));
  // Frames start every 128 samples: 0, 128, 256; the third completes with
  // block 4 (samples up to 512).
  std::vector<int8_t> window;
  for (size_t start = 0; start + 256 <= samples.size(); start += 128) {
    frontend.set_input(0, bytes_of(std::vector<int16_t>(
                              samples.begin() + static_cast<std::ptrdiff_t>(start),
                              samples.begin() + static_cast<std::ptrdiff_t>(start + 256))));
    frontend.invoke();
    for (float v : values_of<float>(frontend.output(0))) {
      const long q = std::lround(v / 0.25f) - 10;
      window.push_back(static_cast<int8_t>(std::min(127L, std::max(-128L, q))));
    }
  }
  ASSERT_EQ(window.size(), 39u);
  classifier.set_input(0, bytes_of(window));
  classifier.invoke();

  pipeline.reset_state();
  for (size_t block = 0; block < 4; ++block) {
    pipeline.set_input(0, bytes_of(std::vector<int16_t>(
                              samples.begin() + static_cast<std::ptrdiff_t>(block * 128),
                              samples.begin() + static_cast<std::ptrdiff_t>((block + 1) * 128))));
    pipeline.invoke();
  }
  EXPECT_EQ(pipeline.output(0), classifier.output(0));
}

TEST(Frontends, Int16FeaturesAreRequantizedIntoAnInt8Classifier) {
  StreamPipelineOptions options;
  options.hop_samples = 128;
  const ir::Graph fused = fuse_stream_pipeline(
      load_frontend("mfcc-int16:frame=256,fft=256,mels=20"), tiny_classifier(), options);
  int quantize = 0;
  for (const ir::Op& op : fused.ops) {
    if (op.kind != ir::OpKind::kQuantize) continue;
    ++quantize;
    EXPECT_EQ(fused.tensors[static_cast<size_t>(op.inputs[0])].dtype, KILN_DTYPE_INT16);
    const ir::Tensor& out = fused.tensors[static_cast<size_t>(op.outputs[0])];
    EXPECT_EQ(out.dtype, KILN_DTYPE_INT8);
    EXPECT_FLOAT_EQ(out.quant.scale(), 0.25f);
    EXPECT_EQ(out.quant.zero_point(), -10);
  }
  EXPECT_EQ(quantize, 1);
  HostRunner pipeline(compile_graph(fused).blob);
  pipeline.reset_state();
  for (int block = 0; block < 4; ++block) {
    pipeline.set_input(0, bytes_of(std::vector<int16_t>(128, static_cast<int16_t>(block * 100))));
    pipeline.invoke();
  }
  EXPECT_EQ(pipeline.output(0).size(), 2u);
}

TEST(Frontends, MismatchedClassifierIsRefusedNamingBothShapes) {
  ir::GraphBuilder b;
  const int x = b.input("window", KILN_DTYPE_INT8, {1, 49, 40}, 0.25f, 0);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 49, 40}, 0.25f, 0);
  b.op(ir::OpKind::kAbs, {x}, {y});
  b.output(y);
  StreamPipelineOptions options;
  options.hop_samples = 160;
  try {
    fuse_stream_pipeline(frontends::build("mfcc"), b.build(), options);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("float32 [1,13]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'window' int8 [1,49,40]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("its 1960 elements are not a whole number of rows of 13"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
