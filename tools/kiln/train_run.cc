// The pipeline behind kiln train and kiln compress: data, a model (built,
// specified or imported, pruned when asked), training, distillation,
// quantization-aware epochs and the int8 export, with the figures of each
// step (int8 ones through kiln's runtime).
#include "tools/kiln/train_run.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compress/cluster.h"
#include "compiler/compress/prune_channels.h"
#include "compiler/compress/prune_weights.h"
#include "compiler/lower/lowering.h"
#include "compiler/ops/op_record.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/architectures.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "compiler/train/runtime_outputs.h"
#include "compiler/train/spec.h"
#include "tools/kiln/flash_budget.h"
#include "tools/kiln/progress.h"
#include "tools/kiln/train_output.h"

namespace kiln {
namespace cli {

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
      throw Error(ErrorKind::kUsage,
                  fmt::format("{} '{}': expected numbers from 1 to 4096 separated by commas",
                              option, text));
    }
  }
  return widths;
}

// "shift", "shift=N" and "flip", separated by commas.
namespace {

ir::Graph architecture(const TrainCommand& opts, const train::TrainingData& data) {
  if (!opts.model.empty()) {
    ir::Graph g = import_model(read_file(opts.model), opts.model);
    if (const ir::Tensor* t = first_quantized(g)) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: a quantized model (tensor '{}' is {}); training and "
                              "compression start from the float model",
                              opts.model, t->name, ir::dtype_name(t->dtype)));
    }
    return g;
  }
  if (!opts.spec.empty()) return train::load_spec(opts.spec, opts.train.seed);
  const auto widths = [&](const char* fallback) {
    return parse_widths(opts.widths.empty() ? fallback : opts.widths, "--widths");
  };
  const uint64_t seed = opts.train.seed;
  const train::ImageShape in = data.shape;
  const int32_t classes = data.classes;
  if (opts.arch == "mlp") return train::mlp(in, widths("256,128,64"), classes, seed);
  if (opts.arch == "cnn") return train::lenet(in, widths("32,64"), classes, seed);
  if (opts.arch == "ds-cnn") {
    const std::vector<int32_t> w = widths("64");
    if (w.size() != 1) throw Error(ErrorKind::kUsage, "--widths: ds-cnn takes one width");
    return train::ds_cnn(in, w[0], opts.depth > 0 ? opts.depth : 4, classes, seed);
  }
  if (opts.arch == "mobilenet") {
    return train::mobilenet(in, widths("16,24,32"), opts.depth > 0 ? opts.depth : 2, opts.expansion,
                            classes, seed);
  }
  if (opts.arch == "resnet") {
    return train::resnet(in, widths("16,32,64"), opts.depth > 0 ? opts.depth : 1, classes, seed);
  }
  throw Error(
      ErrorKind::kUsage,
      fmt::format("--arch '{}': expected mlp, cnn, ds-cnn, mobilenet or resnet", opts.arch));
}

// The int8 model's test accuracy through kiln's runtime on the host.
torch::Tensor int8_predictions(const ir::Graph& graph, const train::LabelledImages& test,
                               const std::string& what) {
  const std::vector<uint8_t> blob = compile_graph(graph, {"host"}).blob;
  return train::runtime_predictions(blob, test.images, progress_printer("running " + what, true));
}

