// kiln train: trains a built-in architecture on Fashion-MNIST with libtorch
// and writes the float model (.tflite), ready for `kiln quantize`.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/train/architectures.h"
#include "compiler/train/fashion_mnist.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/trainer.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/progress.h"

namespace kiln {
namespace cli {
namespace {

std::vector<int32_t> parse_widths(const std::string& text, const std::string& option) {
  std::vector<int32_t> widths;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int value = std::stoi(item, &used);
      if (used != item.size() || value < 1 || value > 4096) throw std::invalid_argument(item);
      widths.push_back(value);
    } catch (const std::exception&) {
      throw Error(
          ErrorKind::kUsage,
          fmt::format("{} '{}': expected widths from 1 to 4096 separated by commas", option, text));
    }
  }
  return widths;
}

}  // namespace

void register_train(CLI::App& app) {
  struct Options {
    std::string arch = "cnn", widths, data = "fashion-mnist", output, report;
    train::TrainOptions train;
    int threads = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "train a built-in architecture on Fashion-MNIST (libtorch) and write the float model");
  cmd->add_option("--arch", opts->arch, "mlp (fully connected) or cnn (LeNet-style)")
      ->capture_default_str();
  cmd->add_option("--widths", opts->widths,
                  "hidden units (mlp, default 256,128,64) or channels per convolution (cnn, "
                  "default 32,64), comma-separated");
  cmd->add_option("--data", opts->data,
                  "fashion-mnist (Debian's dataset-fashion-mnist, or KILN_FASHION_MNIST_DIR)")
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "the trained float model: .tflite")->required();
  cmd->add_option("--epochs", opts->train.epochs, "passes over the training images")
      ->capture_default_str();
  cmd->add_option("--batch", opts->train.batch, "images per step")->capture_default_str();
  cmd->add_option("--learning-rate", opts->train.learning_rate, "Adam's step size")
      ->capture_default_str();
  cmd->add_option("--seed", opts->train.seed,
                  "initial weights, validation split and shuffling (same seed and threads: the "
                  "same model, byte for byte)")
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, "libtorch's threads (0: its default)")
      ->capture_default_str();
  cmd->add_option("--report", opts->report, "write a JSON training report here");
  cmd->callback([opts]() {
    if (opts->data != "fashion-mnist") {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--data '{}': expected fashion-mnist", opts->data));
    }
    if (opts->train.epochs < 1 || opts->train.batch < 1 || !(opts->train.learning_rate > 0.0)) {
      throw Error(ErrorKind::kUsage, "--epochs, --batch and --learning-rate must be positive");
    }
    if (opts->threads > 0) torch::set_num_threads(opts->threads);
    ir::Graph graph;
    if (opts->arch == "mlp") {
      graph = train::mlp(
          {}, parse_widths(opts->widths.empty() ? "256,128,64" : opts->widths, "--widths"), 10,
          opts->train.seed);
    } else if (opts->arch == "cnn") {
      graph =
          train::lenet({}, parse_widths(opts->widths.empty() ? "32,64" : opts->widths, "--widths"),
                       10, opts->train.seed);
    } else {
      throw Error(ErrorKind::kUsage, fmt::format("--arch '{}': expected mlp or cnn", opts->arch));
    }
    const std::string dir = train::fashion_mnist_dir();
    const train::LabelledImages training = train::load_fashion_mnist(dir, "train");
    const train::LabelledImages test = train::load_fashion_mnist(dir, "t10k");
    std::printf(
        "%s: %lld parameters; Fashion-MNIST %lld training images (%.0f%% held out), "
        "%lld test images\n",
        opts->arch.c_str(), static_cast<long long>(train::parameter_count(graph)),
        static_cast<long long>(training.images.size(0)), 100.0 * opts->train.validation_fraction,
        static_cast<long long>(test.images.size(0)));
    train::GraphModule model(graph);
    opts->train.progress = progress_printer("training", true);
    opts->train.epoch_done = [](const train::EpochReport& r) {
      std::printf(
          "epoch %d: loss %.4f, training accuracy %.4f, validation accuracy %.4f (%.1f s)\n",
          r.epoch, r.loss, r.train_accuracy, r.validation_accuracy, r.seconds);
      std::fflush(stdout);
    };
    const auto start = std::chrono::steady_clock::now();
    const std::vector<train::EpochReport> epochs = train::fit(model, training, opts->train);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double test_accuracy = train::accuracy(model, test);
    std::printf("test accuracy %.4f on %lld images; %.1f s of training\n", test_accuracy,
                static_cast<long long>(test.images.size(0)), seconds);
    const std::vector<uint8_t> file = write_tflite(model.trained());
    write_file(opts->output, file.data(), file.size());
    std::printf("wrote %s (%zu bytes)\n", opts->output.c_str(), file.size());
    if (!opts->report.empty()) {
      nlohmann::json j;
      j["architecture"] = opts->arch;
      j["parameters"] = train::parameter_count(graph);
      j["seed"] = opts->train.seed;
      j["test_accuracy"] = test_accuracy;
      j["training_seconds"] = seconds;
      for (const train::EpochReport& r : epochs) {
        j["epochs"].push_back({{"epoch", r.epoch},
                               {"loss", r.loss},
                               {"train_accuracy", r.train_accuracy},
                               {"validation_accuracy", r.validation_accuracy},
                               {"seconds", r.seconds}});
      }
      std::ofstream(opts->report) << j.dump(2) << "\n";
    }
  });
}

}  // namespace cli
}  // namespace kiln
