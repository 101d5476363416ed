// Running compiled models on emulated Cortex-M cores: QEMU system emulation
// of an Arm MPS2/MPS3 board running kiln-runner (targets/), with exact
// instruction counts from the icount clock.
#ifndef KILN_COMPILER_TARGET_CORTEX_M_H
#define KILN_COMPILER_TARGET_CORTEX_M_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kiln/kernels.h"

namespace kiln {

struct CortexMTarget {
  const char* name;   // "cortex-m4"
  const char* board;  // QEMU machine, "mps2-an386"
  std::vector<KernelIsa> kernel_isas;  // the core's kernel variants, best first
};

// The supported targets; find_target throws Error(kUsage) listing them.
const std::vector<CortexMTarget>& cortex_m_targets();
const CortexMTarget& find_target(const std::string& name);

// The firmware's memory: what is left for a model after the runtime.
struct FirmwareLayout {
  uint64_t model_capacity = 0;   // flash bytes free for the blob
  uint64_t arena_capacity = 0;   // RAM bytes between static data and the stack
  uint64_t runtime_flash = 0;    // flash the runtime firmware uses
  uint64_t static_ram = 0;       // .data + .bss
  uint64_t stack_reserve = 0;
};

struct TargetLayerCost {
  uint32_t op_index = 0;
  uint32_t opcode = 0;
  uint64_t instructions = 0;
};

struct TargetRunResult {
  uint64_t instructions = 0;      // per inference
  uint64_t counter_overhead = 0;  // instructions one counter read costs (already subtracted)
  uint64_t arena_bytes = 0;
  uint64_t model_flash_bytes = 0;
  uint64_t runtime_flash_bytes = 0;
  uint64_t static_ram_bytes = 0;
  uint64_t stack_bytes = 0;  // measured peak
  std::vector<TargetLayerCost> layers;
  uint64_t ram_bytes() const { return static_ram_bytes + arena_bytes + stack_bytes; }
};

// One firmware run under QEMU: its exit status, everything it printed, and
// its "kiln: key=value" report lines (per-layer lines in `layers`).
struct FirmwareRun {
  int exit_code = -1;
  std::string output;
  std::string error;  // the firmware's own "error:" line, if any
  std::vector<std::pair<std::string, uint64_t>> values;
  std::vector<TargetLayerCost> layers;
  uint64_t value(const std::string& key) const;  // 0 if absent
};

// Boots `elf` on the target's board with semihosting arguments `args`.
FirmwareRun run_firmware(const CortexMTarget& target, const std::string& elf, const std::vector<std::string>& args);

// Where kiln's firmware for a target lives ($KILN_FIRMWARE_DIR/<core>).
std::string firmware_dir(const CortexMTarget& target);

class CortexMRunner {
 public:
  // Locates the target's firmware ($KILN_FIRMWARE_DIR or the build's) and QEMU.
  explicit CortexMRunner(const std::string& target);

  const FirmwareLayout& layout() const { return layout_; }
  const CortexMTarget& target() const { return target_; }

  // Throws Error(kArenaTooSmall) naming both sizes if a blob of this size, or
  // its arena, does not fit the target's flash or RAM.
  void check_fits(uint64_t blob_bytes, uint64_t arena_bytes) const;

  // Runs one inference (and, with per_layer, a second one timed per op).
  // `inputs` are files, one per model input (none: zeros); outputs are
  // written to the `outputs` files.
  TargetRunResult run(const std::vector<uint8_t>& blob, const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, bool per_layer) const;

 private:
  CortexMTarget target_;
  std::string firmware_;
  FirmwareLayout layout_;
};

}  // namespace kiln

#endif
