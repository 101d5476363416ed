// The 16x8 convolutions (the reference and the Arm DSP and Helium variants)
// against a tap-by-tap loop written here, on the host (each instruction set's inner products in
// portable C there; on the emulated cores the conformance suite runs them natively): random
// activations at the int16 extremes and weights at the int8 extremes, over
// geometries that take every path of the loops (a run of taps per filter
// row, an odd channel left after the pairs, padding on both sides, strides,
// dilation and groups, channel counts off the 4- and 8-lane steps), with
// int64 and int32 biases.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace {

struct Geometry {
  int32_t in_h, in_w, in_c, out_c, k_h, k_w, stride, dilation, pad, groups;
};

using Kernel = void (*)(const void*, const void* const*, void* const*);

std::vector<int16_t> run(Kernel kernel, const Conv2DParams& p, const std::vector<int16_t>& input,
                         const std::vector<int8_t>& filter, const void* bias,
                         const std::vector<int32_t>& requant) {
  std::vector<int16_t> out(static_cast<size_t>(p.out_h * p.out_w * p.out_c));
  const void* inputs[4] = {input.data(), filter.data(), bias, requant.data()};
  void* outputs[1] = {out.data()};
  kernel(&p, inputs, outputs);
  return out;
}

// TFLite's ConvPerChannel for int16 with an int64 bias, tap by tap.
std::vector<int16_t> tap_by_tap(const Conv2DParams& p, const std::vector<int16_t>& input,
                                const std::vector<int8_t>& filter, const std::vector<int64_t>& bias,
                                const std::vector<int32_t>& requant) {
  std::vector<int16_t> out;
  const int32_t groups = p.in_c / p.filter_in_c;
  for (int32_t y = 0; y < p.out_h; ++y) {
    for (int32_t x = 0; x < p.out_w; ++x) {
      for (int32_t oc = 0; oc < p.out_c; ++oc) {
        int64_t acc = bias[static_cast<size_t>(oc)];
        const int32_t first_c = oc / (p.out_c / groups) * p.filter_in_c;
        for (int32_t fy = 0; fy < p.k_h; ++fy) {
          for (int32_t fx = 0; fx < p.k_w; ++fx) {
            const int32_t iy = y * p.stride_h - p.pad_h + fy * p.dilation_h;
            const int32_t ix = x * p.stride_w - p.pad_w + fx * p.dilation_w;
            if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
            for (int32_t c = 0; c < p.filter_in_c; ++c) {
              acc +=
                  int64_t{input[static_cast<size_t>((iy * p.in_w + ix) * p.in_c + first_c + c)]} *
                  filter[static_cast<size_t>(((oc * p.k_h + fy) * p.k_w + fx) * p.filter_in_c + c)];
            }
          }
        }
        const int32_t v = fp::multiply_by_quantized_multiplier_64(
            acc, requant[static_cast<size_t>(oc)], requant[static_cast<size_t>(p.out_c + oc)]);
        out.push_back(static_cast<int16_t>(fp::clamp(v, p.act_min, p.act_max)));
      }
    }
  }
  return out;
}

TEST(Conv16x8Variants, MatchTheReferenceBitForBit) {
  const Geometry geometries[] = {
      {3, 12, 64, 64, 3, 4, 1, 1, 0, 1},  // SEANet's encoder convolution
      {5, 7, 13, 9, 3, 3, 1, 1, 1, 1},    // odd channels, padding
      {6, 9, 8, 5, 3, 3, 2, 1, 1, 1},     // stride 2
      {7, 7, 6, 4, 3, 3, 1, 2, 2, 1},     // dilation 2
      {4, 5, 12, 6, 1, 3, 1, 1, 1, 3},    // groups of 4 channels
      {1, 1, 37, 11, 1, 1, 1, 1, 0, 1},   // a fully connected layer
  };
  std::mt19937 rng(16);
  std::uniform_int_distribution<int32_t> activation(-32768, 32767), weight(-128, 127);
  std::uniform_int_distribution<int32_t> bias_value(-(1 << 20), 1 << 20);
  for (const Geometry& g : geometries) {
    SCOPED_TRACE(testing::Message() << g.in_h << "x" << g.in_w << "x" << g.in_c << " -> " << g.out_c
                                    << ", " << g.k_h << "x" << g.k_w);
    Conv2DParams p{};
    p.batches = 1;
    p.in_h = g.in_h;
    p.in_w = g.in_w;
    p.in_c = g.in_c;
    p.out_c = g.out_c;
    p.k_h = g.k_h;
    p.k_w = g.k_w;
    p.filter_in_c = g.in_c / g.groups;
    p.depth_multiplier = 1;
    p.stride_h = p.stride_w = g.stride;
    p.dilation_h = p.dilation_w = g.dilation;
    p.pad_h = p.pad_w = g.pad;
    p.out_h = (g.in_h + 2 * g.pad - g.dilation * (g.k_h - 1) - 1) / g.stride + 1;
    p.out_w = (g.in_w + 2 * g.pad - g.dilation * (g.k_w - 1) - 1) / g.stride + 1;
    p.has_bias = 1;
    p.act_min = -32768;
    p.act_max = 32767;
    std::vector<int16_t> input(static_cast<size_t>(g.in_h * g.in_w * g.in_c));
    for (int16_t& v : input) v = static_cast<int16_t>(activation(rng));
    std::vector<int8_t> filter(static_cast<size_t>(g.out_c * g.k_h * g.k_w * p.filter_in_c));
    for (int8_t& v : filter) v = static_cast<int8_t>(weight(rng));
    std::vector<int64_t> bias64(static_cast<size_t>(g.out_c));
    std::vector<int32_t> bias32(static_cast<size_t>(g.out_c));
    std::vector<int32_t> requant(2 * static_cast<size_t>(g.out_c));
    for (int32_t c = 0; c < g.out_c; ++c) {
      bias32[static_cast<size_t>(c)] = bias_value(rng);
      bias64[static_cast<size_t>(c)] = bias32[static_cast<size_t>(c)];
      requant[static_cast<size_t>(c)] = 1518500250 + c;           // ~0.71 in Q31
      requant[static_cast<size_t>(g.out_c + c)] = -14 - (c % 3);  // right shifts
    }
    const std::vector<int16_t> want64 = tap_by_tap(p, input, filter, bias64, requant);
    EXPECT_EQ(run(ref::conv2d_s16, p, input, filter, bias64.data(), requant), want64);
    const std::vector<int16_t> want32 =
        run(ref::conv2d_s16_b32, p, input, filter, bias32.data(), requant);
    EXPECT_EQ(run(arm_dsp::conv2d_s16, p, input, filter, bias64.data(), requant), want64);
    EXPECT_EQ(run(arm_mve::conv2d_s16, p, input, filter, bias64.data(), requant), want64);
    EXPECT_EQ(run(arm_dsp::conv2d_s16_b32, p, input, filter, bias32.data(), requant), want32);
    EXPECT_EQ(run(arm_mve::conv2d_s16_b32, p, input, filter, bias32.data(), requant), want32);
  }
}

