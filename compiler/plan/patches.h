// Patch-based execution: a network's first stage, where activations are
// largest, run band by band of rows instead of layer by layer.
//
// A stage is a run of ops whose output rows depend on a window of their
// input rows (convolutions, pooling) or on the same rows (element-wise ops),
// from one input tensor to one output tensor. Cut into bands of output rows,
// each band runs the whole stage on the input rows its receptive field
// covers; the overlapping halos are computed again by the next band. Only a
// band's rows of each inner tensor are ever live, so the stage's peak falls
// to its input, its output and one band's buffers. Where the stage consumes
// its input from the top down faster than it writes its output, the output
// reuses the input rows already consumed (ir::Tensor::overlays).
//
// Every band op is the layer's own op on fewer rows (explicit padding where
// the band starts below the top), lowered like any other: each kernel
// variant runs it, bit-exact with the whole layer. Bands read and write rows
// of whole tensors through views (ir::Tensor::view_of).
#ifndef KILN_COMPILER_PLAN_PATCHES_H
#define KILN_COMPILER_PLAN_PATCHES_H

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace kiln {

struct PatchStage {
  int first_op = -1, last_op = -1;  // ops [first, last] of the whole-layer graph
  int bands = 0;                    // 0: every op runs whole
  bool overlays_input = false;      // the output reuses the input's consumed rows
  int64_t macs = 0;                 // the whole graph's, layer by layer
  int64_t extra_macs = 0;           // the halos the bands compute again
  uint64_t peak_bytes = 0;          // estimated: the most bytes of tensors live at once

  bool active() const { return bands > 1; }
  // The MACs computed again, as a fraction of the graph's.
  double recompute() const {
    return macs > 0 ? static_cast<double>(extra_macs) / static_cast<double>(macs) : 0.0;
  }
};

// The most bytes of non-constant tensors live at once when every op runs
// whole (a lower bound of the arena, scratch buffers aside).
uint64_t peak_live_bytes(const ir::Graph& graph);

// The stages worth cutting, starting at an op that reads the network's
// inputs, the lowest estimated peak first (the fewest MACs
// computed again among equals), each computing at most `max_recompute` (a
// fraction of the graph's MACs) again; empty when no stage lowers the peak,
// and for a graph with loops or gates.
std::vector<PatchStage> patch_stages(const ir::Graph& graph, double max_recompute);

// Ops [first, last] of `graph` cut into `bands`, costed as patch_stages()
// costs its candidates; inactive (bands 0) if they are not such a stage or
// some band would start a view off the arena's alignment.
PatchStage patch_stage(const ir::Graph& graph, int first, int last, int bands);

// `graph` with the ops of `stage` replaced by its bands, which read and write
// views of the stage's tensors. Every op's `layer` is its index in `graph`
// (a band's: the op it cuts); the graph's tensors keep their indices.
ir::Graph cut_into_bands(const ir::Graph& graph, const PatchStage& stage);

}  // namespace kiln

#endif
