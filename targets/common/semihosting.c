#include "semihosting.h"

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0C,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT_EXTENDED = 0x20,
};

static int call(int op, void* args) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = args;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static size_t length(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

void sh_write(const char* text) { call(SYS_WRITE0, (void*)text); }

int sh_open(const char* path, int write) {
  uintptr_t args[3] = {(uintptr_t)path, write ? 5u : 1u, length(path)};  // "wb" / "rb"
  return call(SYS_OPEN, args);
}

int sh_close(int handle) {
  uintptr_t args[1] = {(uintptr_t)handle};
  return call(SYS_CLOSE, args);
}

long sh_file_length(int handle) {
  uintptr_t args[1] = {(uintptr_t)handle};
  return call(SYS_FLEN, args);
}

size_t sh_read(int handle, void* buffer, size_t size) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buffer, size};
  return size - (size_t)call(SYS_READ, args);  // returns the bytes not read
}

size_t sh_write_file(int handle, const void* buffer, size_t size) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buffer, size};
  return size - (size_t)call(SYS_WRITE, args);  // returns the bytes not written
}

int sh_command_line(char* buffer, size_t size) {
  uintptr_t args[2] = {(uintptr_t)buffer, size};
  return call(SYS_GET_CMDLINE, args);
}

void sh_exit(int status) {
  uintptr_t args[2] = {0x20026u, (uintptr_t)status};  // ADP_Stopped_ApplicationExit
  call(SYS_EXIT_EXTENDED, args);
  for (;;) {
  }
}
