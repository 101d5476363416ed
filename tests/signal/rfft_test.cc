// SIGNAL_RFFT (int16) against TFLite Micro's test vectors (KISS FFT v130 in
// fixed point), its host-side tables against the ones TFLM computes, and
// other lengths for bounds and a hand-worked impulse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kiln/ops/signal.h"
#include "kiln/ops/signal_tables.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace ref {
void signal_rfft_s16(const void*, const void* const*, void* const*);
}  // namespace ref
}  // namespace kiln

namespace kiln {
namespace {

const std::string& testdata_dir() {
  static const std::string dir = test::shared_dir() + "/frontend/tflm_signal/ops_testdata";
  return dir;
}

std::vector<std::vector<int16_t>> read_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::vector<int16_t>> lines;
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream values(line);
    std::vector<int16_t> row;
    int32_t v;
    while (values >> v) row.push_back(static_cast<int16_t>(v));
    lines.push_back(row);
  }
  return lines;
}

// A buffer with guard bytes on both sides, to see that the kernel writes
// only inside it.
class Guarded {
 public:
  explicit Guarded(size_t bytes) : bytes_(kGuard + bytes + kGuard, kPattern), size_(bytes) {}
  void* data() { return bytes_.data() + kGuard; }
  bool guards_intact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (bytes_[i] != kPattern || bytes_[kGuard + size_ + i] != kPattern) return false;
    }
    return true;
  }

 private:
  static constexpr size_t kGuard = 64;
  static constexpr uint8_t kPattern = 0xA5;
  std::vector<uint8_t> bytes_;
  size_t size_;
};

// Runs the kernel on exactly sized operands, checks the guards around the
// outputs and returns output 0.
std::vector<int16_t> run_rfft(const SignalRfftParams& p, const std::vector<int16_t>& input) {
  OperandSizes sizes{};
  EXPECT_TRUE(signal_rfft_operand_sizes(p, &sizes));
  const std::vector<int16_t> twiddles = signal_rfft_twiddles(p.fft_length);
  const std::vector<int16_t> super_twiddles = signal_rfft_super_twiddles(p.fft_length);
  EXPECT_EQ(input.size() * 2, static_cast<size_t>(sizes.inputs[0]));
  EXPECT_EQ(twiddles.size() * 2, static_cast<size_t>(sizes.inputs[1]));
  EXPECT_EQ(super_twiddles.size() * 2, static_cast<size_t>(sizes.inputs[2]));
  Guarded out(sizes.outputs[0]), scratch(sizes.outputs[1]);
  const void* inputs[3] = {input.data(), twiddles.data(), super_twiddles.data()};
  void* outputs[2] = {out.data(), scratch.data()};
  ref::signal_rfft_s16(&p, inputs, outputs);
  EXPECT_TRUE(out.guards_intact());
  EXPECT_TRUE(scratch.guards_intact());
  std::vector<int16_t> result(sizes.outputs[0] / 2);
  std::memcpy(result.data(), out.data(), sizes.outputs[0]);
  return result;
}

TEST(SignalRfft, TablesAreKissFftV130s) {
  std::ifstream file(testdata_dir() + "/tables/kissfft_v130_int16_rfft512_tables.json");
  ASSERT_TRUE(file.good());
  const nlohmann::json tables = nlohmann::json::parse(file);
  ASSERT_EQ(tables["nfft_real"].get<int>(), 512);
  std::vector<int16_t> twiddles, super_twiddles;
  for (const auto& pair : tables["twiddles"]) {
    twiddles.push_back(pair[0].get<int16_t>());
    twiddles.push_back(pair[1].get<int16_t>());
  }
  for (const auto& pair : tables["super_twiddles"]) {
    super_twiddles.push_back(pair[0].get<int16_t>());
    super_twiddles.push_back(pair[1].get<int16_t>());
  }
  EXPECT_EQ(twiddles.size(), 512u);
  EXPECT_EQ(super_twiddles.size(), 256u);
  EXPECT_EQ(signal_rfft_twiddles(512), twiddles);
  EXPECT_EQ(signal_rfft_super_twiddles(512), super_twiddles);
}

class SignalRfftVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = read_lines(testdata_dir() + "/rfft_test1.txt");
    ASSERT_EQ(lines_.size(), 1u + 2 * 183);
    ASSERT_EQ(lines_[0], (std::vector<int16_t>{512}));
  }
  const std::vector<int16_t>& input(size_t record) const { return lines_[1 + 2 * record]; }
  const std::vector<int16_t>& expected(size_t record) const { return lines_[2 + 2 * record]; }
  size_t records() const { return (lines_.size() - 1) / 2; }

  std::vector<std::vector<int16_t>> lines_;
};