void check(const TrainCommand& opts) {
  const train::TrainOptions& t = opts.train;
  if (t.epochs < 0 || t.batch < 1 || !(t.learning_rate > 0.0) || !(t.temperature > 0.0) ||
      opts.calibration_images < 1 || opts.sample_count < 1 || opts.train_images < 0 ||
      opts.depth < 0 || opts.depth > 64 || opts.expansion < 1 || opts.expansion > 16) {
    throw Error(ErrorKind::kUsage,
                "--batch, --learning-rate, --temperature, --calibration-images and --sample-count "
                "must be positive, --epochs not negative, --depth at most 64, --expansion from 1 "
                "to 16");
  }
  if (opts.qat_epochs < 0 || opts.qat_learning_rate < 0.0 || !(t.alpha >= 0.0 && t.alpha <= 1.0)) {
    throw Error(
        ErrorKind::kUsage,
        "--qat-epochs and --qat-learning-rate must not be negative, --alpha is from 0 to 1");
  }
  const bool int8 = opts.int8 || opts.qat_epochs > 0;
  if (!ends_with(opts.output, ".tflite") && !ends_with(opts.output, ".kiln") &&
      !(ends_with(opts.output, ".onnx") && !int8)) {
    throw Error(ErrorKind::kUsage,
                fmt::format("-o '{}': expected a .tflite or .kiln file{}", opts.output,
                            int8 ? " (ONNX files are float)" : ", or a float .onnx file"));
  }
  if (!opts.float_output.empty() && !ends_with(opts.float_output, ".tflite") &&
      !ends_with(opts.float_output, ".onnx")) {
    throw Error(
        ErrorKind::kUsage,
        fmt::format("--float-output '{}': expected a .tflite or .onnx file", opts.float_output));
  }
  if (opts.weights != "int8" && !int8) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--weights {} quantizes the weights: add --int8 or --qat-epochs",
                            opts.weights));
  }
  if (opts.weights == "int8" && !opts.weights_layers.empty()) {
    throw Error(ErrorKind::kUsage,
                "--weights-layers names the layers of --weights int4 or binary: add --weights");
  }
  if (opts.activations == "binary" && (opts.weights != "binary" || opts.qat_epochs < 1)) {
    throw Error(ErrorKind::kUsage,
                "--activations binary feeds layers of binary weights, both learned in "
                "quantization-aware epochs: add --weights binary and --qat-epochs N");
  }
  if (opts.weights != "int8" && opts.clusters != 0) {
    throw Error(ErrorKind::kUsage, fmt::format("--weights {} and --cluster: choose one way to "
                                               "fewer values",
                                               opts.weights));
  }
  if (opts.clusters != 0 && !int8) {
    throw Error(ErrorKind::kUsage,
                "--cluster shares the int8 model's weights: add --int8 or --qat-epochs");
  }
  if (!opts.model.empty() && !opts.spec.empty()) {
    throw Error(ErrorKind::kUsage, "--model and --spec: give one model to train");
  }
}

// Ctrl-C ends training after the current batch (a second one ends kiln).
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
  interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

// One training run (float or quantization-aware), its epochs in the report.
bool fit(train::GraphModule& model, const train::LabelledImages& data,
         const train::TrainOptions& options, nlohmann::json& report, const char* key,
         double* seconds) {
  const auto start = std::chrono::steady_clock::now();
  const train::TrainResult r = train::fit(model, data, options);
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report[key] = epochs_json(r.epochs);
  if (r.stopped) {
    std::printf("interrupted: the model keeps epoch %d, the best on the held-out images\n",
                r.kept_epoch);
    report["interrupted"] = true;
  }
  return !r.stopped;
}

struct Run {
  TrainCommand& opts;
  train::LabelledImages training, test;
  nlohmann::json report;
};

void distil_from_teacher(Run& run) {
  TrainCommand& opts = run.opts;
  auto teacher = std::make_shared<train::Teacher>(opts.teacher);
  if (opts.train.augmentation.any()) {
    // Each augmented batch is scored as the student sees it.
    opts.train.teacher = [teacher](const torch::Tensor& images) { return teacher->logits(images); };
  } else {
    opts.train.teacher_logits =
        teacher->logits(run.training.images, progress_printer("running the teacher", true));
  }
  const double teacher_accuracy =
      train::accuracy(teacher->logits(run.test.images).argmax(1), run.test.labels);
  std::printf(
      "teacher %s (run by %s): test accuracy %.4f; distilling with alpha %g, temperature %g\n",
      opts.teacher.c_str(), teacher->engine(), teacher_accuracy, opts.train.alpha,
      opts.train.temperature);
  run.report["teacher"] = {{"model", opts.teacher},
                           {"test_accuracy", teacher_accuracy},
                           {"alpha", opts.train.alpha},
                           {"temperature", opts.train.temperature}};
}

