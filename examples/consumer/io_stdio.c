#include "io.h"

#include <stdio.h>

int read_exact(const char* path, void* data, size_t size) {
  FILE* f = fopen(path, "rb");
  if (!f) return -1;
  const size_t n = fread(data, 1, size, f);
  const int extra = fgetc(f);
  fclose(f);
  return n == size && extra == EOF ? 0 : -1;
}

int write_all(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (!f) return -1;
  const size_t n = fwrite(data, 1, size, f);
  return fclose(f) == 0 && n == size ? 0 : -1;
}

int get_args(int argc, char** argv, const char** input, const char** output) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]);
    return -1;
  }
  *input = argv[1];
  *output = argv[2];
  return 0;
}
