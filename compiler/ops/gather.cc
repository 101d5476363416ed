// Ops that copy slices chosen by indices: GATHER, GATHER_ND, EMBEDDING_LOOKUP
// (gathers of run-time indices, kiln/ops/gather.h), RESIZE_NEAREST_NEIGHBOR
// and MIRROR_PAD (gathers of index tables computed here).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compiler/ops/element_view.h"
#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

int32_t index_size_of(LowerContext& ctx, const ir::Op& op, const ir::Tensor& indices) {
  if (indices.dtype != KILN_DTYPE_INT32 && indices.dtype != KILN_DTYPE_INT64) {
    ctx.unsupported(op, fmt::format("indices '{}' are {}; int32 or int64 supported", indices.name,
                                    ir::dtype_name(indices.dtype)));
  }
  return static_cast<int32_t>(kiln_dtype_size(indices.dtype));
}

int64_t product(const std::vector<int32_t>& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d) p *= shape[d];
  return p;
}

// A GATHER call of `source` (of `shape`) along `axis` at `indices` into `destination`.
void emit_gather(LowerContext& ctx, const ir::Op& op, int source, const std::vector<int32_t>& shape,
                 size_t axis, int indices, int64_t count, int32_t index_size, int destination) {
  const uint32_t element = kiln_dtype_size(ctx.program_tensor(source).dtype);
  GatherParams p{};
  p.outer = static_cast<int32_t>(product(shape, 0, axis));
  p.axis_size = shape[axis];
  p.count = static_cast<int32_t>(count);
  p.inner_bytes = static_cast<int32_t>(product(shape, axis + 1, shape.size()) * element);
  p.index_size = index_size;
  ctx.emit(op, OpCode::GATHER, p, {source, indices}, {destination});
}

