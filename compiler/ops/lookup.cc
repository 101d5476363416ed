#include "compiler/ops/lookup.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "kiln/ops/activation.h"

namespace kiln {

void emit_lookup_s8(LowerContext& ctx, const ir::Op& op,
                    const std::function<int32_t(int32_t)>& value_of) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (in.dtype != KILN_DTYPE_INT8 || out.dtype != KILN_DTYPE_INT8)
    ctx.unsupported(op, "a table lookup needs an int8 input and output");
  if (in.elements() != out.elements()) {
    ctx.invalid(op, fmt::format("input {} and output {} differ in size", ir::shape_string(in.shape),
                                ir::shape_string(out.shape)));
  }
  std::vector<uint8_t> table(kLookupTableEntries);
  for (size_t i = 0; i < table.size(); ++i) {
    const int32_t x = static_cast<int32_t>(i) - 128;  // the stored input value
    table[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(value_of(x), -128, 127)));
  }
  const int table_tensor =
      ctx.add_constant(fmt::format("{}/table", out.name), KILN_DTYPE_INT8,
                       {static_cast<int32_t>(kLookupTableEntries)}, std::move(table));
  LookupParams p{static_cast<int32_t>(in.elements())};
  ctx.emit(op, OpCode::LOOKUP_S8, p, {op.inputs[0], table_tensor}, {op.outputs[0]});
}

}  // namespace kiln
