// Writing in place. Element-wise ops: an op whose output element i depends
// only on element i of its inputs (RowAccess::kSameRow of the same shape)
// can write over an input it reads for the last time, so the two never take
// bytes of their own at once. Concatenations: the producers of the inputs
// write straight into their slices of the output.
#ifndef KILN_COMPILER_PLAN_IN_PLACE_H
#define KILN_COMPILER_PLAN_IN_PLACE_H

#include "compiler/ir/graph.h"
#include "compiler/lower/program.h"

namespace kiln {

// Marks the output of each such kernel call as overlaying (ProgramTensor::
// overlays) an input of its size that no later op reads: an arena tensor of
// its own, neither a model input or output, a variable nor viewed by
// another tensor; none in a program with branches. `graph` is the graph the
// program's source_ops index.
// Returns the number of outputs placed in place.
int place_element_wise_in_place(Program& program, const ir::Graph& graph);

// CONCATENATION without a copy where its output is its inputs back to back
// (every dimension before the axis is 1): each input becomes a view of its
// slice of the output (ProgramTensor::alias_of), so its producer writes it
// there, and the kernel call goes. Only where every input can: an arena
// tensor of its own written by one earlier op, not a variable nor shared
// with another tensor, starting on the arena's alignment in the output;
// none in a program with branches.
// Returns the number of kernel calls removed.
int write_concatenations_in_place(Program& program);

}  // namespace kiln

#endif
