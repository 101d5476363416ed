#include "tools/kiln/storage_flags.h"

namespace kiln {
namespace cli {

void add_storage_flags(CLI::App* cmd, CompileOptions* options) {
  CLI::Option* dense = cmd->add_flag(
      "--dense-weights", options->dense_weights,
      "keep every filter in int8: int4 and clustered ones too (not 4-bit indices and a "
      "codebook), pruned ones too (not their nonzero weights); larger, and faster where the "
      "target's dense kernels are");
  cmd->add_flag("--entropy", options->entropy_weights,
                "store each filter rANS-coded where that is smaller than every other form "
                "(pruned and clustered filters code in well under 4 bits per weight); decoding "
                "costs instructions per weight")
      ->excludes(dense);
}

}  // namespace cli
}  // namespace kiln
