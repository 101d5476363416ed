// kiln: the command-line tool.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "compiler/common/error.h"
#include "tools/kiln/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kiln: compile and run TinyML models for microcontrollers"};
  app.require_subcommand(1);
  kiln::cli::register_analyze(app);
  kiln::cli::register_convert(app);
  kiln::cli::register_run(app);
  kiln::cli::register_features(app);
  kiln::cli::register_bench(app);
  kiln::cli::register_compile(app);
  kiln::cli::register_quantize(app);
  kiln::cli::register_validate(app);
  kiln::cli::register_report(app);
  kiln::cli::register_cycles(app);
  kiln::cli::register_secure(app);
  kiln::cli::register_device(app);
#if KILN_HAS_TRAINING
  kiln::cli::register_train(app);
  kiln::cli::register_compress(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(kiln::ErrorKind::kUsage);
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", e.what());
    return 70;
  }
  return 0;
}
