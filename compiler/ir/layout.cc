#include "compiler/ir/layout.h"

#include <cstring>

namespace kiln {
namespace ir {

std::vector<int32_t> permute_shape(const std::vector<int32_t>& shape,
                                   const std::vector<int32_t>& perm) {
  std::vector<int32_t> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = shape[static_cast<size_t>(perm[i])];
  return out;
}

std::vector<int32_t> inverse_permutation(const std::vector<int32_t>& perm) {
  std::vector<int32_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[static_cast<size_t>(perm[i])] = static_cast<int32_t>(i);
  return inv;
}

std::vector<uint8_t> transpose_data(const std::vector<uint8_t>& data,
                                    const std::vector<int32_t>& shape,
                                    const std::vector<int32_t>& perm, size_t element_size) {
  const size_t rank = shape.size();
  std::vector<size_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * static_cast<size_t>(shape[d]);
  const std::vector<int32_t> out_shape = permute_shape(shape, perm);
  std::vector<uint8_t> out(data.size());
  std::vector<int32_t> idx(rank, 0);
  const size_t count = element_size ? data.size() / element_size : 0;
  for (size_t o = 0; o < count; ++o) {
    size_t src = 0;
    for (size_t d = 0; d < rank; ++d)
      src += static_cast<size_t>(idx[d]) * in_strides[static_cast<size_t>(perm[d])];
    std::memcpy(&out[o * element_size], &data[src * element_size], element_size);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

std::vector<uint8_t> from_source_layout(const std::vector<uint8_t>& data,
                                        const std::vector<int32_t>& kiln_shape,
                                        const std::vector<int32_t>& source_perm,
                                        size_t element_size) {
  if (source_perm.empty()) return data;
  return transpose_data(data, permute_shape(kiln_shape, source_perm),
                        inverse_permutation(source_perm), element_size);
}

std::vector<uint8_t> to_source_layout(const std::vector<uint8_t>& data,
                                      const std::vector<int32_t>& kiln_shape,
                                      const std::vector<int32_t>& source_perm,
                                      size_t element_size) {
  if (source_perm.empty()) return data;
  return transpose_data(data, kiln_shape, source_perm, element_size);
}

std::vector<uint8_t> input_to_kiln_layout(const Graph& graph, size_t i,
                                          const std::vector<uint8_t>& bytes) {
  const Tensor& t = graph.tensors[static_cast<size_t>(graph.inputs[i])];
  const std::vector<int32_t> perm =
      i < graph.input_source_perm.size() ? graph.input_source_perm[i] : std::vector<int32_t>{};
  return from_source_layout(bytes, t.shape, perm, kiln_dtype_size(t.dtype));
}

std::vector<uint8_t> output_to_source_layout(const Graph& graph, size_t i,
                                             const std::vector<uint8_t>& bytes) {
  const Tensor& t = graph.tensors[static_cast<size_t>(graph.outputs[i])];
  const std::vector<int32_t> perm =
      i < graph.output_source_perm.size() ? graph.output_source_perm[i] : std::vector<int32_t>{};
  return to_source_layout(bytes, t.shape, perm, kiln_dtype_size(t.dtype));
}

namespace {

std::vector<int32_t> source_shape(const Graph& graph, int tensor,
                                  const std::vector<std::vector<int32_t>>& perms, size_t i) {
  const std::vector<int32_t>& shape = graph.tensors[static_cast<size_t>(tensor)].shape;
  return i < perms.size() && !perms[i].empty() ? permute_shape(shape, perms[i]) : shape;
}

}  // namespace

std::vector<int32_t> source_input_shape(const Graph& graph, size_t i) {
  return source_shape(graph, graph.inputs[i], graph.input_source_perm, i);
}

std::vector<int32_t> source_output_shape(const Graph& graph, size_t i) {
  return source_shape(graph, graph.outputs[i], graph.output_source_perm, i);
}

}  // namespace ir
}  // namespace kiln