void lower_gather(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& indices = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  if (op.attrs.batch_dims != 0)
    ctx.unsupported(op, fmt::format("batch_dims {} (0 supported)", op.attrs.batch_dims));
  const size_t axis = normalized_axis(ctx, op, op.attrs.axis, in.shape.size());
  std::vector<int32_t> shape(in.shape.begin(), in.shape.begin() + static_cast<ptrdiff_t>(axis));
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), in.shape.begin() + static_cast<ptrdiff_t>(axis) + 1, in.shape.end());
  if (shape != out.shape) {
    ctx.invalid(op, fmt::format("output {} is not the gather's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  emit_gather(ctx, op, op.inputs[0], in.shape, axis, op.inputs[1], indices.elements(),
              index_size_of(ctx, op, indices), op.outputs[0]);
}

void lower_gather_nd(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& indices = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  if (indices.shape.empty()) ctx.invalid(op, "indices must have at least one dim");
  const size_t depth = static_cast<size_t>(indices.shape.back());
  if (depth < 1 || depth > in.shape.size() || depth > static_cast<size_t>(kMaxGatherNdDepth)) {
    ctx.unsupported(op, fmt::format("index tuples of {} for an input of rank {} (1 to {})", depth,
                                    in.shape.size(), kMaxGatherNdDepth));
  }
  std::vector<int32_t> shape(indices.shape.begin(), indices.shape.end() - 1);
  shape.insert(shape.end(), in.shape.begin() + static_cast<ptrdiff_t>(depth), in.shape.end());
  if (shape != out.shape) {
    ctx.invalid(op, fmt::format("output {} is not the gather's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  GatherNdParams p{};
  p.count = static_cast<int32_t>(indices.elements() / static_cast<int64_t>(depth));
  p.depth = static_cast<int32_t>(depth);
  for (size_t d = 0; d < depth; ++d) p.dims[d] = in.shape[d];
  p.slice_bytes =
      static_cast<int32_t>(product(in.shape, depth, in.shape.size()) * kiln_dtype_size(in.dtype));
  p.index_size = index_size_of(ctx, op, indices);
  ctx.emit(op, OpCode::GATHER_ND, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

// EMBEDDING_LOOKUP: (ids, table) -> the table's rows at the ids; an int8
// table with a float output is dequantized after the gather (TFLM's hybrid).
void lower_embedding_lookup(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& ids = ctx.input(op, 0);
  const ir::Tensor& table = ctx.input(op, 1);
  const ir::Tensor& out = ctx.output(op, 0);
  if (ids.shape.size() != 1 || ids.dtype != KILN_DTYPE_INT32)
    ctx.invalid(op, fmt::format("ids '{}' must be 1-D int32", ids.name));
  if (table.shape.size() < 2) ctx.invalid(op, "the table must have at least two dims");
  std::vector<int32_t> shape = table.shape;
  shape[0] = ids.shape[0];
  if (out.shape != shape) {
    ctx.invalid(op, fmt::format("output {} is not the lookup's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  const bool hybrid = table.dtype == KILN_DTYPE_INT8 && out.dtype == KILN_DTYPE_FLOAT32;
  if (!hybrid) {
    require_same_quantization(ctx, op, table, out);
    emit_gather(ctx, op, op.inputs[1], table.shape, 0, op.inputs[0], ids.elements(), 4,
                op.outputs[0]);
    return;
  }
  // TFLM dequantizes with the table's first scale (its per-tensor view of
  // any quantization) and requires zero point 0.
  if (!table.quant.present() || table.quant.zero_points.empty() || table.quant.zero_points[0] != 0)
    ctx.unsupported(op, "a hybrid table needs a scale and zero point 0");
  const int rows = ctx.add_scratch(out.name + "/rows", KILN_DTYPE_INT8, shape);
  emit_gather(ctx, op, op.inputs[1], table.shape, 0, op.inputs[0], ids.elements(), 4, rows);
  QuantizeParams q{};
  q.size = static_cast<int32_t>(out.elements());
  q.scale = table.quant.scales[0];
  ctx.emit(op, OpCode::DEQUANTIZE_S8_F32, q, {rows}, {op.outputs[0]});
}

// TFLite's nearest source index for output index `i` of one spatial dim.
int32_t nearest(int32_t i, int32_t in, int32_t out, bool align_corners, bool half_pixel_centers) {
  const float scale = (align_corners && out > 1) ? static_cast<float>(in - 1) / (out - 1)
                                                 : static_cast<float>(in) / out;
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float at = (static_cast<float>(i) + offset) * scale;
  int32_t v =
      align_corners ? static_cast<int32_t>(std::round(at)) : static_cast<int32_t>(std::floor(at));
  v = std::min(v, in - 1);
  return half_pixel_centers ? std::max(0, v) : v;
}

// Copies input 0 of `op` into its output through one gather per dim at a
// compile-time index table (`tables[d]` lists the source index of each output
// index along d; a table that keeps every index is skipped).
void emit_index_tables(LowerContext& ctx, const ir::Op& op,
                       const std::vector<std::vector<int32_t>>& tables) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  std::vector<size_t> axes;
  for (size_t d = 0; d < tables.size(); ++d) {
    bool identity = tables[d].size() == static_cast<size_t>(in.shape[d]);
    for (size_t i = 0; identity && i < tables[d].size(); ++i)
      identity = tables[d][i] == static_cast<int32_t>(i);
    if (!identity) axes.push_back(d);
  }
  if (axes.empty()) {
    emit_view(ctx, op, op.inputs[0], whole_view(in.shape), op.outputs[0]);
    return;
  }
  std::vector<int32_t> current = in.shape;
  int source = op.inputs[0];
  for (size_t axis : axes) {
    const std::vector<int32_t>& table = tables[axis];
    const int indices =
        ctx.add_constant(fmt::format("{}/indices{}", out.name, axis), KILN_DTYPE_INT32,
                         {static_cast<int32_t>(table.size())}, int32_bytes(table));
    std::vector<int32_t> next = current;
    next[axis] = static_cast<int32_t>(table.size());
    const int destination =
        axis == axes.back()
            ? op.outputs[0]
            : ctx.add_scratch(fmt::format("{}/along{}", out.name, axis), in.dtype, next);
    emit_gather(ctx, op, source, current, axis, indices, next[axis], 4, destination);
    source = destination;
    current = next;
  }
}

// RESIZE_NEAREST_NEIGHBOR: a gather of rows, then of columns, at index
// tables computed as TFLite does.
void lower_resize_nearest(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  require_rank(ctx, op, in, 4, "input");
  const std::vector<int64_t> size = constant_integers(ctx, op, 1, "size");
  if (size.size() != 2) ctx.invalid(op, "size must hold height and width");
  const std::vector<int32_t> shape = {in.shape[0], static_cast<int32_t>(size[0]),
                                      static_cast<int32_t>(size[1]), in.shape[3]};
  if (out.shape != shape) {
    ctx.invalid(op, fmt::format("output {} is not the resize's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  std::vector<std::vector<int32_t>> tables(4);
  for (size_t axis = 0; axis < 4; ++axis) {
    const bool spatial = axis == 1 || axis == 2;
    for (int32_t i = 0; i < shape[axis]; ++i) {
      tables[axis].push_back(spatial ? nearest(i, in.shape[axis], shape[axis],
                                               op.attrs.align_corners, op.attrs.half_pixel_centers)
                                     : i);
    }
  }
  emit_index_tables(ctx, op, tables);
}

// MIRROR_PAD: per dim, output index o reads input index o - before, mirrored
// at the edges: REFLECT leaves the edge value out (padding up to size - 1),
// SYMMETRIC repeats it (padding up to size).
void lower_mirror_pad(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const std::vector<int64_t> pads = constant_integers(ctx, op, 1, "paddings");
  if (pads.size() != 2 * in.shape.size() || out.shape.size() != in.shape.size())
    ctx.invalid(op, fmt::format("paddings must hold {} values", 2 * in.shape.size()));
  const bool symmetric = op.attrs.mirror_symmetric;
  std::vector<std::vector<int32_t>> tables(in.shape.size());
  for (size_t d = 0; d < in.shape.size(); ++d) {
    const int64_t n = in.shape[d], before = pads[2 * d], after = pads[2 * d + 1];
    const int64_t most = symmetric ? n : n - 1;
    if (before < 0 || after < 0 || before > most || after > most) {
      ctx.invalid(op, fmt::format("paddings {} and {} of dim {} (size {}) exceed {} for {}", before,
                                  after, d, n, most, symmetric ? "SYMMETRIC" : "REFLECT"));
    }
    if (out.shape[d] != n + before + after) {
      ctx.invalid(op, fmt::format("output dim {} is {}, the padded size is {}", d, out.shape[d],
                                  n + before + after));
    }
    for (int64_t o = 0; o < out.shape[d]; ++o) {
      int64_t i = o - before;
      if (i < 0) i = symmetric ? -i - 1 : -i;
      if (i >= n) i = symmetric ? 2 * n - 1 - i : 2 * n - 2 - i;
      tables[d].push_back(static_cast<int32_t>(i));
    }
  }
  emit_index_tables(ctx, op, tables);
}

void read_mirror_pad(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::MirrorPadOptions>())
    r.attrs().mirror_symmetric = o->mode() == tflite::MirrorPadMode_SYMMETRIC;
}

tflite_format::WrittenOptions write_mirror_pad(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateMirrorPadOptions(
      w.builder(), w.attrs().mirror_symmetric ? tflite::MirrorPadMode_SYMMETRIC
                                              : tflite::MirrorPadMode_REFLECT));
}

void read_gather(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::GatherOptions>()) {
    r.attrs().axis = o->axis();
    r.attrs().batch_dims = o->batch_dims();
  }
}

tflite_format::WrittenOptions write_gather(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateGatherOptions(w.builder(), w.attrs().axis, w.attrs().batch_dims));
}

void read_resize_nearest(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ResizeNearestNeighborOptions>()) {
    r.attrs().align_corners = o->align_corners();
    r.attrs().half_pixel_centers = o->half_pixel_centers();
  }
}

tflite_format::WrittenOptions write_resize_nearest(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateResizeNearestNeighborOptions(w.builder(), w.attrs().align_corners,
                                                              w.attrs().half_pixel_centers));
}

constexpr OpTraits kCopy = OpTraits().same_quantization_as_input().folds_qdq();

void read_onnx_gather(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  a.axis = static_cast<int32_t>(node.attr_int("axis", 0));
}

// The data's dims before the axis, the indices' dims, the data's after it.
std::vector<int32_t> gather_shape(const OnnxNodeAttributes&,
                                  const std::vector<std::vector<int32_t>>& operands,
                                  const ir::OpAttrs& a) {
  const std::vector<int32_t>& data = operands.at(0);
  const auto axis = static_cast<ptrdiff_t>(a.axis);
  std::vector<int32_t> shape(data.begin(), data.begin() + axis);
  shape.insert(shape.end(), operands.at(1).begin(), operands.at(1).end());
  shape.insert(shape.end(), data.begin() + axis + 1, data.end());
  return shape;
}

}  // namespace

const OpRecord kGatherRecord = {
    ir::OpKind::kGather,
    kCopy,
    TfliteForm(tflite::BuiltinOperator_GATHER).reads(read_gather).writes(write_gather),
    lower_gather,
    nullptr,
    OnnxForm(OnnxPattern::kAlongAxis, "Gather")
        .reads(read_onnx_gather)
        .shaped_by(gather_shape)
        .indices_in(1)};
const OpRecord kGatherNdRecord = {ir::OpKind::kGatherNd, kCopy,
                                  TfliteForm(tflite::BuiltinOperator_GATHER_ND), lower_gather_nd,
                                  nullptr};
const OpRecord kEmbeddingLookupRecord = {ir::OpKind::kEmbeddingLookup, OpTraits(),
                                         TfliteForm(tflite::BuiltinOperator_EMBEDDING_LOOKUP),
                                         lower_embedding_lookup, nullptr};
const OpRecord kResizeNearestRecord = {ir::OpKind::kResizeNearest, kCopy,
                                       TfliteForm(tflite::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR)
                                           .reads(read_resize_nearest)
                                           .writes(write_resize_nearest),
                                       lower_resize_nearest, nullptr};

const OpRecord kMirrorPadRecord = {
    ir::OpKind::kMirrorPad, kCopy,
    TfliteForm(tflite::BuiltinOperator_MIRROR_PAD).reads(read_mirror_pad).writes(write_mirror_pad),
    lower_mirror_pad, nullptr};

}  // namespace kiln
