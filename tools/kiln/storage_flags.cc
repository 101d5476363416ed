#include "tools/kiln/storage_flags.h"

#include <sstream>
#include <string>

namespace kiln {
namespace cli {

void add_storage_flags(CLI::App* cmd, CompileOptions* options) {
  CLI::Option* dense = cmd->add_flag(
      "--dense-weights", options->dense_weights,
      "keep every filter in int8: int4 and clustered ones too (not 4-bit indices and a "
      "codebook), pruned ones too (not their nonzero weights); larger, and faster where the "
      "target's dense kernels are");
  CLI::Option* entropy =
      cmd->add_flag("--entropy", options->entropy_weights,
                    "store each filter rANS-coded where that is smaller than every other form "
                    "(pruned and clustered filters code in well under 4 bits per weight); "
                    "decoding costs instructions per weight")
          ->excludes(dense);
  cmd->add_option_function<std::string>(
         "--entropy-layers",
         [options](const std::string& text) {
           options->entropy_weights = true;
           std::stringstream in(text);
           for (std::string name; std::getline(in, name, ',');) {
             if (!name.empty()) options->entropy_layers.insert(name);
           }
         },
         "--entropy for the named layers only (their output tensors, separated by commas), "
         "as kiln compress --flash-budget plans them")
      ->excludes(dense)
      ->excludes(entropy);
  add_optimize_flags(cmd, &options->goal, &options->flash_budget, &options->max_recompute);
}

void add_optimize_flags(CLI::App* cmd, OptimizeGoal* goal, uint64_t* flash_budget,
                        double* max_recompute) {
  cmd->add_option_function<std::string>(
      "--optimize", [goal](const std::string& name) { *goal = optimize_goal(name); },
      "speed (default: the fastest kernels; Arm DSP filters stored widened to 16 bits), size "
      "(every layer's constants as small as the portable blob's, its kernels reading int8 "
      "weights), or balanced (size, with the layers that buy the most instructions per byte "
      "stored for speed)");
  cmd->add_option_function<uint64_t>(
      "--flash-budget",
      [goal, flash_budget](uint64_t bytes) {
        if (bytes == 0) throw CLI::ValidationError("--flash-budget", "a budget of 0 bytes");
        *flash_budget = bytes;
        *goal = OptimizeGoal::kBalanced;
      },
      "the model blob's largest size in bytes: balanced, widening for speed the layers that buy "
      "the most instructions per byte while the blob fits");
  cmd->add_option_function<double>(
      "--max-recompute",
      [max_recompute](double percent) {
        if (!(percent >= 0 && percent <= 100))
          throw CLI::ValidationError("--max-recompute", "a percentage from 0 to 100");
        *max_recompute = percent / 100;
      },
      "patch-based execution: run the first stage of the network in bands of rows where that "
      "takes the least RAM, computing at most this percentage of the model's MACs again for the "
      "bands' overlapping halos (default 10; 0: every layer whole)");
}

}  // namespace cli
}  // namespace kiln
