/* The two functions the libsodium sources kiln builds call from parts of
 * libsodium it leaves out (its run-time CPU dispatch and random generator):
 * misuse stops the program, as libsodium's own does (a trap, which needs
 * no C library on the device), and on the host random bytes come
 * from the kernel. The device never draws random bytes: it only verifies
 * and decrypts. */
#include <stddef.h>

void sodium_misuse(void) { __builtin_trap(); }

/* What libsodium's abort() calls become (CMakeLists.txt). */
void kiln_sodium_trap(void) { __builtin_trap(); }

#if defined(__linux__)
#include <errno.h>
#include <sys/random.h>

void randombytes_buf(void* const buf, const size_t size) {
  unsigned char* out = (unsigned char*)buf;
  size_t left = size;
  while (left > 0) {
    const ssize_t n = getrandom(out, left, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      __builtin_trap();
    }
    out += n;
    left -= (size_t)n;
  }
}
#endif
