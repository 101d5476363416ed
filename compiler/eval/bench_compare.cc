#include "compiler/eval/bench_compare.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "compiler/common/error.h"
#include "compiler/common/text.h"

namespace kiln {
namespace {

[[noreturn]] void bad_baseline(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::kBadInput, fmt::format("--compare {}: {}", path, what));
}

// A non-negative integer field, or `fallback` when it is absent.
int64_t count_field(const nlohmann::json& object, const char* key, const std::string& path,
                    const std::string& where, int64_t fallback) {
  if (!object.contains(key)) return fallback;
  const nlohmann::json& v = object[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    bad_baseline(path, fmt::format("{}'s \"{}\" is not a count", where, key));
  return v.get<int64_t>();
}

// A core's name for matching: lower case, without the "F" of an FPU
// ("Cortex-M4F" is kiln's cortex-m4).
std::string core_key(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!s.empty() && s.back() == 'f') s.pop_back();
  return s;
}

// "1,234,567" for a count, "-" for none.
std::string grouped(int64_t n) { return n < 0 ? "-" : with_commas(n); }

std::string ratio(uint64_t kiln, int64_t baseline) {
  return baseline > 0 ? fmt::format("{:.3f}", static_cast<double>(kiln) / baseline) : "-";
}

uint64_t kiln_layers_sum(const BenchComparison& c) {
  uint64_t sum = c.kiln_other;
  for (const ComparedLayer& l : c.layers) sum += l.kiln;
  return sum;
}

int64_t baseline_layers_sum(const BenchComparison& c) {
  int64_t sum = 0;
  for (const ComparedLayer& l : c.layers) sum += std::max<int64_t>(l.baseline, 0);
  return sum;
}

}  // namespace

BenchComparison compare_bench(const BenchReport& report, const nlohmann::json& baseline,
                              const std::string& baseline_path) {
  if (!report.has_graph) {
    throw Error(ErrorKind::kUsage,
                "--compare matches layers by the source model's operators: give the .tflite, "
                "not a .kiln blob");
  }
  const std::string& path = baseline_path;
  if (!baseline.is_object() || !baseline.contains("layers") || !baseline["layers"].is_array())
    bad_baseline(path, "expected an object with a \"layers\" array");
  BenchComparison c;
  c.baseline_path = path;
  if (baseline.contains("runtime") && baseline["runtime"].is_string())
    c.baseline_runtime = baseline["runtime"].get<std::string>();
  if (baseline.contains("core") && baseline["core"].is_string())
    c.baseline_core = baseline["core"].get<std::string>();
  c.baseline_total = count_field(baseline, "total", path, "the file", -1);
  c.baseline_overhead = count_field(baseline, "interpreter_overhead", path, "the file", -1);

  std::map<int, ComparedLayer> by_index;
  for (size_t i = 0; i < baseline["layers"].size(); ++i) {
    const nlohmann::json& row = baseline["layers"][i];
    const std::string where = fmt::format("layer {}", i);
    if (!row.is_object() || !row.contains("op") || !row["op"].is_string())
      bad_baseline(path, fmt::format("{} has no \"op\" name", where));
    const int64_t index = count_field(row, "index", path, where, -1);
    const int64_t instructions = count_field(row, "instructions", path, where, -1);
    if (index < 0 || index > INT32_MAX || instructions < 0)
      bad_baseline(path, fmt::format("{} needs an \"index\" and \"instructions\"", where));
    ComparedLayer& l = by_index[static_cast<int>(index)];
    if (l.baseline >= 0) bad_baseline(path, fmt::format("operator {} has two rows", index));
    l.index = static_cast<int>(index);
    l.op = row["op"].get<std::string>();
    l.baseline = instructions;
  }
  for (const BenchLayer& row : report.layers) {
    if (row.source_index < 0) {
      c.kiln_other += row.instructions;
      continue;
    }
    ComparedLayer& l = by_index[row.source_index];
    if (l.baseline >= 0 && l.op != row.op) {
      bad_baseline(path, fmt::format("its operator {} is {}, but the model's is {}: a baseline "
                                     "of another model",
                                     row.source_index, l.op, row.op));
    }
    l.index = row.source_index;
    l.op = row.op;
    l.kiln += row.instructions;
    l.macs += std::max<int64_t>(row.macs, 0);
    if (std::find(l.kernels.begin(), l.kernels.end(), row.kernel) == l.kernels.end())
      l.kernels.push_back(row.kernel);
  }
  for (auto& [index, l] : by_index) c.layers.push_back(std::move(l));
  return c;
}

