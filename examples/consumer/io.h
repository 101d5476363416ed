/* File access for the example: stdio on the host, semihosting on the board. */
#ifndef CONSUMER_IO_H
#define CONSUMER_IO_H

#include <stddef.h>

/* Returns 0 on success. */
int read_exact(const char* path, void* data, size_t size);
int write_all(const char* path, const void* data, size_t size);
/* The program's arguments (the board gets them through semihosting). */
int get_args(int argc, char** argv, const char** input, const char** output);

#endif