// Quantization-aware epochs from the calibration images' ranges. False if
// interrupted.
bool train_quantization_aware(Run& run, train::GraphModule& model,
                              const torch::Tensor& calibration) {
  {
    torch::NoGradGuard no_grad;
    model.eval();
    model.quantizer().set_mode(train::ActivationQuantizer::Mode::kObserve);
    for (int64_t at = 0; at < calibration.size(0); at += 500)
      model.forward(calibration.slice(0, at, std::min(calibration.size(0), at + 500)));
  }
  model.quantizer().set_mode(train::ActivationQuantizer::Mode::kQuantize);
  train::TrainOptions qat = run.opts.train;
  qat.epochs = run.opts.qat_epochs;
  qat.learning_rate = run.opts.qat_learning_rate > 0.0 ? run.opts.qat_learning_rate
                                                       : run.opts.train.learning_rate / 10.0;
  std::printf("quantization-aware training: %d epochs from learning rate %g\n", qat.epochs,
              qat.learning_rate);
  double seconds = 0.0;
  const bool completed = fit(model, run.training, qat, run.report, "qat_epochs", &seconds);
  run.report["qat_seconds"] = seconds;
  return completed;
}

// The int8 model: post-training quantization, then quantization-aware
// epochs when asked for, each measured through kiln's runtime unless
// training was interrupted.
ir::Graph quantize(Run& run, train::GraphModule& model, bool completed) {
  const TrainCommand& opts = run.opts;
  const train::LabelledImages& test = run.test;
  nlohmann::json& report = run.report;
  const torch::Tensor calibration = run.training.images.slice(
      0, 0, std::min(opts.calibration_images, run.training.images.size(0)));
  QuantizeResult quantized = train::quantize_trained(model, calibration);
  // int8 activations, and int8, int4 or binary weights.
  const std::string kind_text = opts.weights == "int8" ? "int8"
                                : opts.activations == "int8"
                                    ? fmt::format("int8 ({} weights)", opts.weights)
                                    : fmt::format(
                                          "int8 ({} weights, {} activations after "
                                          "quantization-aware training)",
                                          opts.weights, opts.activations);
  const char* kind = kind_text.c_str();
  report["weights"] = opts.weights;
  report["activations"] = opts.activations;
  if (completed) {
    report["int8_post_training_accuracy"] = train::accuracy(
        int8_predictions(quantized.graph, test, "the post-training int8 model"), test.labels);
    std::printf("%s, post-training quantization (%lld calibration images): test accuracy %.4f\n",
                kind, static_cast<long long>(calibration.size(0)),
                report["int8_post_training_accuracy"].get<double>());
  }
  if (completed && opts.qat_epochs > 0) {
    completed = train_quantization_aware(run, model, calibration);
    quantized = train::quantize_trained(model, calibration);
    // The clusters training shared the weights among, stored so.
    for (const auto& [layer, clusters] : opts.budget_clusters) {
      quantized.graph = cluster_weights(quantized.graph, clusters, false, {layer}).graph;
    }
  }
  if (completed && opts.qat_epochs > 0) {
    const torch::Tensor simulated = train::predictions(model, test.images);
    const torch::Tensor device =
        int8_predictions(quantized.graph, test, "the quantization-aware int8 model");
    report["int8_qat_accuracy"] = train::accuracy(device, test.labels);
    report["qat_graph_accuracy"] = train::accuracy(simulated, test.labels);
    report["qat_predictions_differing"] = simulated.ne(device).sum().item<int64_t>();
    std::printf(
        "%s, quantization-aware: test accuracy %.4f (training graph %.4f); the int8 model "
        "and the training graph differ on %lld of %lld predictions\n",
        kind, report["int8_qat_accuracy"].get<double>(), report["qat_graph_accuracy"].get<double>(),
        static_cast<long long>(report["qat_predictions_differing"].get<int64_t>()),
        static_cast<long long>(test.images.size(0)));
  }
  return std::move(quantized.graph);
}

}  // namespace

const ir::Tensor* first_quantized(const ir::Graph& graph) {
  for (const ir::Tensor& t : graph.tensors)
    if (t.quant.present()) return &t;
  return nullptr;
}

int gradual_pruning_epochs(int epochs) { return std::max(1, epochs / 2); }

