// ONNX Resize (and Upsample) of NCHW images, computed channels-last:
// - nearest: a GATHER of the source rows, then of the source columns, at
//   indices computed here with ONNX's coordinate transform and rounding
//   (exact for every mode, and for int8 too: gathers copy values);
// - linear: RESIZE_BILINEAR where ONNX's coordinates are TFLite's (half
//   pixel, align corners or asymmetric, at the shapes' ratio), else per
//   axis two gathers weighted and added (float).
// Cubic, antialiasing and tf_crop_and_resize are refused.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

struct Axis {
  int32_t in = 0, out = 0;
  double scale = 1.0;  // out / in, or the scale given
  // ONNX's "length_resized": in * scale, before rounding to `out`.
  double length() const { return scale * in; }
};

// The spatial axes' sizes and scales from `scales` or `sizes`.
std::vector<Axis> resize_axes(Node& n, const std::vector<int32_t>& shape) {
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (n.op_type() == "Upsample" || n.opset() < 11) {
    scales = n.opset() < 9 ? n.attr_floats("scales") : n.float_values(1, "scales");
  } else {
    if (n.has_input(2) && !n.input_tensor(2).shape.empty() && n.input_tensor(2).elements() > 0)
      scales = n.float_values(2, "scales");
    if (n.has_input(3)) sizes = n.int_values(3, "sizes");
  }
  if (scales.empty() == sizes.empty()) n.invalid("exactly one of scales and sizes is needed");
  // Opset 18's axes: scales or sizes of those dims only, the others kept.
  if (n.has_attr("axes")) {
    const std::vector<int64_t> listed = n.attr_ints("axes");
    if (listed.size() != (scales.empty() ? sizes.size() : scales.size()))
      n.invalid(fmt::format("{} axes for other counts of scales or sizes", listed.size()));
    std::vector<float> all_scales(scales.empty() ? 0 : shape.size(), 1.0f);
    std::vector<int64_t> all_sizes(shape.begin(), sizes.empty() ? shape.begin() : shape.end());
    for (size_t k = 0; k < listed.size(); ++k) {
      const int32_t d = normalize_axis(listed[k], shape.size());
      if (d < 0) n.invalid(fmt::format("axis {} out of range", listed[k]));
      if (!scales.empty()) all_scales[static_cast<size_t>(d)] = scales[k];
      if (!sizes.empty()) all_sizes[static_cast<size_t>(d)] = sizes[k];
    }
    scales = all_scales;
    sizes = all_sizes;
  }
  const size_t given = scales.empty() ? sizes.size() : scales.size();
  if (given != shape.size())
    n.invalid(fmt::format("{} scales or sizes for rank {}", given, shape.size()));
  std::vector<Axis> axes(shape.size());
  const std::string policy = n.attr_string("keep_aspect_ratio_policy", "stretch");
  double kept = policy == "not_larger" ? 1e300 : 0.0;
  for (size_t d = 0; d < shape.size(); ++d) {
    Axis& a = axes[d];
    a.in = shape[d];
    if (!scales.empty()) {
      if (!(scales[d] > 0.0f)) n.invalid(fmt::format("scale {}", scales[d]));
      a.scale = scales[d];
      a.out = static_cast<int32_t>(std::floor(a.in * a.scale));
    } else {
      if (sizes[d] < 1 || sizes[d] > (1 << 20)) n.invalid(fmt::format("size {}", sizes[d]));
      a.out = static_cast<int32_t>(sizes[d]);
      a.scale = static_cast<double>(a.out) / a.in;
      if (d >= 2 && policy == "not_larger") kept = std::min(kept, a.scale);
      if (d >= 2 && policy == "not_smaller") kept = std::max(kept, a.scale);
    }
  }
  if (!sizes.empty() && policy != "stretch") {
    if (policy != "not_larger" && policy != "not_smaller")
      n.invalid(fmt::format("keep_aspect_ratio_policy '{}'", policy));
    for (size_t d = 2; d < axes.size(); ++d) {
      axes[d].scale = kept;
      axes[d].out = static_cast<int32_t>(std::round(axes[d].in * kept));
    }
  }
  for (size_t d = 0; d < 2; ++d) {
    if (axes[d].out != axes[d].in)
      n.unsupported("resizing the batch or channel dim (only H and W)");
  }
  for (const Axis& a : axes) {
    if (a.out < 1) n.invalid("an output dim of size 0");
  }
  return axes;
}

