// ONNX ops that take parts of a value or repeat it: Shape (a constant: shapes
// are static), Slice, Split, Expand, Tile; and Range of constant bounds. Each works per dim, so a
// value stored channels-last stays so: ONNX dims are mapped to kiln's.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

// Kiln's dim of ONNX dim `axis` of a value.
int32_t ir_dim(const Value& v, int32_t axis, size_t rank) {
  return v.channels_last ? channels_last_dims(rank)[static_cast<size_t>(axis)] : axis;
}

// Shape (opset 15: from `start` to `end`) of the static shape.
void convert_shape(Node& n) {
  const std::vector<int32_t> shape = n.input_shape(0);
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t start = n.attr_int("start", 0), end = n.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  const std::vector<int64_t> dims(shape.begin() + start, shape.begin() + end);
  n.alias_output(
      0, Value{n.add_constant("shape", KILN_DTYPE_INT64, {static_cast<int32_t>(dims.size())},
                              dims.data(), dims.size() * sizeof(int64_t)),
               false});
}

// Per ONNX dim: the first index, the step and the count a Slice takes.
struct SliceDims {
  std::vector<int64_t> first, step, count;
};

SliceDims slice_dims(Node& n, const std::vector<int32_t>& shape) {
  const size_t rank = shape.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset() < 10) {
    starts = n.attr_ints("starts");
    ends = n.attr_ints("ends");
    axes = n.attr_ints("axes");
  } else {
    starts = n.int_values(1, "starts");
    ends = n.int_values(2, "ends");
    if (n.has_input(3)) axes = n.int_values(3, "axes");
    if (n.has_input(4)) steps = n.int_values(4, "steps");
  }
  if (axes.empty()) {
    for (size_t a = 0; a < starts.size(); ++a) axes.push_back(static_cast<int64_t>(a));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    n.invalid("starts, ends, axes and steps differ in length");
  }
  SliceDims s{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 1),
              std::vector<int64_t>(shape.begin(), shape.end())};
  for (size_t k = 0; k < axes.size(); ++k) {
    const int32_t axis = normalize_axis(axes[k], rank);
    if (axis < 0 || steps[k] == 0) n.invalid("axis out of range or zero step");
    const int64_t dim = shape[static_cast<size_t>(axis)];
    int64_t b = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (steps[k] > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    const int64_t span = e - b;
    s.first[static_cast<size_t>(axis)] = b;
    s.step[static_cast<size_t>(axis)] = steps[k];
    s.count[static_cast<size_t>(axis)] =
        steps[k] > 0 ? std::max<int64_t>(0, (span + steps[k] - 1) / steps[k])
                     : std::max<int64_t>(0, (-span - steps[k] - 1) / -steps[k]);
  }
  return s;
}

// Slice: a STRIDED_SLICE in kiln's dims (constants are computed at once).
void convert_slice(Node& n) {
  const Value in = n.input(0);
  const std::vector<int32_t> shape = n.input_shape(0);
  const size_t rank = shape.size();
  const SliceDims s = slice_dims(n, shape);
  std::vector<int32_t> begin(rank), end(rank), strides(rank), out_shape(rank);
  ir::OpAttrs attrs;
  for (size_t d = 0; d < rank; ++d) {
    if (s.count[d] == 0) n.unsupported("an empty slice");
    const auto k = static_cast<size_t>(ir_dim(in, static_cast<int32_t>(d), rank));
    const int64_t last = s.first[d] + s.count[d] * s.step[d];
    begin[k] = static_cast<int32_t>(s.first[d]);
    end[k] = static_cast<int32_t>(std::max<int64_t>(last, 0));
    strides[k] = static_cast<int32_t>(s.step[d]);
    out_shape[k] = static_cast<int32_t>(s.count[d]);
    // A backward slice down to index 0 ends before it: "to the end".
    if (last < 0) attrs.end_mask |= 1 << k;
  }
  const ir::Tensor t = n.input_tensor(0);
  const int b = n.add_int32_constant("begin", begin);
  const int e = n.add_int32_constant("end", end);
  const int st = n.add_int32_constant("strides", strides);
  const Value out = n.define_output(0, t.dtype, out_shape, in.channels_last);
  n.emit(ir::OpKind::kStridedSlice, {in.tensor, b, e, st}, {out.tensor}, attrs);
  fold_if_constant(n);
}

