// LOOP, BREAK_UNLESS and END_LOOP: the control flow the TFLite importer makes
// of a WHILE (its condition and body inlined between them, the values it
// carries in loop variables). They lower to BRANCH ops (kiln/ops/control.h):
// the exit jumps past the loop when its condition is false, the end jumps
// back to the loop's first op. END_UNLESS, which gates the stages of a
// pipeline, lowers to a BRANCH that ends the invocation without outputs.
#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

void lower_loop(LowerContext& ctx, const ir::Op&) { ctx.begin_loop(); }
void lower_break_unless(LowerContext& ctx, const ir::Op& op) {
  ctx.exit_loop_unless(op, op.inputs[0]);
}
void lower_end_loop(LowerContext& ctx, const ir::Op& op) { ctx.end_loop(op); }
void lower_end_unless(LowerContext& ctx, const ir::Op& op) { ctx.end_unless(op, op.inputs[0]); }

}  // namespace

const OpRecord kLoopRecord = {ir::OpKind::kLoop, OpTraits().controls_flow(), TfliteForm(),
                              lower_loop, nullptr};
const OpRecord kBreakUnlessRecord = {ir::OpKind::kBreakUnless, OpTraits().controls_flow(),
                                     TfliteForm(), lower_break_unless, nullptr};
const OpRecord kEndLoopRecord = {ir::OpKind::kEndLoop, OpTraits().controls_flow(), TfliteForm(),
                                 lower_end_loop, nullptr};
const OpRecord kEndUnlessRecord = {ir::OpKind::kEndUnless, OpTraits().controls_flow(), TfliteForm(),
                                   lower_end_unless, nullptr};

}  // namespace kiln
