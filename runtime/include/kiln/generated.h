// Support for C++ sources written by `kiln compile`: kernel declarations and
// the constant-initialization helper for params structs.
#ifndef KILN_GENERATED_H
#define KILN_GENERATED_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/kernels.h"
#include "kiln/status.h"

namespace kiln {

// A params struct's exact bytes as 32-bit words (every params field is 4
// bytes wide); __builtin_bit_cast turns them into the struct at compile
// time, so generated params are constant-initialized, typed and in flash.
template <size_t N>
struct ParamWords {
  uint32_t words[N];
};

}  // namespace kiln

#endif  // KILN_GENERATED_H
