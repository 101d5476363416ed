#include "tools/kiln/flash_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "compiler/analyze/analysis.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compress/flash_budget.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "compiler/target/cores.h"
#include "compiler/train/datasets.h"
#include "compiler/train/graph_module.h"
#include "compiler/train/int8_export.h"
#include "compiler/train/runtime_outputs.h"
#include "compiler/train/trainer.h"
#include "tools/kiln/progress.h"
#include "tools/kiln/train_output.h"

namespace kiln {
namespace cli {
namespace {

CompiledModel compiled(const ir::Graph& graph, const std::string& target,
                       const std::set<std::string>& entropy_layers) {
  return compile_graph(graph, plan_compile_options(target, entropy_layers));
}

std::vector<uint8_t> compiled_blob(const ir::Graph& graph, const std::string& target,
                                   const std::set<std::string>& entropy_layers) {
  return compiled(graph, target, entropy_layers).blob;
}

// Each layer's constants as the blob stores them (analyze's stored weight
// bytes: filter, codebooks or coding models, bias and requantization).
std::map<std::string, uint64_t> stored_bytes(const CompiledModel& model) {
  std::map<std::string, uint64_t> bytes;  // by layer name
  for (const LayerReport& l : analyze(model, "", 0).layers) bytes[l.name] = l.stored_weight_bytes;
  return bytes;
}

// The share of the int8 model's output energy its outputs moved by.
double relative_error(const torch::Tensor& outputs, const torch::Tensor& reference) {
  const double energy = reference.pow(2).sum().item<double>();
  return (outputs - reference).pow(2).sum().item<double>() / std::max(energy, 1e-30);
}

using LayerBytes = std::map<std::string, uint64_t>;

uint64_t bytes_of(const LayerBytes& bytes, const std::string& layer) {
  const auto it = bytes.find(layer);
  return it == bytes.end() ? 0 : it->second;
}

// `counted`: instructions were counted on an emulated core.
void print_plan(const BudgetPlan& plan, const LayerBytes& int8_bytes, const LayerBytes& bytes,
                bool counted) {
  size_t width = 5;
  for (const BudgetLayer& l : plan.layers) width = std::max(width, l.name.size());
  std::printf("  %-*s %9s  %-38s %17s %12s %13s\n", static_cast<int>(width), "layer", "weights",
              "form", "stored bytes", "output error", "instructions");
  for (const BudgetLayer& l : plan.layers) {
    const FormCost& c = l.forms[l.chosen];
    const std::string stored =
        fmt::format("{} -> {}", bytes_of(int8_bytes, l.name), bytes_of(bytes, l.name));
    const std::string added =
        counted ? fmt::format("{:+}", c.instructions - plan.int8_instructions) : "-";
    std::printf("  %-*s %9lld  %-38s %17s %12.6f %13s\n", static_cast<int>(width), l.name.c_str(),
                static_cast<long long>(l.weights), c.form.name().c_str(), stored.c_str(), c.error,
                added.c_str());
  }
}

nlohmann::json plan_json(const BudgetPlan& plan, const LayerBytes& int8_bytes,
                         const LayerBytes& bytes) {
  nlohmann::json layers = nlohmann::json::array();
  for (const BudgetLayer& l : plan.layers) {
    nlohmann::json forms = nlohmann::json::array();
    for (const FormCost& c : l.forms) {
      forms.push_back({{"form", c.form.name()},
                       {"flash_bytes", c.flash_bytes},
                       {"arena_bytes", c.arena_bytes},
                       {"instructions", c.instructions},
                       {"output_error", c.error}});
    }
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"weights", l.weights},
                      {"form", l.forms[l.chosen].form.name()},
                      {"int8_stored_bytes", bytes_of(int8_bytes, l.name)},
                      {"stored_bytes", bytes_of(bytes, l.name)},
                      {"flash_saved", plan.int8_flash_bytes - l.forms[l.chosen].flash_bytes},
                      {"forms", forms}});
  }
  return {{"layers", layers},
          {"int8_flash_bytes", plan.int8_flash_bytes},
          {"smallest_flash_bytes", plan.smallest_flash_bytes},
          {"predicted_flash_bytes", plan.predicted_flash_bytes},
          {"flash_bytes", plan.flash_bytes},
          {"int8_arena_bytes", plan.int8_arena_bytes},
          {"arena_bytes", plan.arena_bytes},
          {"int8_instructions", plan.int8_instructions},
          {"predicted_instructions", plan.predicted_instructions},
          {"instructions", plan.instructions},
          {"predicted_output_error", plan.predicted_error}};
}

