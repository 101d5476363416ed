#include "compiler/exec/source_layout.h"

#include "compiler/exec/graph_evaluator.h"
#include "compiler/ir/layout.h"

namespace kiln {

std::vector<TensorPort> source_input_ports(const ir::Graph& graph) {
  std::vector<TensorPort> ports;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    ports.push_back(port_of(graph.tensors[static_cast<size_t>(graph.inputs[i])]));
    ports.back().shape = ir::source_input_shape(graph, i);
  }
  return ports;
}

std::vector<TensorPort> source_output_ports(const ir::Graph& graph) {
  std::vector<TensorPort> ports;
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    ports.push_back(port_of(graph.tensors[static_cast<size_t>(graph.outputs[i])]));
    ports.back().shape = ir::source_output_shape(graph, i);
  }
  return ports;
}

SourceLayoutRunner::SourceLayoutRunner(std::unique_ptr<Runner> inner, const ir::Graph& graph)
    : inner_(std::move(inner)), inputs_(inner_->inputs()), outputs_(inner_->outputs()) {
  // Only the interface tensors are kept: the layout helpers read their shapes and types.
  interface_.input_source_perm = graph.input_source_perm;
  interface_.output_source_perm = graph.output_source_perm;
  for (int t : graph.inputs) {
    interface_.inputs.push_back(static_cast<int>(interface_.tensors.size()));
    interface_.tensors.push_back(graph.tensors[static_cast<size_t>(t)]);
  }
  for (int t : graph.outputs) {
    interface_.outputs.push_back(static_cast<int>(interface_.tensors.size()));
    interface_.tensors.push_back(graph.tensors[static_cast<size_t>(t)]);
  }
  for (ir::Tensor& t : interface_.tensors) t.data.clear();
  for (size_t i = 0; i < inputs_.size() && i < interface_.inputs.size(); ++i) {
    inputs_[i].shape = ir::source_input_shape(interface_, i);
  }
  for (size_t i = 0; i < outputs_.size() && i < interface_.outputs.size(); ++i) {
    outputs_[i].shape = ir::source_output_shape(interface_, i);
  }
}

void SourceLayoutRunner::write_input(size_t i, const std::vector<uint8_t>& bytes) {
  inner_->set_input(i, ir::input_to_kiln_layout(interface_, i, bytes));
}

std::vector<uint8_t> SourceLayoutRunner::output(size_t i) const {
  return ir::output_to_source_layout(interface_, i, inner_->output(i));
}

}  // namespace kiln
