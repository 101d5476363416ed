// The integer LSTM's Arm DSP and Helium variants against the reference
// kernel on the host (each instruction set's gate products in portable C
// there; the conformance suite runs them natively on the emulated cores):
// random weights and activations at the extremes, input and hidden offsets
// across the range a blob may hold, unit counts odd and even and depths off
// the 4- and 16-lane steps, several steps and batches in both layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "kiln/kernels.h"

namespace kiln {
namespace {

using Kernel = void (*)(const void*, const void* const*, void* const*);

struct Shape {
  int32_t time_steps, batches, input_size, units, time_major, input_offset, hidden_offset;
};

template <typename T, typename Bias>
std::vector<T> run(Kernel kernel, const LstmParams& p, const std::vector<T>& input,
                   const std::vector<int8_t>& weights, const std::vector<Bias>& biases,
                   const std::vector<uint16_t>& table, std::vector<T>* hidden,
                   std::vector<int16_t>* cell) {
  std::vector<T> output(static_cast<size_t>(p.time_steps * p.batches * p.units));
  std::vector<int16_t> scratch(static_cast<size_t>(kLstmScratchBuffers * p.batches * p.units));
  const void* inputs[4] = {input.data(), weights.data(), biases.data(), table.data()};
  void* outputs[4] = {output.data(), hidden->data(), cell->data(), scratch.data()};
  kernel(&p, inputs, outputs);
  return output;
}

template <typename T, typename Bias>
void expect_variants_match(Kernel reference, Kernel dsp, Kernel mve) {
  const Shape shapes[] = {
      {3, 2, 10, 7, 0, 128, -3},
      {2, 3, 33, 16, 1, -127, 256},
      {4, 1, 5, 1, 0, 0, 0},
      {2, 2, 64, 12, 1, 256, -256},
  };
  std::mt19937 rng(sizeof(T) * 100 + sizeof(Bias));
  std::uniform_int_distribution<int32_t> weight(-128, 127), multiplier(1 << 29, (1 << 30) - 1);
  std::uniform_int_distribution<int32_t> value(sizeof(T) == 1 ? -128 : -32768,
                                               sizeof(T) == 1 ? 127 : 32767);
  for (const Shape& s : shapes) {
    SCOPED_TRACE(testing::Message() << s.input_size << " inputs, " << s.units << " units");
    LstmParams p{};
    p.time_steps = s.time_steps;
    p.batches = s.batches;
    p.input_size = s.input_size;
    p.units = s.units;
    p.time_major = s.time_major;
    p.input_offset = sizeof(T) == 1 ? s.input_offset : 0;
    p.hidden_offset = sizeof(T) == 1 ? s.hidden_offset : s.hidden_offset / 2;
    for (LstmGateRescale& g : p.gates) {
      const int32_t shift = sizeof(T) == 1 ? -4 : -10;
      g = {multiplier(rng), shift, multiplier(rng), shift};
    }
    p.forget_multiplier = multiplier(rng);
    p.forget_shift = -14;
    p.input_multiplier = multiplier(rng);
    p.input_shift = -13;
    p.hidden_multiplier = multiplier(rng);
    p.hidden_shift = sizeof(T) == 1 ? -22 : -15;
    p.cell_tanh_multiplier = 3;
    p.cell_tanh_shift = 3;
    std::vector<T> input(static_cast<size_t>(s.time_steps * s.batches * s.input_size));
    for (T& v : input) v = static_cast<T>(value(rng));
    std::vector<int8_t> weights(
        static_cast<size_t>(4 * (s.units * s.input_size + s.units * s.units)));
    for (int8_t& v : weights) v = static_cast<int8_t>(weight(rng));
    std::vector<Bias> biases(static_cast<size_t>(4 * s.units));
    for (Bias& v : biases) v = static_cast<Bias>(value(rng) * 64);
    std::vector<uint16_t> table(256);
    for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<uint16_t>(i * 128 + 5);
    std::vector<T> hidden0(static_cast<size_t>(s.batches * s.units));
    for (T& v : hidden0) v = static_cast<T>(value(rng));
    std::vector<int16_t> cell0(hidden0.size());
    for (int16_t& v : cell0) v = static_cast<int16_t>(value(rng) * (sizeof(T) == 1 ? 200 : 1));

    std::vector<T> hidden = hidden0;
    std::vector<int16_t> cell = cell0;
    const std::vector<T> want = run(reference, p, input, weights, biases, table, &hidden, &cell);
    // Outputs spread over many values (not saturated), or the comparison proves little.
    EXPECT_GT(std::set<T>(want.begin(), want.end()).size(), std::min<size_t>(want.size() / 4, 16));
    EXPECT_GT(std::set<int16_t>(cell.begin(), cell.end()).size(), cell.size() / 2);
    for (Kernel variant : {dsp, mve}) {
      std::vector<T> variant_hidden = hidden0;
      std::vector<int16_t> variant_cell = cell0;
      EXPECT_EQ(run(variant, p, input, weights, biases, table, &variant_hidden, &variant_cell),
                want);
      EXPECT_EQ(variant_hidden, hidden);
      EXPECT_EQ(variant_cell, cell);
    }
  }
}

TEST(LstmVariants, Int8MatchesTheReferenceBitForBit) {
  expect_variants_match<int8_t, int32_t>(ref::lstm_s8, arm_dsp::lstm_s8, arm_mve::lstm_s8);
}

TEST(LstmVariants, Int16MatchesTheReferenceBitForBit) {
  expect_variants_match<int16_t, int64_t>(ref::lstm_s16, arm_dsp::lstm_s16, arm_mve::lstm_s16);
}

}  // namespace
}  // namespace kiln
