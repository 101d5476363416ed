#include "compiler/eval/bench.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/lower/lowering.h"
#include "compiler/run/open_model.h"
#include "compiler/run/stream.h"
#include "compiler/target/cores.h"
#include "compiler/target/memory_regions.h"
#include "compiler/target/parts.h"

namespace kiln {

double macs_per_instruction(int64_t macs, uint64_t instructions) {
  return macs > 0 && instructions > 0
             ? static_cast<double>(macs) / static_cast<double>(instructions)
             : 0.0;
}

namespace {

// The last invocation's cost, per op named from the compiled graph.
BenchReport report_of(const OpenedModel& m, const std::string& model, const std::string& core) {
  BenchReport r;
  r.model = model;
  r.target = core;
  r.cost = *m.runner->cost();
  r.has_graph = m.has_graph();
  if (r.has_graph) r.macs = total_macs(m.compiled.graph);
  r.goal = m.compiled.goal;
  r.fast_layers = m.compiled.fast_layers.size();
  r.patches = m.compiled.patches;
  r.whole_layer_arena_bytes = m.compiled.whole_layer_arena_bytes;
  const std::vector<MemoryRegion> ram = m.compiled.target.ram();
  const uint64_t used[] = {r.cost.arena_bytes, r.cost.region1_bytes};
  for (size_t i = 0; i < ram.size() && i < 2; ++i) {
    if (used[i] > 0 || i == 0) r.regions.emplace_back(ram[i].name, used[i]);
  }
  for (const LayerCost& l : r.cost.layers) {
    BenchLayer row;
    const KernelInfo* k = find_kernel(l.opcode);
    row.kernel = k ? k->name : "?";
    row.instructions = l.instructions;
    if (m.has_graph() && l.op_index < m.compiled.program.ops.size()) {
      const ir::Graph& g = m.compiled.graph;
      const ProgramOp& call = m.compiled.program.ops[l.op_index];
      const ir::Op& op = g.ops[static_cast<size_t>(call.source_op)];
      row.op = op.type_name;
      row.name =
          op.outputs.empty() ? op.type_name : g.tensors[static_cast<size_t>(op.outputs[0])].name;
      row.macs = op_macs(g, op);
      if (!op.outputs.empty() && !call.outputs.empty() && call.outputs[0] >= 0) {
        // A band of the layer (patch-based execution): its share of the rows.
        const uint64_t whole = g.tensors[static_cast<size_t>(op.outputs[0])].bytes();
        const uint64_t band =
            m.compiled.program.tensors[static_cast<size_t>(call.outputs[0])].bytes;
        if (band < whole)
          row.macs = row.macs * static_cast<int64_t>(band) / static_cast<int64_t>(whole);
      }
      row.source_index = op.source_index;
    }
    r.layers.push_back(row);
  }
  return r;
}

}  // namespace

BenchReport bench_model(const std::string& model, const std::string& core,
                        const BenchOptions& options) {
  // Only the emulated cores count instructions.
  const std::string core_name = target_core(core);
  find_core(core_name);
  const Part* part = find_part_on(options.part, core_name);
  RunnerOptions run;
  run.target = core;
  run.per_layer = options.per_layer;
  run.goal = options.goal;
  run.flash_budget = options.flash_budget;
  run.max_recompute = options.max_recompute;
  run.read_outputs = false;  // a figure of the inference alone, not of writing its results back
  run.profile = options.cycles || part;
  if (part) run.flash = {part->flash_line_bytes, part->flash_cache_bytes};
  OpenedModel m = open_model(model, run);
  set_inputs_from_files(*m.runner, options.input_files);
  m.runner->invoke();
  BenchReport r = report_of(m, model, core);
  if (run.profile) {
    const CoreTiming& timing = core_timing(core_name);
    const uint32_t wait_states = part ? part->flash_wait_states : 0;
    r.has_cycles = true;
    r.part = part ? part->name : "";
    r.cycles = estimate_cycles(r.cost.mix, timing, wait_states);
    for (size_t i = 0; i < r.layers.size(); ++i)
      r.layers[i].cycles = estimate_cycles(r.cost.layers[i].mix, timing, wait_states);
  }
  return r;
}

BenchReport bench_stream(const std::string& model, const std::string& frontend,
                         const StreamPipelineOptions& pipeline, const std::string& core,
                         const std::vector<int16_t>& samples, bool per_layer) {
  find_core(target_core(core));
  RunnerOptions options;
  options.target = core;
  options.per_layer = per_layer;
  options.frontend = frontend;
  options.pipeline = pipeline;
  OpenedModel m = open_model(model, options);
  // The first block that writes the outputs runs every stage.
  if (!stream_samples(*m.runner, samples, true).empty()) return report_of(m, model, core);
  throw Error(ErrorKind::kBadInput,
              fmt::format("{} samples in blocks of {} never fill the pipeline's window: no "
                          "invocation ran every stage",
                          samples.size(), stream_block_samples(*m.runner)));
}

uint64_t stage_instructions(const BenchReport& report, const std::string& prefix, size_t* layers) {
  uint64_t total = 0;
  size_t n = 0;
  for (const BenchLayer& l : report.layers) {
    if (l.name.compare(0, prefix.size(), prefix) != 0) continue;
    total += l.instructions;
    ++n;
  }
  if (layers) *layers = n;
  return total;
}

nlohmann::json to_json(const BenchReport& r) {
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& [name, bytes] : r.regions) regions.push_back({{"name", name}, {"bytes", bytes}});
  nlohmann::json layers = nlohmann::json::array();
  for (const BenchLayer& l : r.layers) {
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"kernel", l.kernel},
                      {"macs", l.macs},
                      {"instructions", l.instructions},
                      {"macs_per_instruction", macs_per_instruction(l.macs, l.instructions)}});
    if (r.has_cycles) {
      layers.back()["estimated_cycles"] = l.cycles.total();
      layers.back()["flash_wait_cycles"] = l.cycles.flash;
    }
  }
  nlohmann::json j = {{"model", r.model},
                      {"target", r.target},
                      {"instructions", r.cost.instructions},
                      {"macs", r.macs},
                      {"macs_per_instruction", macs_per_instruction(r.macs, r.cost.instructions)},
                      {"arena_bytes", r.cost.arena_bytes},
                      {"regions", regions},
                      {"static_ram_bytes", r.cost.static_ram_bytes},
                      {"stack_bytes", r.cost.stack_bytes},
                      {"ram_bytes", r.cost.ram_bytes()},
                      {"runtime_flash_bytes", r.cost.runtime_flash_bytes},
                      {"model_flash_bytes", r.cost.model_flash_bytes},
                      {"optimize", optimize_goal_name(r.goal)},
                      {"fast_layers", r.fast_layers},
                      {"patch_bands", r.patches.bands},
                      {"recomputed_macs", r.patches.extra_macs},
                      {"whole_layer_arena_bytes", r.whole_layer_arena_bytes},
                      {"counter_overhead_instructions", r.cost.counter_overhead},
                      {"layers", layers}};
  if (r.has_cycles) {
    j["estimated_cycles"] = r.cycles.total();
    j["flash_wait_cycles"] = r.cycles.flash;
    j["macs_per_cycle"] = r.macs > 0 ? static_cast<double>(r.macs) / r.cycles.total() : 0.0;
    j["instruction_mix"] = r.cost.mix;
    if (!r.part.empty()) {
      const Part& part = find_part(r.part);
      j["part"] = part.name;
      j["clock_mhz"] = part.clock_mhz;
      const InferenceEnergy energy = inference_energy(part, r.cycles.total());
      j["milliseconds"] = energy.milliseconds;
      j["energy_uj"] = energy.microjoules;
    }
  }
  return j;
}

