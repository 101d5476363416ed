// Arm semihosting: the debugger (here QEMU) services these requests, giving
// the firmware a console, host files, its command line and an exit status.
#ifndef KILN_TARGETS_SEMIHOSTING_H
#define KILN_TARGETS_SEMIHOSTING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void sh_write(const char* text);  // to the host console
// Host file I/O; sh_open returns -1 on failure. Modes: "rb" or "wb".
int sh_open(const char* path, int write);
int sh_close(int handle);
long sh_file_length(int handle);
// Bytes transferred.
size_t sh_read(int handle, void* buffer, size_t size);
size_t sh_write_file(int handle, const void* buffer, size_t size);
// The command line QEMU was given (-semihosting-config ...,arg=...); 0 on success.
int sh_command_line(char* buffer, size_t size);
// Ends the emulation with this exit status (SYS_EXIT_EXTENDED).
__attribute__((noreturn)) void sh_exit(int status);

#ifdef __cplusplus
}
#endif

#endif