bool emulated(const std::string& target) {
  for (const CortexMCore& core : cortex_m_cores()) {
    if (target == core.name) return true;
  }
  return false;
}

// One inference on the emulated core, inputs zeros: the kernels kiln picks
// for these weight forms take the same instructions whatever the data.
int64_t core_instructions(const std::vector<uint8_t>& blob, const std::string& core) {
  CoreRunOptions options;
  options.read_outputs = false;
  EmulatedCoreRunner runner(blob, core, options);
  runner.invoke();
  return static_cast<int64_t>(runner.cost()->instructions);
}

// The budget's bytes, arena and instruction cap: as resolved for the
// model before fine-tuning (TrainCommand::budget_*), or from the options
// against `graph`.
BudgetOptions budget_options(const ir::Graph& graph, const TrainCommand& opts) {
  BudgetOptions budget;
  budget.target = opts.target;
  budget.flash_bytes = opts.budget_flash_bytes;
  budget.ram_bytes = opts.budget_ram_bytes;
  budget.max_instructions = opts.budget_max_instructions;
  if (budget.flash_bytes == 0) {
    budget.flash_bytes =
        parse_budget("--flash-budget", opts.flash_budget,
                     static_cast<int64_t>(compiled_blob(graph, opts.target, {}).size()));
    if (!opts.ram_budget.empty()) {
      budget.ram_bytes = parse_budget("--ram-budget", opts.ram_budget,
                                      compile_graph(graph, {opts.target}).plan.arena_bytes);
    }
  }
  if (emulated(opts.target)) {
    const std::string target = opts.target;
    budget.instructions = [target](const std::vector<uint8_t>& blob) {
      return core_instructions(blob, target);
    };
    if (opts.max_slowdown > 0.0 && budget.max_instructions == 0) {
      const auto int8_instructions = static_cast<double>(
          core_instructions(compiled_blob(graph, opts.target, {}), opts.target));
      budget.max_instructions = static_cast<int64_t>(opts.max_slowdown * int8_instructions);
    }
  } else if (opts.max_slowdown > 0.0) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--max-slowdown: instructions are counted on an emulated core, and "
                            "--target is {} (give cortex-m4, cortex-m7, cortex-m33 or cortex-m55)",
                            opts.target));
  }
  return budget;
}

struct PlannedModel {
  BudgetPlan plan;
  CompiledModel compiled;  // for the target
};

