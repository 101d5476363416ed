#include "compiler/pipeline/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "compiler/blob/writer.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/import/onnx/importer.h"
#include "compiler/import/tflite/importer.h"
#include "compiler/lower/lowering.h"
#include "compiler/passes/passes.h"
#include "compiler/plan/in_place.h"
#include "compiler/plan/regions.h"
#include "compiler/plan/schedule.h"
#include "kiln/blob_format.h"

namespace kiln {

ModelFormat detect_format(const std::vector<uint8_t>& bytes) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), blob::kMagic, 4) == 0)
    return ModelFormat::kKilnBlob;
  if (tflite_import::looks_like_tflite(bytes.data(), bytes.size())) return ModelFormat::kTflite;
  if (onnx_import::looks_like_onnx(bytes.data(), bytes.size())) return ModelFormat::kOnnx;
  return ModelFormat::kUnknown;
}

ir::Graph import_model(const std::vector<uint8_t>& bytes, const std::string& label) {
  switch (detect_format(bytes)) {
    case ModelFormat::kTflite:
      return tflite_import::import_tflite(bytes.data(), bytes.size(), label);
    case ModelFormat::kOnnx: return onnx_import::import_onnx(bytes.data(), bytes.size(), label);
    case ModelFormat::kKilnBlob:
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{}: a compiled .kiln blob, not a .tflite or .onnx model", label));
    case ModelFormat::kUnknown: break;
  }
  throw Error(
      ErrorKind::kBadModel,
      fmt::format("{}: not a model (neither a .tflite flatbuffer nor an ONNX protobuf)", label));
}

namespace {

// Errors from compiling a model name its file first.
template <typename F>
CompiledModel labelled(const std::string& label, F compile) {
  try {
    return compile();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(label + ":", 0) == 0) throw;
    throw Error(e.kind(), fmt::format("{}: {}", label, what));
  }
}

}  // namespace

CompiledModel compile_model(const std::vector<uint8_t>& bytes, const std::string& label,
                            const CompileOptions& options) {
  return labelled(label, [&] { return compile_graph(import_model(bytes, label), options); });
}

CompiledModel compile_tflite(const std::vector<uint8_t>& bytes, const std::string& label,
                             const CompileOptions& options) {
  return labelled(label, [&] {
    return compile_graph(tflite_import::import_tflite(bytes.data(), bytes.size(), label), options);
  });
}

namespace {

// Every name of CompileOptions::entropy_layers is a layer with a filter.
void check_entropy_layers(const ir::Graph& graph, const std::set<std::string>& layers) {
  std::set<std::string> known;
  for (const ir::Op& op : graph.ops) {
    const bool filtered = op.kind == ir::OpKind::kConv2D ||
                          op.kind == ir::OpKind::kDepthwiseConv2D ||
                          op.kind == ir::OpKind::kFullyConnected;
    if (filtered && !op.outputs.empty()) {
      known.insert(graph.tensors[static_cast<size_t>(op.outputs[0])].name);
    }
  }
  for (const std::string& name : layers) {
    if (known.count(name) > 0) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error(ErrorKind::kUsage,
                fmt::format("--entropy-layers: the model has no convolution or fully connected "
                            "layer '{}' (its layers: {})",
                            name, list));
  }
}

// Lowers, plans and writes the blob of an optimized graph (its stage
// m.patches in bands, if any).
void compile_lowered(CompiledModel& m, const KernelTarget& target,
                     const LowerOptions& lower_options, bool allow_unsupported) {
  const std::vector<MemoryRegion> ram = m.target.ram();
  m.unsupported.clear();
  m.blob.clear();
  std::vector<std::string>* unsupported = allow_unsupported ? &m.unsupported : nullptr;
  if (m.patches.active()) {
    m.program =
        lower(cut_into_bands(m.graph, m.patches), target, unsupported, lower_options, &m.graph);
    share_identical_constants(m.program);
  } else {
    m.program = lower(m.graph, target, unsupported, lower_options);
  }
  elide_copies(m.program);
  if (m.unsupported.empty()) {
    write_concatenations_in_place(m.program);
    place_element_wise_in_place(m.program, m.graph);
  }
  m.plan = plan_in_regions(m.program, ram);
  if (m.plan.ram_bytes() > UINT32_MAX) throw Error(ErrorKind::kUnsupported, "arena above 4 GiB");
  if (m.unsupported.empty()) m.blob = write_blob(m.program, m.plan);
}

// kBalanced: lean, then the layers that buy the most instructions per byte
// widened, each in turn while the blob stays within the budget (without
// one: halfway between the lean and the speed plans' blobs). A layer's
// constants are not all it adds to the blob (tensor records, parameters,
// alignment), so each candidate whose constants might fit is compiled and
// kept only if the blob does.
void compile_balanced(CompiledModel& m, const KernelTarget& target, LowerOptions lower_options,
                      const CompileOptions& options) {
  compile_lowered(m, target, lower_options, options.allow_unsupported);
  if (!m.unsupported.empty()) return;
  uint64_t budget = options.flash_budget;
  if (budget > 0 && m.blob.size() > budget) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--flash-budget {}: no plan fits: the smallest blob for {} is {} "
                            "bytes (every layer lean, --optimize size)",
                            budget, target.name, m.blob.size()));
  }
  CompiledModel speed;
  speed.graph = m.graph;
  speed.target = m.target;
  LowerOptions fast = lower_options;
  fast.lean = false;
  compile_lowered(speed, target, fast, options.allow_unsupported);
  if (budget == 0) budget = (m.blob.size() + speed.blob.size()) / 2;
  std::vector<LayerTradeoff> tradeoffs = layer_tradeoffs(m.graph, m.program, speed.program);
  std::stable_sort(tradeoffs.begin(), tradeoffs.end(),
                   [](const LayerTradeoff& a, const LayerTradeoff& b) {
                     return a.saved_instructions * static_cast<double>(b.extra_bytes) >
                            b.saved_instructions * static_cast<double>(a.extra_bytes);
                   });
  constexpr uint64_t kRecordSlack = 256;  // more than a layer adds beside its constants
  for (const LayerTradeoff& t : tradeoffs) {
    if (t.saved_instructions <= 0 || m.blob.size() + t.extra_bytes > budget + kRecordSlack)
      continue;
    CompiledModel trial;
    trial.graph = m.graph;
    trial.target = m.target;
    LowerOptions with = lower_options;
    with.fast_layers.insert(t.name);
    compile_lowered(trial, target, with, options.allow_unsupported);
    if (trial.blob.size() > budget) continue;
    m = std::move(trial);
    lower_options = std::move(with);
  }
  m.fast_layers = lower_options.fast_layers;
}

