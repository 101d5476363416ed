// Node sequences that exporters write for one op kiln has: GELU, which
// PyTorch exports (before ONNX's opset-20 Gelu) as
//   x / sqrt(2) -> Erf -> + 1 -> * x -> * 0.5
// (either operand order, the halving first or last). The sequence becomes a
// Gelu node where its last node was, if nothing else reads its intermediate
// values.
#include <cmath>
#include <map>

#include "compiler/common/error.h"
#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

class GraphIndex {
 public:
  explicit GraphIndex(const onnx::GraphProto& g) : g_(g) {
    for (int i = 0; i < g.node_size(); ++i) {
      const onnx::NodeProto& n = g.node(i);
      for (const std::string& out : n.output()) producer_[out] = i;
      for (const std::string& in : n.input()) ++readers_[in];
    }
    for (const onnx::ValueInfoProto& out : g.output()) ++readers_[out.name()];
    for (const onnx::TensorProto& t : g.initializer()) initializers_[t.name()] = &t;
  }

  // The node computing `value` if it is of `op_type`; -1 otherwise.
  int producer(const std::string& value, const char* op_type) const {
    const auto it = producer_.find(value);
    if (it == producer_.end() || g_.node(it->second).op_type() != op_type ||
        !g_.node(it->second).domain().empty())
      return -1;
    return it->second;
  }
  bool read_once(const std::string& value) const {
    const auto it = readers_.find(value);
    return it != readers_.end() && it->second == 1;
  }
  // Whether `value` is a one-element float constant equal to `want`
  // (to float precision).
  bool is_scalar(const std::string& value, double want) const {
    const onnx::TensorProto* proto = nullptr;
    if (const auto it = initializers_.find(value); it != initializers_.end()) {
      proto = it->second;
    } else if (const int c = producer(value, "Constant"); c >= 0) {
      for (const onnx::AttributeProto& a : g_.node(c).attribute()) {
        if (a.name() == "value" && a.has_t()) proto = &a.t();
      }
    }
    if (proto == nullptr || proto->data_type() != onnx::TensorProto::FLOAT) return false;
    try {
      const ir::Tensor t = tensor_from_proto(*proto, value);
      return t.elements() == 1 &&
             std::fabs(static_cast<double>(t.as<float>()[0]) - want) <= 1e-6 * std::fabs(want);
    } catch (const Error&) {
      return false;
    }
  }
  const onnx::NodeProto& node(int i) const { return g_.node(i); }

 private:
  const onnx::GraphProto& g_;
  std::map<std::string, int> producer_, readers_;
  std::map<std::string, const onnx::TensorProto*> initializers_;
};

// The operand of a two-input node that is not the constant `c`.
const std::string* operand_beside(const GraphIndex& index, const onnx::NodeProto& n, double c) {
  if (n.input_size() != 2) return nullptr;
  if (index.is_scalar(n.input(1), c)) return &n.input(0);
  if (index.is_scalar(n.input(0), c)) return &n.input(1);
  return nullptr;
}

// 1 + erf(x / sqrt 2), computed from `value`: the Add node's index and x.
bool one_plus_erf(const GraphIndex& index, const std::string& value, std::vector<int>& nodes,
                  std::string& x) {
  const int add = index.producer(value, "Add");
  if (add < 0 || !index.read_once(value)) return false;
  const std::string* erf_out = operand_beside(index, index.node(add), 1.0);
  if (!erf_out || !index.read_once(*erf_out)) return false;
  const int erf = index.producer(*erf_out, "Erf");
  if (erf < 0 || index.node(erf).input_size() != 1) return false;
  const std::string& scaled = index.node(erf).input(0);
  if (!index.read_once(scaled)) return false;
  int scale = index.producer(scaled, "Div");
  const std::string* in = nullptr;
  if (scale >= 0) {
    if (index.is_scalar(index.node(scale).input(1), std::sqrt(2.0)))
      in = &index.node(scale).input(0);
  } else if ((scale = index.producer(scaled, "Mul")) >= 0) {
    in = operand_beside(index, index.node(scale), std::sqrt(0.5));
  }
  if (!in) return false;
  nodes.insert(nodes.end(), {scale, erf, add});
  x = *in;
  return true;
}

// The GELU ending at node `last` (a Mul): the nodes it spans and its input.
bool match_gelu(const GraphIndex& index, int last, std::vector<int>& nodes, std::string& x) {
  const onnx::NodeProto& m2 = index.node(last);
  if (m2.input_size() != 2) return false;
  for (int k = 0; k < 2; ++k) {
    const std::string& a = m2.input(k);
    const std::string& b = m2.input(1 - k);
    nodes.clear();
    // (x * (1 + erf)) * 0.5
    if (index.is_scalar(b, 0.5)) {
      const int m1 = index.producer(a, "Mul");
      if (m1 < 0 || !index.read_once(a)) continue;
      for (int j = 0; j < 2; ++j) {
        nodes.clear();
        if (one_plus_erf(index, index.node(m1).input(j), nodes, x) &&
            index.node(m1).input(1 - j) == x) {
          nodes.push_back(m1);
          return true;
        }
      }
    }
    // (x * 0.5) * (1 + erf)
    nodes.clear();
    const int half = index.producer(a, "Mul");
    if (half < 0 || !index.read_once(a)) continue;
    const std::string* in = operand_beside(index, index.node(half), 0.5);
    if (in && one_plus_erf(index, b, nodes, x) && *in == x) {
      nodes.push_back(half);
      return true;
    }
  }
  return false;
}

}  // namespace

NodeList nodes_with_patterns_fused(const onnx::GraphProto& g) {
  const GraphIndex index(g);
  std::vector<bool> fused_away(static_cast<size_t>(g.node_size()), false);
  std::map<int, const onnx::NodeProto*> replacement;
  NodeList list;
  for (int i = 0; i < g.node_size(); ++i) {
    if (g.node(i).op_type() != "Mul" || !g.node(i).domain().empty()) continue;
    std::vector<int> nodes;
    std::string x;
    if (!match_gelu(index, i, nodes, x)) continue;
    onnx::NodeProto gelu;
    gelu.set_op_type("Gelu");
    gelu.set_name(g.node(i).name());
    gelu.add_input(x);
    gelu.add_output(g.node(i).output(0));
    list.fused.push_back(std::move(gelu));
    replacement[i] = &list.fused.back();
    for (int k : nodes) fused_away[static_cast<size_t>(k)] = true;
  }
  for (int i = 0; i < g.node_size(); ++i) {
    if (fused_away[static_cast<size_t>(i)]) continue;
    const auto it = replacement.find(i);
    list.nodes.emplace_back(i, it != replacement.end() ? it->second : &g.node(i));
  }
  return list;
}

}  // namespace onnx_import
}  // namespace kiln
