// Compiles an IR graph and runs it once on the host, and on the emulated core
// the test binary was given (--kiln-device), which must agree byte for byte.
#ifndef KILN_TESTS_SUPPORT_RUN_GRAPH_H
#define KILN_TESTS_SUPPORT_RUN_GRAPH_H

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "compiler/exec/host_runner.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "tests/support/test_support.h"

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

// Every output of one invoke with these inputs.
inline std::vector<std::vector<uint8_t>> run_once(Runner& runner,
                                                  const std::vector<std::vector<uint8_t>>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) runner.set_input(i, inputs[i]);
  runner.invoke();
  std::vector<std::vector<uint8_t>> outputs;
  for (size_t o = 0; o < runner.outputs().size(); ++o) outputs.push_back(runner.output(o));
  return outputs;
}

// Output 0 of the graph for the given inputs, as T, from the host runtime;
// under --kiln-device the same blob also runs on that core and must give the
// same bytes.
template <typename T>
std::vector<T> run_graph(const ir::Graph& graph, const std::vector<std::vector<uint8_t>>& inputs) {
  const CompiledModel m = compile_graph(graph);
  HostRunner host(m.blob);
  const std::vector<uint8_t> out = run_once(host, inputs)[0];
  if (!device().empty()) {
    EmulatedCoreRunner core(m.blob, device());
    EXPECT_EQ(run_once(core, inputs)[0], out) << device() << " output differs from the host's";
  }
  return values_of<T>(out);
}

// Output 0 after each of several invocations (inputs[k] feeds invocation k)
// of a stateful graph: state carries from one to the next. Under
// --kiln-device the emulated core, given the state back each time, must
// agree at every step.
template <typename T>
std::vector<std::vector<T>> run_graph_steps(
    const ir::Graph& graph, const std::vector<std::vector<std::vector<uint8_t>>>& steps) {
  const CompiledModel m = compile_graph(graph);
  HostRunner host(m.blob);
  std::vector<std::vector<T>> outs;
  std::vector<std::vector<uint8_t>> raw;
  for (const auto& inputs : steps) {
    raw.push_back(run_once(host, inputs)[0]);
    outs.push_back(values_of<T>(raw.back()));
  }
  if (!device().empty()) {
    EmulatedCoreRunner core(m.blob, device());
    for (size_t k = 0; k < steps.size(); ++k) {
      EXPECT_EQ(run_once(core, steps[k])[0], raw[k])
          << device() << " output differs from the host's at invocation " << k;
    }
  }
  return outs;
}

}  // namespace test
}  // namespace kiln

#endif
