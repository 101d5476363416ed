// Strided views of a tensor's elements: what slicing, reversing, broadcasting,
// splitting and the space/depth/batch rearrangements lower to. Each op works
// out the view of its input that is its output, and emit_view turns it into
// one STRIDED_COPY call (or a COPY, which the planner may remove).
#ifndef KILN_COMPILER_OPS_ELEMENT_VIEW_H
#define KILN_COMPILER_OPS_ELEMENT_VIEW_H

#include <cstdint>
#include <vector>

#include "compiler/lower/lowering.h"

namespace kiln {

// Element (i0, .., in) of the view is element
// offset + i0 * strides[0] + .. + in * strides[n] of the source, row-major.
// A stride may be zero (repeat) or negative (reverse).
struct ElementView {
  std::vector<int32_t> dims;
  std::vector<int64_t> strides;
  int64_t offset = 0;

  // Drops dims of size 1 and merges dims that step through the source as
  // one: the same elements in the same order, in as few dims as possible.
  ElementView simplified() const;
};

// The whole of a tensor of `shape`, in order.
ElementView whole_view(const std::vector<int32_t>& shape);

// Emits the copy of `view` of tensor `source` into tensor `destination`,
// which must hold exactly the view's elements. Fails naming the op if the
// view needs more dims than the kernel has.
void emit_view(LowerContext& ctx, const ir::Op& op, int source, const ElementView& view,
               int destination);

}  // namespace kiln

#endif  // KILN_COMPILER_OPS_ELEMENT_VIEW_H