double gradual_pruning_share(double target, int epoch, int epochs) {
  const double t = std::min(1.0, static_cast<double>(epoch) / gradual_pruning_epochs(epochs));
  return target * (1.0 - std::pow(1.0 - t, 3));
}

bool prunes_weights(const TrainCommand& opts) {
  return opts.prune > 0.0 || !opts.prune_layers.empty() || !opts.sparsity.empty();
}

namespace {

// The share of the pruned layers' weights that are zero.
double zero_share(const WeightPruning& p) {
  double zeros = 0.0, weights = 0.0;
  for (const SparseLayer& l : p.layers) {
    zeros += static_cast<double>(l.zeros);
    weights += static_cast<double>(l.weights);
  }
  return weights > 0.0 ? zeros / weights : 0.0;
}

Sparsity sparsity_of(const TrainCommand& opts) {
  if ((opts.prune > 0.0 || !opts.prune_layers.empty()) && !opts.sparsity.empty())
    throw Error(ErrorKind::kUsage, "--prune (or --prune-layers) and --sparsity: give one of them");
  Sparsity sparsity;
  sparsity.fraction = opts.prune;
  if (!opts.prune_layers.empty())
    sparsity.layer_fractions = parse_layer_fractions(opts.prune_layers);
  if (!opts.sparsity.empty()) sparsity = parse_n_of_m(opts.sparsity);
  sparsity.block = opts.prune_block;
  return sparsity;
}

}  // namespace

ir::Graph prune_weights_and_report(const ir::Graph& graph, const TrainCommand& opts,
                                   nlohmann::json& report, std::vector<int>* filters) {
  const Sparsity sparsity = sparsity_of(opts);
  WeightPruning p = prune_weights(graph, sparsity);
  if (sparsity.m > 0) {
    std::printf("%d:%d pruning (%d of every %d weights along the input depth kept):\n", sparsity.n,
                sparsity.m, sparsity.n, sparsity.m);
  } else {
    std::printf("unstructured pruning, %s%s:\n",
                opts.prune_layers.empty()
                    ? fmt::format("{:.0f}% of each layer's weights", 100.0 * opts.prune).c_str()
                    : fmt::format("by layer ({})", opts.prune_layers).c_str(),
                sparsity.block > 1
                    ? fmt::format(" in blocks of {} along the input depth", sparsity.block).c_str()
                    : "");
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const SparseLayer& l : p.layers) {
    const std::string name =
        l.name.size() > 32 ? "..." + l.name.substr(l.name.size() - 29) : l.name;
    std::printf("  %-32s %8lld weights, %5.1f%% zero\n", name.c_str(),
                static_cast<long long>(l.weights),
                100.0 * static_cast<double>(l.zeros) / static_cast<double>(l.weights));
    layers.push_back({{"layer", l.name}, {"op", l.op}, {"weights", l.weights}, {"zeros", l.zeros}});
    if (filters) filters->push_back(l.filter);
  }
  report["weight_pruning"] = {
      {"fraction", sparsity.fraction}, {"n", sparsity.n}, {"m", sparsity.m}, {"layers", layers}};
  return p.graph;
}

ir::Graph prune_and_report(const ir::Graph& graph, double fraction, int32_t multiple,
                           nlohmann::json& report) {
  ChannelPruning p = prune_channels(graph, fraction, multiple);
  std::printf("structured pruning, %.0f%% of each layer's filters (keeping multiples of %d):\n",
              100.0 * fraction, multiple);
  nlohmann::json layers = nlohmann::json::array();
  for (const PrunedLayer& l : p.layers) {
    // TFLite's long fused names end in the layer's own.
    const std::string name =
        l.name.size() > 32 ? "..." + l.name.substr(l.name.size() - 29) : l.name;
    if (l.kept_because.empty()) {
      std::printf("  %-32s %4d -> %4d channels\n", name.c_str(), l.channels_before,
                  l.channels_after);
    } else {
      std::printf("  %-32s %4d channels kept: %s\n", name.c_str(), l.channels_before,
                  l.kept_because.c_str());
    }
    layers.push_back({{"layer", l.name},
                      {"op", l.op},
                      {"channels_before", l.channels_before},
                      {"channels_after", l.channels_after},
                      {"kept_because", l.kept_because}});
  }
  const int64_t macs = total_macs(graph), pruned_macs = total_macs(p.graph);
  const int64_t params = train::parameter_count(graph),
                pruned_params = train::parameter_count(p.graph);
  std::printf("  MACs %lld -> %lld (%.2fx fewer), parameters %lld -> %lld\n",
              static_cast<long long>(macs), static_cast<long long>(pruned_macs),
              static_cast<double>(macs) / static_cast<double>(std::max<int64_t>(1, pruned_macs)),
              static_cast<long long>(params), static_cast<long long>(pruned_params));
  report["pruning"] = {{"fraction", fraction},
                       {"channel_multiple", multiple},
                       {"layers", layers},
                       {"macs_before", macs},
                       {"macs_after", pruned_macs},
                       {"parameters_before", params},
                       {"parameters_after", pruned_params}};
  return std::move(p.graph);
}