// Split into the sizes given (attribute before opset 13, input from it) or
// into equal parts (the last smaller from opset 18).
void convert_split(Node& n) {
  const Value in = n.input(0);
  const std::vector<int32_t> shape = n.input_shape(0);
  const int32_t axis = normalize_axis(n.attr_int("axis", 0), shape.size());
  if (axis < 0) n.invalid("axis out of range");
  const int64_t dim = shape[static_cast<size_t>(axis)];
  std::vector<int64_t> sizes =
      n.opset() < 13 ? n.attr_ints("split")
                     : (n.has_input(1) ? n.int_values(1, "split") : std::vector<int64_t>{});
  const size_t parts = n.num_outputs();
  if (sizes.empty()) {
    const int64_t part = (dim + static_cast<int64_t>(parts) - 1) / static_cast<int64_t>(parts);
    for (size_t k = 0; k < parts; ++k)
      sizes.push_back(std::min<int64_t>(part, dim - part * static_cast<int64_t>(k)));
  }
  int64_t total = 0;
  for (int64_t size : sizes) total += size > 0 ? size : dim + 1;
  if (sizes.size() != parts || total != dim) {
    n.invalid(fmt::format("{} outputs of sizes [{}] do not split {} elements", parts,
                          fmt::join(sizes, ","), dim));
  }
  const ir::Tensor t = n.input_tensor(0);
  const int32_t k_axis = ir_dim(in, axis, shape.size());
  std::vector<int32_t> size_splits;
  std::vector<int> outputs;
  for (size_t k = 0; k < parts; ++k) {
    std::vector<int32_t> part_shape = t.shape;
    part_shape[static_cast<size_t>(k_axis)] = static_cast<int32_t>(sizes[k]);
    size_splits.push_back(static_cast<int32_t>(sizes[k]));
    outputs.push_back(n.output_name(k).empty()
                          ? n.add_intermediate(fmt::format("unused{}", k), t.dtype, part_shape)
                          : n.define_output(k, t.dtype, part_shape, in.channels_last).tensor);
  }
  ir::OpAttrs attrs;
  attrs.axis = k_axis;
  n.emit(ir::OpKind::kSplitV, {in.tensor, n.add_int32_constant("sizes", size_splits)}, outputs,
         attrs);
}

// Expand: BROADCAST_TO the numpy broadcast of the input's shape and `shape`.
void convert_expand(Node& n) {
  const Value in = n.input(0);
  const std::vector<int32_t> in_shape = n.input_shape(0);
  const std::vector<int64_t> target = n.int_values(1, "shape");
  std::vector<int32_t> shape(std::max(in_shape.size(), target.size()), 1);
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t from_end = shape.size() - 1 - i;
    const int64_t a = from_end < in_shape.size() ? in_shape[in_shape.size() - 1 - from_end] : 1;
    const int64_t b = from_end < target.size() ? target[target.size() - 1 - from_end] : 1;
    if (a != b && a != 1 && b != 1)
      n.invalid(fmt::format("{} does not broadcast to [{}]", ir::shape_string(in_shape),
                            fmt::join(target, ",")));
    if (b < 0 || a * b > (int64_t{1} << 30)) n.invalid("shape out of range");
    shape[i] = static_cast<int32_t>(a == 1 ? b : a);
  }
  if (shape == in_shape) return n.alias_output(0, in);
  const bool channels_last = in.channels_last && shape.size() == in_shape.size();
  const Value src = channels_last ? in : n.plain(in);
  const std::vector<int32_t> ir_shape = channels_last ? channels_last_shape(shape) : shape;
  const Value out = n.define_output(0, n.input_tensor(0).dtype, ir_shape, channels_last);
  n.emit(ir::OpKind::kBroadcastTo, {src.tensor, n.add_int32_constant("shape", ir_shape)},
         {out.tensor});
  fold_if_constant(n);
}

