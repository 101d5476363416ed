#include "compiler/ir/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "compiler/common/error.h"

namespace kiln {
namespace ir {

int64_t Tensor::elements() const {
  // Saturates far above any real tensor so that absurd shapes in a corrupted
  // file cannot overflow; verify() rejects them.
  constexpr int64_t kCap = int64_t{1} << 40;
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d <= 0) return d == 0 ? 0 : -1;
    n = n > kCap / d ? kCap : n * d;
  }
  return n;
}

const char* op_kind_name(OpKind kind) {
  switch (kind) {
#define KILN_OP_KIND_NAME(kind, name, min_inputs, max_inputs, outputs) \
  case OpKind::kind: return name;
    KILN_OP_KINDS(KILN_OP_KIND_NAME)
#undef KILN_OP_KIND_NAME
    case OpKind::kUnsupported: return "UNSUPPORTED";
  }
  return "?";
}

const char* dtype_name(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: return "float32";
    case KILN_DTYPE_INT8: return "int8";
    case KILN_DTYPE_INT16: return "int16";
    case KILN_DTYPE_INT32: return "int32";
    case KILN_DTYPE_INT64: return "int64";
    case KILN_DTYPE_UINT8: return "uint8";
    case KILN_DTYPE_BOOL: return "bool";
    case KILN_DTYPE_UINT32: return "uint32";
    case KILN_DTYPE_UINT64: return "uint64";
    default: return "?";
  }
}

std::string shape_string(const std::vector<int32_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

int producer(const Graph& g, int tensor) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (int o : g.ops[i].outputs) {
      if (o == tensor) return static_cast<int>(i);
    }
  }
  return -1;
}

int add_int32_constant(Graph& g, const std::string& name, const std::vector<int32_t>& values) {
  Tensor t;
  t.name = name;
  t.dtype = KILN_DTYPE_INT32;
  t.shape = {static_cast<int32_t>(values.size())};
  t.constant = true;
  t.data.resize(values.size() * 4);
  if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size() - 1);
}

namespace {

struct Range {
  int64_t min = 0, max = 0;  // empty (min == max) for types without zero points
};

// An op kind's operand counts (op_kinds.h); -1: any number (an op kiln
// cannot compile keeps whatever the model gives it).
struct Arity {
  int min_inputs, max_inputs, outputs;
};

Arity arity_of(OpKind kind) {
  switch (kind) {
#define KILN_OP_KIND_ARITY(kind, name, min_inputs, max_inputs, outputs) \
  case OpKind::kind: return {min_inputs, max_inputs, outputs};
    KILN_OP_KINDS(KILN_OP_KIND_ARITY)
#undef KILN_OP_KIND_ARITY
    case OpKind::kUnsupported: break;
  }
  return {0, -1, -1};
}

Range value_range(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_INT8: return {-128, 127};
    case KILN_DTYPE_UINT8: return {0, 255};
    case KILN_DTYPE_INT16: return {-32768, 32767};
    default: return {};
  }
}

}  // namespace

