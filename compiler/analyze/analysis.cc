#include "compiler/analyze/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "compiler/lower/lowering.h"

namespace kiln {
namespace {

std::string opcode_name(OpCode opcode) {
  const KernelInfo* info = find_kernel(static_cast<uint32_t>(opcode));
  return info ? info->name : "?";
}

std::vector<RegionUse> region_uses(const CompiledModel& m) {
  std::vector<RegionUse> uses;
  const std::vector<MemoryRegion> ram = m.target.ram();
  const std::vector<ArenaBuffer> buffers = arena_buffers(m.program);
  for (size_t i = 0; i < ram.size(); ++i) {
    RegionUse u{ram[i].name, true, 0, ram[i].capacity(), 0};
    if (i < m.plan.region_bytes.size()) u.bytes = m.plan.region_bytes[i];
    for (const ArenaBuffer& b : buffers) {
      const size_t t = static_cast<size_t>(b.tensor);
      if (t < m.plan.regions.size() && m.plan.regions[t] == static_cast<int>(i)) ++u.buffers;
    }
    uses.push_back(u);
  }
  const MemoryRegion* flash = m.target.model_flash(m.blob.size());
  if (flash == nullptr) flash = m.target.largest_flash();
  if (flash != nullptr) uses.push_back({flash->name, false, m.blob.size(), flash->capacity(), 0});
  return uses;
}

}  // namespace

ModelReport analyze(const CompiledModel& m, const std::string& label, uint64_t model_bytes) {
  ModelReport r;
  r.model = label;
  r.model_bytes = model_bytes;
  std::map<int, std::vector<std::string>> kernels;  // IR op -> kernels it became
  std::map<int, std::set<int>> constants;           // IR op -> its kernels' constants
  std::map<int, int32_t> codebooks;
  std::map<int, Conv2DSparseParams> sparse;
  std::map<int, Conv2DEntropyParams> entropy;
  std::set<int> stored, binary, fully_binary;
  for (const ProgramOp& op : m.program.ops) {
    if (op.placeholder) continue;
    const std::string name = opcode_name(op.opcode);
    std::vector<std::string>& layer_kernels = kernels[op.source_op];
    if (std::find(layer_kernels.begin(), layer_kernels.end(), name) == layer_kernels.end())
      layer_kernels.push_back(name);  // once, however many bands run it
    for (int t : op.inputs) {
      if (t >= 0 && m.program.tensors[static_cast<size_t>(t)].constant) {
        constants[op.source_op].insert(t);
        stored.insert(t);
      }
    }
    if (name.find("_S8_W4") != std::string::npos && op.params.size() == sizeof(Conv2DW4Params)) {
      Conv2DW4Params p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      codebooks[op.source_op] = p.codebooks;
    }
    if (name.find("_S8_SPARSE") != std::string::npos &&
        op.params.size() == sizeof(Conv2DSparseParams)) {
      Conv2DSparseParams p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      sparse[op.source_op] = p;
    }
    if (op.opcode == OpCode::CONV_2D_S8_ENTROPY &&
        op.params.size() == sizeof(Conv2DEntropyParams)) {
      Conv2DEntropyParams p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      entropy[op.source_op] = p;
    }
    if (name.rfind("CONV_2D_S8_B1", 0) == 0) binary.insert(op.source_op);  // or its variants
    if (name.rfind("CONV_2D_A1_B1", 0) == 0) {
      binary.insert(op.source_op);
      fully_binary.insert(op.source_op);
    }
    if (std::find(r.kernels.begin(), r.kernels.end(), name) == r.kernels.end())
      r.kernels.push_back(name);
  }
  std::vector<bool> placeholder(m.graph.ops.size(), false);
  for (const ProgramOp& op : m.program.ops) {
    if (op.placeholder) placeholder[static_cast<size_t>(op.source_op)] = true;
  }
  for (size_t i = 0; i < m.graph.ops.size(); ++i) {
    const ir::Op& op = m.graph.ops[i];
    LayerReport l;
    l.index = static_cast<int>(i);
    l.op = op.type_name;
    l.supported = !placeholder[i];
    if (kernels.count(static_cast<int>(i)))
      l.kernel = fmt::format("{}", fmt::join(kernels[static_cast<int>(i)], "+"));
    else if (l.supported)
      l.kernel = "(in place)";
    for (int t : op.inputs) {
      if (t < 0) continue;
      const ir::Tensor& tensor = m.graph.tensors[static_cast<size_t>(t)];
      if (tensor.constant)
        l.weight_bytes += tensor.data.size();
      else
        l.input_shapes.push_back(tensor.shape);
    }
    if (!op.outputs.empty()) {
      const int out = op.outputs[0];
      const ir::Tensor& tensor = m.graph.tensors[static_cast<size_t>(out)];
      l.name = tensor.name;
      l.output_shape = tensor.shape;
      l.output_bytes = tensor.bytes();
      l.arena_offset = m.plan.offsets[static_cast<size_t>(out)];
      if (!m.plan.regions.empty()) l.region = m.plan.regions[static_cast<size_t>(out)];
    }
    for (int t : constants[static_cast<int>(i)])
      l.stored_weight_bytes += m.program.tensors[static_cast<size_t>(t)].bytes;
    l.codebooks = codebooks.count(static_cast<int>(i)) ? codebooks[static_cast<int>(i)] : 0;
    if (sparse.count(static_cast<int>(i))) {
      const Conv2DSparseParams& p = sparse[static_cast<int>(i)];
      l.stored_nonzeros = int64_t{p.nonzeros} * p.block;
      l.sparse_block = p.block;
      l.filter_weights = int64_t{p.conv.in_c} * p.conv.out_c;
    }
    if (entropy.count(static_cast<int>(i))) {
      const Conv2DEntropyParams& p = entropy[static_cast<int>(i)];
      l.entropy_stream_bytes = p.stream_bytes;
      l.filter_weights = int64_t{entropy_row(p.conv)} * p.conv.out_c;
    }
    l.binary_weights = binary.count(static_cast<int>(i)) > 0;
    l.binary_activations = fully_binary.count(static_cast<int>(i)) > 0;
    const bool in_stage =
        m.patches.active() && m.patches.first_op <= l.index && l.index <= m.patches.last_op;
    l.bands = in_stage ? m.patches.bands : 0;
    l.macs = op_macs(m.graph, op);
    r.macs += l.macs;
    r.weights_bytes += l.weight_bytes;
    ++r.ops_total;
    if (l.supported) ++r.ops_supported;
    r.layers.push_back(std::move(l));
  }
  for (int t : stored) r.stored_weights_bytes += m.program.tensors[static_cast<size_t>(t)].bytes;
  r.arena_bytes = m.plan.arena_bytes;
  r.target = m.target.name;
  r.regions = region_uses(m);
  r.state_bytes = m.plan.state_bytes;
  r.blob_bytes = m.blob.size();
  r.goal = m.goal;
  r.fast_layers = m.fast_layers.size();
  r.patches = m.patches;
  r.whole_layer_arena_bytes = m.whole_layer_arena_bytes;
  r.unsupported = m.unsupported;
  return r;
}

nlohmann::json to_json(const ModelReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerReport& l : r.layers) {
    layers.push_back({{"index", l.index},
                      {"name", l.name},
                      {"op", l.op},
                      {"kernel", l.kernel},
                      {"input_shapes", l.input_shapes},
                      {"output_shape", l.output_shape},
                      {"macs", l.macs},
                      {"weight_bytes", l.weight_bytes},
                      {"stored_weight_bytes", l.stored_weight_bytes},
                      {"codebooks", l.codebooks},
                      {"stored_nonzeros", l.stored_nonzeros},
                      {"sparse_block", l.sparse_block},
                      {"entropy_stream_bytes", l.entropy_stream_bytes},
                      {"binary_weights", l.binary_weights},
                      {"binary_activations", l.binary_activations},
                      {"arena_offset", l.arena_offset},
                      {"region", l.region},
                      {"bands", l.bands},
                      {"output_bytes", l.output_bytes},
                      {"supported", l.supported}});
  }
  nlohmann::json regions = nlohmann::json::array();
  for (const RegionUse& u : r.regions) {
    regions.push_back({{"name", u.name},
                       {"kind", u.ram ? "ram" : "flash"},
                       {"bytes", u.bytes},
                       {"capacity", u.capacity},
                       {"buffers", u.buffers},
                       {"fits", u.bytes <= u.capacity}});
  }
  return {{"model", r.model},
          {"target", r.target},
          {"regions", regions},
          {"model_bytes", r.model_bytes},
          {"macs", r.macs},
          {"weights_bytes", r.weights_bytes},
          {"stored_weights_bytes", r.stored_weights_bytes},
          {"arena_bytes", r.arena_bytes},
          {"state_bytes", r.state_bytes},
          {"blob_bytes", r.blob_bytes},
          {"optimize", optimize_goal_name(r.goal)},
          {"fast_layers", r.fast_layers},
          {"whole_layer_arena_bytes", r.whole_layer_arena_bytes},
          {"patches", r.patches.active()
                          ? nlohmann::json{{"first_op", r.patches.first_op},
                                           {"last_op", r.patches.last_op},
                                           {"bands", r.patches.bands},
                                           {"extra_macs", r.patches.extra_macs},
                                           {"recompute", r.patches.recompute()},
                                           {"output_over_input", r.patches.overlays_input}}
                          : nlohmann::json(nullptr)},
          {"ops_total", r.ops_total},
          {"ops_supported", r.ops_supported},
          {"op_coverage", r.ops_total ? static_cast<double>(r.ops_supported) / r.ops_total : 1.0},
          {"unsupported", r.unsupported},
          {"kernels", r.kernels},
          {"layers", layers}};
}

