// Writes kiln's demo model: a small int8 keyword-spotting network (the shape
// of a DS-CNN, scaled down) with deterministic weights, as a .tflite file,
// plus one input for it. It lets `scripts/demo.sh` run the whole pipeline
// without any external model.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/ir/builder.h"

namespace {

using kiln::ir::GraphBuilder;
using kiln::ir::OpAttrs;
using kiln::ir::OpKind;

// Deterministic pseudo-random int8 weights in [-range, range].
class Weights {
 public:
  std::vector<int8_t> next(size_t n, int range) {
    std::vector<int8_t> w(n);
    for (int8_t& v : w) {
      state_ = state_ * 1664525u + 1013904223u;
      v = static_cast<int8_t>(
          static_cast<int>((state_ >> 16) % static_cast<uint32_t>(2 * range + 1)) - range);
    }
    return w;
  }

 private:
  uint32_t state_ = 2024;
};

kiln::ir::Graph demo_graph() {
  GraphBuilder b;
  Weights w;
  const kiln_dtype s8 = KILN_DTYPE_INT8, s32 = KILN_DTYPE_INT32;
  OpAttrs relu;
  relu.activation = kiln::ir::Activation::kRelu;

  // 49 frames x 10 MFCC features, as MLPerf's keyword spotter takes them.
  const int input = b.input("mfcc", s8, {1, 49, 10, 1}, 0.5f, 0);

  OpAttrs conv1 = relu;
  conv1.padding = kiln::ir::Padding::kSame;
  conv1.stride_h = conv1.stride_w = 2;
  const int f1 = b.constant<int8_t>("conv1/filter", s8, {16, 5, 3, 1}, w.next(16 * 5 * 3, 60),
                                    std::vector<float>(16, 0.004f), 0);
  const int b1 = b.constant<int32_t>("conv1/bias", s32, {16}, std::vector<int32_t>(16, 50),
                                     std::vector<float>(16, 0.002f));
  const int a1 = b.tensor("conv1", s8, {1, 25, 5, 16}, 0.05f, -128);
  b.op(OpKind::kConv2D, {input, f1, b1}, {a1}, conv1);

  OpAttrs dw = relu;
  dw.padding = kiln::ir::Padding::kSame;
  const int f2 = b.constant<int8_t>("dw1/filter", s8, {1, 3, 3, 16}, w.next(9 * 16, 100),
                                    std::vector<float>(16, 0.01f), 3);
  const int b2 = b.constant<int32_t>("dw1/bias", s32, {16}, std::vector<int32_t>(16, 0),
                                     std::vector<float>(16, 0.0005f));
  const int a2 = b.tensor("dw1", s8, {1, 25, 5, 16}, 0.05f, -128);
  b.op(OpKind::kDepthwiseConv2D, {a1, f2, b2}, {a2}, dw);

  const int f3 = b.constant<int8_t>("pw1/filter", s8, {32, 1, 1, 16}, w.next(32 * 16, 90),
                                    std::vector<float>(32, 0.01f), 0);
  const int b3 = b.constant<int32_t>("pw1/bias", s32, {32}, std::vector<int32_t>(32, -20),
                                     std::vector<float>(32, 0.0005f));
  const int a3 = b.tensor("pw1", s8, {1, 25, 5, 32}, 0.05f, -128);
  b.op(OpKind::kConv2D, {a2, f3, b3}, {a3}, relu);

  OpAttrs pool;
  pool.filter_h = 25;
  pool.filter_w = 5;
  const int a4 = b.tensor("pool", s8, {1, 1, 1, 32}, 0.05f, -128);
  b.op(OpKind::kAveragePool2D, {a3}, {a4}, pool);
  const int a5 = b.tensor("flatten", s8, {1, 32}, 0.05f, -128);
  b.op(OpKind::kReshape, {a4}, {a5});

  const int f6 = b.constant<int8_t>("fc/weights", s8, {12, 32}, w.next(12 * 32, 127), {0.01f});
  const int b6 = b.constant<int32_t>("fc/bias", s32, {12}, std::vector<int32_t>(12, 0), {0.0005f});
  const int a6 = b.tensor("logits", s8, {1, 12}, 0.1f, 0);
  b.op(OpKind::kFullyConnected, {a5, f6, b6}, {a6});
  const int out = b.tensor("probabilities", s8, {1, 12}, 1.0f / 256, -128);
  b.op(OpKind::kSoftmax, {a6}, {out});
  b.output(out);
  return b.build();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.tflite INPUT.bin\n", argv[0]);
    return 1;
  }
  try {
    const std::vector<uint8_t> model = kiln::write_tflite(demo_graph());
    kiln::write_file(argv[1], model.data(), model.size());
    // A chirp-like input: a ramp in time with a feature-dependent offset.
    std::vector<int8_t> input(49 * 10);
    for (size_t i = 0; i < input.size(); ++i)
      input[i] = static_cast<int8_t>((i * 7 + (i % 10) * 13) % 200 - 100);
    kiln::write_file(argv[2], input.data(), input.size());
    fmt::print("wrote {} ({} bytes) and {}\n", argv[1], model.size(), argv[2]);
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.kind());
  }
  return 0;
}
