// Subcommands of the kiln tool; each registers itself and runs from its callback.
#ifndef KILN_TOOLS_KILN_COMMANDS_H
#define KILN_TOOLS_KILN_COMMANDS_H

#include <CLI/CLI.hpp>

namespace kiln {
namespace cli {

void register_analyze(CLI::App& app);
void register_convert(CLI::App& app);
void register_features(CLI::App& app);
void register_run(CLI::App& app);
void register_bench(CLI::App& app);
void register_compile(CLI::App& app);
void register_quantize(CLI::App& app);
void register_validate(CLI::App& app);
void register_report(CLI::App& app);
void register_cycles(CLI::App& app);
void register_secure(CLI::App& app);    // keygen, sign, verify, inspect
void register_device(CLI::App& app);    // the updater on a flash image file
void register_train(CLI::App& app);     // with KILN_HAS_TRAINING
void register_compress(CLI::App& app);  // with KILN_HAS_TRAINING

}  // namespace cli
}  // namespace kiln

#endif
