// Element-wise ops in place: an op whose output element i depends only on
// element i of its inputs (RowAccess::kSameRow of the same shape) can write
// over an input it reads for the last time, so the two never take bytes of
// their own at once.
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

}  // namespace kiln

#endif
