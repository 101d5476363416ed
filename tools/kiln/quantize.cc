// kiln quantize: post-training int8 quantization of a float model.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/dataset.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/quantize/ptq.h"
#include "compiler/target/kernel_target.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Progress on stderr: a line rewritten in place on a terminal, a line per
// tenth of the work otherwise.
std::function<void(size_t, size_t)> progress_printer() {
  const bool tty = isatty(fileno(stderr));
  auto last = std::make_shared<size_t>(0);
  return [tty, last](size_t done, size_t total) {
    if (tty) {
      std::fprintf(stderr, "\rkiln: calibrating %zu/%zu%s", done, total, done == total ? "\n" : "");
    } else if (done == total || done * 10 / total != *last * 10 / total) {
      std::fprintf(stderr, "kiln: calibrating %zu/%zu\n", done, total);
    }
    *last = done;
  };
}

}  // namespace

void register_quantize(CLI::App& app) {
  struct Options {
    std::string model, calibration, output, method = "minmax", target = "portable";
    double percentile = 99.99;
    std::vector<std::string> tensor_methods;
    bool float_io = false, report = false;
    size_t limit = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("quantize", "post-training int8 quantization of a float model with a calibration set");
  cmd->add_option("MODEL", opts->model, "a float .tflite or .onnx model")->required();
  cmd->add_option("--calibration", opts->calibration,
                  "directory of input samples (.bin raw little-endian or .npy, in the model's input type and layout)")
      ->required();
  cmd->add_option("-o,--output", opts->output, "the int8 model to write: .tflite or .kiln")->required();
  cmd->add_option("--method", opts->method, "activation ranges: minmax, percentile or mse")->capture_default_str();
  cmd->add_option("--percentile", opts->percentile, "the central percentage kept by --method percentile")
      ->capture_default_str();
  cmd->add_option("--tensor-method", opts->tensor_methods, "NAME=METHOD: another method for one tensor (repeatable)");
  cmd->add_flag("--float-io", opts->float_io, "keep float inputs and outputs (quantize and dequantize on the device)");
  cmd->add_option("--limit", opts->limit, "use only the first N samples (0: all)")->capture_default_str();
  cmd->add_option("--target", opts->target, "kernel variants of a .kiln output: " + kernel_target_names())
      ->capture_default_str();
  cmd->add_flag("--report", opts->report, "print every activation's range, scale and zero point");
  cmd->callback([opts]() {
    if (!ends_with(opts->output, ".tflite") && !ends_with(opts->output, ".kiln")) {
      throw Error(ErrorKind::kUsage, fmt::format("output '{}' must end in .tflite or .kiln", opts->output));
    }
    QuantizeOptions q;
    if (!parse_calibration_method(opts->method, &q.method)) {
      throw Error(ErrorKind::kUsage, fmt::format("--method '{}': expected minmax, percentile or mse", opts->method));
    }
    if (!(opts->percentile > 50.0 && opts->percentile <= 100.0)) {
      throw Error(ErrorKind::kUsage, fmt::format("--percentile {} must be in (50, 100]", opts->percentile));
    }
    q.percentile = opts->percentile;
    for (const std::string& spec : opts->tensor_methods) {
      const size_t eq = spec.rfind('=');
      CalibrationMethod m;
      if (eq == std::string::npos || !parse_calibration_method(spec.substr(eq + 1), &m)) {
        throw Error(ErrorKind::kUsage, fmt::format("--tensor-method '{}': expected NAME=minmax|percentile|mse", spec));
      }
      q.tensor_methods[spec.substr(0, eq)] = m;
    }
    q.float_io = opts->float_io;
    q.progress = progress_printer();

    const ir::Graph graph = passes::optimize(import_model(read_file(opts->model), opts->model));
    const Dataset data = load_dataset(opts->calibration, model_inputs(graph), opts->limit, "calibration sample");
    std::vector<std::vector<std::vector<uint8_t>>> samples;
    for (const auto& sample : data.samples) {
      std::vector<std::vector<uint8_t>> inputs;
      for (size_t i = 0; i < sample.size(); ++i) inputs.push_back(input_to_kiln_layout(graph, i, sample[i]));
      samples.push_back(std::move(inputs));
    }
    const auto start = std::chrono::steady_clock::now();
    const QuantizeResult result = quantize_post_training(graph, samples, q);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    CompileOptions compile;
    compile.target = opts->target;
    const CompiledModel m = compile_graph(result.graph, compile);  // also checks every op has an int8 kernel
    std::vector<uint8_t> out;
    if (ends_with(opts->output, ".tflite")) out = write_tflite(passes::remove_unused(result.graph));
    else out = m.blob;
    write_file(opts->output, out.data(), out.size());
    if (opts->report) {
      for (const TensorQuantization& t : result.activations) {
        fmt::print("{:<40} {:<10} observed [{:.6g}, {:.6g}] chosen [{:.6g}, {:.6g}] scale {:.6g} zero point {}\n", t.name,
                   calibration_method_name(t.method), t.observed.min, t.observed.max, t.chosen.min, t.chosen.max, t.scale,
                   t.zero_point);
      }
    }
    fmt::print("{}: int8 model, {} bytes ({} ops, arena {} bytes, {} weight bytes); {} samples calibrated in {:.1f} s ({})\n",
               opts->output, out.size(), m.program.ops.size(), m.plan.arena_bytes,
               [&] {
                 uint64_t bytes = 0;
                 for (const ProgramTensor& t : m.program.tensors) bytes += t.constant ? t.bytes : 0;
                 return bytes;
               }(),
               samples.size(), seconds, opts->method);
  });
}

}  // namespace cli
}  // namespace kiln
