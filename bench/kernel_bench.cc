// Host throughput of each kernel variant on representative layers of the
// MLPerf Tiny models, in multiply-accumulates per second (ADD and pooling:
// input elements per second): the
// reference kernels (portable) and the host's variants (AVX2) in one run, and
// the Arm DSP and Helium variants through their portable primitives (their
// real cost is counted on the emulated cores: `kiln bench --layers`).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"

namespace {

using kiln::ir::GraphBuilder;
using kiln::ir::OpKind;

struct Layer {
  const char* name;
  OpKind kind;
  int32_t h, w, in_c, out_c, k, stride;
};

constexpr Layer kLayers[] = {
    {"kws_first_conv_10x4", OpKind::kConv2D, 49, 10, 1, 64, 0, 2},
    {"kws_pointwise_64", OpKind::kConv2D, 25, 5, 64, 64, 1, 1},
    {"kws_depthwise_3x3x64", OpKind::kDepthwiseConv2D, 25, 5, 64, 64, 3, 1},
    {"vww_pointwise_128", OpKind::kConv2D, 6, 6, 128, 128, 1, 1},
    {"resnet_conv_3x3x16", OpKind::kConv2D, 32, 32, 16, 16, 3, 1},
    {"ad_fully_connected_640x128", OpKind::kFullyConnected, 1, 1, 640, 128, 1, 1},
    {"resnet_add_32x32x16", OpKind::kAdd, 32, 32, 16, 16, 0, 1},
    {"kws_average_pool_25x5x64", OpKind::kAveragePool2D, 25, 5, 64, 64, 0, 1},
};

// ADD of two inputs and a global average pool; *items is their input elements.
kiln::ir::Graph elementwise_graph(const Layer& l, int64_t* items) {
  GraphBuilder b;
  const std::vector<int32_t> shape = {1, l.h, l.w, l.in_c};
  const int x = b.input("x", KILN_DTYPE_INT8, shape, 0.05f, 3);
  kiln::ir::OpAttrs a;
  a.activation = kiln::ir::Activation::kRelu;
  *items = int64_t{l.h} * l.w * l.in_c;
  if (l.kind == OpKind::kAdd) {
    const int x2 = b.input("x2", KILN_DTYPE_INT8, shape, 0.07f, -5);
    const int y = b.tensor("y", KILN_DTYPE_INT8, shape, 0.1f, -2);
    b.op(l.kind, {x, x2}, {y}, a);
    b.output(y);
    return b.build();
  }
  const int y = b.tensor("y", KILN_DTYPE_INT8, {1, 1, 1, l.in_c}, 0.05f, 3);
  a.padding = kiln::ir::Padding::kValid;
  a.filter_h = l.h;
  a.filter_w = l.w;
  a.stride_h = a.stride_w = 1;
  b.op(l.kind, {x}, {y}, a);
  b.output(y);
  return b.build();
}

kiln::ir::Graph layer_graph(const Layer& l, int64_t* macs) {
  if (l.kind == OpKind::kAdd || l.kind == OpKind::kAveragePool2D) return elementwise_graph(l, macs);
  GraphBuilder b;
  const bool fc = l.kind == OpKind::kFullyConnected, depthwise = l.kind == OpKind::kDepthwiseConv2D;
  const int32_t k_h = l.k ? l.k : 10, k_w = l.k ? l.k : 4;
  const int x = fc ? b.input("x", KILN_DTYPE_INT8, {1, l.in_c}, 0.05f, 3)
                   : b.input("x", KILN_DTYPE_INT8, {1, l.h, l.w, l.in_c}, 0.05f, 3);
  std::vector<int32_t> w_shape = fc          ? std::vector<int32_t>{l.out_c, l.in_c}
                                 : depthwise ? std::vector<int32_t>{1, k_h, k_w, l.out_c}
                                             : std::vector<int32_t>{l.out_c, k_h, k_w, l.in_c};
  int64_t w_elements = 1;
  for (int32_t d : w_shape) w_elements *= d;
  std::vector<int8_t> weights(static_cast<size_t>(w_elements));
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>(i * 37 % 255 - 127);
  const int w = b.constant<int8_t>("w", KILN_DTYPE_INT8, w_shape, weights,
                                   std::vector<float>(fc ? 1 : l.out_c, 0.01f), depthwise ? 3 : 0);
  const int32_t out_h = (l.h + l.stride - 1) / l.stride, out_w = (l.w + l.stride - 1) / l.stride;
  const int y = fc ? b.tensor("y", KILN_DTYPE_INT8, {1, l.out_c}, 0.1f, -2)
                   : b.tensor("y", KILN_DTYPE_INT8, {1, out_h, out_w, l.out_c}, 0.1f, -2);
  kiln::ir::OpAttrs a;
  a.padding = kiln::ir::Padding::kSame;
  a.stride_h = a.stride_w = l.stride;
  a.activation = kiln::ir::Activation::kRelu;
  b.op(l.kind, {x, w, -1}, {y}, a);
  b.output(y);
  *macs = fc ? int64_t{l.in_c} * l.out_c
             : int64_t{out_h} * out_w * l.out_c * k_h * k_w * (depthwise ? 1 : l.in_c);
  return b.build();
}

void run_layer(benchmark::State& state, const Layer& l, const std::string& target) {
  int64_t macs = 0;
  const kiln::CompiledModel m = kiln::compile_graph(layer_graph(l, &macs), {target});
  kiln::HostRunner runner(m.blob);
  for (auto _ : state) {
    runner.invoke();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * macs);  // items/s = MACs (elements) per second
  state.SetLabel(m.program.ops.empty()
                     ? ""
                     : kiln::find_kernel(static_cast<uint32_t>(m.program.ops[0].opcode))->name);
}

}  // namespace

int main(int argc, char** argv) {
  for (const Layer& l : kLayers) {
    for (const std::string target : {"portable", "host", "cortex-m4", "cortex-m55"}) {
      benchmark::RegisterBenchmark((std::string(l.name) + "/" + target).c_str(),
                                   [l, target](benchmark::State& s) { run_layer(s, l, target); })
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
