// kiln train: trains a built-in architecture on Fashion-MNIST with libtorch,
// optionally quantization-aware, and writes the float or int8 model
// (.tflite or .kiln). The int8 figures it prints are those of kiln's runtime.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/architectures.h"
#include "compiler/train/fashion_mnist.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
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

struct Options {
  std::string arch = "cnn", widths, data = "fashion-mnist", output, float_output, report;
  std::string target = "portable";
  train::TrainOptions train;
  int threads = 0;
  bool int8 = false;
  int qat_epochs = 0;
  double qat_learning_rate = 0.0;  // 0: a tenth of --learning-rate
  int64_t calibration_images = 1000;
};

ir::Graph architecture(const Options& opts) {
  if (opts.arch == "mlp") {
    return train::mlp({},
                      parse_widths(opts.widths.empty() ? "256,128,64" : opts.widths, "--widths"),
                      10, opts.train.seed);
  }
  if (opts.arch == "cnn") {
    return train::lenet({}, parse_widths(opts.widths.empty() ? "32,64" : opts.widths, "--widths"),
                        10, opts.train.seed);
  }
  throw Error(ErrorKind::kUsage, fmt::format("--arch '{}': expected mlp or cnn", opts.arch));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A .tflite file (TFLite's schema, float or int8) or a .kiln blob.
size_t write_model(const ir::Graph& graph, const std::string& path, const std::string& target) {
  const std::vector<uint8_t> file = ends_with(path, ".kiln")
                                        ? compile_graph(graph, {target}).blob
                                        : write_tflite(passes::remove_unused(graph));
  write_file(path, file.data(), file.size());
  return file.size();
}

// One line per batch on a terminal: the epoch's bar, loss, accuracy and the
// time left; nothing elsewhere (each epoch's summary line follows anyway).
std::function<void(const train::BatchProgress&)> batch_progress() {
  if (!isatty(fileno(stderr))) return {};
  return [](const train::BatchProgress& p) {
    constexpr size_t kWidth = 24;
    const size_t filled = p.batch * kWidth / p.batches;
    const double left =
        p.seconds / static_cast<double>(p.batch) * static_cast<double>(p.batches - p.batch);
    std::fprintf(stderr, "\repoch %d/%d [%s%s] %zu/%zu loss %.4f accuracy %.4f ETA %.0f s  ",
                 p.epoch, p.epochs, std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), p.batch, p.batches, p.loss, p.accuracy,
                 left);
    if (p.batch == p.batches) std::fprintf(stderr, "\r%*s\r", 110, "");
  };
}

void print_epoch(const train::EpochReport& r) {
  std::printf("epoch %d: loss %.4f, training accuracy %.4f, validation accuracy %.4f (%.1f s)\n",
              r.epoch, r.loss, r.train_accuracy, r.validation_accuracy, r.seconds);
  std::fflush(stdout);
}

nlohmann::json epochs_json(const std::vector<train::EpochReport>& epochs) {
  nlohmann::json list = nlohmann::json::array();
  for (const train::EpochReport& r : epochs) {
    list.push_back({{"epoch", r.epoch},
                    {"loss", r.loss},
                    {"train_accuracy", r.train_accuracy},
                    {"validation_accuracy", r.validation_accuracy},
                    {"seconds", r.seconds}});
  }
  return list;
}

// The int8 model's test accuracy through kiln's runtime on the host.
torch::Tensor int8_predictions(const QuantizeResult& q, const train::LabelledImages& test,
                               const std::string& what) {
  const std::vector<uint8_t> blob = compile_graph(q.graph, {"host"}).blob;
  return train::runtime_predictions(blob, test.images, progress_printer("running " + what, true));
}

void run(Options& opts) {
  if (opts.data != "fashion-mnist") {
    throw Error(ErrorKind::kUsage, fmt::format("--data '{}': expected fashion-mnist", opts.data));
  }
  if (opts.train.epochs < 1 || opts.train.batch < 1 || !(opts.train.learning_rate > 0.0) ||
      opts.qat_epochs < 0 || opts.qat_learning_rate < 0.0 || opts.calibration_images < 1) {
    throw Error(ErrorKind::kUsage,
                "--epochs, --batch, --learning-rate and --calibration-images must be positive, "
                "--qat-epochs and --qat-learning-rate not negative");
  }
  if (!ends_with(opts.output, ".tflite") && !ends_with(opts.output, ".kiln")) {
    throw Error(ErrorKind::kUsage,
                fmt::format("-o '{}': expected a .tflite or .kiln file", opts.output));
  }
  if (opts.threads > 0) torch::set_num_threads(opts.threads);
  const bool int8 = opts.int8 || opts.qat_epochs > 0;
  // The graph as kiln's int8 model will have it (activations fused), so
  // that quantization-aware training quantizes the tensors the model has.
  const ir::Graph graph = passes::optimize(architecture(opts));
  const std::string dir = train::fashion_mnist_dir();
  const train::LabelledImages training = train::load_fashion_mnist(dir, "train");
  const train::LabelledImages test = train::load_fashion_mnist(dir, "t10k");
  std::printf(
      "%s: %lld parameters; Fashion-MNIST %lld training images (%.0f%% held out), %lld test "
      "images\n",
      opts.arch.c_str(), static_cast<long long>(train::parameter_count(graph)),
      static_cast<long long>(training.images.size(0)), 100.0 * opts.train.validation_fraction,
      static_cast<long long>(test.images.size(0)));
  train::GraphModule model(graph);
  opts.train.progress = batch_progress();
  opts.train.epoch_done = print_epoch;
  nlohmann::json report;
  report["architecture"] = opts.arch;
  report["parameters"] = train::parameter_count(graph);
  report["seed"] = opts.train.seed;

  auto start = std::chrono::steady_clock::now();
  report["epochs"] = epochs_json(train::fit(model, training, opts.train));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double float_accuracy = train::accuracy(model, test);
  std::printf("float: test accuracy %.4f on %lld images; %.1f s of training\n", float_accuracy,
              static_cast<long long>(test.images.size(0)), seconds);
  report["test_accuracy"] = float_accuracy;
  report["training_seconds"] = seconds;
  if (!opts.float_output.empty()) {
    const size_t bytes = write_model(model.trained(), opts.float_output, opts.target);
    std::printf("wrote %s (float, %zu bytes)\n", opts.float_output.c_str(), bytes);
  }
  if (!int8) {
    const size_t bytes = write_model(model.trained(), opts.output, opts.target);
    std::printf("wrote %s (float, %zu bytes)\n", opts.output.c_str(), bytes);
    if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
    return;
  }

  const torch::Tensor calibration =
      training.images.slice(0, 0, std::min(opts.calibration_images, training.images.size(0)));
  QuantizeResult quantized = train::quantize_trained(model, calibration);
  const double ptq_accuracy = train::accuracy(
      int8_predictions(quantized, test, "the post-training int8 model"), test.labels);
  std::printf("int8, post-training quantization (%lld calibration images): test accuracy %.4f\n",
              static_cast<long long>(calibration.size(0)), ptq_accuracy);
  report["int8_post_training_accuracy"] = ptq_accuracy;

  if (opts.qat_epochs > 0) {
    {  // Ranges to start from: the calibration images' (as post-training quantization's).
      torch::NoGradGuard no_grad;
      model.eval();
      model.quantizer().set_mode(train::ActivationQuantizer::Mode::kObserve);
      for (int64_t at = 0; at < calibration.size(0); at += 500)
        model.forward(calibration.slice(0, at, std::min(calibration.size(0), at + 500)));
    }
    model.quantizer().set_mode(train::ActivationQuantizer::Mode::kQuantize);
    train::TrainOptions qat = opts.train;
    qat.epochs = opts.qat_epochs;
    qat.learning_rate =
        opts.qat_learning_rate > 0.0 ? opts.qat_learning_rate : opts.train.learning_rate / 10.0;
    std::printf("quantization-aware training: %d epochs from learning rate %g\n", qat.epochs,
                qat.learning_rate);
    start = std::chrono::steady_clock::now();
    report["qat_epochs"] = epochs_json(train::fit(model, training, qat));
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const torch::Tensor simulated = train::predictions(model, test.images);
    quantized = train::quantize_trained(model, calibration);
    const torch::Tensor device =
        int8_predictions(quantized, test, "the quantization-aware int8 model");
    const int64_t differ = simulated.ne(device).sum().item<int64_t>();
    std::printf(
        "int8, quantization-aware: test accuracy %.4f (training graph %.4f); the int8 model and "
        "the training graph differ on %lld of %lld predictions; %.1f s of training\n",
        train::accuracy(device, test.labels), train::accuracy(simulated, test.labels),
        static_cast<long long>(differ), static_cast<long long>(test.images.size(0)), seconds);
    report["int8_qat_accuracy"] = train::accuracy(device, test.labels);
    report["qat_graph_accuracy"] = train::accuracy(simulated, test.labels);
    report["qat_predictions_differing"] = differ;
    report["qat_seconds"] = seconds;
  }
  const size_t bytes = write_model(quantized.graph, opts.output, opts.target);
  std::printf("wrote %s (int8, %zu bytes)\n", opts.output.c_str(), bytes);
  if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
}

}  // namespace

