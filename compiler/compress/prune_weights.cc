#include "compiler/compress/prune_weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "compiler/common/error.h"

namespace kiln {
namespace {

// Each weight's magnitude, int8 ones times their channel's scale.
std::vector<double> magnitudes(const ir::Tensor& f, int32_t depth) {
  std::vector<double> m(static_cast<size_t>(f.elements()));
  for (size_t i = 0; i < m.size(); ++i) {
    if (f.dtype == KILN_DTYPE_FLOAT32) {
      m[i] = std::fabs(f.as<float>()[i]);
    } else {
      const size_t c = f.quant.per_channel() ? i / static_cast<size_t>(depth) : 0;
      m[i] = std::abs(int32_t{f.as<int8_t>()[i]}) * static_cast<double>(f.quant.scales[c]);
    }
  }
  return m;
}

void zero(ir::Tensor& f, size_t i) {
  if (f.dtype == KILN_DTYPE_FLOAT32) {
    reinterpret_cast<float*>(f.data.data())[i] = 0.0f;
  } else {
    reinterpret_cast<int8_t*>(f.data.data())[i] = 0;
  }
}

// Zeroes the `drop` weakest blocks (L1 norm) of `block` weights among the
// weights [first, first + count).
void prune_group(ir::Tensor& f, const std::vector<double>& magnitude, size_t first, size_t count,
                 size_t drop, size_t block = 1) {
  std::vector<size_t> order(count / block);
  std::vector<double> norm(order.size(), 0.0);
  for (size_t u = 0; u < order.size(); ++u) {
    order[u] = u;
    for (size_t k = 0; k < block; ++k) norm[u] += magnitude[first + u * block + k];
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return norm[a] < norm[b]; });
  for (size_t u = 0; u < drop; ++u) {
    for (size_t k = 0; k < block; ++k) zero(f, first + order[u] * block + k);
  }
}

}  // namespace

bool sparse_able(const ir::Graph& graph, const ir::Op& op) {
  if (op.kind != ir::OpKind::kFullyConnected && op.kind != ir::OpKind::kConv2D) return false;
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return false;
  const ir::Tensor& f = graph.tensors[static_cast<size_t>(op.inputs[1])];
  if (!f.constant || (f.dtype != KILN_DTYPE_INT8 && f.dtype != KILN_DTYPE_FLOAT32)) return false;
  if (op.kind == ir::OpKind::kFullyConnected) return f.shape.size() == 2;
  return f.shape.size() == 4 && f.shape[1] == 1 && f.shape[2] == 1;
}

Sparsity parse_n_of_m(const std::string& text) {
  Sparsity s;
  char colon = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%n", &s.n, &colon, &s.m, &consumed) != 3 || colon != ':' ||
      consumed != static_cast<int>(text.size()) || s.n < 1 || s.m > 64 || s.n >= s.m) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--sparsity {}: expected N:M with 1 <= N < M <= 64, e.g. 1:8", text));
  }
  return s;
}

std::map<std::string, double> parse_layer_fractions(const std::string& text) {
  std::map<std::string, double> fractions;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const size_t equals = item.rfind('=');
    char* rest = nullptr;
    const double share =
        equals == std::string::npos ? 0.0 : std::strtod(item.c_str() + equals + 1, &rest);
    if (equals == 0 || equals == std::string::npos || rest == item.c_str() + equals + 1 ||
        *rest != '\0') {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--prune-layers {}: expected NAME=SHARE[,NAME=SHARE...], e.g. "
                              "dense1=0.95,dense4=0.5",
                              text));
    }
    fractions[item.substr(0, equals)] = share;
    start = end + 1;
  }
  return fractions;
}

