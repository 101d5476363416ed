// Compiles an IR graph and runs it once through the executor.
#ifndef KILN_TESTS_SUPPORT_RUN_GRAPH_H
#define KILN_TESTS_SUPPORT_RUN_GRAPH_H

#include <gtest/gtest.h>

#include <cstring>
#include <string>
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

// Every output of a compiled blob run once on an emulated core (cortex_m.h).
std::vector<std::vector<uint8_t>> run_all_on_target(const std::string& target, const std::vector<uint8_t>& blob,
                                                    const std::vector<std::vector<uint8_t>>& inputs,
                                                    size_t num_outputs);

// Output 0 of a compiled blob run on an emulated core.
std::vector<uint8_t> run_on_target(const std::string& target, const std::vector<uint8_t>& blob,
                                   const std::vector<std::vector<uint8_t>>& inputs);

// Output 0 of the graph for the given inputs, as T, from the host runtime.
// The same blob also runs on the emulated Cortex-M4, whose output must be
// identical: every kernel test is a device test too.
template <typename T>
std::vector<T> run_graph(const ir::Graph& graph, const std::vector<std::vector<uint8_t>>& inputs) {
  const CompiledModel m = compile_graph(graph);
  HostRunner runner(m.blob);
  for (size_t i = 0; i < inputs.size(); ++i) runner.set_input(static_cast<uint32_t>(i), inputs[i]);
  runner.invoke();
  const std::vector<uint8_t> host = runner.output(0);
  EXPECT_EQ(run_on_target("cortex-m4", m.blob, inputs), host) << "cortex-m4 output differs from the host's";
  return values_of<T>(host);
}

}  // namespace test
}  // namespace kiln

#endif