// Tile: per repeated dim, a CONCATENATION of copies.
void convert_tile(Node& n) {
  Value v = n.input(0);
  const std::vector<int32_t> shape = n.input_shape(0);
  const std::vector<int64_t> repeats = n.int_values(1, "repeats");
  if (repeats.size() != shape.size())
    n.invalid(fmt::format("{} repeats for rank {}", repeats.size(), shape.size()));
  size_t last = shape.size();
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 1 || repeats[d] > 4096)
      n.unsupported(fmt::format("{} repeats of dim {} (1 to 4096 supported)", repeats[d], d));
    if (repeats[d] > 1) last = d;
  }
  if (last == shape.size()) return n.alias_output(0, v);
  const kiln_dtype dtype = n.input_tensor(0).dtype;
  for (size_t d = 0; d <= last; ++d) {
    if (repeats[d] == 1) continue;
    const int32_t k = ir_dim(v, static_cast<int32_t>(d), shape.size());
    std::vector<int32_t> tiled = n.graph().tensors[static_cast<size_t>(v.tensor)].shape;
    tiled[static_cast<size_t>(k)] *= static_cast<int32_t>(repeats[d]);
    const Value out = d == last ? n.define_output(0, dtype, tiled, v.channels_last)
                                : Value{n.add_intermediate(fmt::format("tiled{}", d), dtype, tiled),
                                        v.channels_last};
    ir::OpAttrs attrs;
    attrs.axis = k;
    n.emit(ir::OpKind::kConcatenation, std::vector<int>(static_cast<size_t>(repeats[d]), v.tensor),
           {out.tensor}, attrs);
    fold_if_constant(n);
    v = out;
  }
}

// Range of constant bounds: a constant (shape arithmetic, window masks).
void convert_range(Node& n) {
  const ir::Tensor start = n.constant_input(0, "start");
  const kiln_dtype dtype = start.dtype;
  if (dtype == KILN_DTYPE_FLOAT32) {
    const float first = n.float_values(0, "start").at(0), limit = n.float_values(1, "limit").at(0),
                delta = n.float_values(2, "delta").at(0);
    if (delta == 0.0f) n.invalid("delta 0");
    const double count = std::ceil((static_cast<double>(limit) - first) / delta);
    if (!(count < (1 << 24))) n.invalid("too many elements");
    std::vector<float> values;
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
      values.push_back(first + static_cast<float>(i) * delta);
    return n.alias_output(
        0,
        Value{n.add_float_constant("range", {static_cast<int32_t>(values.size())}, values), false});
  }
  if (dtype != KILN_DTYPE_INT32 && dtype != KILN_DTYPE_INT64)
    n.unsupported(fmt::format("Range of {}", ir::dtype_name(dtype)));
  const int64_t first = n.int_values(0, "start").at(0), limit = n.int_values(1, "limit").at(0),
                delta = n.int_values(2, "delta").at(0);
  if (delta == 0) n.invalid("delta 0");
  const int64_t span = limit - first;
  const int64_t count = std::max<int64_t>(0, (span + delta + (delta > 0 ? -1 : 1)) / delta);
  if (count > (1 << 24)) n.invalid("too many elements");
  std::vector<uint8_t> data;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = first + i * delta;
    const int32_t v32 = static_cast<int32_t>(v);
    const uint8_t* bytes = dtype == KILN_DTYPE_INT64 ? reinterpret_cast<const uint8_t*>(&v)
                                                     : reinterpret_cast<const uint8_t*>(&v32);
    data.insert(data.end(), bytes, bytes + kiln_dtype_size(dtype));
  }
  n.alias_output(0, Value{n.add_constant("range", dtype, {static_cast<int32_t>(count)}, data.data(),
                                         data.size()),
                          false});
}

}  // namespace

void register_slicing_converters(std::map<std::string, Converter>& table) {
  table["Shape"] = convert_shape;
  table["Slice"] = convert_slice;
  table["Split"] = convert_split;
  table["Expand"] = convert_expand;
  table["Tile"] = convert_tile;
  table["Range"] = convert_range;
}

}  // namespace onnx_import
}  // namespace kiln
