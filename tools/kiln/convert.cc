// kiln convert: a .tflite or .onnx model compiled into a .kiln blob.
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/pipeline/compile.h"
#include "compiler/target/kernel_target.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/frontend_flags.h"
#include "tools/kiln/storage_flags.h"

namespace kiln {
namespace cli {

void register_convert(CLI::App& app) {
  struct Options {
    std::string model, output, target = "portable";
    CompileOptions compile;
    FrontendFlags frontend;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("convert", "compile a .tflite or .onnx model into a .kiln blob");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model")->required();
  cmd->add_option("-o,--output", opts->output, "the .kiln file to write")->required();
  cmd->add_option("--target", opts->target,
                  "kernel variants to use: " + kernel_target_names() +
                      " (portable runs on every kiln runtime; the others only where their "
                      "instructions exist), or a target description (.json) whose memory "
                      "regions the plan uses")
      ->capture_default_str();
  add_storage_flags(cmd, &opts->compile);
  add_frontend_flags(cmd, &opts->frontend);
  cmd->callback([opts]() {
    const CompiledModel m = compile_with_frontend(opts->model, opts->frontend,
                                                  with_target(opts->compile, opts->target));
    write_file(opts->output, m.blob.data(), m.blob.size());
    fmt::print("{}: {} bytes for {} ({} ops, arena {} bytes of which state {})\n", opts->output,
               m.blob.size(), opts->target, m.program.ops.size(), m.plan.arena_bytes,
               m.plan.state_bytes);
  });
}

}  // namespace cli
}  // namespace kiln
