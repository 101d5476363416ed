// The built-in architectures: each is a kiln graph the module runs as kiln's
// float kernels do, quantization-aware training exports it to an int8 model
// kiln compiles, and the knobs give the parameter counts they should.
#include "compiler/train/architectures.h"

#include <gtest/gtest.h>

#include <functional>

#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

struct Architecture {
  const char* name;
  std::function<ir::Graph()> build;
};

void PrintTo(const Architecture& a, std::ostream* os) { *os << a.name; }

class Architectures : public ::testing::TestWithParam<Architecture> {};

TEST_P(Architectures, RunAsKilnsKernelsAndExportToInt8) {
  const ir::Graph graph = passes::optimize(GetParam().build());
  train::GraphModule module(graph);
  torch::manual_seed(3);
  const torch::Tensor images = torch::rand({16, 28, 28, 1});
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    module.eval();
    logits = module.forward(images);
  }
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{16, 10}));
  // kiln's float kernels, softmax included, on the first image.
  const torch::Tensor first = images[0].contiguous();
  std::vector<float> in(first.data_ptr<float>(), first.data_ptr<float>() + first.numel());
  const std::vector<float> want = test::run_graph<float>(graph, {test::bytes_of(in)});
  const torch::Tensor got = torch::softmax(logits[0], 0);
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(got[static_cast<int64_t>(k)].item<float>(), want[k], 1e-5) << k;

  {
    torch::NoGradGuard no_grad;
    module.quantizer().set_mode(train::ActivationQuantizer::Mode::kObserve);
    module.forward(images);
  }
  module.quantizer().set_mode(train::ActivationQuantizer::Mode::kQuantize);
  module.train();
  module.forward(images).sum().backward();  // gradients reach every parameter
  for (const torch::Tensor& p : module.parameters()) {
    ASSERT_TRUE(p.grad().defined());
  }
  const QuantizeResult q = train::quantize_trained(module, images);
  const CompiledModel int8 = compile_graph(q.graph, {"host"});
  EXPECT_FALSE(int8.blob.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Train, Architectures,
    ::testing::Values(Architecture{"mlp", [] { return train::mlp({}, {12}, 10, 1); }},
                      Architecture{"cnn",
                                   [] {
                                     return train::lenet({}, {4, 8}, 10, 1);
                                   }},
                      Architecture{"ds_cnn", [] { return train::ds_cnn({}, 8, 2, 10, 1); }},
                      Architecture{"mobilenet",
                                   [] {
                                     return train::mobilenet({}, {8, 12}, 2, 2, 10, 1);
                                   }},
                      Architecture{"resnet",
                                   [] {
                                     return train::resnet({}, {8, 16}, 1, 10, 1);
                                   }}),
    [](const ::testing::TestParamInfo<Architecture>& info) { return info.param.name; });

TEST(Architectures, KnobsGiveTheirParameterCounts) {
  // 3x3 stem (1 -> 64), 4 x (3x3 depthwise + 1x1 pointwise), 64 -> 10.
  EXPECT_EQ(train::parameter_count(train::ds_cnn({}, 64, 4, 10, 1)),
            9 * 64 + 64 + 4 * (9 * 64 + 64 + 64 * 64 + 64) + 64 * 10 + 10);
  // Stem 1 -> 16; stage 16: one block without projection; stage 32: with one.
  EXPECT_EQ(train::parameter_count(train::resnet({}, {16, 32}, 1, 10, 1)),
            (9 * 16 + 16) + 2 * (9 * 16 * 16 + 16) + (16 * 32 + 32) + (9 * 16 * 32 + 32) +
                (9 * 32 * 32 + 32) + 32 * 10 + 10);
  // Stem 1 -> 8; one block 8 -> 8 with expansion 2 (residual): 8->16, dw 16, 16->8.
  EXPECT_EQ(train::parameter_count(train::mobilenet({}, {8}, 1, 2, 10, 1)),
            (9 * 8 + 8) + (8 * 16 + 16) + (9 * 16 + 16) + (16 * 8 + 8) + 8 * 10 + 10);
}

}  // namespace
}  // namespace kiln