void register_train(CLI::App& app) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "train a built-in architecture on Fashion-MNIST (libtorch), optionally quantization-aware, "
      "and write the float or int8 model");
  cmd->add_option("--arch", opts->arch, "mlp (fully connected) or cnn (LeNet-style)")
      ->capture_default_str();
  cmd->add_option("--widths", opts->widths,
                  "hidden units (mlp, default 256,128,64) or channels per convolution (cnn, "
                  "default 32,64), comma-separated");
  cmd->add_option("--data", opts->data,
                  "fashion-mnist (Debian's dataset-fashion-mnist, or KILN_FASHION_MNIST_DIR)")
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output,
                  "the trained model: .tflite or .kiln (int8 with --int8 or --qat-epochs)")
      ->required();
  cmd->add_option("--float-output", opts->float_output,
                  "also write the float model (before quantization-aware training) here");
  cmd->add_option("--epochs", opts->train.epochs, "passes over the training images")
      ->capture_default_str();
  cmd->add_option("--batch", opts->train.batch, "images per step")->capture_default_str();
  cmd->add_option("--learning-rate", opts->train.learning_rate, "Adam's initial step size")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
      "--schedule",
      [opts](const std::string& s) {
        if (s != "cosine" && s != "constant") {
          throw Error(ErrorKind::kUsage,
                      fmt::format("--schedule '{}': expected cosine or constant", s));
        }
        opts->train.cosine_schedule = s == "cosine";
      },
      "the step size over each run: cosine (down to 0) or constant [cosine]");
  cmd->add_flag("--int8", opts->int8,
                "write the int8 model (post-training quantization, or quantization-aware with "
                "--qat-epochs)");
  cmd->add_option("--qat-epochs", opts->qat_epochs,
                  "quantization-aware epochs after the float ones (kiln's int8 numerics "
                  "simulated; implies --int8)")
      ->capture_default_str();
  cmd->add_option("--qat-learning-rate", opts->qat_learning_rate,
                  "initial step size of quantization-aware training (default: a tenth of "
                  "--learning-rate)");
  cmd->add_option("--calibration-images", opts->calibration_images,
                  "training images whose ranges start the int8 activations' ranges")
      ->capture_default_str();
  cmd->add_option("--target", opts->target, "kernel variants of a .kiln output")
      ->capture_default_str();
  cmd->add_option("--seed", opts->train.seed,
                  "initial weights, validation split and shuffling (same seed and threads: the "
                  "same model, byte for byte)")
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, "libtorch's threads (0: its default)")
      ->capture_default_str();
  cmd->add_option("--report", opts->report, "write a JSON training report here");
  cmd->callback([opts]() { run(*opts); });
}

}  // namespace cli
}  // namespace kiln