std::string to_table(const BenchReport& r, bool summary_only) {
  std::string s = summary_only ? "" : fmt::format("{} on {}\n\n", r.model, r.target);
  if (!r.layers.empty() && !summary_only) {
    s +=
        fmt::format("{:>3}  {:<18} {:<22} {:>11} {:>13} {:>9}{}  {}\n", "#", "op", "kernel", "MACs",
                    "instructions", "MACs/ins", r.has_cycles ? "  est. cycles" : "", "name");
    for (size_t i = 0; i < r.layers.size(); ++i) {
      const BenchLayer& l = r.layers[i];
      const std::string name = l.name.size() > 50 ? l.name.substr(0, 47) + "..." : l.name;
      s += fmt::format("{:>3}  {:<18} {:<22} {:>11} {:>13} {:>9.3f}{}  {}\n", i, l.op, l.kernel,
                       l.macs, l.instructions, macs_per_instruction(l.macs, l.instructions),
                       r.has_cycles ? fmt::format(" {:>12.0f}", l.cycles.total()) : "", name);
    }
    s += "\n";
  }
  const RunCost& c = r.cost;
  s += fmt::format("instructions         {:>10}\n", c.instructions);
  if (r.macs >= 0) {
    s += fmt::format("MACs                 {:>10}\n", r.macs);
    s += fmt::format("MACs/instruction     {:>10.3f}\n",
                     macs_per_instruction(r.macs, c.instructions));
  }
  if (r.has_cycles) {
    s += fmt::format("estimated cycles     {:>10.0f}  ({}{})\n", r.cycles.total(),
                     r.part.empty()
                         ? "zero-wait-state memory"
                         : fmt::format("{}: {:.0f} flash wait cycles", r.part, r.cycles.flash),
                     "; docs/cycle_model.md");
    if (r.macs > 0)
      s += fmt::format("MACs/cycle           {:>10.3f}\n",
                       static_cast<double>(r.macs) / r.cycles.total());
    if (!r.part.empty()) {
      const Part& part = find_part(r.part);
      const InferenceEnergy e = inference_energy(part, r.cycles.total());
      s += fmt::format("time at {:.0f} MHz     {:>10.3f} ms\n", part.clock_mhz, e.milliseconds);
      s += fmt::format("energy               {:>10.1f} uJ  ({:.1f} mA at {:.1f} V)\n",
                       e.microjoules, e.run_milliamps, part.supply_volts);
    }
  }
  s += fmt::format("arena bytes          {:>10}\n", c.arena_bytes);
  if (r.patches.active()) {
    s += fmt::format(
        "  patches            ops {}-{} in {} bands, {} MACs computed again; {} bytes with every "
        "op whole\n",
        r.patches.first_op, r.patches.last_op, r.patches.bands, r.patches.extra_macs,
        r.whole_layer_arena_bytes);
  }
  if (r.regions.size() > 1) {
    s += fmt::format("  in RAM regions     {} {} + {} {}\n", r.regions[0].first,
                     r.regions[0].second, r.regions[1].first, r.regions[1].second);
  }
  s += fmt::format("RAM bytes            {:>10}  (static {} + arena {} + peak stack {})\n",
                   c.ram_bytes(), c.static_ram_bytes, c.arena_bytes + c.region1_bytes,
                   c.stack_bytes);
  s += fmt::format("runtime flash bytes  {:>10}\n", c.runtime_flash_bytes);
  s += fmt::format("model flash bytes    {:>10}  (--optimize {}{})\n", c.model_flash_bytes,
                   optimize_goal_name(r.goal),
                   r.goal == OptimizeGoal::kBalanced
                       ? fmt::format(": {} layers stored for speed", r.fast_layers)
                       : "");
  return s;
}

}  // namespace kiln
