// kiln compress: makes a trained model smaller and faster on the device.
// Structured pruning removes whole filters, so the dense kernels run fewer
// MACs over smaller weights; weight pruning zeroes weights that the sparse
// kernels then skip; weight clustering leaves each int8 filter at
// most 16 values, which kiln stores as 4-bit indices into a codebook; a
// .kiln output may store them entropy-coded (--entropy). A
// float model is fine-tuned after pruning to win back accuracy, distilled
// from the model it was (tools/kiln/train_run.h runs it), and clustered once
// quantized; an int8 model is pruned and clustered as it is. With
// --flash-budget, an int8 model's layers each take the form that fits the
// budget with the least change to its outputs (tools/kiln/flash_budget.h).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/flash_budget.h"
#include "tools/kiln/train_output.h"
#include "tools/kiln/train_run.h"

namespace kiln {
namespace cli {

namespace {

// An int8 model has no float weights to fine-tune: its weights are pruned
// as they are (per-channel scales follow their channels), and `kiln
// validate` then tells how far its outputs moved.
void compress_quantized(const ir::Graph& graph, const TrainCommand& opts) {
  if (opts.int8 || opts.qat_epochs > 0) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--int8/--qat-epochs: {} is already quantized", opts.model));
  }
  if (opts.weights == "int8" && !opts.weights_layers.empty()) {
    throw Error(ErrorKind::kUsage,
                "--weights-layers names the layers of --weights int4 or binary: add --weights");
  }
  if (opts.activations == "binary") {
    throw Error(ErrorKind::kUsage,
                fmt::format("--activations binary is learned in quantization-aware training: {} "
                            "is already int8; give its float model",
                            opts.model));
  }
  nlohmann::json report;
  report["model"] = opts.model;
  std::printf("%s: int8, compressed without fine-tuning\n", opts.model.c_str());
  ir::Graph compressed = passes::optimize(graph);
  if (opts.prune_channels > 0.0) {
    compressed = prune_and_report(compressed, opts.prune_channels, opts.channel_multiple, report);
  }
  if (!opts.flash_budget.empty()) {
    compress_to_budget(compressed, opts, report);
    if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
    return;
  }
  if (prunes_weights(opts)) compressed = prune_weights_and_report(compressed, opts, report);
  if (opts.weights != "int8") compressed = requantize_and_report(compressed, opts, report);
  if (opts.clusters > 0) {
    compressed = cluster_and_report(compressed, opts.clusters, opts.per_channel_clusters, report);
  }
  const size_t bytes = write_model(compressed, opts.output, opts.target, opts.entropy);
  std::printf(
      "wrote %s (int8, %zu bytes); kiln validate %s %s --data DIR compares their "
      "outputs\n",
      opts.output.c_str(), bytes, opts.model.c_str(), opts.output.c_str());
  if (!opts.report.empty()) std::ofstream(opts.report) << report.dump(2) << "\n";
}

// Budget mode chooses the pruning, clustering, binary and entropy-coded
// forms itself, for an int8 model.
void check_budget_options(const TrainCommand& opts) {
  if (opts.flash_budget.empty()) {
    if (!opts.ram_budget.empty() || opts.max_accuracy_drop >= 0.0 || opts.max_slowdown != 0.0) {
      throw Error(ErrorKind::kUsage,
                  "--ram-budget, --max-accuracy-drop and --max-slowdown go with --flash-budget");
    }
    return;
  }
  if (opts.max_slowdown < 0.0) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--max-slowdown {:g}: expected a positive multiple of the int8 "
                            "model's instructions",
                            opts.max_slowdown));
  }
  if (!ends_with(opts.output, ".kiln") && !ends_with(opts.output, ".tflite")) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--flash-budget: {} is neither a .kiln blob nor a .tflite model "
                            "(the plan for --target: write -o NAME.kiln, or -o NAME.tflite and "
                            "compile it with the --entropy-layers printed)",
                            opts.output));
  }
  if (prunes_weights(opts) || opts.clusters != 0 || opts.weights != "int8" || opts.entropy) {
    throw Error(ErrorKind::kUsage,
                "--flash-budget chooses each layer's pruning, clusters, binary weights and "
                "entropy coding itself: leave out --prune, --prune-layers, --sparsity, --cluster, "
                "--weights and --entropy");
  }
}

}  // namespace

