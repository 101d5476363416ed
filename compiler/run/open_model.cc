#include "compiler/run/open_model.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/source_layout.h"
#include "compiler/frontends/frontends.h"
#include "compiler/ir/graph.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/stream_pipeline.h"
#include "compiler/run/emulated_core.h"
#include "compiler/target/cores.h"
#include "compiler/target/memory_regions.h"

namespace kiln {

OpenedModel open_model(const std::string& path, const RunnerOptions& options) {
  // A target description names its core; a clear error before any compiling.
  const std::string core = target_core(options.target);
  const bool host = core == "host";
  if (!host && options.arena_bytes >= 0) {
    throw Error(ErrorKind::kUsage,
                fmt::format("an arena size can only be given on the host; {} runs with the "
                            "arena its firmware leaves",
                            options.target));
  }
  if (!host) find_core(core);
  OpenedModel m;
  if (!options.frontend.empty()) {
    if (options.evaluate_graph) {
      throw Error(ErrorKind::kUsage, "a pipeline with a front-end runs compiled, not as a graph");
    }
    m.compiled = compile_stream_pipeline(options.frontend, path, options.pipeline,
                                         options.compile_options());
  } else if (frontends::is_builtin(path)) {  // a built-in front-end on its own
    m.compiled = compile_graph(frontends::build(path), options.compile_options());
  } else {
    std::vector<uint8_t> bytes = read_file(path);
    if (detect_format(bytes) == ModelFormat::kKilnBlob) {
      m.compiled.blob = std::move(bytes);
    } else if (host && options.evaluate_graph) {
      m.compiled.graph = passes::optimize(import_model(bytes, path));
      auto evaluator = std::make_unique<GraphEvaluator>(m.compiled.graph);
      m.evaluator = evaluator.get();
      m.runner = std::move(evaluator);
    } else {
      m.compiled = compile_model(bytes, path, options.compile_options());
    }
  }
  if (!m.runner) {
    if (host)
      m.runner = std::make_unique<HostRunner>(m.compiled.blob, options.arena_bytes);
    else
      m.runner = std::make_unique<EmulatedCoreRunner>(
          m.compiled.blob, core,
          CoreRunOptions{options.per_layer, options.read_outputs, options.profile, options.flash});
  }
  if (options.source_layout && m.has_graph()) {
    m.runner = std::make_unique<SourceLayoutRunner>(std::move(m.runner), m.compiled.graph);
  }
  return m;
}

InputSteps read_input_steps(const Runner& runner, const std::vector<std::string>& files,
                            size_t steps) {
  if (!files.empty() && files.size() != runner.inputs().size()) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("model has {} inputs but {} input files were given",
                            runner.inputs().size(), files.size()));
  }
  if (steps == 0) throw Error(ErrorKind::kUsage, "at least one invocation is needed");
  InputSteps out(steps);
  for (size_t i = 0; i < runner.inputs().size(); ++i) {
    const TensorPort& port = runner.inputs()[i];
    const uint64_t step_bytes = port.bytes();
    const std::vector<uint8_t> bytes =
        files.empty() ? std::vector<uint8_t>(step_bytes * steps, 0) : read_file(files[i]);
    if (bytes.size() != step_bytes * steps) {
      throw Error(
          ErrorKind::kBadInput,
          fmt::format("{}: input {} is {} bytes but the model's input {} {} {} needs {} bytes{}",
                      files[i], i, bytes.size(), i, ir::dtype_name(port.dtype),
                      ir::shape_string(port.shape), step_bytes * steps,
                      steps > 1 ? fmt::format(" ({} invocations of {})", steps, step_bytes)
                                : std::string()));
    }
    for (size_t k = 0; k < steps; ++k) {
      const auto begin = bytes.begin() + static_cast<std::ptrdiff_t>(k * step_bytes);
      out[k].emplace_back(begin, begin + static_cast<std::ptrdiff_t>(step_bytes));
    }
  }
  return out;
}

void set_inputs_from_files(Runner& runner, const std::vector<std::string>& files) {
  const InputSteps steps = read_input_steps(runner, files, 1);
  for (size_t i = 0; i < steps[0].size(); ++i) runner.set_input(i, steps[0][i]);
}

}  // namespace kiln
