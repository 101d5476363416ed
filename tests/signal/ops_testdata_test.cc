// The reference kernels of TFLM's `signal` ops against every record of
// TFLM's own test files (shared/frontend/tflm_signal/ops_testdata, README
// section 1), the log op against the micro_speech intermediates, and a
// filter bank whose tables point outside its operands.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "kiln/ops/signal.h"
#include "kiln/ops/signal_streams.h"
#include "tests/signal/testdata.h"

namespace kiln {
namespace ref {
void signal_window_s16(const void* params, const void* const* inputs, void* const* outputs);
void signal_fft_auto_scale_s16(const void* params, const void* const* inputs, void* const* outputs);
void signal_energy_s16(const void* params, const void* const* inputs, void* const* outputs);
void signal_filter_bank(const void* params, const void* const* inputs, void* const* outputs);
void signal_filter_bank_square_root(const void* params, const void* const* inputs,
                                    void* const* outputs);
void signal_spectral_subtraction(const void* params, const void* const* inputs,
                                 void* const* outputs);
void signal_pcan(const void* params, const void* const* inputs, void* const* outputs);
void signal_filter_bank_log(const void* params, const void* const* inputs, void* const* outputs);
void signal_framer(const void* params, const void* const* inputs, void* const* outputs);
void signal_stacker(const void* params, const void* const* inputs, void* const* outputs);
}  // namespace ref

namespace {

using test::json;
using test::json_values;
using test::load_json;
using test::read_binary;
using test::read_test_file;
using test::records;
using test::signal_dir;
using test::TestFile;
using test::values;

TEST(SignalOpsTestdata, Window) {
  const TestFile f = read_test_file("window_test1.txt", true);
  EXPECT_EQ(f.config, "hann int16 12");
  const json table = load_json("window_hann_400_shift12.json");
  const std::vector<int16_t> weights = json_values<int16_t>(table["weights"]);
  const SignalWindowParams p{1, table["length"].get<int32_t>(), table["shift"].get<int32_t>()};
  ASSERT_EQ(weights.size(), 400u);
  ASSERT_EQ(p.shift, 12);
  int matched = 0;
  std::vector<int16_t> all_in, all_want;  // every record again as one [183, 400] call
  for (const auto& r : records(f, 2, 183)) {
    const std::vector<int16_t> in = values<int16_t>(r[0]), want = values<int16_t>(r[1]);
    ASSERT_EQ(in.size(), 400u);
    std::vector<int16_t> out(in.size());
    const void* inputs[] = {in.data(), weights.data()};
    void* outputs[] = {out.data()};
    ref::signal_window_s16(&p, inputs, outputs);
    EXPECT_EQ(out, want) << "record " << matched;
    matched += out == want;
    all_in.insert(all_in.end(), in.begin(), in.end());
    all_want.insert(all_want.end(), want.begin(), want.end());
  }
  EXPECT_EQ(matched, 183);
  const SignalWindowParams rows{183, p.length, p.shift};
  std::vector<int16_t> all_out(all_in.size());
  const void* inputs[] = {all_in.data(), weights.data()};
  void* outputs[] = {all_out.data()};
  ref::signal_window_s16(&rows, inputs, outputs);
  EXPECT_EQ(all_out, all_want);
}

TEST(SignalOpsTestdata, FftAutoScale) {
  const TestFile f = read_test_file("fft_auto_scale_test1.txt", false);
  int matched = 0;
  for (const auto& r : records(f, 3, 182)) {
    const std::vector<int16_t> in = values<int16_t>(r[0]), want = values<int16_t>(r[1]);
    const std::vector<int32_t> want_scale = values<int32_t>(r[2]);
    ASSERT_EQ(in.size(), 400u);
    ASSERT_EQ(want_scale.size(), 1u);
    const SignalFftAutoScaleParams p{static_cast<int32_t>(in.size())};
    std::vector<int16_t> out(in.size());
    int32_t scale = -1;
    const void* inputs[] = {in.data()};
    void* outputs[] = {out.data(), &scale};
    ref::signal_fft_auto_scale_s16(&p, inputs, outputs);
    EXPECT_EQ(out, want) << "record " << matched;
    EXPECT_EQ(scale, want_scale[0]) << "record " << matched;
    matched += out == want && scale == want_scale[0];
  }
  EXPECT_EQ(matched, 182);
}

TEST(SignalOpsTestdata, Energy) {
  const TestFile f = read_test_file("energy_test1.txt", true);
  const std::vector<int32_t> config = values<int32_t>(f.config);
  ASSERT_EQ(config, (std::vector<int32_t>{5, 122}));
  const SignalEnergyParams p{1, 257, config[0], config[1]};
  int matched = 0;
  for (const auto& r : records(f, 2, 183)) {
    const std::vector<int16_t> in = values<int16_t>(r[0]);
    const std::vector<uint32_t> want = values<uint32_t>(r[1]);
    ASSERT_EQ(in.size(), 514u);
    ASSERT_EQ(want.size(), 257u);
    std::vector<uint32_t> out(257, 0xDEADBEEF);
    const void* inputs[] = {in.data()};
    void* outputs[] = {out.data()};
    ref::signal_energy_s16(&p, inputs, outputs);
    // The file's values outside [start, end) are leftovers; kiln writes 0 there.
    const std::vector<uint32_t> got(out.begin() + p.start_index, out.begin() + p.end_index);
    const std::vector<uint32_t> expected(want.begin() + p.start_index, want.begin() + p.end_index);
    EXPECT_EQ(got, expected) << "record " << matched;
    for (int32_t i = 0; i < p.bins; ++i) {
      if (i < p.start_index || i >= p.end_index) {
        EXPECT_EQ(out[i], 0u) << i;
      }
    }
    matched += got == expected;
  }
  EXPECT_EQ(matched, 183);
}

// The five filter-bank tables of a tables json, as the op's inputs 1..5.
struct FilterBankTables {
  std::vector<int16_t> weights, unweights, freq_starts, weight_starts, widths;
  explicit FilterBankTables(const json& j)
      : weights(json_values<int16_t>(j["weights"])),
        unweights(json_values<int16_t>(j["unweights"])),
        freq_starts(json_values<int16_t>(j["channel_frequency_starts"])),
        weight_starts(json_values<int16_t>(j["channel_weight_starts"])),
        widths(json_values<int16_t>(j["channel_widths"])) {}
};

std::vector<uint64_t> run_filter_bank(const SignalFilterBankParams& p, const uint32_t* energy,
                                      const FilterBankTables& t) {
  std::vector<uint64_t> out(p.num_channels);
  const void* inputs[] = {energy,
                          t.weights.data(),
                          t.unweights.data(),
                          t.freq_starts.data(),
                          t.weight_starts.data(),
                          t.widths.data()};
  void* outputs[] = {out.data()};
  ref::signal_filter_bank(&p, inputs, outputs);
  return out;
}

TEST(SignalOpsTestdata, FilterBank) {
  const TestFile f = read_test_file("filter_bank_test1.txt", true);
  EXPECT_EQ(f.config, "16000 32 125 3800");
  const json j = load_json("filter_bank_test1_tables.json");
  const FilterBankTables t(j);
  const SignalFilterBankParams p{257, 32, static_cast<int32_t>(t.weights.size())};
  ASSERT_EQ(j["spectrum_size"].get<int32_t>(), p.spectrum_size);
  ASSERT_EQ(t.widths.size(), 33u);
  ASSERT_TRUE(constants_ok(
      p, std::vector<const void*>{nullptr, t.weights.data(), t.unweights.data(),
                                  t.freq_starts.data(), t.weight_starts.data(), t.widths.data()}
             .data()));
  int matched = 0;
  for (const auto& r : records(f, 2, 183)) {
    const std::vector<uint32_t> in = values<uint32_t>(r[0]);
    const std::vector<uint64_t> want = values<uint64_t>(r[1]);
    ASSERT_EQ(in.size(), 257u);
    const std::vector<uint64_t> out = run_filter_bank(p, in.data(), t);
    EXPECT_EQ(out, want) << "record " << matched;
    matched += out == want;
  }
  EXPECT_EQ(matched, 183);
}

class FilterBankAccumulation : public ::testing::TestWithParam<std::string> {};

TEST_P(FilterBankAccumulation, RampInput) {
  const TestFile f = read_test_file("filter_bank_accumulation_" + GetParam() + ".txt", true);
  const json j = load_json("filter_bank_accumulation_" + GetParam() + "_tables.json");
  const FilterBankTables t(j);
  std::istringstream config(f.config);
  int32_t spectrum_size = 0;
  config >> spectrum_size;
  const SignalFilterBankParams p{spectrum_size, 25, static_cast<int32_t>(t.weights.size())};
  ASSERT_EQ(j["spectrum_size"].get<int32_t>(), spectrum_size);
  ASSERT_EQ(j["num_channels"].get<int32_t>(), 25);
  std::vector<uint32_t> ramp(spectrum_size);
  for (int32_t i = 0; i < spectrum_size; ++i) ramp[i] = static_cast<uint32_t>(i);
  const std::vector<uint64_t> out = run_filter_bank(p, ramp.data(), t);
  int matched = 0;
  const auto recs = records(f, 1, 25);
  for (size_t c = 0; c < recs.size(); ++c) {
    const std::vector<uint64_t> want = values<uint64_t>(recs[c][0]);
    ASSERT_EQ(want.size(), 1u);
    EXPECT_EQ(out[c], want[0]) << "channel " << c;
    matched += out[c] == want[0];
  }
  EXPECT_EQ(matched, 25);
}

INSTANTIATE_TEST_SUITE_P(SignalOpsTestdata, FilterBankAccumulation,
                         ::testing::Values("8k", "16k", "44k"));

TEST(SignalOpsTestdata, FilterBankSquareRoot) {
  const TestFile f = read_test_file("filter_bank_square_root_test1.txt", false);
  int matched = 0;
  for (const auto& r : records(f, 3, 183)) {
    const std::vector<uint64_t> in = values<uint64_t>(r[0]);
    const std::vector<int32_t> bits = values<int32_t>(r[1]);
    const std::vector<uint32_t> want = values<uint32_t>(r[2]);
    ASSERT_EQ(in.size(), 32u);
    ASSERT_EQ(bits.size(), 1u);
    const SignalFilterBankSquareRootParams p{32};
    std::vector<uint32_t> out(32);
    const void* inputs[] = {in.data(), bits.data()};
    void* outputs[] = {out.data()};
    ref::signal_filter_bank_square_root(&p, inputs, outputs);
    EXPECT_EQ(out, want) << "record " << matched;
    matched += out == want;
  }
  EXPECT_EQ(matched, 183);
}

TEST(SignalOpsTestdata, SpectralSubtraction) {
  const TestFile f = read_test_file("filter_bank_spectral_subtraction_test1.txt", true);
  EXPECT_EQ(f.config, "32 0.04 0.0 0 0.05 0");
  const json j = load_json("filter_bank_spectral_subtraction_test1_params.json");
  const SignalSpectralSubtractionParams p{j["num_channels"].get<int32_t>(),
                                          j["smoothing"].get<int32_t>(),
                                          j["one_minus_smoothing"].get<int32_t>(),
                                          j["alternate_smoothing"].get<int32_t>(),
                                          j["alternate_one_minus_smoothing"].get<int32_t>(),
                                          j["smoothing_bits"].get<int32_t>(),
                                          j["min_signal_remaining"].get<int32_t>(),
                                          j["spectral_subtraction_bits"].get<int32_t>(),
                                          j["clamping"].get<bool>() ? 1 : 0};
  ASSERT_EQ(p.channels, 32);
  ASSERT_EQ(p.smoothing, 655);
  std::vector<uint32_t> state(32, 0);  // one op instance for the whole file
  int matched = 0;
  for (const auto& r : records(f, 3, 183)) {
    const std::vector<uint32_t> in = values<uint32_t>(r[0]), want = values<uint32_t>(r[1]),
                                want_noise = values<uint32_t>(r[2]);
    ASSERT_EQ(in.size(), 32u);
    std::vector<uint32_t> out(32), noise(32);
    const void* inputs[] = {in.data()};
    void* outputs[] = {out.data(), noise.data(), state.data()};
    ref::signal_spectral_subtraction(&p, inputs, outputs);
    EXPECT_EQ(out, want) << "record " << matched;
    EXPECT_EQ(noise, want_noise) << "record " << matched;
    EXPECT_EQ(state, want_noise) << "record " << matched;
    matched += out == want && noise == want_noise && state == want_noise;
  }
  EXPECT_EQ(matched, 183);
}

TEST(SignalOpsTestdata, Pcan) {
  const TestFile f = read_test_file("pcan_op_test1.txt", true);
  EXPECT_EQ(f.config, "0.950000 80.000000 21 10 3");
  const json j = load_json("pcan_op_test1_gain_lut.json");
  const std::vector<int16_t> lut = json_values<int16_t>(j["gain_lut"]);
  ASSERT_EQ(lut.size(), static_cast<size_t>(kSignalPcanLutSize));
  const SignalPcanParams p{40, j["snr_shift"].get<int32_t>()};
  ASSERT_EQ(p.snr_shift, 6);
  int matched = 0;
  for (const auto& r : records(f, 3, 449)) {
    const std::vector<uint32_t> in = values<uint32_t>(r[0]), noise = values<uint32_t>(r[1]),
                                want = values<uint32_t>(r[2]);
    ASSERT_EQ(in.size(), 40u);
    ASSERT_EQ(noise.size(), 40u);
    std::vector<uint32_t> out(40);
    const void* inputs[] = {in.data(), noise.data(), lut.data()};
    void* outputs[] = {out.data()};
    ref::signal_pcan(&p, inputs, outputs);
    EXPECT_EQ(out, want) << "record " << matched;
    matched += out == want;
  }
  EXPECT_EQ(matched, 449);
}

// The micro_speech preprocessor's PCAN output (tensor 33) through the log op
// gives its log output (tensor 34), for the two saved frames.
TEST(SignalOpsTestdata, FilterBankLogOnMicroSpeechIntermediates) {
  const std::string dir = signal_dir() + "/goldens/intermediates";
  std::ifstream in(dir + "/index.json");
  ASSERT_TRUE(in.good());
  const json index = json::parse(in);
  const SignalFilterBankLogParams p{40, 3, 64};
  int matched = 0;
  for (const char* frame : {"frame00", "frame25"}) {
    std::string pcan_file, log_file;
    for (const json& t : index[frame]) {
      if (t["tensor_index"] == 33) pcan_file = t["file"];
      if (t["tensor_index"] == 34) log_file = t["file"];
    }
    const std::vector<uint32_t> x = read_binary<uint32_t>(dir + "/" + pcan_file);
    const std::vector<int16_t> want = read_binary<int16_t>(dir + "/" + log_file);
    ASSERT_EQ(x.size(), 40u) << frame;
    ASSERT_EQ(want.size(), 40u) << frame;
    std::vector<int16_t> out(40);
    const void* inputs[] = {x.data()};
    void* outputs[] = {out.data()};
    ref::signal_filter_bank_log(&p, inputs, outputs);
    EXPECT_EQ(out, want) << frame;
    matched += out == want;
  }
  EXPECT_EQ(matched, 2);
}

// A bank whose tables leave the spectrum or the weights writes zeros and
// reads nothing outside: the operands are exact-size heap blocks (ASan), and
// the output is followed by guard words that must stay untouched.
TEST(SignalKernels, FilterBankTablesOutsideTheOperandsGiveZeros) {
  const SignalFilterBankParams p{8, 2, 6};
  const std::vector<uint32_t> energy = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<int16_t> weights = {4096, 2048, 1024, 4096, 2048, 1024};
  const std::vector<int16_t> unweights = {0, 2048, 3072, 0, 2048, 3072};
  struct Band {
    int16_t freq_start, weight_start, width;
  };
  const Band good[3] = {{0, 0, 2}, {2, 2, 2}, {4, 4, 2}};
  const auto run = [&](const Band* bands, std::vector<uint64_t>* out) {
    std::vector<int16_t> freq_starts, weight_starts, widths;
    for (int c = 0; c < 3; ++c) {
      freq_starts.push_back(bands[c].freq_start);
      weight_starts.push_back(bands[c].weight_start);
      widths.push_back(bands[c].width);
    }
    out->assign(p.num_channels + 2, 0xA5A5A5A5A5A5A5A5u);
    const void* inputs[] = {energy.data(),      weights.data(),       unweights.data(),
                            freq_starts.data(), weight_starts.data(), widths.data()};
    void* outputs[] = {out->data()};
    ref::signal_filter_bank(&p, inputs, outputs);
    EXPECT_EQ((*out)[2], 0xA5A5A5A5A5A5A5A5u);
    EXPECT_EQ((*out)[3], 0xA5A5A5A5A5A5A5A5u);
  };
  std::vector<uint64_t> out;
  run(good, &out);
  // band 1: bins 2, 3 weighted plus band 0's unweighted parts; band 2 likewise
  EXPECT_EQ(out[0], (1u * 0 + 2 * 2048) + 3 * 1024 + 4 * 4096);
  EXPECT_EQ(out[1], (3u * 3072 + 4 * 0) + 5 * 2048 + 6 * 1024);
  const Band bad_bands[] = {{7, 0, 2},  {-1, 0, 2}, {0, 5, 2},        {0, -2, 2},
                            {0, 0, -1}, {8, 6, 1},  {32767, 0, 32767}};
  for (const Band& bad : bad_bands) {
    for (int c = 0; c < 3; ++c) {
      Band bands[3] = {good[0], good[1], good[2]};
      bands[c] = bad;
      run(bands, &out);
      EXPECT_EQ(out[0], 0u) << "band " << c << " at " << bad.freq_start << ", " << bad.weight_start
                            << ", width " << bad.width;
      EXPECT_EQ(out[1], 0u);
    }
  }
}

// The edges the spec calls out: no UB whatever the data.
TEST(SignalKernels, EdgeValues) {
  {  // an all-zero frame gets scale 0 (TFLM built with GCC); so does a frame
     // whose int16 running maximum wraps at a last -32768
    const SignalFftAutoScaleParams p{3};
    for (const std::vector<int16_t>& in :
         {std::vector<int16_t>{0, 0, 0}, std::vector<int16_t>{5, 1, -32768}}) {
      std::vector<int16_t> out(3);
      int32_t scale = -1;
      const void* inputs[] = {in.data()};
      void* outputs[] = {out.data(), &scale};
      ref::signal_fft_auto_scale_s16(&p, inputs, outputs);
      EXPECT_EQ(scale, 0);
      EXPECT_EQ(out, in);
    }
    {  // TFLM's maximum wraps at -32768, then 5 replaces it: scale 12, and
       // -32768 * 2^12 truncates to 0 in int16
      const std::vector<int16_t> in = {1, -32768, 5};
      std::vector<int16_t> out(3);
      int32_t scale = -1;
      const void* inputs[] = {in.data()};
      void* outputs[] = {out.data(), &scale};
      ref::signal_fft_auto_scale_s16(&p, inputs, outputs);
      EXPECT_EQ(scale, 12);
      EXPECT_EQ(out, (std::vector<int16_t>{4096, 0, 20480}));
    }
    const std::vector<int16_t> in = {-3, 1, 2};  // |-3| has 2 bits: scale 13
    std::vector<int16_t> out(3);
    int32_t scale = -1;
    const void* inputs[] = {in.data()};
    void* outputs[] = {out.data(), &scale};
    ref::signal_fft_auto_scale_s16(&p, inputs, outputs);
    EXPECT_EQ(scale, 13);
    EXPECT_EQ(out, (std::vector<int16_t>{-3 * 8192, 8192, 16384}));
  }
  {  // (-32768)^2 * 2 = 2^31 as an unsigned bit pattern
    const SignalEnergyParams p{1, 1, 0, 1};
    const int16_t in[2] = {-32768, -32768};
    uint32_t out = 0;
    const void* inputs[] = {in};
    void* outputs[] = {&out};
    ref::signal_energy_s16(&p, inputs, outputs);
    EXPECT_EQ(out, 0x80000000u);
  }
  {  // square root: any scale bits; roots of 2^32 - 1, 2^32 and 2^64 - 1
    const SignalFilterBankSquareRootParams p{4};
    const uint64_t in[4] = {0xFFFFFFFFu, uint64_t{1} << 32, ~uint64_t{0}, 17};
    const int32_t bits_cases[] = {0, 1, -1, 31, 32, 1000, std::numeric_limits<int32_t>::min()};
    for (int32_t bits : bits_cases) {
      uint32_t out[4];
      const void* inputs[] = {in, &bits};
      void* outputs[] = {out};
      ref::signal_filter_bank_square_root(&p, inputs, outputs);
      const uint32_t roots[4] = {0xFFFF, 0x10000, 0xFFFFFFFFu, 4};
      for (int i = 0; i < 4; ++i) {
        const uint32_t want = bits >= 32 ? 0 : roots[i] >> (bits < 0 ? 0 : bits);
        EXPECT_EQ(out[i], want) << "bits " << bits << " element " << i;
      }
    }
  }
  {  // log: 0 and 1 give 0, the largest inputs saturate, the shift wraps
    const SignalFilterBankLogParams p{4, 3, 64};
    const uint32_t in[4] = {0, 0x20000000u, 0xFFFFFFFFu, 1};
    int16_t out[4];
    const void* inputs[] = {in};
    void* outputs[] = {out};
    ref::signal_filter_bank_log(&p, inputs, outputs);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[1], 0);  // 2^29 << 3 wraps to 0
    EXPECT_GT(out[2], 0);
    EXPECT_GT(out[3], 0);  // 8: 64 * ln 8 = 133
    EXPECT_EQ(out[3], 133);
  }
  {  // PCAN with the largest inputs and an extreme LUT
    std::vector<int16_t> lut(kSignalPcanLutSize);
    for (size_t i = 0; i < lut.size(); ++i) lut[i] = i % 2 ? -32768 : 32767;
    const SignalPcanParams p{3, 0};
    const uint32_t x[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 7}, noise[3] = {0xFFFFFFFFu, 2, 1000};
    uint32_t out[3];
    const void* inputs[] = {x, noise, lut.data()};
    void* outputs[] = {out};
    ref::signal_pcan(&p, inputs, outputs);
    (void)out;
  }
}

// The framer's and the stacker's fill counts live in the arena, where a
// caller can write anything: any value restarts the FIFO (no out-of-bounds
// write, no overflow), and the next calls go on as from a reset.
TEST(SignalKernels, StreamStateOfAnyValueRestarts) {
  const SignalFramerParams framer{1, 4, 2, 1};
  for (const int32_t bad : {INT32_MIN, -1, 2, 3, INT32_MAX}) {  // at rest: 0 or 1
    SCOPED_TRACE(bad);
    std::vector<int16_t> block = {7, 8}, frame(4, -1), fifo(6, 0);
    int32_t fill = bad;
    uint8_t valid = 9;
    const void* in[] = {block.data()};
    void* out[] = {frame.data(), &valid, fifo.data(), &fill};
    ref::signal_framer(&framer, in, out);
    EXPECT_EQ(valid, 1);  // prefill: two zeros, then the block
    EXPECT_EQ(frame, (std::vector<int16_t>{0, 0, 7, 8}));
    EXPECT_EQ(fill, 0);
  }
  const SignalStackerParams stacker{2, 1, 1, 1, 2};
  for (const int32_t bad : {INT32_MIN, -1, 4, INT32_MAX}) {  // at rest: 0 to 3
    SCOPED_TRACE(bad);
    std::vector<int16_t> features = {1, 2}, window(6, -1), frames(6, 0);
    int32_t count = bad;
    uint8_t valid = 9;
    const void* in[] = {features.data()};
    void* out[] = {window.data(), &valid, frames.data(), &count};
    ref::signal_stacker(&stacker, in, out);
    EXPECT_EQ(valid, 0);  // the first frame twice: one short of the window of 3
    EXPECT_EQ(count, 3);
  }
}

}  // namespace
}  // namespace kiln