std::string to_table(const ModelReport& r) {
  std::string s = fmt::format("{}\n\n", r.model);
  s += fmt::format("{:>3}  {:<18} {:<22} {:<20} {:>11} {:>9} {:>9} {:<12} {:>8}  {}\n", "#", "op",
                   "input", "output", "MACs", "weights", "stored", "format", "offset", "name");
  for (const LayerReport& l : r.layers) {
    const std::string in = l.input_shapes.empty() ? "-" : ir::shape_string(l.input_shapes[0]);
    // A layer run in bands has rows of its output live, not the whole.
    const std::string region = l.region > 0 && static_cast<size_t>(l.region) < r.regions.size()
                                   ? r.regions[static_cast<size_t>(l.region)].name + ":"
                                   : "";
    const std::string offset = l.bands > 0           ? fmt::format("{} bands", l.bands)
                               : l.arena_offset >= 0 ? fmt::format("{}{}", region, l.arena_offset)
                                                     : "-";
    std::string name = l.name.size() > 60 ? l.name.substr(0, 57) + "..." : l.name;
    // 4-bit coded filters show their codebooks ("4-bit/1": one for the
    // layer), sparse ones the share of weights they store ("sparse" single
    // weights, "block4" blocks of four), entropy-coded ones their stream's
    // bits per weight ("rANS/0.91b"), binary ones "1-bit" ("1-bit/1-bit"
    // with binary inputs).
    std::string format = l.weight_bytes > 0 ? "dense" : "-";
    if (l.codebooks > 0) format = fmt::format("4-bit/{}", l.codebooks);
    if (l.binary_weights) format = l.binary_activations ? "1-bit/1-bit" : "1-bit";
    if (l.sparse_block > 0) {
      format = fmt::format(
          "{}/{:.1f}%", l.sparse_block == 1 ? "sparse" : "block4",
          100.0 * static_cast<double>(l.stored_nonzeros) / static_cast<double>(l.filter_weights));
    }
    if (l.entropy_stream_bytes > 0) {
      format = fmt::format("rANS/{:.2f}b", 8.0 * static_cast<double>(l.entropy_stream_bytes) /
                                               static_cast<double>(l.filter_weights));
    }
    s += fmt::format("{:>3}  {:<18} {:<22} {:<20} {:>11} {:>9} {:>9} {:<12} {:>8}  {}{}\n", l.index,
                     l.op, in, ir::shape_string(l.output_shape), l.macs, l.weight_bytes,
                     l.stored_weight_bytes, format, offset, name,
                     l.supported ? "" : "  [UNSUPPORTED]");
  }
  s += fmt::format("\nMACs            {:>12}\n", r.macs);
  s += fmt::format("weights bytes   {:>12}  (in the model)\n", r.weights_bytes);
  s += fmt::format("  stored bytes  {:>12}  (as the blob stores them for the target)\n",
                   r.stored_weights_bytes);
  s += fmt::format("arena bytes     {:>12}\n", r.arena_bytes);
  if (r.patches.active()) {
    s += fmt::format(
        "  patches       ops {}-{} in {} bands of rows, {:.1f}% of the MACs computed again{}; "
        "{} bytes with every op whole\n",
        r.patches.first_op, r.patches.last_op, r.patches.bands, 100.0 * r.patches.recompute(),
        r.patches.overlays_input ? ", the stage's output over its consumed input rows" : "",
        r.whole_layer_arena_bytes);
  }
  if (r.state_bytes > 0) {
    s += fmt::format("  state bytes   {:>12}  (kept between invocations)\n", r.state_bytes);
  }
  if (!r.regions.empty()) s += fmt::format("memory regions  ({})\n", r.target);
  for (const RegionUse& u : r.regions) {
    const std::string over =
        u.bytes > u.capacity ? fmt::format("  DOES NOT FIT: {} bytes over", u.bytes - u.capacity)
                             : "";
    s += fmt::format("  {:<13} {:>12}  of {} {} bytes{}{}\n", u.name, u.bytes, u.capacity,
                     u.ram ? "RAM" : "flash",
                     u.ram ? fmt::format(", {} buffers", u.buffers) : ", the blob", over);
  }
  s += fmt::format(
      "blob bytes      {:>12}  {}\n", r.blob_bytes,
      !r.blob_bytes ? "(not compilable)"
      : r.goal == OptimizeGoal::kBalanced
          ? fmt::format("(--optimize balanced: {} layers stored for speed)", r.fast_layers)
          : fmt::format("(--optimize {})", optimize_goal_name(r.goal)));
  s += fmt::format("model bytes     {:>12}\n", r.model_bytes);
  s += fmt::format("op coverage     {:>9}/{}\n", r.ops_supported, r.ops_total);
  if (!r.kernels.empty())
    s += fmt::format("kernels         {} (KILN_KERNELS=\"{}\")\n", r.kernels.size(),
                     fmt::join(r.kernels, ";"));
  for (const std::string& u : r.unsupported) s += fmt::format("unsupported: {}\n", u);
  return s;
}

}  // namespace kiln
