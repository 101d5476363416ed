#include "compiler/compress/flash_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "compiler/common/error.h"
#include "compiler/common/text.h"
#include "compiler/compress/cluster.h"
#include "compiler/compress/prune_weights.h"
#include "compiler/pipeline/compile.h"

namespace kiln {
namespace {

// Layers whose filters kiln can store binary and entropy-coded: groups-1
// convolutions (the filter's depth is the input's) and fully connected ones.
bool dense_layer(const ir::Graph& graph, const ir::Op& op, const ir::Tensor& filter) {
  if (op.kind == ir::OpKind::kFullyConnected) return true;
  if (op.kind != ir::OpKind::kConv2D) return false;
  const ir::Tensor& input = graph.tensors[static_cast<size_t>(op.inputs[0])];
  return !input.shape.empty() && filter.shape.back() == input.shape.back();
}

// Compiles `graph` and fills `cost`'s flash, parts, arena and instructions.
void compile_cost(const ir::Graph& graph, const BudgetOptions& budget,
                  const std::set<std::string>& entropy_layers, FormCost& cost) {
  const CompiledModel m = compile_graph(graph, plan_compile_options(budget.target, entropy_layers));
  cost.arena_bytes = static_cast<int64_t>(m.plan.arena_bytes);
  cost.flash_bytes = static_cast<int64_t>(m.blob.size());
  cost.parts = blob_parts(m.blob);
  if (budget.instructions) cost.instructions = budget.instructions(m.blob);
}

bool same_weights(const WeightForm& a, const WeightForm& b) {
  return a.prune == b.prune && a.clusters == b.clusters && a.binary == b.binary;
}

}  // namespace

std::string WeightForm::name() const {
  std::vector<std::string> parts;
  if (prune > 0.0) parts.push_back(fmt::format("{:g}% pruned", prune * 100.0));
  if (clusters > 0) parts.push_back(fmt::format("{} clusters", clusters));
  if (binary) parts.emplace_back("binary");
  if (parts.empty()) parts.emplace_back("int8");
  if (entropy) parts.emplace_back("entropy-coded");
  std::string text = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) text += ", " + parts[i];
  return text;
}

CompileOptions plan_compile_options(const std::string& target,
                                    const std::set<std::string>& entropy_layers) {
  CompileOptions options;
  options.target = target;
  options.entropy_weights = !entropy_layers.empty();
  options.entropy_layers = entropy_layers;
  return options;
}

std::vector<WeightForm> weight_forms(const ir::Graph& graph, const ir::Op& op) {
  if (!clusterable(graph, op)) return {};
  const ir::Tensor& filter = graph.tensors[static_cast<size_t>(op.inputs[1])];
  const bool dense = dense_layer(graph, op, filter);
  std::vector<WeightForm> forms{WeightForm{}};
  if (dense) forms.push_back(WeightForm{0.0, 0, false, true});
  forms.push_back(WeightForm{0.0, 16, false, false});
  if (!dense) return forms;  // depthwise: kiln codes it in 4 bits, never entropy-coded
  // Fewer clusters than 16 save bytes only entropy-coded (4-bit indices).
  for (int32_t k : {16, 8, 4, 2}) forms.push_back(WeightForm{0.0, k, false, true});
  forms.push_back(WeightForm{0.0, 0, true, false});
  if (sparse_able(graph, op)) {
    for (double share : {0.5, 0.75, 0.9}) {
      forms.push_back(WeightForm{share, 0, false, false});
      forms.push_back(WeightForm{share, 0, false, true});
      for (int32_t k : {16, 4}) forms.push_back(WeightForm{share, k, false, true});
    }
  }
  return forms;
}

ir::Graph apply_weight_form(const ir::Graph& graph, const std::string& layer,
                            const WeightForm& form) {
  ir::Graph g = graph;
  if (form.prune > 0.0) {
    Sparsity s;
    s.layer_fractions[layer] = form.prune;
    g = prune_weights(g, s).graph;
  }
  if (form.clusters > 0) g = cluster_weights(g, form.clusters, false, {layer}).graph;
  if (form.binary) g = binarize_weights(g, {layer}).graph;
  return g;
}

