// Every test-vector case in ../shared/testvectors through the compiler and the
// executor, compiled for every kernel target (so each instruction set's
// variants run on the host, the Arm ones through their portable primitives):
// int8 outputs byte for byte against TFLite Micro's reference kernels, float
// outputs within 1e-4 of the output's largest magnitude against desktop TFLite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/host_runner.h"
#include "compiler/ir/layout.h"
#include "tests/support/run_graph.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

class GoldenTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

std::vector<float> as_floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> f(bytes.size() / 4);
  std::memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

// Float outputs match desktop TFLite within 1e-4 of their largest magnitude.
// An output dequantized from an int8 tensor is quantized in steps of that
// tensor's scale, and desktop TFLite's XNNPACK kernels differ from the
// reference ones by up to one step on conv/FC: there the bound is one step.
float float_tolerance(const ir::Graph& graph, float max_magnitude) {
  float tolerance = 1e-4f * max_magnitude;
  for (const ir::Op& op : graph.ops) {
    if (op.kind == ir::OpKind::kDequantize && op.outputs[0] == graph.outputs[0]) {
      tolerance = std::max(tolerance, graph.tensors[static_cast<size_t>(op.inputs[0])].quant.scale() * 1.0001f);
    }
  }
  return tolerance;
}

TEST_P(GoldenTest, MatchesReference) {
  const auto& [target, name] = GetParam();
  const test::Case c = test::load_case(name);
  const std::vector<uint8_t> model = read_file(c.model_path);
  const CompiledModel compiled = compile_model(model, c.model_path, {target});
  const ir::Graph& g = compiled.graph;
  ASSERT_FALSE(c.samples.empty());
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    HostRunner runner(compiled.blob);
    // Inputs and outputs are in the source model's layout (NCHW for ONNX).
    for (size_t i = 0; i < s.inputs.size(); ++i) {
      const ir::Tensor& in = g.tensors[static_cast<size_t>(g.inputs[i])];
      const std::vector<int32_t> perm = i < g.input_source_perm.size() ? g.input_source_perm[i] : std::vector<int32_t>{};
      runner.set_input(static_cast<uint32_t>(i),
                       ir::from_source_layout(read_file(s.inputs[i]), in.shape, perm, kiln_dtype_size(in.dtype)));
    }
    runner.invoke();
    const ir::Tensor& out = g.tensors[static_cast<size_t>(g.outputs[0])];
    const std::vector<int32_t> out_perm = g.output_source_perm.empty() ? std::vector<int32_t>{} : g.output_source_perm[0];
    const std::vector<uint8_t> got = ir::to_source_layout(runner.output(0), out.shape, out_perm, kiln_dtype_size(out.dtype));
    const std::vector<uint8_t> want = read_file(s.expected);
    ASSERT_EQ(got.size(), want.size());
    if (s.bit_exact) {
      EXPECT_EQ(got, want) << "int8 output differs from TFLite Micro's reference kernels";
      continue;
    }
    ASSERT_EQ(runner.executor().output_info(0)->dtype, KILN_DTYPE_FLOAT32);
    const std::vector<float> g = as_floats(got), w = as_floats(want);
    float max_magnitude = 0.0f, max_diff = 0.0f;
    for (size_t i = 0; i < w.size(); ++i) {
      max_magnitude = std::max(max_magnitude, std::fabs(w[i]));
      max_diff = std::max(max_diff, std::fabs(g[i] - w[i]));
    }
    EXPECT_LE(max_diff, float_tolerance(compiled.graph, max_magnitude)) << "max |kiln - tflite| = " << max_diff;
  }
}


// The int8 cases on every emulated core: byte for byte what TFLite Micro's
// reference kernels give.
class GoldenCortexMTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(GoldenCortexMTest, MatchesTfliteMicro) {
  const auto& [target, name] = GetParam();
  const test::Case c = test::load_case(name);
  const CompiledModel compiled = compile_tflite(read_file(c.model_path), c.model_path, {target});
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    std::vector<std::vector<uint8_t>> inputs;
    for (const std::string& in : s.inputs) inputs.push_back(read_file(in));
    EXPECT_EQ(test::run_on_target(target, compiled.blob, inputs), read_file(s.expected));
  }
}

std::vector<std::string> int8_case_names() {
  std::vector<std::string> names;
  for (const std::string& name : test::case_names()) {
    const test::Case c = test::load_case(name);
    if (!c.samples.empty() && c.samples[0].bit_exact) names.push_back(name);
  }
  return names;
}

std::string target_case_label(const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string target = std::get<0>(info.param);
  target.erase(std::remove(target.begin(), target.end(), '-'), target.end());
  return target + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenTest,
                         ::testing::Combine(::testing::Values("portable", "host", "cortex-m4", "cortex-m55"),
                                            ::testing::ValuesIn(test::case_names())),
                         target_case_label);

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenCortexMTest,
                         ::testing::Combine(::testing::Values("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"),
                                            ::testing::ValuesIn(int8_case_names())),
                         target_case_label);

}  // namespace
}  // namespace kiln
