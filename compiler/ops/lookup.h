// int8 ops of one int8 input as a table (LOOKUP_S8): the compiler evaluates
// TFLite's integer arithmetic of the op for each of the 256 input values, so
// the kernel matches the reference exactly whatever the arithmetic is.
#ifndef KILN_COMPILER_OPS_LOOKUP_H
#define KILN_COMPILER_OPS_LOOKUP_H

#include <functional>

#include "compiler/lower/lowering.h"

namespace kiln {

// Emits op's int8 input 0 → int8 output 0 through the table of `value_of`,
// which maps a stored input value (-128..127) to the stored output value
// (clamped to int8).
void emit_lookup_s8(LowerContext& ctx, const ir::Op& op,
                    const std::function<int32_t(int32_t)>& value_of);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_LOOKUP_H