BudgetPlan plan_flash_budget(const ir::Graph& graph, const ModelError& error,
                             const BudgetOptions& options) {
  BudgetPlan plan;
  FormCost int8;
  compile_cost(graph, options, {}, int8);
  plan.int8_flash_bytes = int8.flash_bytes;
  plan.int8_arena_bytes = int8.arena_bytes;
  if (options.ram_bytes > 0 && plan.int8_arena_bytes > options.ram_bytes) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--ram-budget {}: the model needs an arena of {} bytes as it is, "
                            "and weight forms do not shrink it",
                            with_commas(options.ram_bytes), with_commas(plan.int8_arena_bytes)));
  }
  std::vector<std::vector<WeightForm>> forms;
  size_t total = 0;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::Op& op = graph.ops[i];
    std::vector<WeightForm> f = weight_forms(graph, op);
    if (f.empty()) continue;
    BudgetLayer layer;
    layer.name = graph.tensors[static_cast<size_t>(op.outputs[0])].name;
    layer.op = fmt::format("{} (operator {})", ir::op_kind_name(op.kind), i);
    layer.weights = graph.tensors[static_cast<size_t>(op.inputs[1])].elements();
    plan.layers.push_back(layer);
    total += f.size();
    forms.push_back(std::move(f));
  }
  if (plan.layers.empty()) {
    throw Error(ErrorKind::kUnsupported,
                "--flash-budget: the model has no int8 convolution or fully connected weights "
                "(quantize it first: kiln train --int8 or --qat-epochs)");
  }

  // Each layer alone in each form.
  size_t done = 0;
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    BudgetLayer& layer = plan.layers[l];
    ir::Graph lossy_graph;
    double lossy_error = 0.0;
    for (const WeightForm& form : forms[l]) {
      try {
        // An entropy-coded form stores the weights of the form before it.
        const bool recoded =
            form.entropy && !layer.forms.empty() && same_weights(layer.forms.back().form, form);
        if (!recoded) {
          WeightForm weights = form;
          weights.entropy = false;
          lossy_graph = apply_weight_form(graph, layer.name, weights);
          lossy_error = form.lossless() ? 0.0 : error(lossy_graph);
        }
        FormCost cost;
        cost.form = form;
        cost.error = lossy_error;
        compile_cost(lossy_graph, options,
                     form.entropy ? std::set<std::string>{layer.name} : std::set<std::string>{},
                     cost);
        layer.forms.push_back(cost);
      } catch (const Error& e) {
        // A form the layer cannot take (a shape the sparse kernel skips).
        if (e.kind() != ErrorKind::kUsage && e.kind() != ErrorKind::kUnsupported) throw;
      }
      if (options.progress) options.progress(++done, total);
    }
  }

  // The plan's flash and instructions with layer l in form choice[l]: the
  // int8 model's plus each form's difference.
  std::vector<size_t> choice(plan.layers.size(), 0);
  auto flash_of = [&](const std::vector<size_t>& c) {
    BlobParts parts = int8.parts;
    for (size_t l = 0; l < c.size(); ++l) parts += plan.layers[l].forms[c[l]].parts - int8.parts;
    return blob_bytes(parts);
  };
  auto instructions_of = [&](const std::vector<size_t>& c) {
    int64_t n = int8.instructions;
    for (size_t l = 0; l < c.size(); ++l) {
      n += plan.layers[l].forms[c[l]].instructions - int8.instructions;
    }
    return n;
  };
  // Whether layer l may take form f, the others as in `c`.
  auto allowed = [&](const std::vector<size_t>& c, size_t l, size_t f) {
    if (options.ram_bytes > 0 && plan.layers[l].forms[f].arena_bytes > options.ram_bytes) {
      return false;
    }
    if (options.max_instructions <= 0) return true;
    std::vector<size_t> other = c;
    other[l] = f;
    return instructions_of(other) <= options.max_instructions;
  };
  if (options.max_instructions > 0 && int8.instructions > options.max_instructions) {
    throw Error(ErrorKind::kUsage,
                fmt::format("the model as given takes {} instructions on {}, above the cap of {}",
                            with_commas(int8.instructions), options.target,
                            with_commas(options.max_instructions)));
  }

  // Down from the model as given, the least added cost per byte saved
  // first, until the budget holds; the cost is the error plus `penalty` per
  // instruction. False if stuck above the budget.
  auto descend = [&](double penalty) {
    std::fill(choice.begin(), choice.end(), 0);
    while (flash_of(choice) > options.flash_bytes) {
      size_t best_layer = plan.layers.size(), best_form = 0;
      // Ties in cost (forms storing the same weights) go to the fewest
      // added instructions per byte saved.
      double best_slope = std::numeric_limits<double>::infinity(), best_speed = 0.0;
      for (size_t l = 0; l < plan.layers.size(); ++l) {
        const std::vector<FormCost>& forms = plan.layers[l].forms;
        const FormCost& at = forms[choice[l]];
        for (size_t f = 0; f < forms.size(); ++f) {
          const int64_t saving = at.flash_bytes - forms[f].flash_bytes;
          if (saving <= 0 || !allowed(choice, l, f)) continue;
          const auto added = static_cast<double>(forms[f].instructions - at.instructions);
          const double slope =
              (forms[f].error - at.error + penalty * added) / static_cast<double>(saving);
          const double speed = added / static_cast<double>(saving);
          if (slope < best_slope || (slope == best_slope && speed < best_speed)) {
            best_layer = l;
            best_form = f;
            best_slope = slope;
            best_speed = speed;
          }
        }
      }
      if (best_layer == plan.layers.size()) return false;
      choice[best_layer] = best_form;
    }
    return true;
  };
  // Under an instruction cap, greedy steps that spend instructions cheaply
  // in error can strand the plan above the budget: weigh instructions
  // more, up to where they outweigh any error, until it fits.
  bool fits = descend(0.0);
  if (!fits && options.max_instructions > 0) {
    double largest_error = 0.0;
    for (const BudgetLayer& layer : plan.layers) {
      for (const FormCost& f : layer.forms) largest_error = std::max(largest_error, f.error);
    }
    const double per_instruction =
        std::max(largest_error, 1e-12) /
        static_cast<double>(std::max<int64_t>(1, options.max_instructions - int8.instructions));
    for (double scale = 1.0 / 1024; !fits && scale <= 1024.0; scale *= 2.0) {
      fits = descend(per_instruction * scale);
    }
  }
  if (!fits) {
    plan.smallest_flash_bytes = flash_of(choice);
    throw Error(ErrorKind::kUsage,
                fmt::format("--flash-budget {}: the smallest plan takes {} bytes of model "
                            "flash on {} (every layer in its smallest form{}; the model as "
                            "given takes {})",
                            with_commas(options.flash_bytes),
                            with_commas(plan.smallest_flash_bytes), options.target,
                            options.ram_bytes > 0 || options.max_instructions > 0
                                ? " within the RAM and instruction caps"
                                : "",
                            with_commas(plan.int8_flash_bytes)));
  }

  // The last step may have saved more than needed: give back error where
  // another form of a layer still fits, the largest reduction first, or at
  // equal error instructions.
  for (;;) {
    size_t best_layer = plan.layers.size(), best_form = 0;
    std::pair<double, int64_t> best_gain{0.0, 0};
    for (size_t l = 0; l < plan.layers.size(); ++l) {
      const std::vector<FormCost>& forms = plan.layers[l].forms;
      for (size_t f = 0; f < forms.size(); ++f) {
        const std::pair<double, int64_t> gain{
            forms[choice[l]].error - forms[f].error,
            forms[choice[l]].instructions - forms[f].instructions};
        if (gain <= best_gain || gain.first < 0.0 || !allowed(choice, l, f)) continue;
        std::vector<size_t> other = choice;
        other[l] = f;
        if (flash_of(other) > options.flash_bytes) continue;
        best_gain = gain;
        best_layer = l;
        best_form = f;
      }
    }
    if (best_layer == plan.layers.size()) break;
    choice[best_layer] = best_form;
  }
  std::vector<size_t> smallest(plan.layers.size(), 0);
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const std::vector<FormCost>& forms = plan.layers[l].forms;
    for (size_t f = 0; f < forms.size(); ++f) {
      if (forms[f].flash_bytes < forms[smallest[l]].flash_bytes) smallest[l] = f;
    }
  }
  plan.smallest_flash_bytes = flash_of(smallest);
  plan.int8_instructions = int8.instructions;
  plan.predicted_instructions = instructions_of(choice);

  plan.graph = graph;
  plan.predicted_flash_bytes = flash_of(choice);
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    BudgetLayer& layer = plan.layers[l];
    layer.chosen = choice[l];
    const FormCost& c = layer.forms[layer.chosen];
    plan.graph = apply_weight_form(plan.graph, layer.name, c.form);
    if (c.form.entropy) plan.entropy_layers.insert(layer.name);
    plan.predicted_error += c.error;
  }
  FormCost compiled;
  compile_cost(plan.graph, options, plan.entropy_layers, compiled);
  plan.flash_bytes = compiled.flash_bytes;
  plan.arena_bytes = compiled.arena_bytes;
  plan.instructions = compiled.instructions;
  if (options.ram_bytes > 0 && plan.arena_bytes > options.ram_bytes) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--ram-budget {}: the plan's arena takes {} bytes",
                            with_commas(options.ram_bytes), with_commas(plan.arena_bytes)));
  }
  return plan;
}

