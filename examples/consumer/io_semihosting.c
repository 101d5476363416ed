#include "io.h"
#include "semihosting.h"

int read_exact(const char* path, void* data, size_t size) {
  const int h = sh_open(path, 0);
  if (h < 0) return -1;
  const int ok = sh_file_length(h) == (long)size && sh_read(h, data, size) == size;
  sh_close(h);
  return ok ? 0 : -1;
}

int write_all(const char* path, const void* data, size_t size) {
  const int h = sh_open(path, 1);
  if (h < 0) return -1;
  const int ok = sh_write_file(h, data, size) == size;
  sh_close(h);
  return ok ? 0 : -1;
}

/* QEMU passes "-semihosting-config ...,arg=consumer,arg=INPUT,arg=OUTPUT". */
int get_args(int argc, char** argv, const char** input, const char** output) {
  static char line[512];
  (void)argc;
  (void)argv;
  if (sh_command_line(line, sizeof line) != 0) return -1;
  char* fields[3] = {0, 0, 0};
  int n = 0;
  char* p = line;
  while (*p && n < 3) {
    while (*p == ' ') ++p;
    if (!*p) break;
    fields[n++] = p;
    while (*p && *p != ' ') ++p;
    if (*p) *p++ = 0;
  }
  if (n != 3) return -1;
  *input = fields[1];
  *output = fields[2];
  return 0;
}
