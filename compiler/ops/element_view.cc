#include "compiler/ops/element_view.h"

#include <fmt/format.h>

#include <limits>

#include "kiln/ops/data_movement.h"

namespace kiln {

ElementView ElementView::simplified() const {
  ElementView s;
  s.offset = offset;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    if (!s.dims.empty() && s.strides.back() == strides[d] * dims[d]) {
      s.dims.back() *= dims[d];
      s.strides.back() = strides[d];
      continue;
    }
    s.dims.push_back(dims[d]);
    s.strides.push_back(strides[d]);
  }
  return s;
}

ElementView whole_view(const std::vector<int32_t>& shape) {
  ElementView v;
  v.dims = shape;
  v.strides.assign(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) v.strides[d - 1] = v.strides[d] * shape[d];
  return v;
}

void emit_view(LowerContext& ctx, const ir::Op& op, int source, const ElementView& view,
               int destination) {
  const ProgramTensor& in = ctx.program_tensor(source);
  const ProgramTensor& out = ctx.program_tensor(destination);
  const uint32_t element_size = kiln_dtype_size(in.dtype);
  if (element_size == 0) ctx.invalid(op, fmt::format("tensor '{}' has no element type", in.name));
  const uint64_t in_elements = in.bytes / element_size;
  const ElementView v = view.simplified();
  int64_t elements = 1;
  for (int32_t d : view.dims) elements *= d;
  if (out.dtype != in.dtype || static_cast<uint64_t>(elements) * element_size != out.bytes) {
    ctx.invalid(op, fmt::format("output '{}' has shape {}, but the op selects {} elements",
                                out.name, ir::shape_string(out.shape), elements));
  }
  // The whole source in order is a plain copy.
  if (v.offset == 0 && static_cast<uint64_t>(elements) == in_elements &&
      (v.dims.empty() || (v.dims.size() == 1 && v.strides[0] == 1))) {
    const uint64_t bytes = in.bytes;
    if (bytes > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      ctx.unsupported(op, "tensor too large to copy");
    ctx.emit(op, OpCode::COPY, CopyParams{static_cast<int32_t>(bytes)}, {source}, {destination});
    return;
  }
  if (v.dims.size() > static_cast<size_t>(kMaxCopyRank)) {
    ctx.unsupported(op, fmt::format("the op's view of '{}' needs {} dims; kiln's copy has {}",
                                    in.name, v.dims.size(), kMaxCopyRank));
  }
  StridedCopyParams p{};
  const size_t lead = kMaxCopyRank - v.dims.size();
  for (size_t d = 0; d < static_cast<size_t>(kMaxCopyRank); ++d) {
    p.dims[d] = d < lead ? 1 : v.dims[d - lead];
    const int64_t stride = d < lead ? 0 : v.strides[d - lead];
    if (stride < std::numeric_limits<int32_t>::min() ||
        stride > std::numeric_limits<int32_t>::max())
      ctx.unsupported(op, fmt::format("tensor '{}' too large to view", in.name));
    p.strides[d] = static_cast<int32_t>(stride);
  }
  if (in_elements > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
    ctx.unsupported(op, fmt::format("tensor '{}' too large to view", in.name));
  p.offset = static_cast<int32_t>(v.offset);
  p.input_elements = static_cast<int32_t>(in_elements);
  p.element_size = static_cast<int32_t>(element_size);
  ctx.emit(op, OpCode::STRIDED_COPY, p, {source}, {destination});
}

}  // namespace kiln