namespace {

// The per-layer table of a clustering or int4 requantization, and its JSON.
nlohmann::json report_coded_layers(const Clustering& c) {
  std::printf("  %-32s %8s %7s %9s %12s %9s\n", "layer", "weights", "values", "codebooks", "bytes",
              "rms error");
  nlohmann::json layers = nlohmann::json::array();
  int64_t int8_bytes = 0, coded_bytes = 0;
  for (const ClusteredLayer& l : c.layers) {
    const std::string name =
        l.name.size() > 32 ? "..." + l.name.substr(l.name.size() - 29) : l.name;
    if (l.codebooks > 0) {
      std::printf("  %-32s %8lld %7d %9d %5lld->%-6lld %8.2f%%\n", name.c_str(),
                  static_cast<long long>(l.weights), l.values_before, l.codebooks,
                  static_cast<long long>(l.int8_bytes), static_cast<long long>(l.coded_bytes),
                  100.0 * l.rms_error);
    } else {
      std::printf("  %-32s %8lld kept: %s\n", name.c_str(), static_cast<long long>(l.weights),
                  l.kept_because.c_str());
    }
    int8_bytes += l.int8_bytes;
    coded_bytes += l.coded_bytes;
    layers.push_back({{"layer", l.name},
                      {"op", l.op},
                      {"weights", l.weights},
                      {"values_before", l.values_before},
                      {"codebooks", l.codebooks},
                      {"int8_bytes", l.int8_bytes},
                      {"coded_bytes", l.coded_bytes},
                      {"rms_error", l.rms_error},
                      {"kept_because", l.kept_because}});
  }
  std::printf(
      "  filters %lld -> %lld bytes (%.2fx of int8; indices and codebooks)\n",
      static_cast<long long>(int8_bytes), static_cast<long long>(coded_bytes),
      static_cast<double>(coded_bytes) / static_cast<double>(std::max<int64_t>(1, int8_bytes)));
  return {
      {"layers", layers}, {"filter_bytes_int8", int8_bytes}, {"filter_bytes_coded", coded_bytes}};
}

}  // namespace

ir::Graph cluster_and_report(const ir::Graph& graph, int32_t clusters, bool per_channel,
                             nlohmann::json& report) {
  Clustering c = cluster_weights(graph, clusters, per_channel);
  std::printf("weight clustering, %d values per %s:\n", clusters,
              per_channel ? "output channel" : "layer");
  report["clustering"] = report_coded_layers(c);
  report["clustering"]["clusters"] = clusters;
  report["clustering"]["per_channel"] = per_channel;
  return std::move(c.graph);
}

std::set<std::string> weight_layers(const ir::Graph& graph, const TrainCommand& opts) {
  std::set<std::string> names, layers;
  for (const ir::Op& op : graph.ops) {
    if (op_traits(op.kind).weighted())
      layers.insert(graph.tensors[static_cast<size_t>(op.outputs[0])].name);
  }
  size_t start = 0;
  while (!opts.weights_layers.empty() && start <= opts.weights_layers.size()) {
    const size_t end = std::min(opts.weights_layers.find(',', start), opts.weights_layers.size());
    const std::string name = opts.weights_layers.substr(start, end - start);
    if (layers.count(name) == 0) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--weights-layers: no layer '{}' with weights; the layers are {}",
                              name, fmt::join(layers, ", ")));
    }
    names.insert(name);
    start = end + 1;
  }
  return names;
}

