// Conformance of every kernel variant with the reference kernels.
//
// Each op family is swept over shapes around the variants' tile sizes (odd
// depths, channel counts that are and are not multiples of the lanes and
// blocks, 1x1 and first-layer shapes, padding, strides, dilation,
// per-tensor and per-channel scales, input zero points). Every case is one
// op; the sweep is compiled once per kernel target. On the host each op's
// kernel is called directly with guard bytes around every operand and
// garbage in its outputs and scratch; on emulated Cortex-M4 (Arm DSP) and
// Cortex-M55 (Helium) the whole sweep runs as one model. Outputs must equal
// the reference kernels' byte for byte. compressed_weights_test.cc runs the
// same sweeps with compressed filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "compiler/target/kernel_target.h"
#include "kernels/common/packed_conv.h"
#include "kiln/kernels.h"
#include "tests/conformance/sweeps.h"

namespace kiln {
namespace {

using conformance::add_cases;
using conformance::build_add_sweep;
using conformance::build_fully_connected_sweep;
using conformance::build_pool_sweep;
using conformance::build_sweep;
using conformance::compile_options;
using conformance::conv_cases;
using conformance::expect_device_slices_match_reference;
using conformance::expect_device_variants_match_reference;
using conformance::expect_variants_match_reference;
using conformance::pool_cases;
using conformance::Storage;
using conformance::Sweep;
using ir::GraphBuilder;
using ir::OpKind;

TEST(Conformance, ConvolutionVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_sweep(conv_cases(), 1));
}

TEST(Conformance, FullyConnectedVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_fully_connected_sweep(2));
}

TEST(Conformance, AddVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_add_sweep(add_cases(), 6));
}

TEST(Conformance, PoolVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_pool_sweep(pool_cases(), 8));
}

// --optimize size: the Arm DSP compact variants (int8 weights widened in
// registers, compact requantization entries), and the reference kernels
// where they do not apply.
TEST(Conformance, LeanConvolutionVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_sweep(conv_cases(), 21), Storage::kLean);
}

TEST(Conformance, LeanFullyConnectedVariantsMatchReferenceOnHost) {
  expect_variants_match_reference(build_fully_connected_sweep(22), Storage::kLean);
}

TEST(Conformance, LeanConvolutionVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 23, build_sweep, Storage::kLean);
}

TEST(Conformance, LeanFullyConnectedVariantsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(build_fully_connected_sweep(24, 0, 6), Storage::kLean);
  expect_device_variants_match_reference(build_fully_connected_sweep(25, 6), Storage::kLean);
}

TEST(Conformance, ConvolutionVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(conv_cases(), 6, 3, build_sweep);
}

TEST(Conformance, FullyConnectedVariantsMatchReferenceOnCortexM) {
  expect_device_variants_match_reference(build_fully_connected_sweep(4, 0, 6));
  expect_device_variants_match_reference(build_fully_connected_sweep(5, 6));
}

TEST(Conformance, AddVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(add_cases(), 4, 7, build_add_sweep);  // three files per case
}

TEST(Conformance, PoolVariantsMatchReferenceOnCortexM) {
  expect_device_slices_match_reference(pool_cases(), 5, 9, build_pool_sweep);
}

// The sweep must reach every variant, or the suite proves nothing about it.
TEST(Conformance, SweepExercisesEveryVariant) {
  std::vector<std::string> seen;
  for (const Sweep& s : {build_sweep(conv_cases(), 1), build_add_sweep(add_cases(), 6),
                         build_pool_sweep(pool_cases(), 8)}) {
    for (const char* target : {"cortex-m4", "cortex-m55", "host"}) {
      for (const ProgramOp& op :
           compile_graph(s.graph, compile_options(target, Storage::kDense)).program.ops) {
        seen.push_back(find_kernel(static_cast<uint32_t>(op.opcode))->name);
      }
    }
  }
  std::vector<std::string> want = {"CONV_2D_S8_ARM_DSP",     "DEPTHWISE_CONV_2D_S8_ARM_DSP",
                                   "CONV_2D_S8_ARM_MVE",     "DEPTHWISE_CONV_2D_S8_ARM_MVE",
                                   "DEPTHWISE_CONV_2D_S8",   "ADD_S8_ARM_DSP",
                                   "ADD_S8_ARM_MVE",         "AVERAGE_POOL_2D_S8_ARM_DSP",
                                   "MAX_POOL_2D_S8_ARM_DSP", "AVERAGE_POOL_2D_S8_ARM_MVE",
                                   "MAX_POOL_2D_S8_ARM_MVE", "AVERAGE_POOL_2D_S8",
                                   "MAX_POOL_2D_S8"};
  for (const char* target : {"cortex-m4", "cortex-m7"}) {
    for (const ProgramOp& op :
         compile_graph(build_sweep(conv_cases(), 1).graph, compile_options(target, Storage::kLean))
             .program.ops) {
      seen.push_back(find_kernel(static_cast<uint32_t>(op.opcode))->name);
    }
  }
  want.push_back("CONV_2D_S8_COMPACT_ARM_DSP");
  want.push_back("DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP");
  if (kernel_isa_available(KernelIsa::x86_avx2)) {
    for (const char* name :
         {"CONV_2D_S8_X86_AVX2", "DEPTHWISE_CONV_2D_S8_X86_AVX2", "ADD_S8_X86_AVX2",
          "AVERAGE_POOL_2D_S8_X86_AVX2", "MAX_POOL_2D_S8_X86_AVX2"}) {
      want.push_back(name);
    }
  }
  for (const std::string& name : want) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), name), seen.end()) << name << " is never chosen";
  }
}

