/* mbed TLS's platform hooks on the device (mbedtls_config.h): its big
 * numbers live in a buffer kiln hands it for each operation
 * (runtime/update/crypto.cc), so the default allocator only ever fails, and
 * a buffer found corrupted stops the core. */
#include <stddef.h>

void* kiln_mbedtls_no_calloc(size_t count, size_t size) {
  (void)count;
  (void)size;
  return NULL;
}

void kiln_mbedtls_no_free(void* pointer) { (void)pointer; }

void kiln_mbedtls_exit(int status) {
  (void)status;
  __builtin_trap();
}