std::set<int> binary_activations(const ir::Graph& graph, const TrainCommand& opts) {
  const std::set<std::string> layers = weight_layers(graph, opts);
  std::set<int> tensors;
  std::vector<std::string> readers;
  for (const ir::Op& op : graph.ops) {
    const std::string& name = graph.tensors[static_cast<size_t>(op.outputs[0])].name;
    if (!op_traits(op.kind).weighted() || (!layers.empty() && layers.count(name) == 0)) continue;
    const int input = op.inputs[0];
    const int writer = ir::producer(graph, input);
    if (writer < 0 || graph.ops[static_cast<size_t>(writer)].outputs[0] != input) continue;
    const ir::Activation a = graph.ops[static_cast<size_t>(writer)].attrs.activation;
    if (a == ir::Activation::kRelu || a == ir::Activation::kRelu6) {
      tensors.insert(input);
      readers.push_back(name);
    }
  }
  if (tensors.empty()) {
    throw Error(ErrorKind::kUsage,
                "--activations binary: no layer of --weights binary reads a layer's ReLU output "
                "(a first layer reads the model's input, which stays int8)");
  }
  std::printf("binary activations: the inputs of %s (quantization-aware epochs)\n",
              fmt::format("{}", fmt::join(readers, ", ")).c_str());
  return tensors;
}

ir::Graph requantize_and_report(const ir::Graph& graph, const TrainCommand& opts,
                                nlohmann::json& report) {
  const std::string& weights = opts.weights;
  const bool binary = weights == "binary";
  const std::set<std::string> layers = weight_layers(graph, opts);
  Clustering c = binary ? binarize_weights(graph, layers) : requantize_int4(graph, layers);
  std::printf(binary ? "binary weights from int8 (each channel +a or -a, a its mean magnitude):\n"
                     : "int4 weights, requantized from int8 (levels -7 to 7):\n");
  report[weights] = report_coded_layers(c);
  return std::move(c.graph);
}

