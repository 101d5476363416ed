#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unistd.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/dataset.h"
#include "compiler/eval/host_runner.h"
#include "compiler/ir/layout.h"
#include "compiler/ir/graph.h"
#include "compiler/target/cortex_m.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

// A one-line summary of an output tensor (shown in `shape`): argmax and the
// first values.
std::string summarize(const blob::IoRecord& io, const std::string& shape, const std::vector<uint8_t>& bytes) {
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
  return fmt::format("{} {} argmax={} values=[{}{}]", ir::dtype_name(static_cast<kiln_dtype>(io.dtype)), shape, argmax,
                     fmt::join(head, ", "), n > 8 ? ", ..." : "");
}

// A model to run: its blob and, for a .tflite or .onnx model, its graph,
// whose inputs and outputs may be laid out differently in the source model
// (ONNX's NCHW): data files are in the source layout and converted here.
struct RunnableModel {
  std::vector<uint8_t> blob;
  ir::Graph graph;  // empty for a .kiln blob
  bool has_graph() const { return !graph.tensors.empty(); }
};

RunnableModel load_runnable(const std::string& path, const std::string& target) {
  const std::vector<uint8_t> bytes = read_file(path);
  if (detect_format(bytes) == ModelFormat::kKilnBlob) return {bytes, {}};
  CompiledModel m = compile_model(bytes, path, {target});
  return {std::move(m.blob), std::move(m.graph)};
}

std::vector<uint8_t> input_data(const RunnableModel& m, size_t i, const std::vector<uint8_t>& bytes,
                                const blob::IoRecord& io) {
  if (!m.has_graph() || bytes.size() != io_bytes(io)) return bytes;  // a wrong size is reported by set_input
  return input_to_kiln_layout(m.graph, i, bytes);
}

std::vector<uint8_t> output_data(const RunnableModel& m, size_t i, const std::vector<uint8_t>& bytes) {
  return m.has_graph() ? output_to_source_layout(m.graph, i, bytes) : bytes;
}

std::string output_shape(const RunnableModel& m, size_t i, const blob::IoRecord& io) {
  if (!m.has_graph() || i >= m.graph.output_source_perm.size() || m.graph.output_source_perm[i].empty()) {
    return io_shape_string(io);
  }
  const std::vector<int32_t> dims(io.dims, io.dims + io.rank);
  return ir::shape_string(ir::permute_shape(dims, m.graph.output_source_perm[i]));
}

// Runs on an emulated core; the firmware reads and writes files.
template <typename Options>
void run_on_target(const Options& opts) {
  CortexMRunner target(opts.target);
  const RunnableModel model = load_runnable(opts.model, opts.target);
  HostRunner host(model.blob);  // the model's input and output records
  const Executor& ex = host.executor();
  if (!opts.inputs.empty() && opts.inputs.size() != ex.num_inputs()) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("model has {} inputs but {} --input files were given", ex.num_inputs(), opts.inputs.size()));
  }
  std::vector<std::string> inputs, outputs, temporary;
  for (uint32_t i = 0; i < opts.inputs.size() && i < ex.num_inputs(); ++i) {
    temporary.push_back(fmt::format("/tmp/kiln-input-{}-{}.bin", getpid(), i));
    const std::vector<uint8_t> data = input_data(model, i, read_file(opts.inputs[i]), *ex.input_info(i));
    write_file(temporary.back(), data.data(), data.size());
    inputs.push_back(temporary.back());
  }
  for (uint32_t i = 0; i < ex.num_outputs(); ++i) {
    temporary.push_back(fmt::format("/tmp/kiln-output-{}-{}.bin", getpid(), i));
    outputs.push_back(temporary.back());
  }
  const TargetRunResult r = target.run(model.blob, inputs, outputs, false);
  for (uint32_t i = 0; i < ex.num_outputs(); ++i) {
    const std::vector<uint8_t> out = output_data(model, i, read_file(outputs[i]));
    if (i < opts.outputs.size()) write_file(opts.outputs[i], out.data(), out.size());
    fmt::print("output {}: {}\n", i, summarize(*ex.output_info(i), output_shape(model, i, *ex.output_info(i)), out));
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
    const RunnableModel model = load_runnable(opts->model, "host");
    HostRunner runner(model.blob, opts->arena_bytes);
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
        runner.set_input(i, input_data(model, i, read_file(opts->inputs[i]), *ex.input_info(i)));
      } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("{}: {}", opts->inputs[i], e.what()));
      }
    }
    runner.invoke();
    for (uint32_t i = 0; i < ex.num_outputs(); ++i) {
      const std::vector<uint8_t> out = output_data(model, i, runner.output(i));
      if (i < opts->outputs.size()) write_file(opts->outputs[i], out.data(), out.size());
      fmt::print("output {}: {}\n", i, summarize(*ex.output_info(i), output_shape(model, i, *ex.output_info(i)), out));
    }
  });
}

}  // namespace cli
}  // namespace kiln
