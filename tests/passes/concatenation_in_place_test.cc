// CONCATENATION without a copy: where the output is its inputs back to back,
// their producers write straight into their slices; elsewhere it copies.
#include <gtest/gtest.h>

#include <random>

#include "compiler/exec/graph_evaluator.h"
#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"

namespace kiln {
namespace {

// x [1,8,8,16] -> max pool -> a, x -> average pool -> b (3x3, stride 1, same);
// concat(a, b) along `axis` -> c; c -> max pool 2x2 stride 2 -> y.
ir::Graph two_pools_joined(int axis) {
  ir::GraphBuilder g;
  std::vector<int32_t> joined = {1, 8, 8, 16};
  joined[static_cast<size_t>(axis)] *= 2;
  const int x = g.input("x", KILN_DTYPE_INT8, {1, 8, 8, 16}, 0.05f, -3);
  const int a = g.tensor("a", KILN_DTYPE_INT8, {1, 8, 8, 16}, 0.05f, -3);
  const int b = g.tensor("b", KILN_DTYPE_INT8, {1, 8, 8, 16}, 0.05f, -3);
  const int c = g.tensor("c", KILN_DTYPE_INT8, joined, 0.05f, -3);
  std::vector<int32_t> pooled = {1, joined[1] / 2, joined[2] / 2, joined[3]};
  const int y = g.tensor("y", KILN_DTYPE_INT8, pooled, 0.05f, -3);
  ir::OpAttrs window;
  window.padding = ir::Padding::kSame;
  window.filter_h = window.filter_w = 3;
  g.op(ir::OpKind::kMaxPool2D, {x}, {a}, window);
  g.op(ir::OpKind::kAveragePool2D, {x}, {b}, window);
  ir::OpAttrs along;
  along.axis = axis;
  g.op(ir::OpKind::kConcatenation, {a, b}, {c}, along);
  ir::OpAttrs halve;
  halve.filter_h = halve.filter_w = 2;
  halve.stride_h = halve.stride_w = 2;
  g.op(ir::OpKind::kMaxPool2D, {c}, {y}, halve);
  g.output(y);
  return g.build();
}

// The compiled program's outputs against the graph's, op by op with the
// portable kernels, on random images.
void expect_same_outputs(const ir::Graph& graph, const CompiledModel& m) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> value(-128, 127);
  for (int k = 0; k < 3; ++k) {
    std::vector<uint8_t> image(8 * 8 * 16);
    for (uint8_t& v : image) v = static_cast<uint8_t>(value(rng));
    GraphEvaluator reference(graph);
    HostRunner blob(m.blob);
    reference.set_input(0, image);
    blob.set_input(0, image);
    reference.invoke();
    blob.invoke();
    EXPECT_EQ(blob.output(0), reference.output(0)) << "image " << k;
  }
}

int tensor_named(const Program& p, const std::string& name) {
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    if (p.tensors[t].name == name) return static_cast<int>(t);
  }
  return -1;
}

TEST(ConcatenationInPlace, ProducersWriteIntoTheirSlices) {
  const ir::Graph graph = two_pools_joined(1);  // along H: the output is a, then b
  for (const char* target : {"portable", "host", "cortex-m4"}) {
    SCOPED_TRACE(target);
    CompileOptions options;
    options.target = target;
    options.max_recompute = 0;
    const CompiledModel m = compile_graph(graph, options);
    for (const ProgramOp& op : m.program.ops) EXPECT_NE(op.opcode, OpCode::CONCATENATION);
    const ProgramTensor& a = m.program.tensors[static_cast<size_t>(tensor_named(m.program, "a"))];
    const ProgramTensor& b = m.program.tensors[static_cast<size_t>(tensor_named(m.program, "b"))];
    const int c = tensor_named(m.program, "c");
    EXPECT_EQ(a.alias_of, c);
    EXPECT_EQ(a.alias_offset, 0u);
    EXPECT_EQ(b.alias_of, c);
    EXPECT_EQ(b.alias_offset, 1024u);
    if (std::string(target) != "cortex-m4") expect_same_outputs(graph, m);
  }
  // x (1,024) beside c (2,048) while the pools write it; then c beside y
  // (512). With the copy: a, b and c at once, 4,096.
  CompileOptions portable;
  portable.max_recompute = 0;
  EXPECT_EQ(compile_graph(graph, portable).plan.arena_bytes, 3072u);
}

TEST(ConcatenationInPlace, InterleavedSlicesStillCopy) {
  const ir::Graph graph = two_pools_joined(3);  // along channels: rows of a and b interleave
  CompileOptions options;
  options.max_recompute = 0;
  const CompiledModel m = compile_graph(graph, options);
  int copies = 0;
  for (const ProgramOp& op : m.program.ops) copies += op.opcode == OpCode::CONCATENATION ? 1 : 0;
  EXPECT_EQ(copies, 1);
  EXPECT_EQ(m.program.tensors[static_cast<size_t>(tensor_named(m.program, "a"))].alias_of, -1);
  EXPECT_EQ(m.plan.arena_bytes, 4096u);
  expect_same_outputs(graph, m);
}

}  // namespace
}  // namespace kiln
