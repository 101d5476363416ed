// Training on libtorch (compiler/train): the graph module computes what
// kiln's own kernels compute for the same graph, trained parameters go back
// into the graph in kiln's layouts, one seed gives one model byte for byte,
// and missing data is named.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "compiler/common/error.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/ir/builder.h"
#include "compiler/train/architectures.h"
#include "compiler/train/fashion_mnist.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/trainer.h"
#include "tests/support/cli.h"
#include "tests/support/run_graph.h"
#include "tests/train/layout_graph.h"

namespace kiln {
namespace {

using ir::OpKind;
using test::layout_graph;

TEST(GraphModule, ComputesWhatKilnsKernelsCompute) {
  const ir::Graph graph = layout_graph();
  train::GraphModule module(graph);
  torch::manual_seed(5);
  const torch::Tensor input = torch::rand({1, 9, 8, 3}) * 4 - 2;
  const torch::Tensor got = module.forward(input).contiguous();
  std::vector<float> in(static_cast<size_t>(input.numel()));
  std::memcpy(in.data(), input.contiguous().data_ptr<float>(), in.size() * sizeof(float));
  const std::vector<float> want = test::run_graph<float>(graph, {test::bytes_of(in)});
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.data_ptr<float>()[i], want[i], 1e-5);
}

TEST(GraphModule, TrainedParametersGoBackInKilnsLayouts) {
  const ir::Graph graph = layout_graph();
  train::GraphModule module(graph);
  const ir::Graph back = module.trained();
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    EXPECT_EQ(back.tensors[t].data, graph.tensors[t].data) << graph.tensors[t].name;
  }
}

TEST(GraphModule, RefusesAnOpItCannotTrainByName) {
  ir::GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 4});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 4});
  b.op(OpKind::kExp, {x}, {y});
  b.output(y);
  try {
    train::GraphModule module(b.build());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("EXP (operator 0)"), std::string::npos) << e.what();
  }
}

// A short run on 2,000 Fashion-MNIST images, twice with one seed.
TEST(Training, OneSeedGivesOneModelByteForByte) {
  const train::LabelledImages all = train::load_fashion_mnist(train::fashion_mnist_dir(), "t10k");
  const train::LabelledImages some{all.images.slice(0, 0, 2000), all.labels.slice(0, 0, 2000)};
  torch::set_num_threads(1);
  std::vector<uint8_t> first;
  for (int run = 0; run < 2; ++run) {
    train::GraphModule model(train::lenet({}, {4, 8}, 10, 7));
    train::TrainOptions options;
    options.epochs = 1;
    options.seed = 7;
    options.cosine_schedule = false;  // 28 steps: a falling step size learns too little
    const std::vector<train::EpochReport> r = train::fit(model, some, options).epochs;
    ASSERT_EQ(r.size(), 1u);
    EXPECT_GT(r[0].validation_accuracy, 0.3);  // learning, from 0.1 by chance
    const std::vector<uint8_t> file = write_tflite(model.trained());
    if (run == 0) {
      first = file;
    } else {
      EXPECT_EQ(file, first);
    }
  }
}

// Ctrl-C: training ends after the batch in progress, and the model keeps
// the completed epoch with the best held-out accuracy.
TEST(Training, StoppingKeepsTheBestCompletedEpoch) {
  const train::LabelledImages all = train::load_fashion_mnist(train::fashion_mnist_dir(), "t10k");
  const train::LabelledImages some{all.images.slice(0, 0, 1000), all.labels.slice(0, 0, 1000)};
  train::GraphModule model(train::mlp({}, {16}, 10, 2));
  std::atomic<bool> stop{false};
  std::vector<uint8_t> after_first;
  train::TrainOptions options;
  options.epochs = 3;
  options.stop = &stop;
  options.epoch_done = [&](const train::EpochReport& r) {
    after_first = write_tflite(model.trained());
    stop = r.epoch == 1;
  };
  const train::TrainResult r = train::fit(model, some, options);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.epochs.size(), 1u);
  EXPECT_EQ(r.kept_epoch, 1);
  EXPECT_EQ(write_tflite(model.trained()), after_first);
}

