#include "firmware_io.h"

#include <string.h>

#include "semihosting.h"

extern "C" uint8_t __data_start[], __data_end[], __bss_start[], __bss_end[];
extern "C" uint8_t __flash_start[], __flash_used_end[];

namespace kiln {
namespace firmware {
namespace {

// Counted in the image's static RAM: kept to what a dozen short paths need.
char g_command_line[512];

}  // namespace

void put(const char* text) { sh_write(text); }

void put_u64(uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  char out[24];
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = 0;
  put(out);
}

void report(const char* key, uint64_t value) {
  put("kiln: ");
  put(key);
  put("=");
  put_u64(value);
  put("\n");
}

void fail(int status, const char* what, const char* detail) {
  put("kiln-runner: error: ");
  put(what);
  if (detail) put(detail);
  put("\n");
  sh_exit(status);
}

Args parse_args() {
  if (sh_command_line(g_command_line, sizeof(g_command_line)) != 0)
    fail(kExitUsage, "no command line, or one longer than 511 bytes");
  Args args;
  char* p = g_command_line;
  char pending = 0;
  bool program_name = true;
  while (*p) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    char* token = p;
    while (*p && *p != ' ') ++p;
    if (*p) *p++ = 0;
    if (program_name) {
      program_name = false;
    } else if (pending == 'i' || pending == 'o') {
      int& count = pending == 'i' ? args.num_inputs : args.num_outputs;
      if (count == kMaxFiles) fail(kExitUsage, "more than 32 inputs or outputs: ", token);
      (pending == 'i' ? args.inputs : args.outputs)[count++] = token;
      pending = 0;
    } else if (pending == 's' || pending == 'S') {
      (pending == 's' ? args.state_in : args.state_out) = token;
      pending = 0;
    } else if (!strcmp(token, "-i") || !strcmp(token, "-o") || !strcmp(token, "-s") ||
               !strcmp(token, "-S")) {
      pending = token[1];
    } else if (!strcmp(token, "--layers")) {
      args.layers = true;
    } else {
      args.model = token;
    }
  }
  return args;
}

size_t read_file(const char* path, uint8_t* buffer, size_t capacity, size_t exact,
                 int too_big_status) {
  const int h = sh_open(path, 0);
  if (h < 0) fail(kExitNoFile, "cannot open ", path);
  const long size = sh_file_length(h);
  if (size < 0) fail(kExitNoFile, "cannot read ", path);
  if (exact && static_cast<size_t>(size) != exact) {
    put("kiln-runner: error: ");
    put(path);
    put(" is ");
    put_u64(static_cast<uint64_t>(size));
    put(" bytes but the model's input needs ");
    put_u64(exact);
    put("\n");
    sh_exit(kExitBadInput);
  }
  if (static_cast<size_t>(size) > capacity) {
    put("kiln-runner: error: ");
    put(path);
    put(" needs ");
    put_u64(static_cast<uint64_t>(size));
    put(" bytes, the target has ");
    put_u64(capacity);
    put(" free\n");
    sh_exit(too_big_status);
  }
  if (sh_read(h, buffer, static_cast<size_t>(size)) != static_cast<size_t>(size))
    fail(kExitNoFile, "short read of ", path);
  sh_close(h);
  return static_cast<size_t>(size);
}

void write_file(const char* path, const void* data, size_t size) {
  const int h = sh_open(path, 1);
  if (h < 0 || sh_write_file(h, data, size) != size) fail(kExitNoFile, "cannot write ", path);
  sh_close(h);
}

uint64_t static_ram_bytes() {
  return static_cast<uint64_t>((__data_end - __data_start) + (__bss_end - __bss_start));
}

uint64_t image_flash_bytes() { return static_cast<uint64_t>(__flash_used_end - __flash_start); }

}  // namespace firmware
}  // namespace kiln
