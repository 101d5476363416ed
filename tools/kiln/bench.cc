// kiln bench: instructions, memory and flash of one inference on an emulated core.
#include "compiler/eval/bench.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/wav.h"
#include "compiler/eval/bench_compare.h"
#include "compiler/pipeline/stream_pipeline.h"
#include "compiler/target/parts.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/frontend_flags.h"
#include "tools/kiln/storage_flags.h"

namespace kiln {
namespace cli {

namespace {

// A pipeline's block: the whole table, then each stage's share and the
// block's share of real time on the core at a named clock.
void print_stream_report(const BenchReport& report, int32_t hop, int32_t classify_every,
                         int32_t sample_rate, double clock_mhz, bool json) {
  size_t front_ops = 0, classifier_ops = 0;
  const uint64_t front = stage_instructions(report, kFrontendPrefix, &front_ops);
  const uint64_t classifier = stage_instructions(report, kClassifierPrefix, &classifier_ops);
  const double block_ms = 1000.0 * hop / sample_rate;
  // Instructions a core at this clock retires in one block at one per cycle:
  // an upper bound on what fits, cycles per instruction being at least 1.
  const double budget = clock_mhz * 1000.0 * block_ms;
  if (json) {
    nlohmann::json j = to_json(report);
    j["stream"] = {{"block_samples", hop},
                   {"block_ms", block_ms},
                   {"frontend_instructions", front},
                   {"classifier_instructions", classifier},
                   {"budget_clock_mhz", clock_mhz},
                   {"budget_fraction", static_cast<double>(report.cost.instructions) / budget}};
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{}", to_table(report));
  fmt::print(
      "one block of {} samples ({:.1f} ms) with every stage: front-end {} instructions ({} ops), "
      "classifier {} ({} ops), total {} = {:.1f}% of the {:.0f} instructions a core at {:.0f} MHz "
      "retires in {:.1f} ms at one per cycle\n",
      hop, block_ms, front, front_ops, classifier, classifier_ops, report.cost.instructions,
      100.0 * static_cast<double>(report.cost.instructions) / budget, budget, clock_mhz, block_ms);
  if (classify_every > 1) {
    // The other blocks stop at the gate after the stacker: an estimate from
    // this block's per-op counts, not a measurement of those blocks.
    uint64_t stacker = 0;
    for (const BenchLayer& l : report.layers)
      stacker += l.op == "SignalStacker" ? l.instructions : 0;
    const double average = static_cast<double>(front + stacker) +
                           static_cast<double>(classifier - stacker) / classify_every;
    fmt::print(
        "classifier every {} frames: about {:.0f} instructions per block on average "
        "({:.1f}% at {:.0f} MHz), estimated from the counts above\n",
        classify_every, average, 100.0 * average / budget, clock_mhz);
  }
}

}  // namespace

void register_bench(CLI::App& app) {
  struct Options {
    std::string model, target, compare;
    std::vector<std::string> inputs;
    bool json = false, layers = false;
    FrontendFlags frontend;
    std::string wav;
    int32_t sample_rate = 16000;
    double clock_mhz = 80.0;
    OptimizeGoal goal = OptimizeGoal::kSpeed;
    uint64_t flash_budget = 0;
    double max_recompute = CompileOptions{}.max_recompute;
    bool cycles = false;
    std::string part;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "instructions, memory and flash of one inference on an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model (or a .kiln blob: no MAC counts)")
      ->required();
  cmd->add_option(
      "--target", opts->target,
      "cortex-m4, cortex-m7, cortex-m33, cortex-m55, or a target description (.json) of one "
      "(default: --part's core)");
  cmd->add_option("-i,--input", opts->inputs, "input tensors (default: zeros)");
  cmd->add_flag("--layers", opts->layers, "also count instructions per op");
  cmd->add_option("--compare", opts->compare,
                  "a per-layer baseline (JSON, as ../shared/baselines/per_layer holds): print "
                  "each operator's instructions beside it (implies --layers)");
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->add_flag("--cycles", opts->cycles,
                "also estimate cycles from the instruction mix (docs/cycle_model.md)");
  cmd->add_option("--part", opts->part,
                  "a microcontroller (" + part_names() +
                      "): estimated cycles with its flash wait states, time at its clock, energy "
                      "(implies --cycles)");
  add_optimize_flags(cmd, &opts->goal, &opts->flash_budget, &opts->max_recompute);
  add_frontend_flags(cmd, &opts->frontend);
  cmd->add_option("--wav", opts->wav,
                  "with --frontend: a recording streamed through the pipeline until every stage "
                  "runs; the figures are that block's, split by stage")
      ->needs("--frontend");
  cmd->add_option("--sample-rate", opts->sample_rate,
                  "with --wav: the rate the front-end expects (kiln does not resample)")
      ->capture_default_str()
      ->needs("--wav");
  cmd->add_option("--clock-mhz", opts->clock_mhz,
                  "with --wav: the core's clock, for the share of real time a block takes")
      ->capture_default_str()
      ->needs("--wav");
  cmd->callback([opts]() {
    if (opts->target.empty()) {
      if (opts->part.empty()) throw Error(ErrorKind::kUsage, "give --target (or --part)");
      opts->target = find_part(opts->part).core;
    }
    check_frontend_flags(opts->frontend);
    if (!opts->frontend.frontend.empty()) {
      if (opts->wav.empty())
        throw Error(ErrorKind::kUsage, "a pipeline is benchmarked on a recording: give --wav");
      const BenchReport report =
          bench_stream(opts->model, opts->frontend.frontend, stream_options(opts->frontend),
                       opts->target, read_wav_samples(opts->wav, opts->sample_rate, 1), true);
      print_stream_report(report, opts->frontend.hop, opts->frontend.classify_every,
                          opts->sample_rate, opts->clock_mhz, opts->json);
      return;
    }
    nlohmann::json baseline;
    if (!opts->compare.empty()) {
      const std::vector<uint8_t> text = read_file(opts->compare);
      baseline = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
      if (baseline.is_discarded())
        throw Error(ErrorKind::kBadInput, fmt::format("--compare {}: not JSON", opts->compare));
    }
    BenchOptions options;
    options.input_files = opts->inputs;
    options.per_layer = opts->layers || !opts->compare.empty();
    options.goal = opts->goal;
    options.flash_budget = opts->flash_budget;
    options.max_recompute = opts->max_recompute;
    options.cycles = opts->cycles;
    options.part = opts->part;
    const BenchReport report = bench_model(opts->model, opts->target, options);
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