// A run whose loss stops being a number ends with a message and the
// parameters of the last epoch that ended finite (here: the initial ones).
TEST(Training, DivergingRunKeepsTheLastGoodParameters) {
  const train::LabelledImages all = train::load_fashion_mnist(train::fashion_mnist_dir(), "t10k");
  const train::LabelledImages some{all.images.slice(0, 0, 1000), all.labels.slice(0, 0, 1000)};
  train::GraphModule model(train::mlp({}, {16}, 10, 2));
  const std::vector<uint8_t> initial = write_tflite(model.trained());
  train::TrainOptions options;
  options.epochs = 2;
  options.learning_rate = 1e30;
  try {
    train::fit(model, some, options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("training diverged: the loss is"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("keeps the parameters of epoch 0"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(write_tflite(model.trained()), initial);
}

// IDX files whose image and label counts differ.
TEST(Training, LabelsThatDoNotMatchTheImagesAreNamed) {
  const std::string dir = ::testing::TempDir() + "/kiln_idx_mismatch";
  std::filesystem::create_directories(dir);
  const auto write_gz = [](const std::string& path, const std::vector<uint8_t>& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  };
  std::vector<uint8_t> images = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28};
  images.resize(images.size() + 3 * 28 * 28, 7);
  write_gz(dir + "/t10k-images-idx3-ubyte.gz", images);
  write_gz(dir + "/t10k-labels-idx1-ubyte.gz", {0, 0, 8, 1, 0, 0, 0, 2, 4, 5});
  try {
    train::load_fashion_mnist(dir, "t10k");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("3 images but 2 labels"), std::string::npos) << e.what();
  }
}

TEST(Training, MissingDatasetNamesThePackage) {
  try {
    train::load_fashion_mnist("/nonexistent", "train");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kFileNotFound);
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
}

TEST(Training, ArchitecturesHaveTheirParameterCounts) {
  EXPECT_EQ(train::parameter_count(train::mlp({}, {256, 128, 64}, 10, 1)),
            784 * 256 + 256 + 256 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
  EXPECT_EQ(train::parameter_count(train::lenet({}, {32, 64}, 10, 1)),
            25 * 32 + 32 + 25 * 32 * 64 + 64 + 7 * 7 * 64 * 10 + 10);
}

TEST(TrainCli, TrainsAModelKilnCompiles) {
  const std::string out = test::temp_path("mlp16.tflite"), report = test::temp_path("mlp16.json");
  const test::CliResult r = test::kiln_cli(
      "train --arch mlp --widths 16 --epochs 1 --threads 1 -o " + out + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 1: loss"), std::string::npos) << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["parameters"], 784 * 16 + 16 + 16 * 10 + 10);
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.75);
  ASSERT_EQ(j["epochs"].size(), 1u);
  const test::CliResult a = test::kiln_cli("analyze " + out);
  EXPECT_EQ(a.exit_code, 0) << a.output;
}

TEST(TrainCli, MissingDatasetNamesThePackage) {
  setenv("KILN_FASHION_MNIST_DIR", "/nonexistent", 1);
  const test::CliResult r =
      test::kiln_cli("train --arch mlp -o " + test::temp_path("never.tflite"));
  unsetenv("KILN_FASHION_MNIST_DIR");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("dataset-fashion-mnist"), std::string::npos) << r.output;
}

TEST(TrainCli, UnknownArchitectureOrWidthsAreUsageErrors) {
  const std::string out = " -o " + test::temp_path("never.tflite");
  const test::CliResult arch = test::kiln_cli("train --arch transformer" + out);
  EXPECT_EQ(arch.exit_code, 1) << arch.output;
  EXPECT_NE(arch.output.find("expected mlp, cnn, ds-cnn, mobilenet or resnet"), std::string::npos)
      << arch.output;
  const test::CliResult widths = test::kiln_cli("train --arch mlp --widths 16,x" + out);
  EXPECT_EQ(widths.exit_code, 1) << widths.output;
  EXPECT_NE(widths.output.find("--widths '16,x'"), std::string::npos) << widths.output;
}

}  // namespace
}  // namespace kiln
