// `kiln bench --compare BASELINE.json`: kiln's per-layer instructions beside
// another runtime's, matched by the source model's operator index. The
// baseline is a per-layer file as ../shared/baselines/per_layer holds them:
// {"runtime", "core", "model", "total", "layers_sum", "interpreter_overhead",
//  "layers": [{"index", "op", "output", "instructions"}]}.
#ifndef KILN_COMPILER_EVAL_BENCH_COMPARE_H
#define KILN_COMPILER_EVAL_BENCH_COMPARE_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/eval/bench.h"

namespace kiln {

// One operator of the source model: the baseline's count for it and kiln's
// for the ops made from it.
struct ComparedLayer {
  int index = -1;         // the operator's index in the .tflite
  std::string op;         // its builtin name
  int64_t baseline = -1;  // -1: the baseline has no row for it
  uint64_t kiln = 0;
  int64_t macs = 0;
  // The kernels kiln ran for it; empty when kiln fused it into another op
  // or needs no code for it (a reshape in place).
  std::vector<std::string> kernels;
};

struct BenchComparison {
  std::string baseline_path, baseline_runtime, baseline_core;
  std::vector<ComparedLayer> layers;  // by operator index
  uint64_t kiln_other = 0;            // kiln ops made from no source operator
  int64_t baseline_total = -1, baseline_overhead = -1;
};

// Matches `report`'s layers (bench_model with per_layer) to `baseline`'s.
// Throws Error(kBadInput) naming the problem for a malformed baseline, or one
// whose operator at an index is not the model's (a baseline of another model),
// and Error(kUsage) for a report without the model's graph (a .kiln input).
BenchComparison compare_bench(const BenchReport& report, const nlohmann::json& baseline,
                              const std::string& baseline_path);

std::string to_table(const BenchComparison& comparison, const BenchReport& report);
nlohmann::json to_json(const BenchComparison& comparison);

}  // namespace kiln

#endif
