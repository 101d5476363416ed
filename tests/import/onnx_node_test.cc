// ONNX's backend node tests (../shared/conformance/onnx_node, published
// inputs and outputs) for the ops kiln imports. Every case whose model uses
// only those ops either matches the published outputs (float within 1e-4 of
// the output's largest magnitude, quantized outputs bit for bit) or is in
// kExpectedUnsupported and refused with Error(kUnsupported) naming the node:
// never a crash, never a silently wrong answer.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/source_layout.h"
#include "compiler/import/onnx/context.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

// The ops of the ONNX import issue's list.
const std::set<std::string> kImportedOps = {"Conv",
                                            "ConvTranspose",
                                            "Gemm",
                                            "MatMul",
                                            "Add",
                                            "Sub",
                                            "Mul",
                                            "Relu",
                                            "Clip",
                                            "LeakyRelu",
                                            "Sigmoid",
                                            "Tanh",
                                            "HardSwish",
                                            "MaxPool",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "Reshape",
                                            "Flatten",
                                            "Transpose",
                                            "Concat",
                                            "Pad",
                                            "Softmax",
                                            "BatchNormalization",
                                            "Constant",
                                            "QuantizeLinear",
                                            "DequantizeLinear",
                                            "QLinearConv",
                                            "QLinearMatMul",
                                            "Resize",
                                            "HardSigmoid"};

