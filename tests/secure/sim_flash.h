// NOR flash in memory for the updater's tests, with power cuts: it counts
// every program and erase, and can lose power before or in the middle of
// operation N (a torn program writes the first half of its bytes, a torn
// erase erases the first half of its sector); after a cut every operation
// fails until the device "reboots" (restore_power()).
#ifndef KILN_TESTS_SECURE_SIM_FLASH_H
#define KILN_TESTS_SECURE_SIM_FLASH_H

#include <cstdint>
#include <cstring>
#include <vector>

#include "kiln/model_update.h"

namespace kiln {
namespace test {

enum class Cut { kBefore, kTorn };

class SimFlash {
 public:
  SimFlash(uint32_t size, uint32_t sector_size, uint32_t write_size) : bytes_(size, 0xFF) {
    flash_.sector_size = sector_size;
    flash_.write_size = write_size;
    flash_.read = &SimFlash::read;
    flash_.program = &SimFlash::program;
    flash_.erase = &SimFlash::erase;
    flash_.context = this;
  }
  SimFlash(const SimFlash&) = delete;
  SimFlash& operator=(const SimFlash&) = delete;

  const kiln_flash* flash() const { return &flash_; }
  std::vector<uint8_t>& bytes() { return bytes_; }
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
    auto* self = static_cast<SimFlash*>(context);
    if (!self->powered_ || uint64_t{address} + size > self->bytes_.size()) return -1;
    std::memcpy(data, self->bytes_.data() + address, size);
    return 0;
  }

  static int program(void* context, uint32_t address, const void* data, uint32_t size) {
    auto* self = static_cast<SimFlash*>(context);
    if (uint64_t{address} + size > self->bytes_.size() || address % self->flash_.write_size != 0 ||
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
    auto* self = static_cast<SimFlash*>(context);
    const uint32_t sector = self->flash_.sector_size;
    if (address % sector != 0 || uint64_t{address} + sector > self->bytes_.size()) return -1;
    const Run run = self->begin_operation();
    const uint32_t erased = run == Run::kWhole ? sector : run == Run::kTorn ? sector / 2 : 0;
    std::memset(self->bytes_.data() + address, 0xFF, erased);
    return run == Run::kWhole ? 0 : -1;
  }

  std::vector<uint8_t> bytes_;
  kiln_flash flash_{};
  uint64_t operations_ = 0;
  uint64_t cut_ = 0;
  Cut cut_kind_ = Cut::kBefore;
  bool armed_ = false;
  bool powered_ = true;
};

}  // namespace test
}  // namespace kiln

#endif  // KILN_TESTS_SECURE_SIM_FLASH_H
