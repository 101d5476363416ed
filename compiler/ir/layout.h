// Rearranging tensor data between layouts, on the host.
#ifndef KILN_COMPILER_IR_LAYOUT_H
#define KILN_COMPILER_IR_LAYOUT_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {
namespace ir {

// Output dim i is input dim perm[i].
std::vector<int32_t> permute_shape(const std::vector<int32_t>& shape,
                                   const std::vector<int32_t>& perm);
std::vector<int32_t> inverse_permutation(const std::vector<int32_t>& perm);

// Row-major transpose of a tensor's bytes: output dim i is input dim perm[i].
std::vector<uint8_t> transpose_data(const std::vector<uint8_t>& data,
                                    const std::vector<int32_t>& shape,
                                    const std::vector<int32_t>& perm, size_t element_size);

// A graph input's or output's data between kiln's layout (shape `kiln_shape`)
// and the source model's, where source dim i is kiln dim source_perm[i]
// (ir::Graph::input_source_perm; empty: the same layout).
std::vector<uint8_t> from_source_layout(const std::vector<uint8_t>& data,
                                        const std::vector<int32_t>& kiln_shape,
                                        const std::vector<int32_t>& source_perm,
                                        size_t element_size);
std::vector<uint8_t> to_source_layout(const std::vector<uint8_t>& data,
                                      const std::vector<int32_t>& kiln_shape,
                                      const std::vector<int32_t>& source_perm, size_t element_size);

// A graph's input i in kiln's layout from data in the source model's (and
// output i back into the source layout).
std::vector<uint8_t> input_to_kiln_layout(const Graph& graph, size_t i,
                                          const std::vector<uint8_t>& bytes);
std::vector<uint8_t> output_to_source_layout(const Graph& graph, size_t i,
                                             const std::vector<uint8_t>& bytes);
// Input or output i's shape in the source model's layout.
std::vector<int32_t> source_input_shape(const Graph& graph, size_t i);
std::vector<int32_t> source_output_shape(const Graph& graph, size_t i);

}  // namespace ir
}  // namespace kiln

#endif
