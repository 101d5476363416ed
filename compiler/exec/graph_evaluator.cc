#include "compiler/exec/graph_evaluator.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/lower/lowering.h"
#include "compiler/target/kernel_target.h"

namespace kiln {

GraphEvaluator::GraphEvaluator(const ir::Graph& graph) : graph_(graph) {
  ir::verify(graph_);
  Program program = lower(graph_, kernel_target("portable"));
  elide_copies(program);
  execution_ = std::make_unique<ProgramExecution>(std::move(program));
  for (int t : graph_.inputs) inputs_.push_back(port_of(graph_.tensors[static_cast<size_t>(t)]));
  for (int t : graph_.outputs) outputs_.push_back(port_of(graph_.tensors[static_cast<size_t>(t)]));
}

void GraphEvaluator::write_input(size_t i, const std::vector<uint8_t>& bytes) {
  std::memcpy(execution_->data(graph_.inputs[i]), bytes.data(), bytes.size());
}

void GraphEvaluator::invoke() { execution_->run(); }

void GraphEvaluator::reset_state() { execution_->reset_state(); }

std::vector<uint8_t> GraphEvaluator::output(size_t i) const {
  if (i >= outputs_.size())
    throw Error(ErrorKind::kUsage, fmt::format("model has no output {}", i));
  return bytes(graph_.outputs[i]);
}

bool GraphEvaluator::has_value(int tensor) const {
  // Lowering numbers the graph's tensors first, so graph and program indices agree.
  return tensor >= 0 && static_cast<size_t>(tensor) < graph_.tensors.size() &&
         !graph_.tensors[static_cast<size_t>(tensor)].constant && execution_->has_buffer(tensor);
}

std::vector<uint8_t> GraphEvaluator::bytes(int tensor) const {
  if (!has_value(tensor))
    throw Error(ErrorKind::kUsage, fmt::format("tensor {} is not computed by the graph", tensor));
  const uint8_t* data = execution_->data(tensor);
  return std::vector<uint8_t>(data, data + graph_.tensors[static_cast<size_t>(tensor)].bytes());
}

std::vector<float> GraphEvaluator::values(int tensor) const {
  return to_float(graph_.tensors[static_cast<size_t>(tensor)], bytes(tensor));
}

TensorPort port_of(const ir::Tensor& t) {
  return {t.name, t.dtype, t.shape, t.quant.present() ? t.quant.scale() : 0.0f,
          t.quant.zero_point()};
}

std::vector<float> to_float(const ir::Tensor& t, const std::vector<uint8_t>& bytes) {
  const size_t size = kiln_dtype_size(t.dtype);
  std::vector<float> out(size ? bytes.size() / size : 0);
  const float scale = t.quant.present() ? t.quant.scale() : 1.0f;
  const int32_t zero_point = t.quant.zero_point();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (t.dtype) {
      case KILN_DTYPE_FLOAT32: std::memcpy(&out[i], &bytes[4 * i], 4); break;
      case KILN_DTYPE_INT8:
        out[i] = scale * static_cast<float>(static_cast<int8_t>(bytes[i]) - zero_point);
        break;
      case KILN_DTYPE_UINT8:
        out[i] = scale * static_cast<float>(static_cast<int32_t>(bytes[i]) - zero_point);
        break;
      case KILN_DTYPE_BOOL: out[i] = bytes[i] ? 1.0f : 0.0f; break;
      case KILN_DTYPE_INT32: {
        int32_t v;
        std::memcpy(&v, &bytes[4 * i], 4);
        out[i] = static_cast<float>(v);
        break;
      }
      default: out[i] = 0.0f; break;
    }
  }
  return out;
}

std::vector<float> to_float(const TensorPort& port, const std::vector<uint8_t>& bytes) {
  ir::Tensor t;
  t.dtype = port.dtype;
  if (port.quantized()) {
    t.quant.scales = {port.scale};
    t.quant.zero_points = {port.zero_point};
  }
  return to_float(t, bytes);
}

std::vector<std::vector<uint8_t>> evaluate_op(const ir::Graph& graph, const ir::Op& op) {
  // The op alone, as a graph without inputs.
  ir::Graph single;
  ir::Op copy = op;
  for (std::vector<int>* list : {&copy.inputs, &copy.outputs}) {
    for (int& t : *list) {
      if (t < 0) continue;
      single.tensors.push_back(graph.tensors.at(static_cast<size_t>(t)));
      t = static_cast<int>(single.tensors.size() - 1);
    }
  }
  for (int t : copy.inputs) {
    if (t < 0 || single.tensors[static_cast<size_t>(t)].constant) continue;
    ir::Tensor& in = single.tensors[static_cast<size_t>(t)];
    in.persistent = in.loop_variable = false;
    in.constant = true;
    in.data.assign(in.bytes(), 0);
  }
  single.outputs = copy.outputs;
  single.ops.push_back(std::move(copy));
  std::vector<std::vector<uint8_t>> values;
  try {
    GraphEvaluator evaluator(single);
    evaluator.invoke();
    for (int t : single.outputs) values.push_back(evaluator.bytes(t));
  } catch (const Error&) {
    return {};
  }
  return values;
}

}  // namespace kiln