TEST_F(SignalRfftVectors, EveryRecordBitExact) {
  size_t matched = 0;
  for (size_t r = 0; r < records(); ++r) {
    ASSERT_EQ(input(r).size(), 400u);
    ASSERT_EQ(expected(r).size(), 514u);
    const std::vector<int16_t> got = run_rfft({1, 400, 512}, input(r));
    EXPECT_EQ(got, expected(r)) << "record " << r;
    matched += got == expected(r);
  }
  EXPECT_EQ(matched, 183u);
  std::printf("rfft_test1.txt: %zu / %zu records bit-exact\n", matched, records());
}

TEST_F(SignalRfftVectors, BatchedRowsMatchSingleRecords) {
  // TFLM's batched variant: the first 176 records as one [176, 400] input.
  constexpr int32_t kRows = 176;
  std::vector<int16_t> batch;
  for (int32_t r = 0; r < kRows; ++r) batch.insert(batch.end(), input(r).begin(), input(r).end());
  const std::vector<int16_t> got = run_rfft({kRows, 400, 512}, batch);
  ASSERT_EQ(got.size(), size_t{kRows} * 514);
  int32_t matched = 0;
  for (int32_t r = 0; r < kRows; ++r) {
    const std::vector<int16_t> row(got.begin() + r * 514, got.begin() + (r + 1) * 514);
    EXPECT_EQ(row, expected(r)) << "row " << r;
    matched += row == expected(r);
  }
  EXPECT_EQ(matched, kRows);
  std::printf("batched: %d / %d rows bit-exact\n", matched, kRows);
}

// An impulse of height A has a flat spectrum A; KISS divides it by each
// stage's radix (rounded multiplies by 16383 or 8191, then >> 15) and by 2 in
// the split step, and as only the impulse's own butterflies see a non-zero
// value, every bin comes out as that chain of divisions of A, imaginary 0.
// A = 32767, fft_length 256 (n = 128 = 4 * 4 * 4 * 2, the radix 2 innermost):
// 32767 -> 16383 (/2) -> 4095 -> 1024 -> 256 (/4 three times) -> 128 (split).
// fft_length 16 (n = 8 = 4 * 2): 32767 -> 16383 (/2) -> 4095 (/4) -> 2047.
TEST(SignalRfft, ImpulseIsFlatAndStaysInBounds) {
  struct Case {
    int32_t fft_length, input_length;
    int16_t bin;
  };
  for (const Case c : {Case{256, 200, 128}, Case{16, 16, 2047}, Case{16, 5, 2047}}) {
    SCOPED_TRACE(c.fft_length);
    std::vector<int16_t> impulse(c.input_length, 0);
    impulse[0] = 32767;
    const std::vector<int16_t> got = run_rfft({1, c.input_length, c.fft_length}, impulse);
    std::vector<int16_t> flat(c.fft_length + 2, 0);
    for (size_t i = 0; i < flat.size(); i += 2) flat[i] = c.bin;
    EXPECT_EQ(got, flat);
  }
}

TEST(SignalRfft, OtherLengthsStayInBoundsAndApproximateTheDft) {
  // No golden for these: the guards and ASan check that the kernel keeps to
  // its operands (two rows, zero padding); at half scale, where nothing
  // wraps, the bins must also be the DFT scaled by 1 / fft_length within a
  // few steps of KISS's rounding, which checks the radix-2 stage and the
  // input order with it, which fft_length 512 does not use.
  for (const int32_t fft_length : {4, 8, 16, 32, 256, 2048}) {
    SCOPED_TRACE(fft_length);
    const int32_t length = fft_length * 3 / 4 + 1;
    std::vector<int16_t> input(2 * length);
    uint32_t seed = 12345;
    for (int16_t& v : input) {
      seed = seed * 1103515245u + 12345u;
      v = static_cast<int16_t>(static_cast<int32_t>(seed >> 16) / 2 - 16384);
    }
    const std::vector<int16_t> got = run_rfft({2, length, fft_length}, input);
    ASSERT_EQ(got.size(), 2u * (fft_length + 2));
    const double kPi = std::acos(-1.0);
    double worst = 0;
    for (int32_t r = 0; r < 2; ++r) {
      for (int32_t k = 0; k <= fft_length / 2; ++k) {
        double re = 0, im = 0;
        for (int32_t i = 0; i < length; ++i) {
          const double phase = -2 * kPi * k * i / fft_length;
          re += input[r * length + i] * std::cos(phase) / fft_length;
          im += input[r * length + i] * std::sin(phase) / fft_length;
        }
        const int16_t* bin = &got[(r * (fft_length / 2 + 1) + k) * 2];
        worst = std::max({worst, std::fabs(bin[0] - re), std::fabs(bin[1] - im)});
      }
    }
    std::printf("fft_length %d: worst error %.2f\n", fft_length, worst);
    EXPECT_LE(worst, 4.0);
  }
}

}  // namespace
}  // namespace kiln
