// Distillation (kiln train --teacher): a teacher from any model kiln runs
// (float ones on libtorch, the rest through kiln's runtime), and the loss
// that mixes labels and the teacher's softened outputs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/train/architectures.h"
#include "compiler/train/fashion_mnist.h"
#include "compiler/train/int8_export.h"
#include "compiler/train/runtime_outputs.h"
#include "compiler/train/trainer.h"
#include "tests/support/cli.h"
#include "tests/train/layout_graph.h"

namespace kiln {
namespace {

// A float MLP (untrained) written as a .tflite teacher.
std::string untrained_teacher(const std::string& name, int32_t classes) {
  const std::string path = test::temp_path(name);
  const std::vector<uint8_t> file = write_tflite(train::mlp({}, {8}, classes, 3));
  write_file(path, file.data(), file.size());
  return path;
}

TEST(Distillation, TeacherLogitsLeaveTheSoftmaxOut) {
  torch::manual_seed(1);
  const torch::Tensor images = torch::rand({5, 28, 28, 1});
  train::GraphModule module(train::mlp({}, {8}, 10, 3));
  torch::Tensor want;
  {
    torch::NoGradGuard no_grad;
    module.eval();
    want = module.forward(images);  // the logits before the softmax
  }
  train::Teacher teacher(untrained_teacher("teacher8.tflite", 10));
  EXPECT_STREQ(teacher.engine(), "libtorch");
  const torch::Tensor got = teacher.logits(images);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-5));
}

// An int8 teacher runs on kiln's runtime; its logits are the float ones
// within a few of its output's steps.
TEST(Distillation, Int8TeacherRunsOnKilnsRuntime) {
  torch::manual_seed(2);
  const torch::Tensor images = torch::rand({64, 28, 28, 1});
  train::GraphModule module(passes::optimize(train::mlp({}, {8}, 10, 3)));
  const QuantizeResult q = train::quantize_trained(module, images);
  const std::string path = test::temp_path("teacher8_int8.tflite");
  const std::vector<uint8_t> file = write_tflite(q.graph);
  write_file(path, file.data(), file.size());
  torch::Tensor want;
  {
    torch::NoGradGuard no_grad;
    module.eval();
    want = module.forward(images);
  }
  train::Teacher teacher(path);
  EXPECT_STREQ(teacher.engine(), "kiln's runtime");
  const torch::Tensor got = teacher.logits(images);
  ASSERT_EQ(got.sizes(), want.sizes());
  const ir::Tensor& logits = q.graph.tensors[static_cast<size_t>(q.graph.ops.back().inputs[0])];
  EXPECT_LE((got - want).abs().max().item<float>(), 4 * logits.quant.scales[0]);
}

TEST(Distillation, TeacherThatCannotTakeTheImagesIsNamed) {
  const std::string path = test::temp_path("layout_teacher.tflite");
  const std::vector<uint8_t> file = write_tflite(test::layout_graph());
  write_file(path, file.data(), file.size());
  try {
    train::teacher_logits(path, torch::rand({2, 28, 28, 1}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("teacher " + path), std::string::npos) << e.what();
  }
}

TEST(Distillation, TeacherWithOtherClassesIsRefused) {
  const train::LabelledImages all = train::load_fashion_mnist(train::fashion_mnist_dir(), "t10k");
  const train::LabelledImages some{all.images.slice(0, 0, 256), all.labels.slice(0, 0, 256)};
  train::GraphModule student(train::mlp({}, {8}, 10, 3));
  train::TrainOptions options;
  options.epochs = 1;
  options.teacher_logits =
      train::teacher_logits(untrained_teacher("teacher3.tflite", 3), some.images);
  try {
    train::fit(student, some, options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("the teacher gives 3 scores per image and the student 10"),
              std::string::npos)
        << e.what();
  }
}

TEST(TrainCli, DistilsFromATrainedTeacher) {
  const std::string teacher = test::temp_path("teacher_mlp32.tflite");
  const std::string teacher_report = test::temp_path("teacher_mlp32.json");
  const test::CliResult t =
      test::kiln_cli("train --arch mlp --widths 32 --epochs 1 --threads 1 -o " + teacher +
                     " --report " + teacher_report);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string report = test::temp_path("student_mlp8.json");
  const test::CliResult s =
      test::kiln_cli("train --arch mlp --widths 8 --epochs 1 --threads 1 --teacher " + teacher +
                     " --alpha 0.3 --temperature 2 -o " + test::temp_path("student_mlp8.tflite") +
                     " --report " + report);
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  // The float teacher runs on libtorch, as it did when it was trained.
  const double libtorch = nlohmann::json::parse(std::ifstream(teacher_report))["test_accuracy"];
  EXPECT_DOUBLE_EQ(j["teacher"]["test_accuracy"].get<double>(), libtorch);
  EXPECT_EQ(j["teacher"]["alpha"], 0.3);
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.6);  // learning: 0.1 by chance
}

}  // namespace
}  // namespace kiln