// The compiler finds a variant by its name, <REFERENCE>_<INSTRUCTION SET>:
// every variant in the kernel list must be named after a reference kernel.
// A second layout of the same op's records for one instruction set, which
// the compiler chooses by name itself, says which before the set
// (<REFERENCE>_COMPACT_ARM_DSP).
TEST(Conformance, EveryVariantIsNamedAfterItsReferenceKernel) {
  std::vector<std::string> reference;
  std::vector<const KernelInfo*> variants;
  for (uint32_t number = 0; number < 1024; ++number) {
    const KernelInfo* k = find_kernel(number);
    if (!k || !k->name) continue;
    if (k->isa == KernelIsa::ref) {
      reference.push_back(k->name);
    } else {
      variants.push_back(k);
    }
  }
  ASSERT_GE(variants.size(), 20u);  // the loop saw the list
  for (const KernelInfo* v : variants) {
    std::string suffix = std::string("_") + kernel_isa_name(v->isa);
    std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string name = v->name;
    ASSERT_GT(name.size(), suffix.size()) << name;
    EXPECT_EQ(name.substr(name.size() - suffix.size()), suffix) << name;
    std::string base = name.substr(0, name.size() - suffix.size());
    const std::string layout = "_COMPACT";
    if (base.size() > layout.size() && base.substr(base.size() - layout.size()) == layout)
      base.resize(base.size() - layout.size());
    EXPECT_NE(std::find(reference.begin(), reference.end(), base), reference.end())
        << name << " names no reference kernel " << base;
  }
}

// A layer beyond a variant's limits (here 3x3x8192 taps per channel, above
// kMaxDim) compiles to the reference kernel instead of failing.
TEST(Conformance, LayerBeyondVariantLimitsFallsBackToReference) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 3, 3, 8192}, 0.05f, 0);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 3, 3, 8192},
                                   std::vector<int8_t>(9 * 8192, 1), {0.01f});
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1, 1, 1}, 1.0f, 0);
  b.op(OpKind::kConv2D, {x, w, -1}, {y});
  b.output(y);
  const CompiledModel m = compile_graph(b.build(), compile_options("cortex-m4", Storage::kDense));
  ASSERT_EQ(m.program.ops.size(), 1u);
  EXPECT_EQ(m.program.ops[0].opcode, OpCode::CONV_2D_S8);
}

// Helium's 3x3 depthwise layers with channels in sixteens take the paired
// layout: one 528-byte record per sixteen channels, its first biases with the
// input offset folded in (bias + input_offset * the weights' sum), the plain
// biases after the taps. A weight of -128 would overflow the int16 sum of two
// products, so such a filter goes to the next variant, Arm DSP's.
TEST(Conformance, HeliumDepthwisePairsTapsWhenNoWeightIsMinus128) {
  auto compile = [](int8_t first_weight) {
    GraphBuilder b;
    const int x = b.input("x", KILN_DTYPE_INT8, {1, 5, 5, 16}, 0.05f, -3);
    std::vector<int8_t> weights(9 * 16, 2);
    weights[0] = first_weight;
    const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 3, 3, 16}, weights, {0.01f}, 3);
    const int bias = b.constant<int32_t>("b", KILN_DTYPE_INT32, {16}, std::vector<int32_t>(16, 10));
    const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 5, 5, 16}, 0.1f, 0);
    ir::OpAttrs a;
    a.padding = ir::Padding::kSame;
    b.op(OpKind::kDepthwiseConv2D, {x, w, bias}, {y}, a);
    b.output(y);
    return compile_graph(b.build(), compile_options("cortex-m55", Storage::kDense));
  };
  const CompiledModel paired = compile(-127);
  ASSERT_EQ(paired.program.ops.size(), 1u);
  EXPECT_EQ(paired.program.ops[0].opcode, OpCode::DEPTHWISE_CONV_2D_S8_ARM_MVE);
  const std::vector<uint8_t>& record = paired.program.tensors[paired.program.ops[0].inputs[1]].data;
  ASSERT_EQ(record.size(), 528u);
  int32_t folded[2], plain;
  std::memcpy(folded, record.data(), sizeof(folded));
  std::memcpy(&plain, record.data() + 208, sizeof(plain));
  EXPECT_EQ(folded[0], 10 + 3 * (-127 + 8 * 2));  // input_offset 3
  EXPECT_EQ(folded[1], 10 + 3 * (9 * 2));
  EXPECT_EQ(plain, 10);
  EXPECT_EQ(compile(-128).program.ops[0].opcode, OpCode::DEPTHWISE_CONV_2D_S8_ARM_DSP);
}