// Plans `graph` for `budget`, each form's error measured on the first
// --budget-images test images, and prints the plan.
PlannedModel plan_and_print(const ir::Graph& graph, const TrainCommand& opts,
                            const train::TrainingData& data, BudgetOptions budget,
                            nlohmann::json& report) {
  if (opts.budget_images < 1) {
    throw Error(ErrorKind::kUsage, "--budget-images must be positive");
  }
  const train::LabelledImages& test = data.test;
  const int64_t sizing_count = std::min<int64_t>(opts.budget_images, test.images.size(0));
  const torch::Tensor sizing = test.images.slice(0, 0, sizing_count);
  const torch::Tensor reference = train::runtime_outputs(compiled_blob(graph, "host", {}), sizing);
  const CompiledModel int8_model = compiled(graph, opts.target, {});
  const auto int8_flash = static_cast<int64_t>(int8_model.blob.size());
  std::printf(
      "%lld bytes of model flash on %s; budget %lld bytes (%.3fx); each layer's forms "
      "measured on %lld %s test images\n",
      static_cast<long long>(int8_flash), opts.target.c_str(),
      static_cast<long long>(budget.flash_bytes),
      static_cast<double>(budget.flash_bytes) / static_cast<double>(int8_flash),
      static_cast<long long>(sizing_count), data.description.c_str());
  std::fflush(stdout);
  budget.progress = progress_printer("sizing forms", true);
  PlannedModel p;
  p.plan = plan_flash_budget(
      graph,
      [&](const ir::Graph& g) {
        return relative_error(train::runtime_outputs(compiled_blob(g, "host", {}), sizing),
                              reference);
      },
      budget);
  const BudgetPlan& plan = p.plan;
  p.compiled = compiled(plan.graph, opts.target, plan.entropy_layers);
  std::printf("plan (stored bytes: the layer's constants, int8 -> planned):\n");
  const LayerBytes int8_bytes = stored_bytes(int8_model), bytes = stored_bytes(p.compiled);
  print_plan(plan, int8_bytes, bytes, static_cast<bool>(budget.instructions));
  if (budget.instructions) {
    std::printf("instructions on %s: predicted %lld, counted %lld (int8 %lld, %.2fx)\n",
                opts.target.c_str(), static_cast<long long>(plan.predicted_instructions),
                static_cast<long long>(plan.instructions),
                static_cast<long long>(plan.int8_instructions),
                static_cast<double>(plan.instructions) /
                    static_cast<double>(std::max<int64_t>(1, plan.int8_instructions)));
    if (budget.max_instructions == 0 && plan.instructions > 2 * plan.int8_instructions) {
      std::printf(
          "  (entropy-coded and sparse layers trade instructions for flash; --max-slowdown X "
          "keeps the plan within X times the int8 model's instructions)\n");
    }
  }
  std::printf(
      "model flash: predicted %lld, compiled %lld bytes (budget %lld; int8 %lld, %.3fx); arena "
      "%lld bytes (int8 %lld)\n",
      static_cast<long long>(plan.predicted_flash_bytes), static_cast<long long>(plan.flash_bytes),
      static_cast<long long>(budget.flash_bytes), static_cast<long long>(int8_flash),
      static_cast<double>(plan.flash_bytes) / static_cast<double>(int8_flash),
      static_cast<long long>(plan.arena_bytes), static_cast<long long>(plan.int8_arena_bytes));
  report["flash_budget"] = plan_json(plan, int8_bytes, bytes);
  report["flash_budget"]["budget_bytes"] = budget.flash_bytes;
  report["flash_budget"]["target"] = opts.target;
  return p;
}

}  // namespace

void plan_fine_tuning(TrainCommand& opts) {
  opts.data.seed = opts.train.seed;
  const train::TrainingData data = train::load_training_data(opts.data);
  const ir::Graph graph = passes::optimize(import_model(read_file(opts.model), opts.model));
  const train::GraphModule module(graph);
  const torch::Tensor calibration = data.training.images.slice(
      0, 0, std::min(opts.calibration_images, data.training.images.size(0)));
  const ir::Graph int8 = train::quantize_trained(module, calibration).graph;
  const BudgetOptions budget = budget_options(int8, opts);
  opts.budget_flash_bytes = budget.flash_bytes;
  opts.budget_ram_bytes = budget.ram_bytes;
  opts.budget_max_instructions = budget.max_instructions;
  opts.budget_reference_accuracy = train::accuracy(
      train::runtime_outputs(compiled_blob(int8, "host", {}), data.test.images).argmax(1),
      data.test.labels);
  std::printf("%s, post-training int8 (test accuracy %.4f): ", opts.model.c_str(),
              opts.budget_reference_accuracy);
  nlohmann::json first;
  const BudgetPlan plan = plan_and_print(int8, opts, data, budget, first).plan;

  // Fine-tuning learns the plan's pruning and binary weights, and
  // quantization-aware training its clusters; the second plan then measures
  // every form again on the weights the model ends with.
  std::string prune_layers, binary_layers, clusters;
  for (const BudgetLayer& l : plan.layers) {
    const WeightForm& form = l.forms[l.chosen].form;
    if (form.prune > 0.0) {
      prune_layers += fmt::format("{}{}={:g}", prune_layers.empty() ? "" : ",", l.name, form.prune);
    }
    if (form.binary) binary_layers += (binary_layers.empty() ? "" : ",") + l.name;
    if (form.clusters > 0 && opts.qat_epochs > 0) {
      opts.budget_clusters[l.name] = form.clusters;
      clusters += fmt::format("{}{}={}", clusters.empty() ? "" : ",", l.name, form.clusters);
    }
  }
  opts.prune_layers = prune_layers;
  if (!binary_layers.empty()) {
    opts.weights = "binary";
    opts.weights_layers = binary_layers;
  }
  if (opts.qat_epochs == 0) opts.int8 = true;
  std::printf(
      "fine-tuning for the plan:%s%s%s; then planned again\n",
      prune_layers.empty() ? "" : (" --prune-layers " + prune_layers).c_str(),
      binary_layers.empty() ? "" : (" --weights binary --weights-layers " + binary_layers).c_str(),
      clusters.empty() ? "" : (", quantization-aware clusters " + clusters).c_str());
}

