// Speed or flash, chosen per layer (--optimize speed|size|balanced,
// --flash-budget). The Arm DSP kernels run fastest on filters pre-widened to
// 16 bits and full requantization entries, at about twice the filter's flash;
// their compact variants read int8 weights and widen them in registers, and
// store no more than the portable kernels. A layer whose weights serve many
// output pixels buys the most instructions per widened byte: balanced widens
// those, as many as fit a budget (by default halfway between the two).
#ifndef KILN_COMPILER_PIPELINE_FLASH_GOAL_H
#define KILN_COMPILER_PIPELINE_FLASH_GOAL_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/lower/lowering.h"

namespace kiln {

enum class OptimizeGoal { kSpeed, kSize, kBalanced };

// "speed", "size", "balanced"; Error(kUsage) listing them for any other name.
OptimizeGoal optimize_goal(const std::string& name);
const char* optimize_goal_name(OptimizeGoal goal);

// What widening one layer costs and buys.
struct LayerTradeoff {
  std::string name;               // the layer's output tensor
  uint64_t extra_bytes = 0;       // constants widened minus lean
  double saved_instructions = 0;  // estimated (estimated_instructions), per inference
};

// The layers `fast` (lowered for speed) stores in more bytes than `lean`
// (lowered lean) does, with estimates.
std::vector<LayerTradeoff> layer_tradeoffs(const ir::Graph& graph, const Program& lean,
                                           const Program& fast);

// The instructions a kernel call is estimated to take: per multiply-
// accumulate for the dense convolutions, per element for ADD, per stored
// nonzero for the sparse kernels (their own cost model), fitted to the
// MLPerf Tiny models on the emulated Cortex-M4 (kiln bench --layers); 0 for
// kernels that lean and fast compilations share.
double estimated_instructions(const ir::Graph& graph, const ProgramOp& op);

}  // namespace kiln

#endif
