#include "compiler/eval/graph_evaluator.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/blob/writer.h"
#include "compiler/common/error.h"
#include "compiler/lower/lowering.h"
#include "compiler/target/kernel_target.h"

namespace kiln {

GraphEvaluator::GraphEvaluator(const ir::Graph& graph) : graph_(graph) {
  ir::verify(graph_);
  program_ = lower(graph_, kernel_target("portable"));
  elide_copies(program_);
  plan_ = plan_without_reuse(program_);
  if (plan_.arena_bytes > UINT32_MAX) throw Error(ErrorKind::kUnsupported, "the evaluator's arena is above 4 GiB");
  runner_ = std::make_unique<HostRunner>(write_blob(program_, plan_));
}

void GraphEvaluator::set_input(size_t i, const std::vector<uint8_t>& bytes) {
  runner_->set_input(static_cast<uint32_t>(i), bytes);
}

void GraphEvaluator::invoke() { runner_->invoke(); }

bool GraphEvaluator::has_value(int tensor) const {
  return tensor >= 0 && static_cast<size_t>(tensor) < graph_.tensors.size() &&
         !graph_.tensors[static_cast<size_t>(tensor)].constant && plan_.offsets[static_cast<size_t>(tensor)] >= 0;
}

std::vector<uint8_t> GraphEvaluator::bytes(int tensor) const {
  if (!has_value(tensor)) throw Error(ErrorKind::kUsage, fmt::format("tensor {} is not computed by the graph", tensor));
  // Lowering numbers the graph's tensors first, so graph and program indices agree.
  const uint8_t* data = runner_->arena() + plan_.offsets[static_cast<size_t>(tensor)];
  return std::vector<uint8_t>(data, data + graph_.tensors[static_cast<size_t>(tensor)].bytes());
}

std::vector<float> GraphEvaluator::values(int tensor) const {
  return to_float(graph_.tensors[static_cast<size_t>(tensor)], bytes(tensor));
}

std::vector<float> to_float(const ir::Tensor& t, const std::vector<uint8_t>& bytes) {
  const size_t size = kiln_dtype_size(t.dtype);
  std::vector<float> out(size ? bytes.size() / size : 0);
  const float scale = t.quant.present() ? t.quant.scale() : 1.0f;
  const int32_t zero_point = t.quant.zero_point();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (t.dtype) {
      case KILN_DTYPE_FLOAT32: std::memcpy(&out[i], &bytes[4 * i], 4); break;
      case KILN_DTYPE_INT8: out[i] = scale * static_cast<float>(static_cast<int8_t>(bytes[i]) - zero_point); break;
      case KILN_DTYPE_UINT8: out[i] = scale * static_cast<float>(static_cast<int32_t>(bytes[i]) - zero_point); break;
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

}  // namespace kiln