// Cases of those ops that kiln refuses, with what the refusal must say.
const std::map<std::string, std::string> kExpectedUnsupported = {
    // Integer arithmetic on raw (unquantized) int tensors: kiln's integer kernels are quantized
    // int8.
    {"test_add_int16", "kiln computes float32"},
    {"test_add_int8", "kiln computes float32"},
    {"test_add_uint8", "kiln computes float32"},
    {"test_mul_int16", "kiln computes float32"},
    {"test_mul_int8", "kiln computes float32"},
    {"test_mul_uint8", "kiln computes float32"},
    {"test_clip_default_int8_inbounds", "kiln computes float32"},
    {"test_clip_default_int8_max", "must be float"},
    {"test_clip_default_int8_min", "must be float"},
    // Element types kiln has no kernels for: 16/32/64-bit unsigned, 16-bit quantized, float8, 2-
    // and 4-bit.
    {"test_add_uint16", "which kiln does not support"},
    {"test_add_uint32", "which kiln does not support"},
    {"test_add_uint64", "which kiln does not support"},
    {"test_mul_uint16", "which kiln does not support"},
    {"test_mul_uint32", "which kiln does not support"},
    {"test_mul_uint64", "which kiln does not support"},
    {"test_dequantizelinear_e4m3fn", "which kiln does not support"},
    {"test_dequantizelinear_e4m3fn_float16", "which kiln does not support"},
    {"test_dequantizelinear_e4m3fn_zero_point", "which kiln does not support"},
    {"test_dequantizelinear_e5m2", "which kiln does not support"},
    {"test_dequantizelinear_float4e2m1", "which kiln does not support"},
    {"test_dequantizelinear_int2", "which kiln does not support"},
    {"test_dequantizelinear_int4", "which kiln does not support"},
    {"test_dequantizelinear_uint16", "which kiln does not support"},
    {"test_dequantizelinear_uint2", "which kiln does not support"},
    {"test_dequantizelinear_uint4", "which kiln does not support"},
    {"test_quantizelinear_e4m3fn", "which kiln does not support"},
    {"test_quantizelinear_e5m2", "which kiln does not support"},
    {"test_quantizelinear_float4e2m1", "which kiln does not support"},
    {"test_quantizelinear_int2", "which kiln does not support"},
    {"test_quantizelinear_int4", "which kiln does not support"},
    {"test_quantizelinear_uint16", "which kiln does not support"},
    {"test_quantizelinear_uint2", "which kiln does not support"},
    {"test_quantizelinear_uint4", "which kiln does not support"},
    {"test_qlinearmatmul_3D_int8_float16", "batched matrix products"},
    {"test_qlinearmatmul_3D_uint8_float16", "batched matrix products"},
    {"test_dequantizelinear_int16", "is int16"},
    {"test_quantizelinear_int16", "is int16"},
    // 3-D windows and dilated pooling.
    {"test_averagepool_3d_default", "only 1-D and 2-D windows"},
    {"test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False",
     "only 1-D and 2-D windows"},
    {"test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True",
     "only 1-D and 2-D windows"},
    {"test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False",
     "only 1-D and 2-D windows"},
    {"test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True",
     "only 1-D and 2-D windows"},
    {"test_averagepool_3d_dilations_small", "only 1-D and 2-D windows"},
    {"test_convtranspose_3d", "only 1-D and 2-D windows"},
    {"test_maxpool_3d_default", "only 1-D and 2-D windows"},
    {"test_maxpool_3d_dilations", "only 1-D and 2-D windows"},
    {"test_maxpool_3d_dilations_use_ref_impl", "only 1-D and 2-D windows"},
    {"test_maxpool_3d_dilations_use_ref_impl_large", "only 1-D and 2-D windows"},
    {"test_averagepool_2d_dilations", "dilated pooling"},
    {"test_maxpool_2d_dilations", "dilated pooling"},
    // Training-time behaviour.
    {"test_batchnorm_epsilon_training_mode", "training_mode"},
    {"test_batchnorm_example_training_mode", "training_mode"},
    // Quantization schemes kiln does not run: per-axis or blocked activations, asymmetric (uint8,
    // zero point != 128) convolution weights.
    {"test_dequantizelinear_axis", "per-axis quantization of an activation"},
    {"test_quantizelinear_axis", "per-axis quantization of an activation"},
    {"test_dequantizelinear_blocked", "blocked quantization"},
    {"test_quantizelinear_blocked_asymmetric", "blocked quantization"},
    {"test_quantizelinear_blocked_symmetric", "blocked quantization"},
    {"test_qlinearconv", "symmetric weights"},
    // Batched matrix products (B with a batch dim), empty tensors, MaxPool's Indices, uint8 pooling
    // without quantization.
    {"test_matmul_1d_3d", "batched matrix products"},
    {"test_matmul_3d", "batched matrix products"},
    {"test_matmul_4d", "batched matrix products"},
    {"test_matmul_bcast", "batched matrix products"},
    {"test_qlinearmatmul_3D_int8_float32", "batched matrix products"},
    {"test_qlinearmatmul_3D_uint8_float32", "batched matrix products"},
    {"test_reshape_allowzero_reordered", "non-empty tensors"},
    {"test_maxpool_with_argmax_2d_precomputed_pads", "Indices output"},
    {"test_maxpool_with_argmax_2d_precomputed_strides", "Indices output"},
    {"test_maxpool_2d_uint8", "uint8 input with uint8 output"},
    // Resize: cubic interpolation, antialiasing and tf_crop_and_resize (kiln has nearest and
    // linear, with every other coordinate transform).
    {"test_resize_downsample_scales_cubic", "mode 'cubic'"},
    {"test_resize_downsample_scales_cubic_A_n0p5_exclude_outside", "mode 'cubic'"},
    {"test_resize_downsample_scales_cubic_align_corners", "mode 'cubic'"},
    {"test_resize_downsample_scales_cubic_antialias", "antialias"},
    {"test_resize_downsample_scales_linear_antialias", "antialias"},
    {"test_resize_downsample_sizes_cubic", "mode 'cubic'"},
    {"test_resize_downsample_sizes_cubic_antialias", "antialias"},
    {"test_resize_downsample_sizes_linear_antialias", "antialias"},
    {"test_resize_tf_crop_and_resize", "tf_crop_and_resize"},
    {"test_resize_tf_crop_and_resize_axes_2_3", "tf_crop_and_resize"},
    {"test_resize_tf_crop_and_resize_axes_3_2", "tf_crop_and_resize"},
    {"test_resize_tf_crop_and_resize_extrapolation_value", "tf_crop_and_resize"},
    {"test_resize_upsample_scales_cubic", "mode 'cubic'"},
    {"test_resize_upsample_scales_cubic_A_n0p5_exclude_outside", "mode 'cubic'"},
    {"test_resize_upsample_scales_cubic_align_corners", "mode 'cubic'"},
    {"test_resize_upsample_scales_cubic_asymmetric", "mode 'cubic'"},
    {"test_resize_upsample_sizes_cubic", "mode 'cubic'"},
};

// Published outputs given to 4 decimals: compared within 1e-4.
const std::set<std::string> kRoundedOutputs = {
    "test_averagepool_2d_ceil_last_window_starts_on_pad"};

std::string node_dir() { return test::shared_dir() + "/conformance/onnx_node"; }

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (DIR* d = opendir(node_dir().c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("test_", 0) != 0) continue;
      onnx::ModelProto model;
      const std::vector<uint8_t> bytes = read_file(node_dir() + "/" + name + "/model.onnx");
      if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) continue;
      bool listed = model.graph().node_size() > 0;
      for (const onnx::NodeProto& n : model.graph().node())
        listed = listed && kImportedOps.count(n.op_type());
      if (listed) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

onnx::TensorProto read_tensor(const std::string& path) {
  onnx::TensorProto t;
  const std::vector<uint8_t> bytes = read_file(path);
  EXPECT_TRUE(t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) << path;
  return t;
}

