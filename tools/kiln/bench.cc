#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/lower/lowering.h"
#include "compiler/target/cortex_m.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

struct LayerRow {
  std::string name, op, kernel;
  int64_t macs = -1;  // unknown for a .kiln input
  uint64_t instructions = 0;
};

double per_instruction(int64_t macs, uint64_t instructions) {
  return macs > 0 && instructions > 0 ? static_cast<double>(macs) / static_cast<double>(instructions) : 0.0;
}

}  // namespace

void register_bench(CLI::App& app) {
  struct Options {
    std::string model, target;
    std::vector<std::string> inputs;
    bool json = false, layers = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("bench", "instructions, memory and flash of one inference on an emulated core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model (or a .kiln blob: no MAC counts)")->required();
  cmd->add_option("--target", opts->target, "cortex-m4, cortex-m7, cortex-m33 or cortex-m55")->required();
  cmd->add_option("-i,--input", opts->inputs, "input tensors (default: zeros)");
  cmd->add_flag("--layers", opts->layers, "also count instructions per op");
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const std::vector<uint8_t> bytes = read_file(opts->model);
    CompiledModel m;
    std::vector<uint8_t> blob;
    const bool from_model = detect_format(bytes) != ModelFormat::kKilnBlob;
    if (from_model) {
      m = compile_model(bytes, opts->model, {opts->target});
      blob = m.blob;
    } else {
      blob = load_blob(opts->model);
    }
    const int64_t model_macs = from_model ? total_macs(m.graph) : -1;
    CortexMRunner runner(opts->target);
    const TargetRunResult r = runner.run(blob, opts->inputs, {}, opts->layers);

    std::vector<LayerRow> rows;
    for (const TargetLayerCost& l : r.layers) {
      LayerRow row;
      const KernelInfo* k = find_kernel(l.opcode);
      row.kernel = k ? k->name : "?";
      row.instructions = l.instructions;
      if (from_model && l.op_index < m.program.ops.size()) {
        const ir::Op& op = m.graph.ops[static_cast<size_t>(m.program.ops[l.op_index].source_op)];
        row.op = op.type_name;
        row.name = m.graph.tensors[static_cast<size_t>(op.outputs[0])].name;
        row.macs = op_macs(m.graph, op);
      }
      rows.push_back(row);
    }

    if (opts->json) {
      nlohmann::json layers = nlohmann::json::array();
      for (const LayerRow& l : rows) {
        layers.push_back({{"name", l.name}, {"op", l.op}, {"kernel", l.kernel}, {"macs", l.macs},
                          {"instructions", l.instructions},
                          {"macs_per_instruction", per_instruction(l.macs, l.instructions)}});
      }
      const nlohmann::json j = {{"model", opts->model},
                                {"target", opts->target},
                                {"instructions", r.instructions},
                                {"macs", model_macs},
                                {"macs_per_instruction", per_instruction(model_macs, r.instructions)},
                                {"arena_bytes", r.arena_bytes},
                                {"static_ram_bytes", r.static_ram_bytes},
                                {"stack_bytes", r.stack_bytes},
                                {"ram_bytes", r.ram_bytes()},
                                {"runtime_flash_bytes", r.runtime_flash_bytes},
                                {"model_flash_bytes", r.model_flash_bytes},
                                {"counter_overhead_instructions", r.counter_overhead},
                                {"layers", layers}};
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print("{} on {}\n\n", opts->model, opts->target);
    if (!rows.empty()) {
      fmt::print("{:>3}  {:<18} {:<22} {:>11} {:>13} {:>9}  {}\n", "#", "op", "kernel", "MACs", "instructions",
                 "MACs/ins", "name");
      for (size_t i = 0; i < rows.size(); ++i) {
        const LayerRow& l = rows[i];
        const std::string name = l.name.size() > 50 ? l.name.substr(0, 47) + "..." : l.name;
        fmt::print("{:>3}  {:<18} {:<22} {:>11} {:>13} {:>9.3f}  {}\n", i, l.op, l.kernel, l.macs, l.instructions,
                   per_instruction(l.macs, l.instructions), name);
      }
      fmt::print("\n");
    }
    fmt::print("instructions         {:>10}\n", r.instructions);
    if (model_macs >= 0) {
      fmt::print("MACs                 {:>10}\n", model_macs);
      fmt::print("MACs/instruction     {:>10.3f}\n", per_instruction(model_macs, r.instructions));
    }
    fmt::print("arena bytes          {:>10}\n", r.arena_bytes);
    fmt::print("RAM bytes            {:>10}  (static {} + arena {} + peak stack {})\n", r.ram_bytes(),
               r.static_ram_bytes, r.arena_bytes, r.stack_bytes);
    fmt::print("runtime flash bytes  {:>10}\n", r.runtime_flash_bytes);
    fmt::print("model flash bytes    {:>10}\n", r.model_flash_bytes);
  });
}

}  // namespace cli
}  // namespace kiln
