// The conformance sweeps: op families swept over shapes around the kernel
// variants' tile sizes, each case one op of one graph, and the checks that
// run a sweep compiled for every kernel target against the reference
// kernels, op by op on the host (guard bytes around every operand, garbage
// in outputs and scratch) and as one model on the emulated Cortex-M cores.
#ifndef KILN_TESTS_CONFORMANCE_SWEEPS_H
#define KILN_TESTS_CONFORMANCE_SWEEPS_H

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/pipeline/compile.h"

namespace kiln {
namespace conformance {

using ir::OpKind;

// A convolution or depthwise convolution of the sweep.
struct ConvCase {
  OpKind kind;
  int32_t h, w, in_c, out_c, k_h, k_w, stride, dilation;
  bool same;
  bool per_channel;
  int32_t input_zero_point;
  float output_scale = 0.0f;  // 0: a typical one (rescale well below 1)
  int32_t value_range =
      128;  // weights in [-value_range, value_range), inputs that far from the zero point
};

// One graph holding every case as an independent op; inputs are the graph
// inputs' contents, in order, and output i is case i's.
struct Sweep {
  ir::Graph graph;
  std::vector<std::vector<uint8_t>> inputs;
  size_t cases() const { return graph.outputs.size(); }
};

struct AddCase {
  int32_t size;
  int32_t zero_point1, zero_point2, output_zero_point;
  float scale1, scale2, output_scale;
  ir::Activation activation;
};

struct PoolCase {
  OpKind kind;
  int32_t h, w, c, k_h, k_w, stride;
  bool same;
};

// Shapes around the 1x1, 4- and 16-tap groups, first layers, padding,
// strides, dilation, per-tensor and per-channel scales, input zero points.
std::vector<ConvCase> conv_cases();
Sweep build_sweep(const std::vector<ConvCase>& cases, uint32_t seed);

using FullyConnectedShape = std::array<int32_t, 3>;  // batches, depth, units
extern const std::vector<FullyConnectedShape> kFullyConnectedShapes;
// Fully connected layers (which run as 1x1 convolutions in the variants):
// `count` of `shapes` from `first`.
Sweep build_fully_connected_sweep(
    uint32_t seed, size_t first = 0, size_t count = SIZE_MAX,
    const std::vector<FullyConnectedShape>& shapes = kFullyConnectedShapes);

std::vector<AddCase> add_cases();
Sweep build_add_sweep(const std::vector<AddCase>& cases, uint32_t seed);
std::vector<PoolCase> pool_cases();
Sweep build_pool_sweep(const std::vector<PoolCase>& cases, uint32_t seed);

// Runs every op of a compiled sweep by calling its kernel directly, each
// operand in its own guarded buffer, outputs and scratch filled with garbage;
// fails the test if a kernel writes outside its outputs. An op reads graph
// inputs, constants and earlier ops' outputs 0. Returns each op's output 0,
// and each op's kernel name in `kernels`.
std::vector<std::vector<uint8_t>> run_ops_guarded(const CompiledModel& m, const Sweep& s,
                                                  std::vector<std::string>* kernels);

// How the compilation stores filters: int8 always, compressed where kiln
// stores them so (4-bit codes, nonzero weights), or entropy-coded too; or
// int8 always or compressed in the lean variants (--optimize size).
enum class Storage { kDense, kCompressed, kEntropy, kLean, kLeanCompressed };
CompileOptions compile_options(const char* target, Storage storage);

// The sweep compiled for the Arm and AVX2 targets, op by op on the host,
// equals the portable target's dense reference kernels.
void expect_variants_match_reference(const Sweep& s, Storage storage = Storage::kDense);
// The Arm variants compiled for the real instruction sets, on the emulated
// cores. With compressed weights the portable blob (the reference
// compressed kernels) runs on the M4 too.
void expect_device_variants_match_reference(const Sweep& s, Storage storage = Storage::kDense);

// The firmware's command line holds a few files (each case's inputs and
// output), so a device sweep runs in slices of `slice` cases, each passed
// through `weights` (if any) before it runs.
template <typename Case, typename Build>
void expect_device_slices_match_reference(const std::vector<Case>& cases, size_t slice,
                                          uint32_t seed, Build build,
                                          Storage storage = Storage::kDense,
                                          Sweep (*weights)(Sweep, uint32_t) = nullptr) {
  for (size_t first = 0; first < cases.size(); first += slice) {
    SCOPED_TRACE("cases from " + std::to_string(first));
    const size_t last = std::min(cases.size(), first + slice);
    const Sweep s = build(std::vector<Case>(cases.begin() + static_cast<long>(first),
                                            cases.begin() + static_cast<long>(last)),
                          static_cast<uint32_t>(seed + first));
    expect_device_variants_match_reference(weights ? weights(s, seed) : s, storage);
  }
}

}  // namespace conformance
}  // namespace kiln

#endif  // KILN_TESTS_CONFORMANCE_SWEEPS_H
