#include "compiler/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <map>

#include "compiler/analyze/analysis.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/bench.h"
#include "compiler/eval/validate.h"
#include "compiler/lower/lowering.h"
#include "compiler/plan/planner.h"
#include "compiler/run/emulated_core.h"
#include "compiler/target/cycle_model.h"
#include "compiler/target/memory_regions.h"
#include "compiler/target/parts.h"

namespace kiln {
namespace {

using json = nlohmann::json;

// The fields of `from` named in `keys` that it has.
json pick(const json& from, std::initializer_list<const char*> keys) {
  json to = json::object();
  for (const char* key : keys) {
    if (from.contains(key)) to[key] = from[key];
  }
  return to;
}

std::string kernel_name(OpCode opcode) {
  const KernelInfo* k = find_kernel(static_cast<uint32_t>(opcode));
  return k ? k->name : "?";
}

// Every buffer of the plan: which bytes of which region it holds from which
// op to which (state for the whole invocation, scratch within one op).
json memory_timeline(const CompiledModel& m) {
  const Program& p = m.program;
  const auto region_of = [&](size_t t) {
    return t < m.plan.regions.size() ? m.plan.regions[t] : 0;
  };
  const int last_op = std::max(0, static_cast<int>(p.ops.size()) - 1);
  json buffers = json::array();
  const auto add = [&](size_t t, uint64_t bytes, int first, int last, const char* kind) {
    if (t >= m.plan.offsets.size() || m.plan.offsets[t] < 0) return;
    buffers.push_back({{"tensor", p.tensors[t].name},
                       {"kind", kind},
                       {"region", region_of(t)},
                       {"offset", m.plan.offsets[t]},
                       {"bytes", bytes},
                       {"first_op", first},
                       {"last_op", last}});
  };
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    if (p.tensors[t].persistent) add(t, p.tensors[t].bytes, 0, last_op, "state");
  }
  for (const ArenaBuffer& b : arena_buffers(p)) {
    const int t = b.tensor;
    const bool input = std::count(p.inputs.begin(), p.inputs.end(), t) > 0;
    const bool output = std::count(p.outputs.begin(), p.outputs.end(), t) > 0;
    const char* kind = input               ? "input"
                       : output            ? "output"
                       : b.first == b.last ? "scratch"
                                           : "activation";
    add(static_cast<size_t>(t), b.bytes, b.first, b.last, kind);
  }
  json ops = json::array();
  for (size_t i = 0; i < p.ops.size(); ++i) {
    const ProgramOp& op = p.ops[i];
    std::string layer;
    if (op.source_op >= 0 && static_cast<size_t>(op.source_op) < m.graph.ops.size()) {
      const ir::Op& source = m.graph.ops[static_cast<size_t>(op.source_op)];
      layer = source.outputs.empty() ? source.type_name
                                     : m.graph.tensors[static_cast<size_t>(source.outputs[0])].name;
    }
    ops.push_back({{"index", i}, {"kernel", kernel_name(op.opcode)}, {"layer", layer}});
  }
  return {{"region_bytes", m.plan.region_bytes},
          {"state_bytes", m.plan.state_bytes},
          {"buffers", buffers},
          {"ops", ops}};
}

std::string compression_of(const json& layer) {
  if (layer.value("binary_weights", false)) return "binary";
  if (layer.value("entropy_stream_bytes", 0) > 0) return "entropy-coded";
  if (layer.value("codebooks", 0) > 0) return "4-bit codebook";
  if (layer.value("sparse_block", 0) > 0) return "sparse";
  return "";
}

// The analysis's layers with what the emulated core measured for each
// (the kernel calls of a layer summed: bands, or a layer lowered to several).
json merged_layers(const json& analysis, const json* bench) {
  std::map<std::string, std::pair<uint64_t, double>> measured;  // name -> instructions, cycles
  if (bench) {
    for (const json& l : (*bench)["layers"]) {
      auto& m = measured[l["name"].get<std::string>()];
      m.first += l["instructions"].get<uint64_t>();
      m.second += l.value("estimated_cycles", 0.0);
    }
  }
  json layers = json::array();
  for (const json& a : analysis["layers"]) {
    json l =
        pick(a, {"index", "name", "op", "kernel", "macs", "weight_bytes", "stored_weight_bytes",
                 "output_bytes", "arena_offset", "region", "bands", "supported"});
    l["compression"] = compression_of(a);
    auto it = measured.find(a["name"].get<std::string>());
    if (it != measured.end()) {
      l["instructions"] = it->second.first;
      l["estimated_cycles"] = it->second.second;
      const double macs = a["macs"].get<double>();
      l["macs_per_cycle"] = it->second.second > 0 ? macs / it->second.second : 0.0;
    }
    layers.push_back(l);
  }
  return layers;
}

json part_json(const Part& p) {
  return {{"name", p.name},
          {"core", p.core},
          {"clock_mhz", p.clock_mhz},
          {"flash_wait_states", p.flash_wait_states},
          {"flash_line_bytes", p.flash_line_bytes},
          {"flash_cache_bytes", p.flash_cache_bytes},
          {"flash_bytes", p.flash_bytes},
          {"ram_bytes", p.ram_bytes},
          {"run_ua_per_mhz", p.run_ua_per_mhz},
          {"supply_volts", p.supply_volts},
          {"sleep_ua", p.sleep_ua},
          {"sleep_mode", p.sleep_mode},
          {"sources", p.sources}};
}

json cycle_model_json(const CoreTiming& t, const Part* part) {
  return {{"core", t.core},
          {"source", t.source},
          {"cycles_per_class", t.per_class},
          {"per_register", t.per_register},
          {"pipelined_load_saving", t.pipelined_saving},
          {"taken_branch_penalty", t.taken_penalty},
          {"helium_overlap_saving", t.overlap_saving},
          {"flash_wait_states", part ? part->flash_wait_states : 0},
          {"document", "docs/cycle_model.md"}};
}

// Fits the part (or the target's own memory), with margins, and each region.
// `runtime`: the firmware's flash without the model.
json summary(const json& analysis, const json* bench, const Part* part, const FirmwareLayout& board,
             uint64_t runtime) {
  const uint64_t blob = analysis["blob_bytes"].get<uint64_t>();
  uint64_t arena = 0;
  json regions = json::array();
  bool regions_fit = true;
  for (const json& r : analysis["regions"]) {
    const uint64_t bytes = r["bytes"], capacity = r["capacity"];
    const bool fits = bytes <= capacity;
    regions_fit = regions_fit && fits;
    if (r["kind"] == "ram") arena += bytes;
    regions.push_back({{"name", r["name"]},
                       {"kind", r["kind"]},
                       {"bytes", bytes},
                       {"capacity", capacity},
                       {"fits", fits},
                       {"over", fits ? 0 : bytes - capacity},
                       {"margin", fits ? capacity - bytes : 0}});
  }
  // Measured when the model ran; otherwise the firmware's static data and
  // stack reserve stand in for the run's.
  const uint64_t ram = bench ? (*bench)["ram_bytes"].get<uint64_t>()
                             : board.static_ram + arena + board.stack_reserve;
  json s = {{"regions", regions},
            {"regions_fit", regions_fit},
            {"flash_bytes", runtime + blob},
            {"ram_bytes", ram},
            {"measured", bench != nullptr}};
  bool fits = regions_fit;
  if (part) {
    const auto against = [&](uint64_t need, uint64_t have) {
      fits = fits && need <= have;
      return json{{"bytes", need},
                  {"capacity", have},
                  {"fits", need <= have},
                  {"margin", static_cast<int64_t>(have) - static_cast<int64_t>(need)}};
    };
    s["part_flash"] = against(runtime + blob, part->flash_bytes);
    s["part_ram"] = against(ram, part->ram_bytes);
  }
  s["fits"] = fits;
  if (bench) {
    s.update(pick(*bench, {"instructions", "macs", "estimated_cycles", "macs_per_cycle",
                           "milliseconds", "energy_uj", "flash_wait_cycles"}));
  }
  return s;
}

json flash_breakdown(const json& analysis, const CompiledModel& m, uint64_t runtime) {
  uint64_t params = 0;
  for (const ProgramOp& op : m.program.ops) params += op.params.size();
  const uint64_t blob = analysis["blob_bytes"], weights = analysis["stored_weights_bytes"];
  return {{"runtime", runtime}, {"weights", weights},
          {"params", params},   {"tables", blob > weights + params ? blob - weights - params : 0},
          {"blob", blob},       {"kernels", analysis["kernels"]}};
}

}  // namespace