void register_compress(CLI::App& app) {
  auto opts = std::make_shared<TrainCommand>();
  auto distil = std::make_shared<bool>(true);
  opts->train.epochs = 3;
  CLI::App* cmd = app.add_subcommand(
      "compress",
      "prune a trained model's filters (structured) or weights (unstructured, blocks, N:M) and "
      "cluster its weights; a float model is fine-tuned after pruning, distilled from the "
      "original, and written float or int8");
  cmd->add_option("MODEL", opts->model,
                  "the trained model (.tflite or .onnx): float, or int8 (pruned as it is)")
      ->required();
  cmd->add_option("-o,--output", opts->output,
                  "the compressed model: .tflite or .kiln (int8 with --int8 or --qat-epochs), or "
                  "a float .onnx")
      ->required();
  cmd->add_option("--prune-channels", opts->prune_channels,
                  "the share of each layer's filters to remove, the weakest (L1 norm) first; "
                  "the layers reading them shrink too");
  cmd->add_option("--prune", opts->prune,
                  "the share of each fully connected and 1x1 convolution layer's weights to set "
                  "to zero, the smallest first (unstructured); kiln stores the nonzeros and "
                  "skips the zeros");
  cmd->add_option("--prune-layers", opts->prune_layers,
                  "shares for named layers in place of --prune's (which the others keep, or "
                  "are left unpruned without it), e.g. dense1=0.95,dense4=0.5");
  cmd->add_option("--prune-block", opts->prune_block,
                  "--prune zeroes whole blocks of this many consecutive weights along the input "
                  "depth (1, 2, 4 or 8; 4: the block form the Cortex-M kernels run fastest)")
      ->capture_default_str();
  cmd->add_option("--sparsity", opts->sparsity,
                  "N:M pruning: keep the N largest of every M consecutive weights along the "
                  "input depth (e.g. 1:8)");
  cmd->add_option("--cluster", opts->clusters,
                  "share each int8 filter's weights among this many values (2 to 16, k-means), "
                  "stored as 4-bit indices into a codebook");
  cmd->add_flag("--per-channel-clusters", opts->per_channel_clusters,
                "one set of cluster values per output channel instead of per layer");
  cmd->add_flag("--entropy", opts->entropy,
                "a .kiln output stores each filter rANS-coded where that is smallest (pruned and "
                "clustered filters code in well under 4 bits per weight), at a decoding cost "
                "per weight");
  cmd->add_option("--flash-budget", opts->flash_budget,
                  "store each layer's weights in the form (int8, pruned, clustered, binary, "
                  "entropy-coded) that fits the compiled model in this much model flash on "
                  "--target with the least change to its outputs on the test images (a float "
                  "model: planned as int8, fine-tuned for the plan, planned again); BYTES, a "
                  "share of the int8 model's (1/4, 25%) or a size (64KiB)");
  cmd->add_option("--ram-budget", opts->ram_budget,
                  "with --flash-budget: the arena bytes the plan must fit");
  cmd->add_option("--max-accuracy-drop", opts->max_accuracy_drop,
                  "with --flash-budget: refuse a plan that loses more test accuracy (points)");
  cmd->add_option("--max-slowdown", opts->max_slowdown,
                  "with --flash-budget on an emulated core: the plan's instructions at most "
                  "this many times the int8 model's (e.g. 1.5; entropy-coded weights decode "
                  "at several instructions each)");
  cmd->add_option("--budget-images", opts->budget_images,
                  "with --flash-budget: test images that measure each form's output error")
      ->capture_default_str();
  cmd->add_option("--finetune", opts->train.epochs, "epochs of fine-tuning after compression")
      ->capture_default_str();
  cmd->add_flag("!--no-distill", *distil,
                "fine-tune on the labels alone, not distilled from MODEL");
  add_data_options(*cmd, opts->data);
  add_run_options(*cmd, opts);
  cmd->callback([opts, distil, cmd]() {
    if (opts->prune_channels <= 0.0 && !prunes_weights(*opts) && opts->clusters == 0 &&
        opts->weights == "int8" && !opts->entropy && opts->flash_budget.empty()) {
      throw Error(
          ErrorKind::kUsage,
          "nothing to do: give --prune-channels, --prune, --prune-layers, --sparsity, --cluster, "
          "--weights int4|binary, --entropy or --flash-budget");
    }
    check_budget_options(*opts);
    if (opts->entropy && !ends_with(opts->output, ".kiln")) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--entropy: {} is not a .kiln blob; entropy-coded filters are a "
                              "form of kiln's blobs and generated code (write -o NAME.kiln, or "
                              "compile the model with kiln convert or kiln compile --entropy)",
                              opts->output));
    }
    const ir::Graph graph = import_model(read_file(opts->model), opts->model);
    if (first_quantized(graph)) {
      if (cmd->count("--finetune") > 0 && opts->train.epochs > 0) {
        throw Error(ErrorKind::kUsage,
                    fmt::format("--finetune: {} is quantized, and training starts from a float "
                                "model; its int8 weights are pruned as they are",
                                opts->model));
      }
      return compress_quantized(graph, *opts);
    }
    if (!opts->flash_budget.empty()) plan_fine_tuning(*opts);
    if (*distil) opts->teacher = opts->model;
    run_training(*opts);
  });
}

}  // namespace cli
}  // namespace kiln