// The depthwise variants against the reference kernel (which the conformance
// suite checks against TFLite Micro): channel counts around the 4- and
// 16-lane blocks, windows cut by padding on every side and pixels wholly in
// the padding, stride, dilation, and a 1x511 window of extreme values, the
// most taps whose sums the variants keep in 32 bits.
TEST(Conv16x8Variants, DepthwiseMatchesTheReferenceBitForBit) {
  struct DepthwiseGeometry {
    int32_t in_h, in_w, channels, k_h, k_w, stride, dilation, pad;
    bool extremes;
  };
  const DepthwiseGeometry geometries[] = {
      {6, 6, 16, 3, 3, 1, 1, 1, false},  {5, 7, 37, 3, 3, 1, 1, 1, false},
      {9, 8, 4, 5, 5, 2, 1, 2, false},   {7, 7, 21, 3, 3, 1, 2, 2, false},
      {2, 2, 3, 3, 3, 1, 1, 3, false},   {1, 511, 6, 1, 511, 1, 1, 0, true},
      {3, 12, 64, 3, 4, 1, 1, 0, false},
  };
  std::mt19937 rng(17);
  std::uniform_int_distribution<int32_t> activation(-32768, 32767), weight(-128, 127);
  std::uniform_int_distribution<int32_t> bias_value(-(1 << 20), 1 << 20);
  for (const DepthwiseGeometry& g : geometries) {
    SCOPED_TRACE(testing::Message() << g.in_h << "x" << g.in_w << "x" << g.channels << ", " << g.k_h
                                    << "x" << g.k_w << " pad " << g.pad);
    Conv2DParams p{};
    p.batches = 1;
    p.in_h = g.in_h;
    p.in_w = g.in_w;
    p.in_c = p.out_c = g.channels;
    p.k_h = g.k_h;
    p.k_w = g.k_w;
    p.filter_in_c = 1;
    p.depth_multiplier = 1;
    p.stride_h = p.stride_w = g.stride;
    p.dilation_h = p.dilation_w = g.dilation;
    p.pad_h = p.pad_w = g.pad;
    p.out_h = (g.in_h + 2 * g.pad - g.dilation * (g.k_h - 1) - 1) / g.stride + 1;
    p.out_w = (g.in_w + 2 * g.pad - g.dilation * (g.k_w - 1) - 1) / g.stride + 1;
    p.has_bias = 1;
    p.act_min = -32768;
    p.act_max = 32767;
    std::vector<int16_t> input(static_cast<size_t>(g.in_h * g.in_w * g.channels));
    for (int16_t& v : input) v = static_cast<int16_t>(g.extremes ? -32768 : activation(rng));
    std::vector<int8_t> filter(static_cast<size_t>(g.k_h * g.k_w * g.channels));
    for (int8_t& v : filter) v = static_cast<int8_t>(g.extremes ? -128 : weight(rng));
    std::vector<int64_t> bias(static_cast<size_t>(g.channels));
    std::vector<int32_t> requant(2 * static_cast<size_t>(g.channels));
    for (int32_t c = 0; c < g.channels; ++c) {
      bias[static_cast<size_t>(c)] = bias_value(rng);
      requant[static_cast<size_t>(c)] = 1518500250 + c;
      requant[static_cast<size_t>(g.channels + c)] = g.extremes ? -24 : -14 - (c % 3);
    }
    OperandSizes sizes{};
    ASSERT_TRUE(depthwise_16x8_variant_operand_sizes(p, &sizes));
    const std::vector<int16_t> want =
        run(ref::depthwise_conv2d_s16, p, input, filter, bias.data(), requant);
    EXPECT_EQ(run(arm_dsp::depthwise_conv2d_s16, p, input, filter, bias.data(), requant), want);
    EXPECT_EQ(run(arm_mve::depthwise_conv2d_s16, p, input, filter, bias.data(), requant), want);
  }
}

// Beyond 511 taps or with a depth multiplier the reference kernel runs.
TEST(Conv16x8Variants, DepthwiseVariantsRefuseWhatTheirSumsCannotHold) {
  Conv2DParams p{};
  p.batches = p.in_h = p.out_h = p.out_w = p.k_h = 1;
  p.in_w = p.k_w = 512;
  p.in_c = p.out_c = 4;
  p.filter_in_c = p.depth_multiplier = 1;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.act_min = -32768;
  p.act_max = 32767;
  OperandSizes sizes{};
  EXPECT_TRUE(conv2d_16x8_operand_sizes(p, true, 8, &sizes));
  EXPECT_FALSE(depthwise_16x8_variant_operand_sizes(p, &sizes));
  p.in_w = p.k_w = 511;
  EXPECT_TRUE(depthwise_16x8_variant_operand_sizes(p, &sizes));
  p.depth_multiplier = 2;
  p.out_c = 8;
  EXPECT_FALSE(depthwise_16x8_variant_operand_sizes(p, &sizes));
}

}  // namespace
}  // namespace kiln
