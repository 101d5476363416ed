#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unistd.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/host_runner.h"
#include "compiler/ir/graph.h"
#include "compiler/target/cortex_m.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

// A one-line summary of an output tensor: argmax and the first values.
std::string summarize(const blob::IoRecord& io, const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size() / std::max<uint32_t>(1, kiln_dtype_size(io.dtype));
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) {
    switch (io.dtype) {
      case KILN_DTYPE_INT8: values[i] = static_cast<int8_t>(bytes[i]); break;
      case KILN_DTYPE_FLOAT32: {
        float f;
        std::memcpy(&f, &bytes[4 * i], 4);
        values[i] = f;
        break;
      }
      default: values[i] = 0; break;
    }
  }
  const size_t argmax = static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin());
  std::vector<double> head(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(n, 8)));
  return fmt::format("{} {} argmax={} values=[{}{}]", ir::dtype_name(static_cast<kiln_dtype>(io.dtype)),
                     io_shape_string(io), argmax, fmt::join(head, ", "), n > 8 ? ", ..." : "");
}

// Runs on an emulated core; outputs go to --output files and are summarized
// from those files (or a temporary one).
template <typename Options>
void run_on_target(const Options& opts) {
  CortexMRunner target(opts.target);
  const std::vector<uint8_t> blob = load_blob(opts.model, opts.target);
  HostRunner host(blob);  // the model's output shapes, for the summary
  std::vector<std::string> outputs = opts.outputs;
  std::vector<std::string> temporary;
  for (uint32_t i = static_cast<uint32_t>(outputs.size()); i < host.executor().num_outputs(); ++i) {
    temporary.push_back(fmt::format("/tmp/kiln-output-{}-{}.bin", getpid(), i));
    outputs.push_back(temporary.back());
  }
  const TargetRunResult r = target.run(blob, opts.inputs, outputs, false);
  for (uint32_t i = 0; i < host.executor().num_outputs(); ++i) {
    fmt::print("output {}: {}\n", i, summarize(*host.executor().output_info(i), read_file(outputs[i])));
  }
  for (const std::string& t : temporary) std::remove(t.c_str());
  fmt::print("{}: {} instructions per inference\n", opts.target, r.instructions);
}

}  // namespace

void register_run(CLI::App& app) {
  struct Options {
    std::string model;
    std::vector<std::string> inputs, outputs;
    int64_t arena_bytes = -1;
    std::string target = "host";
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("run", "run a model with kiln's runtime, on the host or an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model, or a .kiln blob")->required();
  cmd->add_option("-i,--input", opts->inputs,
                  "raw little-endian input tensor, once per model input, in order (default: zeros)");
  cmd->add_option("-o,--output", opts->outputs, "file to write each output tensor to, in order");
  cmd->add_option("--arena-bytes", opts->arena_bytes, "run with this arena size instead of the planned one");
  cmd->add_option("--target", opts->target,
                  "host, or an emulated core: cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->callback([opts]() {
    if (opts->target != "host") {
      run_on_target(*opts);
      return;
    }
    HostRunner runner(load_blob(opts->model, "host"), opts->arena_bytes);
    Executor& ex = runner.executor();
    if (!opts->inputs.empty() && opts->inputs.size() != ex.num_inputs()) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("model has {} inputs but {} --input files were given", ex.num_inputs(), opts->inputs.size()));
    }
    if (opts->outputs.size() > ex.num_outputs()) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("model has {} outputs but {} --output files were given", ex.num_outputs(), opts->outputs.size()));
    }
    for (uint32_t i = 0; i < ex.num_inputs(); ++i) {
      if (opts->inputs.empty()) {
        runner.set_input(i, std::vector<uint8_t>(io_bytes(*ex.input_info(i)), 0));
        continue;
      }
      try {
        runner.set_input(i, read_file(opts->inputs[i]));
      } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("{}: {}", opts->inputs[i], e.what()));
      }
    }
    runner.invoke();
    for (uint32_t i = 0; i < ex.num_outputs(); ++i) {
      const std::vector<uint8_t> out = runner.output(i);
      if (i < opts->outputs.size()) write_file(opts->outputs[i], out.data(), out.size());
      fmt::print("output {}: {}\n", i, summarize(*ex.output_info(i), out));
    }
  });
}

}  // namespace cli
}  // namespace kiln
