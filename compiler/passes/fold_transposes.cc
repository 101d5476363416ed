// Transposes are what converting a model's layout at compile time leaves
// behind; this pass removes them so that none runs on the device.
#include <cstring>
#include <numeric>

#include "compiler/ir/layout.h"
#include "compiler/passes/graph_util.h"
#include "compiler/passes/passes.h"

namespace kiln {
namespace passes {
namespace {

// A permutation that keeps every dim of size > 1 in order moves no data.
bool moves_no_data(const std::vector<int32_t>& shape, const std::vector<int32_t>& perm) {
  int32_t last = -1;
  for (int32_t p : perm) {
    if (shape[static_cast<size_t>(p)] == 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

bool identity(const std::vector<int32_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int32_t>(i)) return false;
  }
  return true;
}

// Source dim i = new kiln dim result[i], where new dim j = old dim perm[j]
// and source dim i = old dim source[i] (empty: identity).
std::vector<int32_t> compose_source(const std::vector<int32_t>& source,
                                    const std::vector<int32_t>& perm) {
  const std::vector<int32_t> inv = ir::inverse_permutation(perm);
  std::vector<int32_t> out(perm.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = inv[static_cast<size_t>(source.empty() ? i : source[i])];
  return identity(out) ? std::vector<int32_t>{} : out;
}

bool to_reshape(ir::Graph& g) {
  for (ir::Op& op : g.ops) {
    if (op.kind == ir::OpKind::kTranspose &&
        moves_no_data(tensor_of(g, op.inputs[0]).shape, op.attrs.perm)) {
      op.kind = ir::OpKind::kReshape;
      op.type_name = "RESHAPE";
      op.attrs.perm.clear();
      return true;
    }
  }
  return false;
}

bool compose_pairs(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    ir::Op& first = g.ops[i];
    if (first.kind != ir::OpKind::kTranspose) continue;
    const int next = uses.single_reader(first.outputs[0]);
    if (next < 0 || g.ops[static_cast<size_t>(next)].kind != ir::OpKind::kTranspose) continue;
    ir::Op& second = g.ops[static_cast<size_t>(next)];
    std::vector<int32_t> perm(second.attrs.perm.size());
    for (size_t j = 0; j < perm.size(); ++j)
      perm[j] = first.attrs.perm[static_cast<size_t>(second.attrs.perm[j])];
    second.attrs.perm = perm;
    second.inputs[0] = first.inputs[0];
    erase_op(g, static_cast<int>(i));
    return true;
  }
  return false;
}

// transpose (batch first) -> reshape(s) -> fully connected layers with
// constant weights: the reshape reads the untransposed data instead and each
// layer's weight columns are permuted to match.
bool fold_into_fully_connected(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& t = g.ops[i];
    if (t.kind != ir::OpKind::kTranspose || t.attrs.perm.empty() || t.attrs.perm[0] != 0) continue;
    // Follow single-reader reshapes to the tensor the layers read.
    std::vector<int> reshapes;
    int tensor = t.outputs[0];
    for (int r = uses.single_reader(tensor);
         r >= 0 && g.ops[static_cast<size_t>(r)].kind == ir::OpKind::kReshape;
         r = uses.single_reader(tensor)) {
      reshapes.push_back(r);
      tensor = g.ops[static_cast<size_t>(r)].outputs[0];
    }
    const std::vector<int>& readers = uses.readers[static_cast<size_t>(tensor)];
    if (reshapes.empty() || readers.empty() || uses.graph_output[static_cast<size_t>(tensor)])
      continue;
    const std::vector<int32_t>& in_shape = tensor_of(g, t.inputs[0]).shape;
    const int64_t row = tensor_of(g, t.inputs[0]).elements() / std::max(1, in_shape[0]);
    bool foldable = true;
    for (int r : readers) {
      const ir::Op& fc = g.ops[static_cast<size_t>(r)];
      const bool constant_weights = fc.inputs.size() > 1 && tensor_of(g, fc.inputs[1]).constant &&
                                    tensor_of(g, fc.inputs[1]).shape.size() == 2;
      foldable = foldable && fc.kind == ir::OpKind::kFullyConnected && fc.inputs[0] == tensor &&
                 constant_weights && tensor_of(g, fc.inputs[1]).shape[1] == row;
    }
    if (!foldable) continue;
    // Position in the transposed row of each element of the untransposed row.
    const std::vector<int32_t> out_shape = tensor_of(g, t.outputs[0]).shape;
    const size_t rank = in_shape.size();
    std::vector<int64_t> out_strides(rank, 1);
    for (size_t d = rank - 1; d-- > 0;) out_strides[d] = out_strides[d + 1] * out_shape[d + 1];
    const std::vector<int32_t> inv = ir::inverse_permutation(t.attrs.perm);
    std::vector<int64_t> moved(static_cast<size_t>(row));
    std::vector<int32_t> idx(rank, 0);
    for (int64_t k = 0; k < row; ++k) {
      int64_t pos = 0;
      for (size_t d = 1; d < rank; ++d) pos += idx[d] * out_strides[static_cast<size_t>(inv[d])];
      moved[static_cast<size_t>(k)] = pos;
      for (size_t d = rank; d-- > 1;) {
        if (++idx[d] < in_shape[d]) break;
        idx[d] = 0;
      }
    }
    for (int r : readers) {
      ir::Op& fc = g.ops[static_cast<size_t>(r)];
      // Columns move; a row's (output channel's) quantization stays.
      ir::Tensor w = tensor_of(g, fc.inputs[1]);
      const size_t element = kiln_dtype_size(w.dtype);
      std::vector<uint8_t> permuted(w.data.size());
      const int64_t outs = w.shape[0];
      for (int64_t o = 0; o < outs; ++o) {
        for (int64_t k = 0; k < row; ++k) {
          std::memcpy(
              &permuted[static_cast<size_t>(o * row + k) * element],
              &w.data[static_cast<size_t>(o * row + moved[static_cast<size_t>(k)]) * element],
              element);
        }
      }
      w.name += "/columns_nhwc";
      w.data = std::move(permuted);
      g.tensors.push_back(std::move(w));
      fc.inputs[1] = static_cast<int>(g.tensors.size() - 1);
    }
    g.ops[static_cast<size_t>(reshapes[0])].inputs[0] = t.inputs[0];
    erase_op(g, static_cast<int>(i));
    return true;
  }
  return false;
}

// A graph input read only by a transpose becomes the transposed tensor; a
// graph output written by a transpose becomes its input. The recorded source
// layout keeps tools reading and writing the same user data.
bool absorb_at_interface(ir::Graph& g) {
  const Uses uses(g);
  g.input_source_perm.resize(g.inputs.size());
  g.output_source_perm.resize(g.outputs.size());
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    const int r = uses.single_reader(g.inputs[k]);
    if (r < 0 || g.ops[static_cast<size_t>(r)].kind != ir::OpKind::kTranspose) continue;
    const ir::Op& t = g.ops[static_cast<size_t>(r)];
    if (uses.graph_output[static_cast<size_t>(t.outputs[0])]) continue;
    g.input_source_perm[k] = compose_source(g.input_source_perm[k], t.attrs.perm);
    // The input keeps its name: it is the model's interface.
    g.tensors[static_cast<size_t>(t.outputs[0])].name = tensor_of(g, g.inputs[k]).name;
    g.inputs[k] = t.outputs[0];
    erase_op(g, r);
    return true;
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    int producer = -1;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      for (int o : g.ops[i].outputs) producer = o == g.outputs[k] ? static_cast<int>(i) : producer;
    }
    if (producer < 0 || g.ops[static_cast<size_t>(producer)].kind != ir::OpKind::kTranspose)
      continue;
    const ir::Op& t = g.ops[static_cast<size_t>(producer)];
    const int source = t.inputs[0];
    const bool is_input = std::find(g.inputs.begin(), g.inputs.end(), source) != g.inputs.end();
    if (is_input || uses.graph_output[static_cast<size_t>(source)] ||
        !uses.readers[static_cast<size_t>(t.outputs[0])].empty() ||
        std::count(g.outputs.begin(), g.outputs.end(), g.outputs[k]) > 1) {
      continue;
    }
    // Kiln dim j of the old output is dim perm[j] of the new one.
    std::vector<int32_t> source_perm(t.attrs.perm.size());
    for (size_t i = 0; i < source_perm.size(); ++i) {
      const size_t old_dim =
          g.output_source_perm[k].empty() ? i : static_cast<size_t>(g.output_source_perm[k][i]);
      source_perm[i] = t.attrs.perm[old_dim];
    }
    g.output_source_perm[k] = identity(source_perm) ? std::vector<int32_t>{} : source_perm;
    g.tensors[static_cast<size_t>(source)].name = tensor_of(g, g.outputs[k]).name;
    g.outputs[k] = source;
    erase_op(g, producer);
    return true;
  }
  return false;
}

bool collapse_one_reshape(ir::Graph& g) {
  const Uses uses(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const ir::Op& op = g.ops[i];
    if (op.kind != ir::OpKind::kReshape) continue;
    const int in = op.inputs[0], out = op.outputs[0];
    const int next = uses.single_reader(out);
    if (next >= 0 && g.ops[static_cast<size_t>(next)].kind == ir::OpKind::kReshape) {
      g.ops[static_cast<size_t>(next)].inputs[0] = in;
      erase_op(g, static_cast<int>(i));
      return true;
    }
    if (tensor_of(g, in).shape == tensor_of(g, out).shape &&
        !uses.graph_output[static_cast<size_t>(out)]) {
      replace_uses(g, out, in);
      erase_op(g, static_cast<int>(i));
      return true;
    }
  }
  return false;
}

}  // namespace

ir::Graph collapse_reshapes(ir::Graph g) {
  while (collapse_one_reshape(g)) {
  }
  return g;
}

ir::Graph fold_transposes(ir::Graph g) {
  while (to_reshape(g) || compose_pairs(g) || fold_into_fully_connected(g) ||
         absorb_at_interface(g)) {
  }
  return g;
}

}  // namespace passes
}  // namespace kiln