json build_report(const std::string& model, const ReportOptions& o) {
  const auto step = [&](const std::string& what) {
    if (o.progress) o.progress(what);
  };
  const std::string core = target_core(o.target);
  find_core(core);
  const Part* part = find_part_on(o.part, core);
  const CoreFirmware board(core);

  step("compiling for " + o.target);
  const std::vector<uint8_t> bytes = read_file(model);
  CompileOptions compile;
  compile.target = o.target;
  compile.allow_unsupported = true;  // a model that does not fit is reported, not refused
  const CompiledModel m = compile_model(bytes, model, compile);
  const json analysis = to_json(analyze(m, model, bytes.size()));

  json report = {{"kiln_report", 1},
                 {"model", model},
                 {"target", o.target},
                 {"target_name", m.target.name},
                 {"core", core}};
  report["part"] = part ? part_json(*part) : json(nullptr);
  report["cycle_model"] = cycle_model_json(core_timing(core), part);
  report["analysis"] = analysis;
  report["memory"] = memory_timeline(m);

  step("running on " + core + (part ? " as " + part->name : ""));
  json bench;
  std::string bench_error;
  BenchOptions run;
  run.input_files = o.inputs;
  run.per_layer = true;
  run.cycles = true;
  run.part = o.part;
  try {
    bench = to_json(bench_model(model, o.target, run));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArenaTooSmall && e.kind() != ErrorKind::kBadModel) throw;
    bench_error = e.what();
  }
  const json* measured = bench.is_null() ? nullptr : &bench;
  if (measured) report["bench"] = bench;
  if (!bench_error.empty()) report["bench_error"] = bench_error;
  report["layers"] = merged_layers(analysis, measured);
  // The runtime's flash as the run measured it, else as the firmware links it.
  const uint64_t runtime =
      measured ? bench["runtime_flash_bytes"].get<uint64_t>() : board.layout().runtime_flash;
  report["summary"] = summary(analysis, measured, part, board.layout(), runtime);
  report["flash"] = flash_breakdown(analysis, m, runtime);

  json cores = json::array();
  for (const std::string& c : o.cores) {
    step("running on " + c);
    BenchOptions each;
    each.input_files = o.inputs;
    each.cycles = true;
    try {
      json row = pick(to_json(bench_model(model, c, each)),
                      {"instructions", "estimated_cycles", "macs_per_cycle", "arena_bytes",
                       "ram_bytes", "model_flash_bytes", "runtime_flash_bytes"});
      row["core"] = c;
      cores.push_back(row);
    } catch (const Error& e) {  // that core's row says why: the others still compare
      cores.push_back({{"core", c}, {"error", e.what()}});
    }
  }
  report["cores"] = cores;

  if (part && measured) {
    const double cycles = bench["estimated_cycles"];
    const InferenceEnergy e = inference_energy(*part, cycles);
    json energy = {{"milliseconds", e.milliseconds},
                   {"run_milliamps", e.run_milliamps},
                   {"microjoules", e.microjoules}};
    if (o.rate_hz > 0) {
      const BatteryLife b = battery_life(*part, cycles, o.rate_hz,
                                         o.battery_mah > 0 ? o.battery_mah : 0, o.battery_volts);
      energy["rate_hz"] = o.rate_hz;
      energy["duty"] = b.duty;
      energy["average_microamps"] = b.average_microamps;
      energy["feasible"] = b.feasible;
      if (o.battery_mah > 0) {
        energy["battery_mah"] = o.battery_mah;
        energy["battery_volts"] = o.battery_volts;
        energy["battery_hours"] = b.hours;
        energy["battery_days"] = b.hours / 24;
      }
    }
    report["energy"] = energy;
  }

  if (!o.data.empty()) {
    step("validating on " + o.data);
    ValidateOptions v;
    v.labels = o.labels;
    v.limit = o.data_limit;
    // The data is in the model's input type; the reference (a float model,
    // say) gets it converted to its own.
    const std::string reference = o.reference.empty() ? model : o.reference;
    const json compared = to_json(validate_models(model, reference, o.data, v));
    json accuracy = pick(compared, {"samples", "top1_agreement", "l2r", "rmse", "max_abs_diff"});
    accuracy["reference"] = reference;
    if (compared.contains("accuracy_a")) {
      accuracy["model_accuracy"] = compared["accuracy_a"];
      accuracy["reference_accuracy"] = compared["accuracy_b"];
      accuracy["confusion"] = compared["confusion_a"];  // [label][prediction]
      accuracy["reference_confusion"] = compared["confusion_b"];
    }
    report["accuracy"] = accuracy;
  }
  return report;
}

}  // namespace kiln
