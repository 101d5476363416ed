// The order ops run in: where a network branches, which branch runs first
// decides which tensors are live together.
#ifndef KILN_COMPILER_PLAN_SCHEDULE_H
#define KILN_COMPILER_PLAN_SCHEDULE_H

#include "compiler/ir/graph.h"

namespace kiln {

// `graph` with its ops in the order, among those that keep every op after
// its inputs' producers, that a greedy scheduler finds to keep the fewest
// bytes live (at each step the ready op that adds the least: its outputs
// less the inputs it reads last), if that lowers the peak of live tensor
// bytes by a tenth; otherwise `graph` in its own order. Graphs with loops, gates, variables or
// ops without outputs keep their order.
ir::Graph order_for_memory(const ir::Graph& graph);

}  // namespace kiln

#endif
