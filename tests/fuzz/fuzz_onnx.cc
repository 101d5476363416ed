// libFuzzer target: arbitrary bytes as an ONNX file through the importer,
// the graph passes, the compiler and (when they are accepted) one inference.
// Anything but a kiln::Error is a finding; ASan/UBSan turn memory errors
// into findings.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
#include "compiler/import/onnx/importer.h"
#include "compiler/pipeline/compile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const kiln::CompiledModel m =
        kiln::compile_graph(kiln::onnx_import::import_onnx(data, size, "fuzz.onnx"), {"portable"});
    if (m.plan.arena_bytes > (64u << 20)) return 0;  // valid but too large to run here
    kiln::HostRunner runner(m.blob);
    for (size_t i = 0; i < runner.inputs().size(); ++i) {
      runner.set_input(i, std::vector<uint8_t>(runner.inputs()[i].bytes(), 0));
    }
    runner.invoke();
  } catch (const kiln::Error&) {
  }
  return 0;
}
