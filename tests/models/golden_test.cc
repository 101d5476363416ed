// Every test-vector case in ../shared/testvectors through the compiler and the
// executor, compiled for every kernel target (so each instruction set's
// variants run on the host, the Arm ones through their portable primitives):
// int8 outputs byte for byte against TFLite Micro's reference kernels, float
// outputs within 1e-4 of the output's largest magnitude against desktop TFLite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/source_layout.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/open_model.h"
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
      tolerance = std::max(
          tolerance, graph.tensors[static_cast<size_t>(op.inputs[0])].quant.scale() * 1.0001f);
    }
  }
  return tolerance;
}

TEST_P(GoldenTest, MatchesReference) {
  const auto& [target, name] = GetParam();
  const test::Case c = test::load_case(name);
  const std::vector<uint8_t> model = read_file(c.model_path);
  // A core's kernel variants on the host, for a model its board cannot
  // hold too (the float AD model's 1 MB of weights on the M4): the same core
  // with room.
  const TemporaryDirectory dir;
  CompiledModel compiled;
  try {
    compiled = compile_model(model, c.model_path, {target});
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArenaTooSmall) throw;
    compiled = compile_model(
        model, c.model_path,
        {test::write_two_region_target(dir.file("roomy.json"), target, uint64_t{64} << 20)});
  }
  ASSERT_FALSE(c.samples.empty());
  for (const test::Sample& s : c.samples) {
    SCOPED_TRACE("sample " + std::to_string(s.k));
    // Inputs and outputs are in the source model's layout (NCHW for ONNX).
    SourceLayoutRunner runner(std::make_unique<HostRunner>(compiled.blob), compiled.graph);
    set_inputs_from_files(runner, s.inputs);
    runner.invoke();
    const std::vector<uint8_t> got = runner.output(0);
    const std::vector<uint8_t> want = read_file(s.expected);
    ASSERT_EQ(got.size(), want.size());
    if (s.bit_exact) {
      EXPECT_EQ(got, want) << "int8 output differs from TFLite Micro's reference kernels";
      continue;
    }
    ASSERT_EQ(runner.outputs()[0].dtype, KILN_DTYPE_FLOAT32);
    const std::vector<float> g = as_floats(got), w = as_floats(want);
    float max_magnitude = 0.0f, max_diff = 0.0f;
    for (size_t i = 0; i < w.size(); ++i) {
      max_magnitude = std::max(max_magnitude, std::fabs(w[i]));
      max_diff = std::max(max_diff, std::fabs(g[i] - w[i]));
    }
    EXPECT_LE(max_diff, float_tolerance(compiled.graph, max_magnitude))
        << "max |kiln - tflite| = " << max_diff;
  }
}

INSTANTIATE_TEST_SUITE_P(SharedTestVectors, GoldenTest,
                         ::testing::Combine(::testing::Values("portable", "host", "cortex-m4",
                                                              "cortex-m55"),
                                            ::testing::ValuesIn(test::case_names())),
                         test::target_case_label);

}  // namespace
}  // namespace kiln