// Eight channels and stride 1 take the pixel-pairs layout: one record of
// sixteen lanes, each channel twice (two adjacent pixels per vector).
TEST(Conformance, HeliumDepthwiseOfEightChannelsRecordsEachChannelTwice) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT8, {1, 4, 6, 8}, 0.05f, 1);
  std::vector<int8_t> weights(9 * 8);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>(i % 8 + 1);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, {1, 3, 3, 8}, weights, {0.01f}, 3);
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 4, 6, 8}, 0.1f, 0);
  ir::OpAttrs a;
  a.padding = ir::Padding::kSame;
  b.op(OpKind::kDepthwiseConv2D, {x, w, -1}, {y}, a);
  b.output(y);
  const CompiledModel m = compile_graph(b.build(), compile_options("cortex-m55", Storage::kDense));
  ASSERT_EQ(m.program.ops.size(), 1u);
  EXPECT_EQ(m.program.ops[0].opcode, OpCode::DEPTHWISE_CONV_2D_S8_ARM_MVE);
  const std::vector<uint8_t>& record = m.program.tensors[m.program.ops[0].inputs[1]].data;
  ASSERT_EQ(record.size(), 528u);
  for (size_t lane = 0; lane < 16; ++lane) {
    int32_t folded;
    std::memcpy(&folded, record.data() + 4 * lane, sizeof(folded));
    EXPECT_EQ(folded, -1 * 9 * static_cast<int32_t>(lane % 8 + 1)) << lane;  // input_offset -1
    EXPECT_EQ(record[64 + 16 * 4 + lane], lane % 8 + 1) << lane;             // tap 4
  }
}

// The assembly routines read whole windows without bounds checks, so the
// runs they get must hold exactly the output positions whose every tap lies
// inside the input, and every pixel must be visited once, in order.
TEST(Conformance, PixelRunsCoverExactlyTheWindowsInsideTheInput) {
  for (int32_t in = 1; in <= 12; ++in) {
    for (int32_t taps = 1; taps <= 4; ++taps) {
      for (int32_t stride = 1; stride <= 3; ++stride) {
        for (int32_t dilation = 1; dilation <= 2; ++dilation) {
          for (int32_t pad = 0; pad <= taps; ++pad) {
            const int32_t out = (in + 2 * pad - (taps - 1) * dilation - 1) / stride + 1;
            if (out < 1) continue;
            const kernels::TapRange r =
                kernels::window_inside(out, in, stride, pad, dilation, taps);
            for (int32_t o = 0; o < out; ++o) {
              const int32_t first = o * stride - pad, last = first + (taps - 1) * dilation;
              const bool inside = first >= 0 && last < in;
              EXPECT_EQ(inside, o >= r.begin && o < r.end)
                  << "in " << in << " taps " << taps << " stride " << stride << " dilation "
                  << dilation << " pad " << pad << " position " << o;
            }
          }
        }
      }
    }
  }
  Conv2DParams p{};
  p.batches = 2;
  p.out_h = 3;
  p.out_w = 5;
  std::vector<int32_t> visits;
  kernels::for_each_pixel_or_run(
      p, kernels::TapRange{1, 2}, kernels::TapRange{1, 4},
      [&](int32_t b, int32_t y, int32_t x) { visits.push_back((b * p.out_h + y) * p.out_w + x); },
      [&](int32_t b, int32_t y, int32_t begin, int32_t end) {
        EXPECT_EQ(y, 1);
        for (int32_t x = begin; x < end; ++x) visits.push_back((b * p.out_h + y) * p.out_w + x);
      });
  std::vector<int32_t> want(static_cast<size_t>(p.batches * p.out_h * p.out_w));
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int32_t>(i);
  EXPECT_EQ(visits, want);
}

}  // namespace
}  // namespace kiln