void run_training(TrainCommand& opts) {
  check(opts);
  // libtorch alone may take one thread; training takes every core unless told.
  torch::set_num_threads(opts.threads > 0
                             ? opts.threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const bool int8 = opts.int8 || opts.qat_epochs > 0;
  opts.data.seed = opts.train.seed;
  train::TrainingData data = train::load_training_data(opts.data);
  // The graph as kiln's int8 model will have it (activations fused), so
  // that quantization-aware training quantizes the tensors the model has.
  ir::Graph graph = passes::optimize(architecture(opts, data));
  Run run{opts, std::move(data.training), std::move(data.test), {}};
  if (opts.train_images > 0 && opts.train_images < run.training.images.size(0)) {
    run.training = {run.training.images.slice(0, 0, opts.train_images),
                    run.training.labels.slice(0, 0, opts.train_images)};
  }
  nlohmann::json& report = run.report;
  const train::LabelledImages& test = run.test;
  const std::string name = !opts.model.empty()  ? opts.model
                           : !opts.spec.empty() ? opts.spec
                                                : opts.arch;
  std::printf(
      "%s: %lld parameters; %s: %lld training samples (%.0f%% held out for validation), %lld test "
      "samples, %d classes\n",
      name.c_str(), static_cast<long long>(train::parameter_count(graph)), data.description.c_str(),
      static_cast<long long>(run.training.images.size(0)), 100.0 * opts.train.validation_fraction,
      static_cast<long long>(test.images.size(0)), data.classes);
  report["data"] = data.description;
  if (!data.class_names.empty()) report["classes"] = data.class_names;
  report["architecture"] = name;
  report["parameters"] = train::parameter_count(graph);
  report["seed"] = opts.train.seed;
  if (opts.prune_channels > 0.0)
    graph = prune_and_report(graph, opts.prune_channels, opts.channel_multiple, report);
  // Unstructured pruning before two or more epochs is gradual: the
  // schedule's share of weights, by magnitude, before each epoch.
  std::vector<int> pruned_filters;
  const bool gradual = prunes_weights(opts) && opts.sparsity.empty() && opts.train.epochs >= 2;
  if (prunes_weights(opts)) {
    ir::Graph pruned = prune_weights_and_report(graph, opts, report, &pruned_filters);
    if (!gradual) graph = std::move(pruned);
  }
  train::GraphModule model(graph);
  auto prune_before = [&](int epoch) {
    Sparsity step = sparsity_of(opts);
    step.fraction = gradual_pruning_share(step.fraction, epoch, opts.train.epochs);
    for (auto& [name, share] : step.layer_fractions)
      share = gradual_pruning_share(share, epoch, opts.train.epochs);
    const WeightPruning pruned = prune_weights(model.trained(), step);
    model.mask_zeros(pruned.graph, pruned_filters);
    return zero_share(pruned);
  };
  if (gradual) {
    const double first = prune_before(1);
    std::printf("gradual pruning: %.1f%% before the first epoch, %.0f%% from epoch %d\n",
                100.0 * first, 100.0 * zero_share(prune_weights(graph, sparsity_of(opts))),
                gradual_pruning_epochs(opts.train.epochs));
  } else if (prunes_weights(opts)) {
    model.mask_zeros(graph, pruned_filters);
  }
  if (opts.weights == "int4") model.set_weight_levels(kInt4WeightLevels);
  model.set_binary_weights(opts.weights == "binary");
  model.set_weight_layers(weight_layers(graph, opts));
  if (opts.activations == "binary") model.quantizer().set_binary(binary_activations(graph, opts));
  model.set_weight_clusters(opts.budget_clusters);
  if (!opts.model.empty()) {
    report["test_accuracy_before"] = train::accuracy(model, test);
    std::printf("%s: test accuracy %.4f\n",
                opts.prune_channels > 0.0 || prunes_weights(opts) ? "pruned, before fine-tuning"
                                                                  : "before fine-tuning",
                report["test_accuracy_before"].get<double>());
  }
  if (!opts.teacher.empty()) distil_from_teacher(run);
  opts.train.progress = batch_progress();
  opts.train.epoch_done = [&](const train::EpochReport& r) {
    print_epoch(r);
    if (gradual && r.epoch < opts.train.epochs) prune_before(r.epoch + 1);
  };
  interrupted = false;
  opts.train.stop = &interrupted;
  std::signal(SIGINT, on_interrupt);

  double seconds = 0.0;
  bool completed = fit(model, run.training, opts.train, report, "epochs", &seconds);
  report["training_seconds"] = seconds;
  if (completed) {
    report["test_accuracy"] = train::accuracy(model, test);
    std::printf("float: test accuracy %.4f on %lld samples; %.1f s of training\n",
                report["test_accuracy"].get<double>(), static_cast<long long>(test.images.size(0)),
                seconds);
  }
  if (!opts.float_output.empty()) {
    const size_t bytes = write_model(model.trained(), opts.float_output, opts.target);
    std::printf("wrote %s (float, %zu bytes)\n", opts.float_output.c_str(), bytes);
  }
  ir::Graph written = int8 ? quantize(run, model, completed) : model.trained();
  if (opts.clusters > 0) {
    written = cluster_and_report(written, opts.clusters, opts.per_channel_clusters, report);
    if (completed) {
      report["int8_clustered_accuracy"] =
          train::accuracy(int8_predictions(written, test, "the clustered int8 model"), test.labels);
      std::printf("int8, clustered: test accuracy %.4f\n",
                  report["int8_clustered_accuracy"].get<double>());
    }
  }
  std::signal(SIGINT, SIG_DFL);
  if (!opts.flash_budget.empty()) {
    compress_to_budget(written, opts, report);
    if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
    return;
  }
  const size_t bytes = write_model(written, opts.output, opts.target, opts.entropy);
  std::printf("wrote %s (%s, %zu bytes)\n", opts.output.c_str(), int8 ? "int8" : "float", bytes);
  if (!opts.samples_dir.empty())
    write_test_samples(opts.samples_dir, opts.sample_count, test, written);
  if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
}

}  // namespace cli
}  // namespace kiln