void compress_to_budget(const ir::Graph& graph, const TrainCommand& opts, nlohmann::json& report) {
  const BudgetOptions budget = budget_options(graph, opts);
  const train::TrainingData data = train::load_training_data(opts.data);
  const train::LabelledImages& test = data.test;
  std::printf("%s: ", opts.model.c_str());
  const PlannedModel planned_model = plan_and_print(graph, opts, data, budget, report);
  const BudgetPlan& plan = planned_model.plan;
  const CompiledModel& planned = planned_model.compiled;

  const torch::Tensor outputs =
      train::runtime_outputs(compiled_blob(plan.graph, "host", plan.entropy_layers), test.images,
                             progress_printer("running the plan", true));
  // Against the int8 model before fine-tuning, when there was one.
  const double int8_accuracy =
      opts.budget_reference_accuracy >= 0.0
          ? opts.budget_reference_accuracy
          : train::accuracy(
                train::runtime_outputs(compiled_blob(graph, "host", {}), test.images).argmax(1),
                test.labels);
  const double accuracy = train::accuracy(outputs.argmax(1), test.labels);
  const double drop = 100.0 * (int8_accuracy - accuracy);
  std::printf(
      "test accuracy: int8 %.4f, plan %.4f (%+.2f points) on %lld images; predicted output "
      "error %.6f\n",
      int8_accuracy, accuracy, -drop, static_cast<long long>(test.images.size(0)),
      plan.predicted_error);
  report["flash_budget"]["int8_accuracy"] = int8_accuracy;
  report["flash_budget"]["accuracy"] = accuracy;
  if (opts.max_accuracy_drop >= 0.0 && drop > opts.max_accuracy_drop) {
    throw Error(
        ErrorKind::kUsage,
        fmt::format("--max-accuracy-drop {:g}: the plan for {} bytes loses {:.2f} points "
                    "of test accuracy; nothing written (raise the budget or, from the float "
                    "model, fine-tune longer: --finetune, --qat-epochs)",
                    opts.max_accuracy_drop, budget.flash_bytes, drop));
  }
  std::string entropy_layers;
  for (const std::string& name : plan.entropy_layers) {
    entropy_layers += (entropy_layers.empty() ? "" : ",") + name;
  }
  report["flash_budget"]["entropy_layers"] = entropy_layers;
  if (ends_with(opts.output, ".kiln")) {
    write_file(opts.output, planned.blob.data(), planned.blob.size());
    std::printf("wrote %s (%zu bytes for %s)\n", opts.output.c_str(), planned.blob.size(),
                opts.target.c_str());
    return;
  }
  // A .tflite file carries the weights; which layers are entropy-coded is
  // the compilation's choice, so the file is compiled again to check it.
  write_model(plan.graph, opts.output, opts.target);
  const std::string flags =
      entropy_layers.empty() ? "" : fmt::format(" --entropy-layers {}", entropy_layers);
  const size_t compiled_bytes =
      compile_model(read_file(opts.output), opts.output,
                    plan_compile_options(opts.target, plan.entropy_layers))
          .blob.size();
  std::printf(
      "wrote %s; kiln convert %s --target %s%s (or kiln compile) gives the plan: %zu "
      "bytes of model flash\n",
      opts.output.c_str(), opts.output.c_str(), opts.target.c_str(), flags.c_str(), compiled_bytes);
}

}  // namespace cli
}  // namespace kiln
