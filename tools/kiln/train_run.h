// kiln train's and kiln compress's shared run: the options both fill in,
// and the pipeline from data and model to the written file.
#ifndef KILN_TOOLS_KILN_TRAIN_RUN_H
#define KILN_TOOLS_KILN_TRAIN_RUN_H

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/train/datasets.h"
#include "compiler/train/trainer.h"

namespace kiln {
namespace cli {

struct TrainCommand {
  std::string arch = "cnn", widths, model, spec, output, float_output, report;
  train::DataOptions data;
  std::string target = "portable", teacher;
  train::TrainOptions train;
  int threads = 0;
  bool int8 = false;
  int qat_epochs = 0;
  double qat_learning_rate = 0.0;  // 0: a tenth of --learning-rate
  int64_t calibration_images = 1000;
  int depth = 0;  // blocks (ds-cnn) or blocks per stage; 0: the architecture's default
  int expansion = 4;
  std::string samples_dir;  // test images written here for kiln run/validate
  int64_t sample_count = 100;
  int64_t train_images = 0;          // 0: all
  double prune_channels = 0.0;       // the share of filters structured pruning removes
  int32_t channel_multiple = 8;      // pruned layers keep a multiple of this many channels
  double prune = 0.0;                // the share of weights unstructured pruning zeroes
  std::string prune_layers;          // shares for named layers ("NAME=F,..."; "" for none)
  std::string sparsity;              // N:M pruning ("" for none)
  int32_t prune_block = 1;           // --prune zeroes blocks of this many weights
  std::string weights = "int8";      // or "int4", "binary"
  std::string weights_layers;        // the layers --weights applies to ("NAME,..."; "": all)
  std::string activations = "int8";  // or "binary" (with --weights binary)
  int32_t clusters = 0;              // weight clustering of the int8 model (0: none)
  bool per_channel_clusters = false;
  bool entropy = false;  // a .kiln output stores filters entropy-coded
  // Budget mode (tools/kiln/flash_budget.h): "" for none.
  std::string flash_budget, ram_budget;
  double max_accuracy_drop = -1.0;  // points; negative: any
  double max_slowdown = 0.0;        // x the int8 model's instructions; 0: any
  int64_t budget_images = 1000;     // test images that measure each form's error
  // Resolved by plan_fine_tuning for a float model (0 / negative: not yet):
  // the budget against the int8 model before fine-tuning, its accuracy, and
  // the clusters quantization-aware training shares each layer's weights
  // among (the int8 model is clustered so after it).
  int64_t budget_flash_bytes = 0, budget_ram_bytes = 0, budget_max_instructions = 0;
  double budget_reference_accuracy = -1.0;
  std::map<std::string, int32_t> budget_clusters;
};

// "shift", "shift=N" and "flip", separated by commas (--augment).
train::Augmentation parse_augmentation(const std::string& text);

// --data, --labels, --test-data, --test-labels, --test-fraction,
// --label-column, --feature-columns and --input-shape.
void add_data_options(CLI::App& cmd, train::DataOptions& data);

// The options kiln train and kiln compress share: samples used, step size,
// distillation's weights, augmentation, channel multiple, int8 output,
// target, seed, threads and report.
void add_run_options(CLI::App& cmd, const std::shared_ptr<TrainCommand>& opts);

// Comma-separated numbers from 1 to 4096; Error(kUsage) naming `option`.
std::vector<int32_t> parse_widths(const std::string& text, const std::string& option);

// The graph's first quantized tensor, or null for a float model.
const ir::Tensor* first_quantized(const ir::Graph& graph);

// Structured pruning (compress/prune_channels.h) with a line per layer and
// the whole model's MACs and parameters before and after, also in `report`.
ir::Graph prune_and_report(const ir::Graph& graph, double fraction, int32_t multiple,
                           nlohmann::json& report);

// Gradual pruning (Zhu and Gupta, "To prune, or not to prune", 2017): the
// share of weights pruned before epoch `epoch` (from 1) of `epochs` rises
// along a cubic to `target`, reached at epoch gradual_pruning_epochs (half
// of them) and kept for the rest, the weights chosen again by magnitude
// each time. One-shot pruning of 90% of the Fashion-MNIST MLP ends further
// from the dense model after the same fine-tuning.
int gradual_pruning_epochs(int epochs);
double gradual_pruning_share(double target, int epoch, int epochs);

// Whether --prune or --sparsity asks for weight pruning.
bool prunes_weights(const TrainCommand& opts);

// Weight pruning (compress/prune_weights.h) as --prune or --sparsity ask,
// with a line per layer and the share of zeros, also in `report`. Returns
// the pruned graph; `filters` receives the pruned filters' tensors.
ir::Graph prune_weights_and_report(const ir::Graph& graph, const TrainCommand& opts,
                                   nlohmann::json& report, std::vector<int>* filters = nullptr);

// Weight clustering (compress/cluster.h) of an int8 graph with a line per
// layer and the filters' bytes before and after, also in `report`.
ir::Graph cluster_and_report(const ir::Graph& graph, int32_t clusters, bool per_channel,
                             nlohmann::json& report);

// --activations binary: the inputs of the --weights-layers (or all weighted
// layers) that a layer's ReLU makes, by tensor index; Error(kUsage) if none.
std::set<int> binary_activations(const ir::Graph& graph, const TrainCommand& opts);

// int4 or binary weights (`weights`) from an int8 model (compress/cluster.h's
// requantize_int4, binarize_weights), reported as cluster_and_report reports.
ir::Graph requantize_and_report(const ir::Graph& graph, const TrainCommand& opts,
                                nlohmann::json& report);

// The layers --weights-layers names (every weighted layer if none), each
// checked against the graph's convolution and fully connected layers.
std::set<std::string> weight_layers(const ir::Graph& graph, const TrainCommand& opts);

// Loads the data, builds or imports the model (pruned when asked), trains
// it (distilled, quantization-aware when asked) and writes it, printing
// each step's figures.
void run_training(TrainCommand& opts);

}  // namespace cli
}  // namespace kiln

#endif
