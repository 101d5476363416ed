// kiln cycles: another stack's instruction histogram (mnemonic,count,taken,
// e.g. ../shared/baselines/tflm_cmsis_nn_kws_m4_mnemonics.csv) under kiln's
// cycle model, so that its figures and kiln's compare in cycles.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/target/cycle_model.h"
#include "compiler/target/mnemonics.h"
#include "compiler/target/parts.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

void register_cycles(CLI::App& app) {
  struct Options {
    std::string histogram, target = "cortex-m4", part;
    uint32_t registers = 4;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "cycles", "estimated cycles of an instruction histogram (mnemonic,count,taken) on a core");
  cmd->add_option("HISTOGRAM", opts->histogram, "a CSV file: mnemonic,count,taken")->required();
  cmd->add_option("--target", opts->target, "cortex-m4, cortex-m7, cortex-m33 or cortex-m55")
      ->capture_default_str();
  cmd->add_option("--part", opts->part, "a microcontroller (its clock): " + part_names());
  cmd->add_option("--registers", opts->registers,
                  "registers a multiple load/store moves (the histogram has no operands)")
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const Part* part = opts->part.empty() ? nullptr : &find_part(opts->part);
    if (part) opts->target = part->core;
    const CoreTiming& timing = core_timing(opts->target);
    std::map<std::string, uint64_t> mix = mix_from_histogram(opts->histogram, opts->registers);
    // Without the order of the instructions, load pipelining is a range:
    // from no load after a load or store to every load after one.
    const double most = estimate_cycles(mix, timing, 0).total();
    mix["pipelined"] = mix["load"];
    const double least = estimate_cycles(mix, timing, 0).total();
    mix.erase("pipelined");
    if (opts->json) {
      nlohmann::json j = {{"histogram", opts->histogram},        {"target", opts->target},
                          {"instructions", mix["instructions"]}, {"estimated_cycles_least", least},
                          {"estimated_cycles_most", most},       {"instruction_mix", mix}};
      if (part) {
        j["part"] = part->name;
        j["milliseconds_least"] = least / (part->clock_mhz * 1e3);
        j["milliseconds_most"] = most / (part->clock_mhz * 1e3);
      }
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print("{}: {} instructions, {} taken branches\n", opts->histogram, mix["instructions"],
               mix["taken"]);
    fmt::print(
        "estimated cycles on {}: {:.0f} (every load after a load or store) to {:.0f} (none)\n",
        opts->target, least, most);
    if (part) {
      fmt::print(
          "at {:.0f} MHz ({}): {:.2f} to {:.2f} ms; flash wait states not included (a "
          "histogram has no addresses)\n",
          part->clock_mhz, part->name, least / (part->clock_mhz * 1e3),
          most / (part->clock_mhz * 1e3));
    }
  });
}

}  // namespace cli
}  // namespace kiln
