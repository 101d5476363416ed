// NOR flash in memory for the updater's power-loss tests, on the host and
// in the emulated firmware: it counts every program and erase, and can lose
// power before or in the middle of operation N (a torn program writes the
// first half of its bytes, a torn erase erases the first half of its
// sector); after a cut every operation fails until the device "reboots"
// (restore_power()). The memory is the caller's.
#ifndef KILN_TARGETS_POWER_CUT_FLASH_H
#define KILN_TARGETS_POWER_CUT_FLASH_H

#include <stdint.h>
#include <string.h>

#include "kiln/model_update.h"

namespace kiln {
namespace firmware {

enum class Cut { kBefore, kTorn };

class PowerCutFlash {
 public:
  PowerCutFlash(uint8_t* memory, uint32_t size, uint32_t sector_size, uint32_t write_size)
      : bytes_(memory), size_(size) {
    flash_.sector_size = sector_size;
    flash_.write_size = write_size;
    flash_.read = &PowerCutFlash::read;
    flash_.program = &PowerCutFlash::program;
    flash_.erase = &PowerCutFlash::erase;
    flash_.context = this;
  }
  PowerCutFlash(const PowerCutFlash&) = delete;
  PowerCutFlash& operator=(const PowerCutFlash&) = delete;

  const kiln_flash* flash() const { return &flash_; }
  uint8_t* bytes() const { return bytes_; }
  uint32_t size() const { return size_; }
  uint64_t operations() const { return operations_; }
  bool powered() const { return powered_; }

  // Loses power at operation `index` (counted from now).
  void cut_at(uint64_t index, Cut kind) {
    cut_ = operations_ + index;
    cut_kind_ = kind;
    armed_ = true;
  }
  void restore_power() {
    powered_ = true;
    armed_ = false;
  }

 private:
  enum class Run { kWhole, kTorn, kNot };
  // Whether this operation runs whole, is torn by the cut, or has no power.
  Run begin_operation() {
    if (!powered_) return Run::kNot;
    const uint64_t index = operations_++;
    if (armed_ && index == cut_) {
      powered_ = false;
      return cut_kind_ == Cut::kTorn ? Run::kTorn : Run::kNot;
    }
    return Run::kWhole;
  }

  static int read(void* context, uint32_t address, void* data, uint32_t size) {
    auto* self = static_cast<PowerCutFlash*>(context);
    if (!self->powered_ || uint64_t{address} + size > self->size_) return -1;
    memcpy(data, self->bytes_ + address, size);
    return 0;
  }

  static int program(void* context, uint32_t address, const void* data, uint32_t size) {
    auto* self = static_cast<PowerCutFlash*>(context);
    if (uint64_t{address} + size > self->size_ || address % self->flash_.write_size != 0 ||
        size % self->flash_.write_size != 0) {
      return -1;
    }
    const Run run = self->begin_operation();
    const uint32_t written = run == Run::kWhole ? size : run == Run::kTorn ? size / 2 : 0;
    const auto* in = static_cast<const uint8_t*>(data);
    for (uint32_t i = 0; i < written; ++i)
      self->bytes_[address + i] &= in[i];  // NOR: clears bits only
    return run == Run::kWhole ? 0 : -1;
  }

  static int erase(void* context, uint32_t address) {
    auto* self = static_cast<PowerCutFlash*>(context);
    const uint32_t sector = self->flash_.sector_size;
    if (address % sector != 0 || uint64_t{address} + sector > self->size_) return -1;
    const Run run = self->begin_operation();
    const uint32_t erased = run == Run::kWhole ? sector : run == Run::kTorn ? sector / 2 : 0;
    memset(self->bytes_ + address, 0xFF, erased);
    return run == Run::kWhole ? 0 : -1;
  }

  uint8_t* bytes_;
  uint32_t size_;
  kiln_flash flash_{};
  uint64_t operations_ = 0;
  uint64_t cut_ = 0;
  Cut cut_kind_ = Cut::kBefore;
  bool armed_ = false;
  bool powered_ = true;
};

}  // namespace firmware
}  // namespace kiln

#endif  // KILN_TARGETS_POWER_CUT_FLASH_H
