// libFuzzer target: arbitrary bytes as a .tflite file through the importer,
// the compiler and (when they are accepted) one inference. The last byte
// picks the kernel variants (reference, Arm DSP, Helium: the Arm ones run
// their portable primitives here). Anything but a kiln::Error is a finding;
// ASan/UBSan turn memory errors into findings.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  static const char* const kTargets[] = {"portable", "cortex-m4", "cortex-m55"};
  const char* target = kTargets[size ? data[size - 1] % 3 : 0];
  try {
    const kiln::CompiledModel m = kiln::compile_tflite(bytes, "fuzz.tflite", {target});
    if (m.plan.arena_bytes > (64u << 20)) return 0;  // valid but too large to run here
    kiln::HostRunner runner(m.blob);
    runner.set_loop_limit(1000);  // a WHILE whose condition never fails is valid, not a finding
    for (size_t i = 0; i < runner.inputs().size(); ++i) {
      runner.set_input(i, std::vector<uint8_t>(runner.inputs()[i].bytes(), 0));
    }
    runner.invoke();
  } catch (const kiln::Error&) {
  }
  return 0;
}
