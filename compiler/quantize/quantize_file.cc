#include "compiler/quantize/quantize_file.h"

#include <fmt/format.h>

#include <chrono>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/dataset.h"
#include "compiler/exec/source_layout.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/ir/layout.h"
#include "compiler/passes/passes.h"

namespace kiln {

uint64_t QuantizedFile::weight_bytes() const {
  uint64_t bytes = 0;
  for (const ProgramTensor& t : compiled.program.tensors) bytes += t.constant ? t.bytes : 0;
  return bytes;
}

QuantizedFile quantize_file(const std::string& model, const std::string& output,
                            const QuantizeFileOptions& options) {
  const bool tflite = ends_with(output, ".tflite");
  if (!tflite && !ends_with(output, ".kiln")) {
    throw Error(ErrorKind::kUsage, fmt::format("output '{}' must end in .tflite or .kiln", output));
  }
  const ir::Graph graph = passes::optimize(import_model(read_file(model), model));
  const std::vector<std::vector<std::vector<uint8_t>>> samples =
      calibration_samples(graph, options.calibration_dir, options.limit);
  QuantizedFile q;
  q.samples = samples.size();
  const auto start = std::chrono::steady_clock::now();
  q.result = quantize_post_training(graph, samples, options.quantize);
  q.calibration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  q.compiled = compile_graph(q.result.graph, {options.target});
  q.file = tflite ? write_tflite(passes::remove_unused(q.result.graph)) : q.compiled.blob;
  write_file(output, q.file.data(), q.file.size());
  return q;
}

std::vector<std::vector<std::vector<uint8_t>>> calibration_samples(const ir::Graph& graph,
                                                                   const std::string& dir,
                                                                   size_t limit) {
  const Dataset data = load_dataset(dir, source_input_ports(graph), limit, "calibration sample");
  std::vector<std::vector<std::vector<uint8_t>>> samples;
  for (const auto& sample : data.samples) {
    std::vector<std::vector<uint8_t>> inputs;
    for (size_t i = 0; i < sample.size(); ++i)
      inputs.push_back(ir::input_to_kiln_layout(graph, i, sample[i]));
    samples.push_back(std::move(inputs));
  }
  return samples;
}

void add_tensor_method(const std::string& spec, QuantizeOptions* options) {
  const size_t eq = spec.rfind('=');
  CalibrationMethod m;
  if (eq == std::string::npos || !parse_calibration_method(spec.substr(eq + 1), &m)) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--tensor-method '{}': expected NAME=minmax|percentile|mse", spec));
  }
  options->tensor_methods[spec.substr(0, eq)] = m;
}

std::string activation_table(const QuantizeResult& result) {
  std::string s;
  for (const TensorQuantization& t : result.activations) {
    s += fmt::format(
        "{:<40} {:<10} observed [{:.6g}, {:.6g}] chosen [{:.6g}, {:.6g}] scale {:.6g} zero point "
        "{}\n",
        t.name, calibration_method_name(t.method), t.observed.min, t.observed.max, t.chosen.min,
        t.chosen.max, t.scale, t.zero_point);
  }
  return s;
}

}  // namespace kiln
