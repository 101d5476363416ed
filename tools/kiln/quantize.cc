// kiln quantize: post-training int8 quantization of a float model.
#include <fmt/format.h>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/quantize/quantize_file.h"
#include "compiler/target/kernel_target.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/progress.h"

namespace kiln {
namespace cli {

void register_quantize(CLI::App& app) {
  struct Options {
    std::string model, output, method = "minmax";
    std::vector<std::string> tensor_methods;
    QuantizeFileOptions file;
    bool report = false;
  };
  auto opts = std::make_shared<Options>();
  QuantizeOptions& q = opts->file.quantize;
  CLI::App* cmd = app.add_subcommand(
      "quantize", "post-training int8 quantization of a float model with a calibration set");
  cmd->add_option("MODEL", opts->model, "a float .tflite or .onnx model")->required();
  cmd->add_option("--calibration", opts->file.calibration_dir,
                  "directory of input samples (.bin raw little-endian or .npy, in the model's "
                  "input type and layout)")
      ->required();
  cmd->add_option("-o,--output", opts->output, "the int8 model to write: .tflite or .kiln")
      ->required();
  cmd->add_option("--method", opts->method, "activation ranges: minmax, percentile or mse")
      ->capture_default_str();
  cmd->add_option("--percentile", q.percentile,
                  "the central percentage kept by --method percentile")
      ->capture_default_str();
  cmd->add_option("--tensor-method", opts->tensor_methods,
                  "NAME=METHOD: another method for one tensor (repeatable)");
  cmd->add_flag("--float-io", q.float_io,
                "keep float inputs and outputs (quantize and dequantize on the device)");
  cmd->add_option("--limit", opts->file.limit, "use only the first N samples (0: all)")
      ->capture_default_str();
  cmd->add_option("--target", opts->file.target,
                  "kernel variants of a .kiln output: " + kernel_target_names())
      ->capture_default_str();
  cmd->add_flag("--report", opts->report, "print every activation's range, scale and zero point");
  cmd->callback([opts]() {
    QuantizeOptions& q = opts->file.quantize;
    if (!parse_calibration_method(opts->method, &q.method)) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--method '{}': expected minmax, percentile or mse", opts->method));
    }
    if (!(q.percentile > 50.0 && q.percentile <= 100.0)) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--percentile {} must be in (50, 100]", q.percentile));
    }
    for (const std::string& spec : opts->tensor_methods) add_tensor_method(spec, &q);
    q.progress = progress_printer("calibrating");
    const QuantizedFile out = quantize_file(opts->model, opts->output, opts->file);
    if (opts->report) fmt::print("{}", activation_table(out.result));
    fmt::print(
        "{}: int8 model, {} bytes ({} ops, arena {} bytes, {} weight bytes); {} samples calibrated "
        "in {:.1f} s "
        "({})\n",
        opts->output, out.file.size(), out.compiled.program.ops.size(),
        out.compiled.plan.arena_bytes, out.weight_bytes(), out.samples, out.calibration_seconds,
        opts->method);
  });
}

}  // namespace cli
}  // namespace kiln