// ONNX's source coordinate of output index x.
double source_coordinate(Node& n, const std::string& mode, const Axis& a, int32_t x) {
  const double xo = x;
  if (mode == "half_pixel") return (xo + 0.5) / a.scale - 0.5;
  if (mode == "pytorch_half_pixel") return a.length() > 1 ? (xo + 0.5) / a.scale - 0.5 : 0.0;
  if (mode == "align_corners") return a.length() == 1 ? 0.0 : xo * (a.in - 1) / (a.length() - 1);
  if (mode == "asymmetric") return xo / a.scale;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = a.out / (a.scale * a.in);
    const double center = a.in / 2.0;
    return center * (1 - adjustment) + (xo + 0.5) / a.scale - 0.5;
  }
  n.unsupported(fmt::format("coordinate_transformation_mode '{}'", mode));
}

int32_t nearest_index(Node& n, const std::string& rounding, double x, int32_t in) {
  double r;
  if (rounding == "round_prefer_floor") {
    r = x - std::floor(x) == 0.5 ? std::floor(x) : std::round(x);
  } else if (rounding == "round_prefer_ceil") {
    r = x - std::floor(x) == 0.5 ? std::ceil(x) : std::round(x);
  } else if (rounding == "floor") {
    r = std::floor(x);
  } else if (rounding == "ceil") {
    r = std::ceil(x);
  } else {
    n.unsupported(fmt::format("nearest_mode '{}'", rounding));
  }
  return static_cast<int32_t>(std::clamp<double>(r, 0, in - 1));
}

// `v` (NHWC) with IR dim `dim` gathered at `indices`.
int gather(Node& n, int v, int32_t dim, const std::vector<int32_t>& indices,
           const std::string& suffix, int output = -1) {
  std::vector<int32_t> shape = n.graph().tensors[static_cast<size_t>(v)].shape;
  shape[static_cast<size_t>(dim)] = static_cast<int32_t>(indices.size());
  const kiln_dtype dtype = n.graph().tensors[static_cast<size_t>(v)].dtype;
  const int out = output >= 0 ? output : n.add_intermediate(suffix, dtype, shape);
  ir::OpAttrs attrs;
  attrs.axis = dim;
  n.emit(ir::OpKind::kGather, {v, n.add_int32_constant(suffix + "_indices", indices)}, {out},
         attrs);
  return out;
}

// Linear interpolation along IR dim `dim`: lower * (1 - r) + upper * r.
int interpolate(Node& n, int v, int32_t dim, const Axis& a, const std::string& mode,
                const std::string& suffix, int output) {
  std::vector<int32_t> lower, upper;
  std::vector<float> w_lower, w_upper;
  for (int32_t x = 0; x < a.out; ++x) {
    const double c = source_coordinate(n, mode, a, x);
    const double f = std::floor(c);
    lower.push_back(static_cast<int32_t>(std::clamp<double>(f, 0, a.in - 1)));
    upper.push_back(static_cast<int32_t>(std::clamp<double>(f + 1, 0, a.in - 1)));
    w_upper.push_back(static_cast<float>(c - f));
    w_lower.push_back(static_cast<float>(1.0 - (c - f)));
  }
  const int lo = gather(n, v, dim, lower, suffix + "_lower");
  const int hi = gather(n, v, dim, upper, suffix + "_upper");
  std::vector<int32_t> weight_shape(4, 1);
  weight_shape[static_cast<size_t>(dim)] = a.out;
  const std::vector<int32_t> shape = n.graph().tensors[static_cast<size_t>(lo)].shape;
  const kiln_dtype dtype = n.graph().tensors[static_cast<size_t>(lo)].dtype;
  const int lo_w = n.add_intermediate(suffix + "_lower_weighted", dtype, shape);
  const int hi_w = n.add_intermediate(suffix + "_upper_weighted", dtype, shape);
  n.emit(ir::OpKind::kMul,
         {lo, n.add_float_constant(suffix + "_lower_weights", weight_shape, w_lower)}, {lo_w});
  n.emit(ir::OpKind::kMul,
         {hi, n.add_float_constant(suffix + "_upper_weights", weight_shape, w_upper)}, {hi_w});
  const int out = output >= 0 ? output : n.add_intermediate(suffix, dtype, shape);
  n.emit(ir::OpKind::kAdd, {lo_w, hi_w}, {out});
  return out;
}

