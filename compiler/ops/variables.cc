// READ_VARIABLE and ASSIGN_VARIABLE: copies out of and into a variable, a
// persistent tensor (the importer turns each resource variable into one) or
// a WHILE loop's carried value. Copies that touch a variable are never elided
// (elide_copies), so a value read stays what it was when read.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

void require_copyable(LowerContext& ctx, const ir::Op& op, const ir::Tensor& from,
                      const ir::Tensor& to) {
  // TFLite Micro copies the bytes whatever the quantization says.
  if (from.dtype != to.dtype || from.bytes() != to.bytes()) {
    ctx.invalid(op, fmt::format("'{}' ({} {}) and '{}' ({} {}) differ in type or size", from.name,
                                ir::dtype_name(from.dtype), ir::shape_string(from.shape), to.name,
                                ir::dtype_name(to.dtype), ir::shape_string(to.shape)));
  }
}

void lower_read_variable(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& variable = ctx.input(op, 0);
  if (!variable.variable()) ctx.invalid(op, fmt::format("'{}' is not a variable", variable.name));
  require_copyable(ctx, op, variable, ctx.output(op, 0));
  ctx.emit(op, OpCode::COPY, CopyParams{static_cast<int32_t>(variable.bytes())}, {op.inputs[0]},
           {op.outputs[0]});
}

void lower_assign_variable(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& variable = ctx.input(op, 0);
  const ir::Tensor& value = ctx.input(op, 1);
  if (!variable.variable()) ctx.invalid(op, fmt::format("'{}' is not a variable", variable.name));
  if (op.attrs.at_reset) {
    ctx.unsupported(op, fmt::format("the initial value of variable '{}' is not a constant kiln "
                                    "can compute at compile time",
                                    variable.name));
  }
  require_copyable(ctx, op, value, variable);
  ctx.emit(op, OpCode::COPY, CopyParams{static_cast<int32_t>(value.bytes())}, {op.inputs[1]},
           {op.inputs[0]});
}

}  // namespace

const OpRecord kReadVariableRecord = {
    ir::OpKind::kReadVariable, OpTraits().same_quantization_as_input(),
    TfliteForm(tflite::BuiltinOperator_READ_VARIABLE), lower_read_variable, nullptr};
const OpRecord kAssignVariableRecord = {
    ir::OpKind::kAssignVariable, OpTraits().all_data().same_quantization_as_input(),
    TfliteForm(tflite::BuiltinOperator_ASSIGN_VARIABLE), lower_assign_variable, nullptr};

}  // namespace kiln