std::string to_table(const BenchComparison& c, const BenchReport& r) {
  std::string s =
      fmt::format("{} on {}, beside {}{} ({})\n", r.model, r.target,
                  c.baseline_runtime.empty() ? "the baseline" : c.baseline_runtime,
                  c.baseline_core.empty() ? "" : " on " + c.baseline_core, c.baseline_path);
  if (!c.baseline_core.empty() && core_key(c.baseline_core) != core_key(r.target))
    s += fmt::format("note: the baseline ran on {}, kiln on {}\n", c.baseline_core, r.target);
  s += fmt::format("\n{:>4}  {:<18} {:>12} {:>12} {:>9} {:>9}  {}\n", "op#", "op", "baseline",
                   "kiln", "kiln/base", "MACs/ins", "kiln kernels");
  for (const ComparedLayer& l : c.layers) {
    const std::string kernels = l.kernels.empty() ? (l.baseline >= 0 ? "(fused or in place)" : "")
                                                  : fmt::format("{}", fmt::join(l.kernels, "+"));
    const double macs = macs_per_instruction(l.macs, l.kiln);
    s += fmt::format("{:>4}  {:<18} {:>12} {:>12} {:>9} {:>9}  {}\n", l.index, l.op,
                     grouped(l.baseline), grouped(static_cast<int64_t>(l.kiln)),
                     ratio(l.kiln, l.baseline), macs > 0 ? fmt::format("{:.3f}", macs) : "-",
                     kernels);
  }
  if (c.kiln_other > 0) {
    s += fmt::format("{:>4}  {:<18} {:>12} {:>12}\n", "", "ops kiln added", "-",
                     grouped(static_cast<int64_t>(c.kiln_other)));
  }
  const uint64_t kiln_layers = kiln_layers_sum(c);
  const int64_t base_layers = baseline_layers_sum(c);
  s += fmt::format("\n{:>4}  {:<18} {:>12} {:>12} {:>9}\n", "", "layers", grouped(base_layers),
                   grouped(static_cast<int64_t>(kiln_layers)), ratio(kiln_layers, base_layers));
  const uint64_t kiln_total = r.cost.instructions;
  s += fmt::format("{:>4}  {:<18} {:>12} {:>12}\n", "", "outside the layers",
                   grouped(c.baseline_overhead),
                   grouped(static_cast<int64_t>(kiln_total - std::min(kiln_total, kiln_layers))));
  s += fmt::format("{:>4}  {:<18} {:>12} {:>12} {:>9}\n", "", "total", grouped(c.baseline_total),
                   grouped(static_cast<int64_t>(kiln_total)), ratio(kiln_total, c.baseline_total));
  return s;
}

nlohmann::json to_json(const BenchComparison& c) {
  nlohmann::json layers = nlohmann::json::array();
  for (const ComparedLayer& l : c.layers) {
    layers.push_back({{"index", l.index},
                      {"op", l.op},
                      {"baseline_instructions", l.baseline},
                      {"instructions", l.kiln},
                      {"macs", l.macs},
                      {"kernels", l.kernels}});
  }
  return {{"baseline", c.baseline_path},
          {"baseline_runtime", c.baseline_runtime},
          {"baseline_core", c.baseline_core},
          {"baseline_total", c.baseline_total},
          {"baseline_layers_sum", baseline_layers_sum(c)},
          {"layers_sum", kiln_layers_sum(c)},
          {"instructions_outside_source_ops", c.kiln_other},
          {"layers", layers}};
}

}  // namespace kiln