void convert_resize(Node& n) {
  const std::vector<int32_t> shape = n.input_shape(0);
  if (shape.size() != 4)
    n.unsupported(fmt::format("input of rank {} (NCHW images only)", shape.size()));
  const std::string mode = n.attr_string("mode", "nearest");
  const bool legacy = n.op_type() == "Upsample" || n.opset() < 11;
  const std::string coordinates =
      legacy ? "asymmetric" : n.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string rounding =
      legacy ? "floor" : n.attr_string("nearest_mode", "round_prefer_floor");
  if (n.attr_int("antialias", 0) != 0) n.unsupported("antialias");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear")
    n.unsupported(fmt::format("mode '{}' (kiln has nearest and linear)", mode));
  const std::vector<Axis> axes = resize_axes(n, shape);
  const Value in = n.channels_last(n.input(0));
  const ir::Tensor t = n.graph().tensors[static_cast<size_t>(in.tensor)];
  const std::vector<int32_t> out_shape = {t.shape[0], axes[2].out, axes[3].out, t.shape[3]};
  const Value out = n.define_output(0, t.dtype, out_shape, true);
  // ONNX dims 2, 3 are NHWC dims 1, 2.
  if (mode == "nearest") {
    std::vector<int32_t> rows, columns;
    for (int32_t y = 0; y < axes[2].out; ++y)
      rows.push_back(
          nearest_index(n, rounding, source_coordinate(n, coordinates, axes[2], y), axes[2].in));
    for (int32_t x = 0; x < axes[3].out; ++x)
      columns.push_back(
          nearest_index(n, rounding, source_coordinate(n, coordinates, axes[3], x), axes[3].in));
    gather(n, gather(n, in.tensor, 1, rows, "rows"), 2, columns, "columns", out.tensor);
    return;
  }
  // TFLite's RESIZE_BILINEAR computes ONNX's linear where the scale is the
  // shapes' ratio and the coordinates are one of its three forms.
  bool tflite_form = coordinates == "half_pixel" || coordinates == "align_corners" ||
                     coordinates == "asymmetric" ||
                     (coordinates == "pytorch_half_pixel" && axes[2].out > 1 && axes[3].out > 1);
  for (size_t d = 2; d < 4; ++d)
    tflite_form = tflite_form && axes[d].scale == static_cast<double>(axes[d].out) / axes[d].in;
  if (tflite_form) {
    ir::OpAttrs attrs;
    attrs.align_corners = coordinates == "align_corners";
    attrs.half_pixel_centers = coordinates == "half_pixel" || coordinates == "pytorch_half_pixel";
    n.emit(ir::OpKind::kResizeBilinear,
           {in.tensor, n.add_int32_constant("size", {axes[2].out, axes[3].out})}, {out.tensor},
           attrs);
    return;
  }
  if (t.dtype != KILN_DTYPE_FLOAT32)
    n.unsupported(
        fmt::format("linear resizing of {} with '{}' coordinates at scale {} (float only)",
                    ir::dtype_name(t.dtype), coordinates, axes[2].scale));
  interpolate(n, interpolate(n, in.tensor, 1, axes[2], coordinates, "rows", -1), 2, axes[3],
              coordinates, "columns", out.tensor);
}

}  // namespace

void register_resize_converters(std::map<std::string, Converter>& table) {
  table["Resize"] = convert_resize;
  table["Upsample"] = convert_resize;
}

}  // namespace onnx_import
}  // namespace kiln
