#include "compiler/pipeline/flash_goal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "compiler/common/error.h"
#include "compiler/ops/sparse_weights.h"

namespace kiln {

namespace {

constexpr struct {
  OptimizeGoal goal;
  const char* name;
} kGoals[] = {
    {OptimizeGoal::kSpeed, "speed"},
    {OptimizeGoal::kSize, "size"},
    {OptimizeGoal::kBalanced, "balanced"},
};

// The bytes of the constants each IR op's kernel calls read, by op index.
std::map<int, uint64_t> constant_bytes_by_op(const Program& program) {
  std::map<int, uint64_t> bytes;
  std::set<int> counted;
  for (const ProgramOp& op : program.ops) {
    for (int t : op.inputs) {
      if (t < 0 || !program.tensors[static_cast<size_t>(t)].constant || !counted.insert(t).second)
        continue;
      bytes[op.source_op] += program.tensors[static_cast<size_t>(t)].bytes;
    }
  }
  return bytes;
}

}  // namespace

OptimizeGoal optimize_goal(const std::string& name) {
  for (const auto& g : kGoals) {
    if (name == g.name) return g.goal;
  }
  throw Error(ErrorKind::kUsage,
              fmt::format("--optimize {}: not a goal (speed, size or balanced)", name));
}

const char* optimize_goal_name(OptimizeGoal goal) {
  for (const auto& g : kGoals) {
    if (goal == g.goal) return g.name;
  }
  return "?";
}

double estimated_instructions(const ir::Graph& graph, const ProgramOp& op) {
  if (op.source_op < 0 || op.placeholder) return 0;
  const ir::Op& source = graph.ops[static_cast<size_t>(op.source_op)];
  const double macs = static_cast<double>(op_macs(graph, source));
  switch (op.opcode) {
    case OpCode::CONV_2D_S8_ARM_DSP: return 0.9 * macs;
    case OpCode::CONV_2D_S8_COMPACT_ARM_DSP: return 1.45 * macs;
    case OpCode::DEPTHWISE_CONV_2D_S8_ARM_DSP: return 3.0 * macs;
    case OpCode::DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP: {
      Conv2DParams p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      // By widened rows as the pre-widened kernel runs, or group by group in C.
      return (arm_dsp_depthwise_compact_layout(p).widened_rows ? 3.2 : 5.7) * macs;
    }
    case OpCode::CONV_2D_S8:
    case OpCode::DEPTHWISE_CONV_2D_S8: return 11.5 * macs;
    case OpCode::ADD_S8:
    case OpCode::ADD_S8_ARM_DSP: {
      const double elements =
          static_cast<double>(graph.tensors[static_cast<size_t>(source.outputs[0])].elements());
      return (op.opcode == OpCode::ADD_S8 ? 142.0 : 17.5) * elements;
    }
    case OpCode::CONV_2D_S8_SPARSE:
    case OpCode::CONV_2D_S8_SPARSE_ARM_DSP:
    case OpCode::CONV_2D_S8_SPARSE_COMPACT_ARM_DSP: {
      Conv2DSparseParams p;
      std::memcpy(&p, op.params.data(), sizeof(p));
      const SparseCosts c = sparse_costs(find_kernel(static_cast<uint32_t>(op.opcode))->isa);
      const double per_unit = p.block == 1 ? c.per_weight_unit : c.per_block_unit;
      const double pixels = double{1} * p.conv.batches * p.conv.out_h * p.conv.out_w;
      return pixels *
             (per_unit * p.nonzeros +
              (c.per_channel + c.per_window * sparse_windows(sparse_units(p))) * p.conv.out_c);
    }
    default: return 0;
  }
}

std::vector<LayerTradeoff> layer_tradeoffs(const ir::Graph& graph, const Program& lean,
                                           const Program& fast) {
  const std::map<int, uint64_t> lean_bytes = constant_bytes_by_op(lean);
  const std::map<int, uint64_t> fast_bytes = constant_bytes_by_op(fast);
  std::map<int, double> saved;  // lean minus fast instructions, by IR op
  for (const ProgramOp& op : lean.ops) saved[op.source_op] += estimated_instructions(graph, op);
  for (const ProgramOp& op : fast.ops) saved[op.source_op] -= estimated_instructions(graph, op);
  std::vector<LayerTradeoff> tradeoffs;
  for (const auto& [index, bytes] : fast_bytes) {
    const auto it = lean_bytes.find(index);
    const uint64_t lean_size = it == lean_bytes.end() ? 0 : it->second;
    if (index < 0 || bytes <= lean_size) continue;
    const ir::Op& op = graph.ops[static_cast<size_t>(index)];
    if (op.outputs.empty()) continue;
    tradeoffs.push_back({graph.tensors[static_cast<size_t>(op.outputs[0])].name, bytes - lean_size,
                         std::max(0.0, saved[index])});
  }
  return tradeoffs;
}

}  // namespace kiln
