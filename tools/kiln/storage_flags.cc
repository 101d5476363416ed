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
}

}  // namespace cli
}  // namespace kiln
