// Running compiled models on emulated Cortex-M cores: QEMU system emulation
// of an Arm MPS2/MPS3 board running kiln-runner (targets/), with exact
// instruction counts from the icount clock.
#ifndef KILN_COMPILER_RUN_EMULATED_CORE_H
#define KILN_COMPILER_RUN_EMULATED_CORE_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/common/temporary_directory.h"
#include "compiler/exec/host_runner.h"
#include "compiler/exec/runner.h"
#include "compiler/target/cores.h"

namespace kiln {

// The firmware's memory: what is left for a model after the runtime.
struct FirmwareLayout {
  uint64_t model_capacity = 0;    // flash bytes free for the blob
  uint64_t arena_capacity = 0;    // RAM bytes between static data and the stack
  uint64_t region1_capacity = 0;  // the board's second RAM region, if any
  uint64_t runtime_flash = 0;     // flash the runtime firmware uses
  uint64_t static_ram = 0;        // .data + .bss
  uint64_t stack_reserve = 0;
};

// One firmware run under QEMU: its exit status, everything it printed, and
// its "kiln: key=value" report lines (per-layer lines in `layers`).
struct FirmwareRun {
  int exit_code = -1;
  std::string output;
  std::string error;  // the firmware's own "error:" line, if any
  std::vector<std::pair<std::string, uint64_t>> values;
  std::vector<LayerCost> layers;
  uint64_t value(const std::string& key) const;  // 0 if absent
};

// Boots `elf` on the core's board with semihosting arguments `args`, and
// with a QEMU plugin (its path and arguments, "x.so,key=value,...") if
// `plugin` is not empty.
FirmwareRun run_firmware(const CortexMCore& core, const std::string& elf,
                         const std::vector<std::string>& args, const std::string& plugin = "");

// kiln's QEMU profiling plugin (tools/qemu_profile): $KILN_PROFILE_PLUGIN or
// the build's. Throws Error(kFileNotFound) if it is not there.
std::string profile_plugin_path();

// The segments kiln's profiling plugin wrote to `path`, in order.
std::vector<InstructionMix> read_profile(const std::string& path);

// Where kiln's firmware for a core lives ($KILN_FIRMWARE_DIR/<core>).
std::string firmware_dir(const CortexMCore& core);

// kiln's blob-running firmware for one core and the room it leaves.
class CoreFirmware {
 public:
  // Locates the core's firmware ($KILN_FIRMWARE_DIR or the build's).
  explicit CoreFirmware(const std::string& core);

  const CortexMCore& core() const { return core_; }
  const std::string& elf() const { return elf_; }
  const FirmwareLayout& layout() const { return layout_; }

  // Throws Error(kArenaTooSmall) naming both sizes if a blob of this size, or
  // one of its RAM regions (the arena, region 1), does not fit the core's
  // flash or RAM.
  void check_fits(uint64_t blob_bytes, uint64_t arena_bytes, uint64_t region1_bytes = 0) const;

  // The -plugin argument that profiles this firmware's inferences: its
  // marker functions, its flash (code and model) read as `flash` says, the
  // counts written to `out`.
  std::string profile_plugin(const std::string& out, const FlashReads& flash) const;

 private:
  CortexMCore core_;
  std::string elf_;
  FirmwareLayout layout_;
  uint64_t profile_begin_ = 0, profile_end_ = 0;  // 0: the firmware has no markers
  uint64_t flash_start_ = 0, flash_end_ = 0;
};

// How an emulated core runs a blob.
struct CoreRunOptions {
  bool per_layer = false;    // a second inference, timed op by op
  bool read_outputs = true;  // false: only count (the outputs are not written back)
  bool profile = false;      // count instructions by class (RunCost::mix, LayerCost::mix)
  FlashReads flash;
};

// A blob on an emulated core. The firmware reads the blob and inputs and
// writes the outputs through semihosting, in a temporary directory the runner
// owns (removed with it). Each invoke boots the core once.
class EmulatedCoreRunner : public Runner {
 public:
  // Checks the blob on the host first (clearer errors) and that it fits.
  EmulatedCoreRunner(const std::vector<uint8_t>& blob, const std::string& core,
                     CoreRunOptions options = {});

  const std::vector<TensorPort>& inputs() const override { return host_.inputs(); }
  const std::vector<TensorPort>& outputs() const override { return host_.outputs(); }
  void invoke() override;
  // The core boots for every invoke: a stateful model's state goes to the
  // firmware and comes back through a file.
  void reset_state() override { state_.clear(); }
  std::vector<uint8_t> output(size_t i) const override;
  std::optional<RunCost> cost() const override { return cost_; }
  bool outputs_written() const override { return outputs_written_; }

 private:
  void write_input(size_t i, const std::vector<uint8_t>& bytes) override;

  CoreFirmware firmware_;
  HostRunner host_;  // the blob, checked; its input and output records
  CoreRunOptions options_;
  TemporaryDirectory dir_;
  std::vector<std::vector<uint8_t>> inputs_, outputs_;
  std::optional<RunCost> cost_;
  std::vector<uint8_t> state_;  // after the last invoke; empty: the reset value
  bool outputs_written_ = false;
};

}  // namespace kiln

#endif
