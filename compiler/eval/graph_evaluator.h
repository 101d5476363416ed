// Runs an IR graph on the host and keeps every intermediate tensor: the
// reference kernels through the device executor (the same numerics as on a
// microcontroller), with each tensor in a buffer of its own. Calibration,
// validation and the layer-by-layer comparison read tensors from it.
#ifndef KILN_COMPILER_EVAL_GRAPH_EVALUATOR_H
#define KILN_COMPILER_EVAL_GRAPH_EVALUATOR_H

#include <cstdint>
#include <memory>
#include <vector>

#include "compiler/eval/host_runner.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/program.h"
#include "compiler/plan/planner.h"

namespace kiln {

class GraphEvaluator {
 public:
  // Lowers the graph as it is (no passes) for the portable kernels. Throws
  // Error naming the op for anything kiln cannot lower.
  explicit GraphEvaluator(const ir::Graph& graph);

  const ir::Graph& graph() const { return graph_; }
  // Inputs in kiln's layout and the input's type (Error(kBadInput) naming
  // both sizes otherwise).
  void set_input(size_t i, const std::vector<uint8_t>& bytes);
  void invoke();

  // Whether the run computes tensor t (graph inputs and op results).
  bool has_value(int tensor) const;
  // Tensor t's bytes after the last invoke; its values as float (int8
  // tensors dequantized with their scale and zero point).
  std::vector<uint8_t> bytes(int tensor) const;
  std::vector<float> values(int tensor) const;

 private:
  ir::Graph graph_;
  Program program_;
  MemoryPlan plan_;
  std::unique_ptr<HostRunner> runner_;
};

// The values of a tensor's bytes as float: float32 as is, int8/uint8
// dequantized with its per-tensor quantization, int32 converted.
std::vector<float> to_float(const ir::Tensor& t, const std::vector<uint8_t>& bytes);

}  // namespace kiln

#endif