int64_t parse_budget(const std::string& option, const std::string& text, int64_t reference_bytes) {
  auto bad = [&]() {
    return Error(ErrorKind::kUsage,
                 fmt::format("{} {}: expected BYTES, a share of the int8 model's (1/4, 25%) or a "
                             "size (64KiB, 64kB)",
                             option, text));
  };
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(number > 0.0) || !std::isfinite(number)) throw bad();
  const std::string unit(end);
  double bytes = 0.0;
  if (unit.empty()) {
    bytes = number;
  } else if (unit == "%") {
    bytes = std::floor(static_cast<double>(reference_bytes) * number / 100.0);
  } else if (unit[0] == '/') {
    char* denominator_end = nullptr;
    const double denominator = std::strtod(unit.c_str() + 1, &denominator_end);
    if (*denominator_end != '\0' || !(denominator > 0.0)) throw bad();
    bytes = std::floor(static_cast<double>(reference_bytes) * number / denominator);
  } else if (unit == "KiB" || unit == "kB" || unit == "MiB" || unit == "MB") {
    const double scale = unit == "KiB"   ? 1024.0
                         : unit == "kB"  ? 1000.0
                         : unit == "MiB" ? 1048576.0
                                         : 1e6;
    bytes = std::floor(number * scale);
  } else {
    throw bad();
  }
  if (bytes < 1.0 || bytes > 9.0e15 || (unit.empty() && bytes != std::floor(bytes))) throw bad();
  return static_cast<int64_t>(bytes);
}

}  // namespace kiln