// Patch-based execution: of the stages patch_stages() estimates lowest, the
// one whose compiled arena (all RAM regions) is smallest, if it is at least
// a tenth smaller than m's (and its blob, with the bands' op records,
// within the budget).
void choose_patches(CompiledModel& m, const KernelTarget& target, const LowerOptions& lower_options,
                    double max_recompute, uint64_t flash_budget) {
  m.whole_layer_arena_bytes = m.plan.ram_bytes();
  if (max_recompute <= 0 || !m.unsupported.empty()) return;
  constexpr size_t kCandidates = 4;  // the estimate leaves scratch buffers and alignment out
  const std::vector<PatchStage> stages = patch_stages(m.graph, max_recompute);
  for (size_t i = 0; i < std::min(stages.size(), kCandidates); ++i) {
    CompiledModel trial;
    trial.graph = m.graph;
    trial.target = m.target;
    trial.patches = stages[i];
    compile_lowered(trial, target, lower_options, false);
    const bool fits = flash_budget == 0 || trial.blob.size() <= flash_budget;
    // Bands cost instructions and op records: worth it for a tenth of the arena.
    const bool worth_it = trial.plan.ram_bytes() * 10 <= m.whole_layer_arena_bytes * 9;
    if (!fits || !worth_it || trial.plan.ram_bytes() >= m.plan.ram_bytes()) continue;
    m.program = std::move(trial.program);
    m.plan = trial.plan;
    m.blob = std::move(trial.blob);
    m.patches = stages[i];
  }
}

}  // namespace

CompiledModel compile_graph(ir::Graph graph, const CompileOptions& options) {
  CompiledModel m;
  m.target = describe_target(options.target);
  const KernelTarget& target = kernel_target(m.target.core);
  ir::verify(graph);
  m.graph =
      options.optimize ? order_for_memory(passes::optimize(std::move(graph))) : std::move(graph);
  check_entropy_layers(m.graph, options.entropy_layers);
  if (options.flash_budget > 0 && options.goal != OptimizeGoal::kBalanced) {
    throw Error(ErrorKind::kUsage, "--flash-budget goes with --optimize balanced");
  }
  LowerOptions lower_options{options.dense_weights, options.entropy_weights,
                             options.entropy_layers};
  lower_options.lean = options.goal != OptimizeGoal::kSpeed;
  if (options.goal == OptimizeGoal::kBalanced) {
    compile_balanced(m, target, lower_options, options);
    lower_options.fast_layers = m.fast_layers;
  } else {
    compile_lowered(m, target, lower_options, options.allow_unsupported);
  }
  choose_patches(m, target, lower_options, options.max_recompute, options.flash_budget);
  m.goal = options.goal;
  if (!options.allow_unsupported) {
    check_fits(m.plan, m.target.ram(), m.target.name);
    const MemoryRegion* largest = m.target.largest_flash();
    if (largest != nullptr && m.target.model_flash(m.blob.size()) == nullptr) {
      throw Error(ErrorKind::kArenaTooSmall,
                  fmt::format("the model does not fit {}: flash region '{}' would need {} bytes "
                              "for the blob, it has {}",
                              m.target.name, largest->name, m.blob.size(), largest->capacity()));
    }
  }
  return m;
}

std::vector<uint8_t> load_blob(const std::string& path, const std::string& target) {
  std::vector<uint8_t> bytes = read_file(path);
  switch (detect_format(bytes)) {
    case ModelFormat::kKilnBlob: return bytes;
    case ModelFormat::kTflite:
    case ModelFormat::kOnnx: return compile_model(bytes, path, {target}).blob;
    case ModelFormat::kUnknown: break;
  }
  throw Error(
      ErrorKind::kBadModel,
      fmt::format(
          "{}: not a model (neither a .tflite flatbuffer, an ONNX protobuf nor a .kiln blob)",
          path));
}

}  // namespace kiln
