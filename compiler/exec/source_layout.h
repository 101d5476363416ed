// Models imported from another layout (ONNX's NCHW) run in kiln's (NHWC):
// the graph records, per input and output, the permutation between the two.
// SourceLayoutRunner lets users give and take data in their model's layout.
#ifndef KILN_COMPILER_EXEC_SOURCE_LAYOUT_H
#define KILN_COMPILER_EXEC_SOURCE_LAYOUT_H

#include <memory>
#include <vector>

#include "compiler/exec/runner.h"
#include "compiler/ir/graph.h"

namespace kiln {

// A graph's inputs and outputs as its user sees them: the source model's
// layout.
std::vector<TensorPort> source_input_ports(const ir::Graph& graph);
std::vector<TensorPort> source_output_ports(const ir::Graph& graph);

// Wraps a runner of `graph` compiled (kiln's layout) so that its inputs and
// outputs are in the source layout; ports keep the inner runner's names and
// quantization.
class SourceLayoutRunner : public Runner {
 public:
  SourceLayoutRunner(std::unique_ptr<Runner> inner, const ir::Graph& graph);

  const std::vector<TensorPort>& inputs() const override { return inputs_; }
  const std::vector<TensorPort>& outputs() const override { return outputs_; }
  void invoke() override { inner_->invoke(); }
  void reset_state() override { inner_->reset_state(); }
  std::vector<uint8_t> output(size_t i) const override;
  std::optional<RunCost> cost() const override { return inner_->cost(); }
  bool outputs_written() const override { return inner_->outputs_written(); }

  Runner& inner() { return *inner_; }

 private:
  void write_input(size_t i, const std::vector<uint8_t>& bytes) override;

  std::unique_ptr<Runner> inner_;
  ir::Graph interface_;  // the graph's inputs, outputs and permutations (no ops, no data)
  std::vector<TensorPort> inputs_, outputs_;
};

}  // namespace kiln

#endif