// Ops whose every input is an activation keep their inputs; for the others
// (weights, biases, shapes, bounds, scales) every input after the first is
// frozen into an initializer from the test's data, as a deployed model holds
// them.
bool freezes_inputs(const onnx::ModelProto& model) {
  static const std::set<std::string> kActivationOnly = {"Add", "Sub", "Mul", "Concat"};
  return !kActivationOnly.count(model.graph().node(0).op_type());
}

class OnnxNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeTest, MatchesPublishedOutputs) {
  const std::string dir = node_dir() + "/" + GetParam();
  onnx::ModelProto model;
  const std::vector<uint8_t> bytes = read_file(dir + "/model.onnx");
  ASSERT_TRUE(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  const std::string data_dir = dir + "/test_data_set_0";
  std::vector<onnx::TensorProto> inputs;
  for (int i = 0; test::file_exists(data_dir + "/input_" + std::to_string(i) + ".pb"); ++i) {
    inputs.push_back(read_tensor(data_dir + "/input_" + std::to_string(i) + ".pb"));
  }
  // Freeze the non-activation inputs.
  std::vector<onnx::TensorProto> fed;
  onnx::GraphProto* g = model.mutable_graph();
  const bool freeze = freezes_inputs(model);
  std::vector<onnx::ValueInfoProto> kept;
  for (int i = 0; i < g->input_size(); ++i) {
    if (freeze && i > 0 && static_cast<size_t>(i) < inputs.size()) {
      onnx::TensorProto init = inputs[static_cast<size_t>(i)];
      init.set_name(g->input(i).name());
      *g->add_initializer() = init;
    } else {
      kept.push_back(g->input(i));
      if (static_cast<size_t>(i) < inputs.size()) fed.push_back(inputs[static_cast<size_t>(i)]);
    }
  }
  g->clear_input();
  for (const onnx::ValueInfoProto& v : kept) *g->add_input() = v;
  std::string serialized;
  model.SerializeToString(&serialized);
  const std::vector<uint8_t> frozen(serialized.begin(), serialized.end());

  const auto expected = kExpectedUnsupported.find(GetParam());
  CompiledModel compiled;
  try {
    compiled = compile_model(frozen, GetParam(), {"host"});
  } catch (const Error& e) {
    ASSERT_NE(expected, kExpectedUnsupported.end()) << "refused: " << e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find(expected->second), std::string::npos) << e.what();
    const std::string what = e.what();
    EXPECT_TRUE(what.find("node 0") != std::string::npos ||
                what.find("graph input") != std::string::npos ||
                what.find("initializer") != std::string::npos)
        << "the refusal names the node or tensor: " << what;
    return;
  }
  ASSERT_EQ(expected, kExpectedUnsupported.end())
      << "listed as unsupported (" << expected->second << ") but compiles";

  // Data in ONNX's layout, converted to and from kiln's by the runner.
  SourceLayoutRunner runner(std::make_unique<HostRunner>(compiled.blob), compiled.graph);
  ASSERT_EQ(runner.inputs().size(), fed.size());
  for (size_t i = 0; i < fed.size(); ++i)
    runner.set_input(i, onnx_import::tensor_from_proto(fed[i], "input").data);
  runner.invoke();
  for (size_t o = 0; o < runner.outputs().size(); ++o) {
    const ir::Tensor want = onnx_import::tensor_from_proto(
        read_tensor(data_dir + "/output_" + std::to_string(o) + ".pb"), "output");
    const std::vector<uint8_t> got = runner.output(o);
    ASSERT_EQ(got.size(), want.data.size()) << "output " << o;
    if (want.dtype != KILN_DTYPE_FLOAT32) {
      EXPECT_EQ(got, want.data) << "output " << o << " differs";
      continue;
    }
    const float* w = want.as<float>();
    std::vector<float> gv(got.size() / 4);
    std::memcpy(gv.data(), got.data(), got.size());
    float max_magnitude = 0.0f, max_diff = 0.0f;
    for (size_t k = 0; k < gv.size(); ++k) {
      max_magnitude = std::max(max_magnitude, std::fabs(w[k]));
      max_diff = std::max(max_diff, std::fabs(gv[k] - w[k]));
    }
    const float tolerance =
        kRoundedOutputs.count(GetParam()) ? 1e-4f : 1e-4f * std::max(max_magnitude, 1e-6f);
    EXPECT_LE(max_diff, tolerance) << "output " << o << ": max |kiln - onnx| = " << max_diff;
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedCases, OnnxNodeTest, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(5);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeTest);

}  // namespace
}  // namespace kiln
