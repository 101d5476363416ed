// Runs an IR graph on the host and keeps every intermediate tensor: the graph
// lowered for the reference kernels (the same numerics as on a
// microcontroller), each tensor in a buffer of its own. Calibration,
// validation, constant folding and the layer-by-layer comparison read tensors
// from it.
#ifndef KILN_COMPILER_EXEC_GRAPH_EVALUATOR_H
#define KILN_COMPILER_EXEC_GRAPH_EVALUATOR_H

#include <cstdint>
#include <memory>
#include <vector>

#include "compiler/exec/program_execution.h"
#include "compiler/exec/runner.h"
#include "compiler/ir/graph.h"

namespace kiln {

class GraphEvaluator : public Runner {
 public:
  // Lowers the graph as it is (no passes) for the portable kernels. Throws
  // Error naming the op for anything kiln cannot lower.
  explicit GraphEvaluator(const ir::Graph& graph);

  const ir::Graph& graph() const { return graph_; }
  // Inputs and outputs in kiln's layout.
  const std::vector<TensorPort>& inputs() const override { return inputs_; }
  const std::vector<TensorPort>& outputs() const override { return outputs_; }
  void invoke() override;
  void reset_state() override;
  std::vector<uint8_t> output(size_t i) const override;

  // Whether the run computes tensor t (graph inputs and op results).
  bool has_value(int tensor) const;
  // Tensor t's bytes after the last invoke; its values as float (int8
  // tensors dequantized with their scale and zero point).
  std::vector<uint8_t> bytes(int tensor) const;
  std::vector<float> values(int tensor) const;

 private:
  void write_input(size_t i, const std::vector<uint8_t>& bytes) override;

  ir::Graph graph_;
  std::unique_ptr<ProgramExecution> execution_;
  std::vector<TensorPort> inputs_, outputs_;
};

// Runs one op of `graph` whose inputs are constants (or, for an op that reads
// shapes only, of known shape: zeros stand in for their values) and returns
// its outputs' bytes; empty if the op cannot run on the host (lowering will
// say why where it matters).
std::vector<std::vector<uint8_t>> evaluate_op(const ir::Graph& graph, const ir::Op& op);

// A graph input's or output's port (its name, type, shape and per-tensor
// quantization).
TensorPort port_of(const ir::Tensor& tensor);

// The values of a tensor's bytes as float: float32 as is, int8/uint8
// dequantized with its per-tensor quantization, int32 converted.
std::vector<float> to_float(const ir::Tensor& t, const std::vector<uint8_t>& bytes);
// The same for data at a port.
std::vector<float> to_float(const TensorPort& port, const std::vector<uint8_t>& bytes);

}  // namespace kiln

#endif