void verify(const Graph& graph) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kBadModel, what); };

  for (int i = 0; i < num_tensors; ++i) {
    const Tensor& t = graph.tensors[i];
    for (int32_t d : t.shape) {
      if (d < 0)
        bad(fmt::format("tensor {} '{}' has a negative dimension {}", i, t.name,
                        shape_string(t.shape)));
    }
    if (t.bytes() > kMaxTensorBytes) {
      bad(fmt::format("tensor {} '{}' of shape {} would take {} bytes (limit {})", i, t.name,
                      shape_string(t.shape), t.bytes(), kMaxTensorBytes));
    }
    if (t.dtype >= KILN_DTYPE_COUNT)
      bad(fmt::format("tensor {} '{}' has an unknown type", i, t.name));
    if (int{t.constant} + int{t.persistent} + int{t.loop_variable} > 1)
      bad(fmt::format("tensor {} '{}' is more than one of constant, variable, loop variable", i,
                      t.name));
    if ((t.constant || (t.persistent && !t.data.empty())) && t.data.size() != t.bytes()) {
      bad(fmt::format("tensor {} '{}': buffer holds {} bytes, shape {} of {} needs {}", i, t.name,
                      t.data.size(), shape_string(t.shape), dtype_name(t.dtype), t.bytes()));
    }
    const Quantization& q = t.quant;
    if (q.zero_points.size() != q.scales.size() && !q.zero_points.empty()) {
      bad(fmt::format("tensor {} '{}': {} scales but {} zero points", i, t.name, q.scales.size(),
                      q.zero_points.size()));
    }
    // A zero point is a value of the tensor's type (the kernels' offset
    // arithmetic relies on it).
    const Range range = value_range(t.dtype);
    for (int64_t z : q.zero_points) {
      if (range.min < range.max && (z < range.min || z > range.max)) {
        bad(fmt::format("tensor {} '{}': zero point {} is outside {}'s range [{}, {}]", i, t.name,
                        z, dtype_name(t.dtype), range.min, range.max));
      }
    }
    // TFLite's converter writes 1-D per-channel bias tensors whose
    // quantized_dimension is out of range; TFLite Micro reads them along
    // their only axis, and so does kiln.
    if (q.per_channel() && t.shape.size() > 1) {
      if (q.axis < 0 || q.axis >= static_cast<int32_t>(t.shape.size()) ||
          static_cast<int64_t>(q.scales.size()) != t.shape[q.axis]) {
        bad(fmt::format("tensor {} '{}': {} per-channel scales do not match dimension {} of {}", i,
                        t.name, q.scales.size(), q.axis, shape_string(t.shape)));
      }
    }
  }

  std::vector<bool> available(num_tensors, false);
  for (int i = 0; i < num_tensors; ++i) {
    available[i] = graph.tensors[i].constant || graph.tensors[i].variable();
  }
  // The loops open at each op (their LOOP ops' indices, innermost last), and
  // per tensor the innermost loop that computes it (-1: none).
  std::vector<int> open_loops;
  std::vector<int> computed_in(static_cast<size_t>(num_tensors), -1);
  auto in_open_loop = [&](int loop) {
    return loop < 0 || std::find(open_loops.begin(), open_loops.end(), loop) != open_loops.end();
  };
  for (int in : graph.inputs) {
    if (in < 0 || in >= num_tensors) bad(fmt::format("graph input {} is not a tensor", in));
    if (graph.tensors[in].variable())
      bad(fmt::format("graph input {} '{}' is a variable tensor", in, graph.tensors[in].name));
    available[in] = true;
  }
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    const Arity arity = arity_of(op.kind);
    const int ins = static_cast<int>(op.inputs.size()), outs = static_cast<int>(op.outputs.size());
    if (ins < arity.min_inputs || (arity.max_inputs >= 0 && ins > arity.max_inputs)) {
      bad(fmt::format("{} ({}) has {} inputs; {} takes {}", op.type_name, op.location, ins,
                      op_kind_name(op.kind),
                      arity.max_inputs < 0 ? fmt::format("at least {}", arity.min_inputs)
                      : arity.min_inputs == arity.max_inputs
                          ? fmt::format("{}", arity.min_inputs)
                          : fmt::format("{} to {}", arity.min_inputs, arity.max_inputs)));
    }
    if (arity.outputs >= 0 && outs != arity.outputs) {
      bad(fmt::format("{} ({}) has {} outputs; {} gives {}", op.type_name, op.location, outs,
                      op_kind_name(op.kind), arity.outputs));
    }
    for (int i = 0; i < arity.min_inputs; ++i) {
      if (op.inputs[static_cast<size_t>(i)] == -1)
        bad(fmt::format("{} ({}) lacks its input {}", op.type_name, op.location, i));
    }
    for (int in : op.inputs) {
      if (in == -1) continue;
      if (in < 0 || in >= num_tensors)
        bad(fmt::format("{} ({}) reads tensor {} which does not exist", op.type_name, op.location,
                        in));
      if (!available[in]) {
        bad(fmt::format("{} ({}) reads tensor {} '{}' before any op writes it", op.type_name,
                        op.location, in, graph.tensors[in].name));
      }
      if (!in_open_loop(computed_in[static_cast<size_t>(in)])) {
        bad(fmt::format("{} ({}) reads tensor {} '{}' after the loop that computes it",
                        op.type_name, op.location, in, graph.tensors[in].name));
      }
    }
    if (op.kind == OpKind::kLoop) open_loops.push_back(static_cast<int>(i));
    if ((op.kind == OpKind::kBreakUnless || op.kind == OpKind::kEndLoop) && open_loops.empty())
      bad(fmt::format("{} ({}) is outside any loop", op.type_name, op.location));
    if (op.kind == OpKind::kEndLoop) open_loops.pop_back();
    for (int out : op.outputs) {
      if (out < 0 || out >= num_tensors)
        bad(fmt::format("{} ({}) writes tensor {} which does not exist", op.type_name, op.location,
                        out));
      if (graph.tensors[out].constant || graph.tensors[out].variable()) {
        bad(fmt::format("{} ({}) writes {} tensor {} '{}' as an output", op.type_name, op.location,
                        graph.tensors[out].constant ? "constant" : "variable", out,
                        graph.tensors[out].name));
      }
      available[out] = true;
      computed_in[static_cast<size_t>(out)] = open_loops.empty() ? -1 : open_loops.back();
    }
  }
  if (!open_loops.empty()) {
    const Op& loop = graph.ops[static_cast<size_t>(open_loops.back())];
    bad(fmt::format("{} ({}) has no END_LOOP", loop.type_name, loop.location));
  }
  for (int out : graph.outputs) {
    if (out < 0 || out >= num_tensors || !available[out] ||
        computed_in[static_cast<size_t>(out)] >= 0) {
      bad(fmt::format("graph output {} is never computed", out));
    }
    if (graph.tensors[out].variable()) {
      bad(fmt::format("graph output {} '{}' is a variable tensor (read it with an op)", out,
                      graph.tensors[out].name));
    }
  }
}

int op_kind_max_inputs(OpKind kind) { return arity_of(kind).max_inputs; }

}  // namespace ir
}  // namespace kiln
