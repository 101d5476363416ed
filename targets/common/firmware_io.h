// What kiln's firmware programs share: their command line, host files and
// the "kiln: key=value" report lines the host tool parses.
#ifndef KILN_TARGETS_FIRMWARE_IO_H
#define KILN_TARGETS_FIRMWARE_IO_H

#include <stddef.h>
#include <stdint.h>

namespace kiln {
namespace firmware {

constexpr int kExitUsage = 1;
constexpr int kExitNoFile = 2;
constexpr int kExitBadModel = 3;
constexpr int kExitBadInput = 5;
constexpr int kExitNoRoom = 6;
constexpr int kMaxFiles = 32;  // inputs, and outputs, of one model

// PROGRAM [MODEL] [-i INPUT]... [-o OUTPUT]... [-s STATE_IN] [-S STATE_OUT] [--layers]
// A stateful model's state region is read from STATE_IN before the
// invocation (else it starts at its reset value) and written to STATE_OUT.
struct Args {
  const char* model = nullptr;
  const char* state_in = nullptr;
  const char* state_out = nullptr;
  const char* inputs[kMaxFiles];
  const char* outputs[kMaxFiles];
  int num_inputs = 0, num_outputs = 0;
  bool layers = false;
};
Args parse_args();

void put(const char* text);
void put_u64(uint64_t value);
void report(const char* key, uint64_t value);
[[noreturn]] void fail(int status, const char* what, const char* detail = nullptr);

// Reads a whole file into `buffer`. With exact != 0 the file must be exactly
// that many bytes (exit kExitBadInput); a file over `capacity` exits with
// `too_big_status`. Returns the size.
size_t read_file(const char* path, uint8_t* buffer, size_t capacity, size_t exact,
                 int too_big_status);
void write_file(const char* path, const void* data, size_t size);

// Static RAM (.data + .bss) and flash the firmware image itself uses.
uint64_t static_ram_bytes();
uint64_t image_flash_bytes();

}  // namespace firmware
}  // namespace kiln

#endif
