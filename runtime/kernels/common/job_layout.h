// The contract between an assembly routine and the C++ that calls it: the
// routine reads its job struct by byte offsets that the job's header defines
// as constants (the .S file includes them); beside the struct, each field is
// checked against its constant, so reordering or resizing a field fails the
// Cortex-M build instead of misreading memory. The offsets are those of a
// 32-bit target; a 64-bit host, which runs the routines' portable twins, lays
// the struct out its own way and checks nothing.
#ifndef KILN_RUNTIME_KERNELS_COMMON_JOB_LAYOUT_H
#define KILN_RUNTIME_KERNELS_COMMON_JOB_LAYOUT_H

#include <stddef.h>

#define KILN_JOB_FIELD_AT(Job, field, offset)                           \
  static_assert(sizeof(void*) != 4 || offsetof(Job, field) == (offset), \
                #Job "::" #field " must lie at byte " #offset ", where the assembly reads it")
#define KILN_JOB_SIZE(Job, bytes)                             \
  static_assert(sizeof(void*) != 4 || sizeof(Job) == (bytes), \
                #Job " must be " #bytes " bytes, as the assembly copies it")

#endif  // KILN_RUNTIME_KERNELS_COMMON_JOB_LAYOUT_H
