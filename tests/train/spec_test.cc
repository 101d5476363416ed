// Spec files (compiler/train/spec.h): the layers they describe, and errors
// that name the line and column of what is wrong.
#include "compiler/train/spec.h"

#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/train/architectures.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

std::string error_of(const std::string& spec) {
  try {
    train::parse_spec(spec, "model.spec", 1);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.what();
  }
  return "no error";
}

TEST(Spec, DescribesTheBuiltInLeNet) {
  const ir::Graph spec = train::parse_spec(
      "# LeNet-style\n"
      "input 28 28 1\n"
      "conv 32 kernel=5   # 5x5, ReLU\n"
      "maxpool 2\n"
      "\n"
      "conv 64 kernel=5\n"
      "maxpool\n"
      "flatten\n"
      "dense 10\n",
      "lenet.spec", 9);
  const ir::Graph builtin = train::lenet({}, {32, 64}, 10, 9);
  ASSERT_EQ(spec.ops.size(), builtin.ops.size());
  for (size_t i = 0; i < spec.ops.size(); ++i) EXPECT_EQ(spec.ops[i].kind, builtin.ops[i].kind);
  ASSERT_EQ(spec.tensors.size(), builtin.tensors.size());
  for (size_t t = 0; t < spec.tensors.size(); ++t) {  // the same weights from the same seed
    EXPECT_EQ(spec.tensors[t].shape, builtin.tensors[t].shape);
    EXPECT_EQ(spec.tensors[t].data, builtin.tensors[t].data);
  }
}

TEST(Spec, DepthwiseGlobalPoolAndOptions) {
  const ir::Graph g = train::parse_spec(
      "input 28 28 1\nconv 8 stride=2 activation=relu6\ndepthwise kernel=5 activation=none\n"
      "globalpool\ndense 16 activation=relu\ndense 10\nsoftmax\n",
      "x.spec", 1);
  EXPECT_EQ(train::parameter_count(g), (9 * 8 + 8) + (25 * 8 + 8) + (8 * 16 + 16) + (16 * 10 + 10));
  EXPECT_EQ(g.ops[0].attrs.activation, ir::Activation::kRelu6);
  EXPECT_EQ(g.ops[0].attrs.stride_h, 2);
  EXPECT_EQ(g.ops[1].attrs.activation, ir::Activation::kNone);
}

TEST(Spec, ErrorsNameTheLineAndColumn) {
  EXPECT_EQ(error_of("input 28 28 1\n  convv 8\n"),
            "model.spec:2:3: unknown layer 'convv' (expected input, conv, depthwise, maxpool, "
            "globalpool, flatten, dense or softmax)");
  EXPECT_EQ(error_of("input 28 28 1\nconv 8 kernal=3\n"),
            "model.spec:2:8: 'kernal=3': conv has no option 'kernal'");
  EXPECT_EQ(error_of("input 28 28 1\nconv 8 kernel=x\n"),
            "model.spec:2:15: 'x': expected an integer from 1 to 15");
  EXPECT_EQ(error_of("input 28 28 1\nconv 8 activation=gelu\n"),
            "model.spec:2:19: activation 'gelu': expected relu, relu6 or none");
  EXPECT_EQ(error_of("input 28 28\n"), "model.spec:1:12: input needs HEIGHT WIDTH CHANNELS");
  EXPECT_EQ(error_of("conv 8\n"),
            "model.spec:1:1: the first layer must be 'input HEIGHT WIDTH CHANNELS'");
  EXPECT_EQ(error_of("input 28 28 1\nflatten\nconv 8\n"),
            "model.spec:3:1: conv needs an image, and the value is already flat");
  EXPECT_EQ(error_of("input 28 28 1\nconv 8\ndense 10\n"),
            "model.spec:3:1: dense needs a flat value: add 'flatten' or 'globalpool' before it");
  EXPECT_EQ(error_of("input 4 4 1\nmaxpool 8\n"),
            "model.spec:2:9: a 8x8 pool does not fit the 4x4 image");
  EXPECT_EQ(error_of("input 28 28 1\nflatten\n"),
            "model.spec:2:1: the model must end with a dense layer (its scores per class)");
  EXPECT_EQ(error_of("input 28 28 1\nflatten\ndense 10\nsoftmax\ndense 3\n"),
            "model.spec:5:1: nothing may follow softmax");
  EXPECT_EQ(error_of("# nothing\n"),
            "model.spec:1:1: no layers: the first must be 'input HEIGHT WIDTH CHANNELS'");
}

TEST(TrainCli, UnknownLayerInASpecNamesLineAndColumn) {
  const std::string spec = test::temp_path("bad.spec");
  const std::string text = "input 28 28 1\nflatten\ndense 10 activaton=relu\n";
  write_file(spec, text.data(), text.size());
  const test::CliResult r =
      test::kiln_cli("train --spec " + spec + " -o " + test::temp_path("never.tflite"));
  EXPECT_EQ(r.exit_code, 5) << r.output;  // bad input
  EXPECT_NE(r.output.find(spec + ":3:10: 'activaton=relu': dense has no option 'activaton'"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln
