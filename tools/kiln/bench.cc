// kiln bench: instructions, memory and flash of one inference on an emulated core.
#include "compiler/eval/bench.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/bench_compare.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_bench(CLI::App& app) {
  struct Options {
    std::string model, target, compare;
    std::vector<std::string> inputs;
    bool json = false, layers = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "instructions, memory and flash of one inference on an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model (or a .kiln blob: no MAC counts)")
      ->required();
  cmd->add_option("--target", opts->target, "cortex-m4, cortex-m7, cortex-m33 or cortex-m55")
      ->required();
  cmd->add_option("-i,--input", opts->inputs, "input tensors (default: zeros)");
  cmd->add_flag("--layers", opts->layers, "also count instructions per op");
  cmd->add_option("--compare", opts->compare,
                  "a per-layer baseline (JSON, as ../shared/baselines/per_layer holds): print "
                  "each operator's instructions beside it (implies --layers)");
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    nlohmann::json baseline;
    if (!opts->compare.empty()) {
      const std::vector<uint8_t> text = read_file(opts->compare);
      baseline = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
      if (baseline.is_discarded())
        throw Error(ErrorKind::kBadInput, fmt::format("--compare {}: not JSON", opts->compare));
    }
    const BenchReport report = bench_model(opts->model, opts->target, opts->inputs,
                                           opts->layers || !opts->compare.empty());
    if (opts->compare.empty()) {
      fmt::print("{}", opts->json ? to_json(report).dump(2) + "\n" : to_table(report));
      return;
    }
    const BenchComparison comparison = compare_bench(report, baseline, opts->compare);
    if (opts->json) {
      nlohmann::json j = to_json(report);
      j["compare"] = to_json(comparison);
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{}\n{}", to_table(comparison, report), to_table(report, true));
    }
  });
}

}  // namespace cli
}  // namespace kiln
