// Compiles an IR graph and runs it once through the executor.
#ifndef KILN_TESTS_SUPPORT_RUN_GRAPH_H
#define KILN_TESTS_SUPPORT_RUN_GRAPH_H

#include <cstring>
#include <vector>

#include "compiler/compile.h"
#include "compiler/eval/host_runner.h"
#include "compiler/ir/builder.h"

namespace kiln {
namespace test {

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <typename T>
std::vector<T> values_of(const std::vector<uint8_t>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

// Output 0 of the graph for the given inputs, as T.
template <typename T>
std::vector<T> run_graph(const ir::Graph& graph, const std::vector<std::vector<uint8_t>>& inputs) {
  const CompiledModel m = compile_graph(graph);
  HostRunner runner(m.blob);
  for (size_t i = 0; i < inputs.size(); ++i) runner.set_input(static_cast<uint32_t>(i), inputs[i]);
  runner.invoke();
  return values_of<T>(runner.output(0));
}

}  // namespace test
}  // namespace kiln

#endif