WeightPruning prune_weights(const ir::Graph& graph, const Sparsity& sparsity) {
  auto check_share = [](double share, const std::string& what) {
    if (!(share > 0.0 && share < 1.0)) {
      throw Error(
          ErrorKind::kUsage,
          fmt::format("{} {}: the share of weights to zero must be in (0, 1)", what, share));
    }
  };
  if (sparsity.m == 0 && sparsity.layer_fractions.empty())
    check_share(sparsity.fraction, "--prune");
  for (const auto& [name, share] : sparsity.layer_fractions)
    check_share(share, "--prune-layers " + name + "=");
  if (sparsity.block != 1 && sparsity.block != 2 && sparsity.block != 4 && sparsity.block != 8) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--prune-block {}: expected 1, 2, 4 or 8", sparsity.block));
  }
  if (sparsity.block != 1 && sparsity.m > 0) {
    throw Error(ErrorKind::kUsage, "--prune-block: blocks go with --prune, not with --sparsity");
  }
  WeightPruning result{graph, {}};
  for (size_t index = 0; index < result.graph.ops.size(); ++index) {
    const ir::Op& op = result.graph.ops[index];
    if (!sparse_able(result.graph, op)) continue;
    ir::Tensor& f = result.graph.tensors[static_cast<size_t>(op.inputs[1])];
    SparseLayer layer;
    layer.name = result.graph.tensors[static_cast<size_t>(op.outputs[0])].name;
    layer.op = fmt::format("{} (operator {})", ir::op_kind_name(op.kind), index);
    layer.filter = op.inputs[1];
    layer.weights = f.elements();
    const int32_t depth = f.shape.back();
    const std::vector<double> magnitude = magnitudes(f, depth);
    if (sparsity.m > 0) {
      if (depth % sparsity.m != 0) {
        throw Error(ErrorKind::kUsage,
                    fmt::format("--sparsity {}:{}: layer '{}' ({}) has an input depth of {}, not "
                                "a multiple of {}",
                                sparsity.n, sparsity.m, layer.name, layer.op, depth, sparsity.m));
      }
      const auto m = static_cast<size_t>(sparsity.m);
      for (size_t g = 0; g < magnitude.size(); g += m)
        prune_group(f, magnitude, g, m, m - static_cast<size_t>(sparsity.n));
    } else {
      if (depth % sparsity.block != 0) {
        throw Error(ErrorKind::kUsage,
                    fmt::format("--prune-block {}: layer '{}' ({}) has an input depth of {}, not "
                                "a multiple of {}",
                                sparsity.block, layer.name, layer.op, depth, sparsity.block));
      }
      const auto named = sparsity.layer_fractions.find(layer.name);
      const double share =
          named != sparsity.layer_fractions.end() ? named->second : sparsity.fraction;
      // With shares for named layers only, the others stay as they are.
      if (named == sparsity.layer_fractions.end() && share != 0.0) check_share(share, "--prune");
      const auto block = static_cast<size_t>(sparsity.block);
      const size_t blocks = magnitude.size() / block;
      if (share > 0.0) {
        prune_group(f, magnitude, 0, magnitude.size(),
                    static_cast<size_t>(std::llround(share * static_cast<double>(blocks))), block);
      }
    }
    for (size_t i = 0; i < magnitude.size(); ++i) {
      layer.zeros +=
          f.dtype == KILN_DTYPE_FLOAT32 ? f.as<float>()[i] == 0.0f : f.as<int8_t>()[i] == 0;
    }
    result.layers.push_back(layer);
  }
  if (result.layers.empty()) {
    throw Error(ErrorKind::kUnsupported,
                "no fully connected or 1x1 convolution layer to prune: kiln's sparse kernels run "
                "only those");
  }
  for (const auto& named : sparsity.layer_fractions) {
    const std::string& name = named.first;
    if (std::none_of(result.layers.begin(), result.layers.end(),
                     [&](const SparseLayer& l) { return l.name == name; })) {
      std::string names;
      for (const SparseLayer& l : result.layers) names += (names.empty() ? "" : ", ") + l.name;
      throw Error(ErrorKind::kUsage,
                  fmt::format("--prune-layers: no layer '{}' to prune; the fully connected and "
                              "1x1 convolution layers are {}",
                              name, names));
    }
  }
  return result;
}

}  // namespace kiln
