// ONNX shape and data-movement ops: Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Concat, Pad, Constant, Identity, Dropout. Applied to constants,
// they are evaluated here and leave no op behind.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "compiler/import/onnx/context.h"

namespace kiln {
namespace onnx_import {
namespace {

int64_t product(const std::vector<int32_t>& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d) p *= shape[d];
  return p;
}

// Output 0 is input 0 in the ONNX element order with a new shape.
void reshape_to(Node& n, std::vector<int32_t> shape) {
  const ir::Tensor& t = n.input_tensor(0);
  int64_t elements = 1;
  for (int32_t d : shape) elements *= d;
  if (elements != t.elements()) {
    n.invalid(
        fmt::format("cannot reshape {} elements to {}", t.elements(), ir::shape_string(shape)));
  }
  if (t.constant) {
    ir::Tensor c = t;
    c.name = n.output_name(0);
    c.shape = std::move(shape);
    n.graph().tensors.push_back(std::move(c));
    n.alias_output(0, Value{static_cast<int>(n.graph().tensors.size() - 1), false});
    return;
  }
  const Value in = n.plain(n.input(0));
  const Value out = n.define_output(0, t.dtype, std::move(shape), false);
  n.graph().tensors[static_cast<size_t>(out.tensor)].quant =
      n.graph().tensors[static_cast<size_t>(in.tensor)].quant;
  n.emit(ir::OpKind::kReshape, {in.tensor}, {out.tensor});
}

void convert_reshape(Node& n) {
  const std::vector<int32_t> in = n.input_shape(0);
  const std::vector<int64_t> target =
      n.opset() < 5 ? n.attr_ints("shape") : n.int_values(1, "shape");
  const bool allow_zero = n.attr_int("allowzero", 0) != 0;
  std::vector<int32_t> shape(target.size());
  int inferred = -1;
  int64_t known = 1;
  for (size_t d = 0; d < target.size(); ++d) {
    int64_t v = target[d];
    if (v == 0 && !allow_zero) {
      if (d >= in.size())
        n.invalid(fmt::format("shape {} copies dimension {} of a rank-{} input", d, d, in.size()));
      v = in[d];
    }
    if (v == -1) {
      if (inferred >= 0) n.invalid("more than one -1 in the target shape");
      inferred = static_cast<int>(d);
      continue;
    }
    if (v < 0 || v > (int64_t{1} << 30)) n.invalid(fmt::format("target dimension {} is {}", d, v));
    shape[d] = static_cast<int32_t>(v);
    known *= v;
  }
  const int64_t elements = product(in, 0, in.size());
  if (inferred >= 0) {
    if (known == 0 || elements % known != 0)
      n.invalid(fmt::format("cannot infer -1 reshaping {} elements", elements));
    shape[static_cast<size_t>(inferred)] = static_cast<int32_t>(elements / known);
  }
  reshape_to(n, shape);
}

void convert_flatten(Node& n) {
  const std::vector<int32_t> in = n.input_shape(0);
  int64_t axis = n.attr_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(in.size());
  if (axis < 0 || axis > static_cast<int64_t>(in.size()))
    n.invalid(fmt::format("axis {} out of range", axis));
  reshape_to(n, {static_cast<int32_t>(product(in, 0, static_cast<size_t>(axis))),
                 static_cast<int32_t>(product(in, static_cast<size_t>(axis), in.size()))});
}

std::vector<int64_t> axes_of(Node& n) {
  if (n.opset() < 13) return n.attr_ints("axes");
  return n.has_input(1) ? n.int_values(1, "axes") : std::vector<int64_t>{};
}

void convert_squeeze(Node& n) {
  const std::vector<int32_t> in = n.input_shape(0);
  std::set<int32_t> axes;
  for (int64_t a : axes_of(n)) {
    const int32_t axis = normalize_axis(a, in.size());
    if (axis < 0 || in[static_cast<size_t>(axis)] != 1)
      n.invalid(fmt::format("cannot squeeze axis {} of {}", a, ir::shape_string(in)));
    axes.insert(axis);
  }
  std::vector<int32_t> shape;
  for (size_t d = 0; d < in.size(); ++d) {
    const bool squeezed = axes.empty() ? in[d] == 1 : axes.count(static_cast<int32_t>(d)) != 0;
    if (!squeezed) shape.push_back(in[d]);
  }
  reshape_to(n, shape);
}

void convert_unsqueeze(Node& n) {
  const std::vector<int32_t> in = n.input_shape(0);
  const std::vector<int64_t> raw = axes_of(n);
  const size_t rank = in.size() + raw.size();
  std::set<int32_t> axes;
  for (int64_t a : raw) {
    const int32_t axis = normalize_axis(a, rank);
    if (axis < 0 || !axes.insert(axis).second)
      n.invalid(fmt::format("axis {} is out of range or repeated", a));
  }
  std::vector<int32_t> shape;
  size_t next = 0;
  for (size_t d = 0; d < rank; ++d)
    shape.push_back(axes.count(static_cast<int32_t>(d)) ? 1 : in[next++]);
  reshape_to(n, shape);
}

void convert_transpose(Node& n) {
  const std::vector<int32_t> in = n.input_shape(0);
  std::vector<int32_t> perm;
  for (int64_t p : n.attr_ints("perm")) perm.push_back(static_cast<int32_t>(p));
  if (perm.empty()) {
    for (size_t d = in.size(); d-- > 0;) perm.push_back(static_cast<int32_t>(d));
  }
  std::vector<int32_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t d = 0; d < sorted.size(); ++d) {
    if (sorted.size() != in.size() || sorted[d] != static_cast<int32_t>(d)) {
      n.invalid(fmt::format("perm [{}] is not a permutation of {} dims", fmt::join(perm, ","),
                            in.size()));
    }
  }
  const Value v = n.input(0);
  const ir::Tensor& t = n.input_tensor(0);
  if (t.constant) {
    const std::vector<uint8_t> data =
        transpose_data(t.data, t.shape, perm, kiln_dtype_size(t.dtype));
    n.alias_output(0, Value{n.add_constant("transposed", t.dtype, permute_shape(t.shape, perm),
                                           data.data(), data.size()),
                            false});
    return;
  }
  // On a channels-last value, ONNX dim perm[j] is IR dim channels_last_dims[perm[j]].
  std::vector<int32_t> ir_perm = perm;
  if (v.channels_last) {
    const std::vector<int32_t> dims = channels_last_dims(perm.size());
    for (int32_t& p : ir_perm) p = dims[static_cast<size_t>(p)];
  }
  const Value out = n.define_output(0, t.dtype, permute_shape(in, perm), false);
  ir::OpAttrs a;
  a.perm = ir_perm;
  n.emit(ir::OpKind::kTranspose, {v.tensor}, {out.tensor}, a);
}

void convert_concat(Node& n) {
  if (n.num_inputs() == 0) n.invalid("no inputs");
  const std::vector<int32_t> first = n.input_shape(0);
  const int32_t axis = normalize_axis(n.attr_int("axis", n.opset() < 4 ? 1 : 0), first.size());
  if (axis < 0) n.invalid("axis out of range");
  bool image = false, all_constant = true;
  for (size_t i = 0; i < n.num_inputs(); ++i) {
    image = image || n.input(i).channels_last;
    all_constant = all_constant && n.input_tensor(i).constant;
  }
  std::vector<int32_t> shape = first;
  shape[static_cast<size_t>(axis)] = 0;
  std::vector<Value> values;
  for (size_t i = 0; i < n.num_inputs(); ++i) {
    const std::vector<int32_t> s = n.input_shape(i);
    if (s.size() != first.size())
      n.invalid(fmt::format("input {} has rank {}, expected {}", i, s.size(), first.size()));
    for (size_t d = 0; d < s.size(); ++d) {
      if (d != static_cast<size_t>(axis) && s[d] != first[d]) {
        n.invalid(fmt::format("input {} of shape {} does not match {} off the axis", i,
                              ir::shape_string(s), ir::shape_string(first)));
      }
    }
    shape[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
    values.push_back(image ? n.channels_last(n.input(i)) : n.plain(n.input(i)));
  }
  const kiln_dtype dtype = n.input_tensor(0).dtype;
  if (all_constant) {
    // Joined on the host: rows of each input side by side.
    const int64_t outer = product(first, 0, static_cast<size_t>(axis));
    std::vector<uint8_t> data;
    for (int64_t row = 0; row < outer; ++row) {
      for (size_t i = 0; i < values.size(); ++i) {
        const ir::Tensor& t = n.graph().tensors[static_cast<size_t>(values[i].tensor)];
        const size_t row_bytes = t.data.size() / static_cast<size_t>(std::max<int64_t>(1, outer));
        data.insert(data.end(), t.data.begin() + static_cast<std::ptrdiff_t>(row * row_bytes),
                    t.data.begin() + static_cast<std::ptrdiff_t>((row + 1) * row_bytes));
      }
    }
    n.alias_output(0,
                   Value{n.add_constant("joined", dtype, shape, data.data(), data.size()), false});
    return;
  }
  std::vector<int> inputs;
  for (const Value& v : values) inputs.push_back(v.tensor);
  ir::OpAttrs a;
  a.axis = image ? channels_last_dims(shape.size())[static_cast<size_t>(axis)] : axis;
  const Value out = n.define_output(0, dtype, image ? channels_last_shape(shape) : shape, image);
  n.emit(ir::OpKind::kConcatenation, inputs, {out.tensor}, a);
}

void convert_pad(Node& n) {
  const std::string mode = n.attr_string("mode", "constant");
  if (mode != "constant")
    n.unsupported(fmt::format("mode '{}' is not supported (only 'constant')", mode));
  const std::vector<int32_t> in = n.input_shape(0);
  std::vector<int64_t> pads;
  float value = 0.0f;
  if (n.opset() < 11) {
    pads = n.attr_ints(n.opset() < 2 ? "paddings" : "pads");
    value = n.attr_float("value", 0.0f);
  } else {
    pads = n.int_values(1, "pads");
    if (n.has_input(2)) value = n.float_values(2, "constant_value").at(0);
    if (n.has_input(3)) n.unsupported("the axes input is not supported");
  }
  if (pads.size() != 2 * in.size())
    n.invalid(fmt::format("{} pads for rank {}", pads.size(), in.size()));
  for (int64_t p : pads) {
    if (p < 0) n.unsupported("negative pads (cropping) are not supported");
    if (p > (1 << 16)) n.invalid(fmt::format("pad {} is too large", p));
  }
  const Value v = n.input(0);
  const ir::Tensor& t = n.input_tensor(0);
  const size_t rank = in.size();
  // IR dim d is ONNX dim inverse(channels_last_dims)[d] on a channels-last value.
  const std::vector<int32_t> onnx_dim = ir::inverse_permutation(channels_last_dims(rank));
  std::vector<int32_t> paddings(2 * rank), out_shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    const size_t src = v.channels_last ? static_cast<size_t>(onnx_dim[d]) : d;
    paddings[2 * d] = static_cast<int32_t>(pads[src]);
    paddings[2 * d + 1] = static_cast<int32_t>(pads[src + rank]);
    out_shape[d] = t.shape[d] + paddings[2 * d] + paddings[2 * d + 1];
  }
  const int pad_tensor =
      n.add_constant("paddings", KILN_DTYPE_INT32, {static_cast<int32_t>(rank), 2}, paddings.data(),
                     paddings.size() * 4);
  std::vector<int> inputs = {v.tensor, pad_tensor};
  if (value != 0.0f) inputs.push_back(n.add_float_constant("pad_value", {}, {value}));
  const Value out = n.define_output(0, t.dtype, out_shape, v.channels_last);
  n.emit(ir::OpKind::kPad, inputs, {out.tensor});
}

void convert_constant(Node& n) {
  ir::Tensor t;
  if (const onnx::TensorProto* proto = n.attr_tensor("value")) {
    t = tensor_from_proto(*proto, n.where());
  } else if (n.has_attr("value_float") || n.has_attr("value_floats")) {
    const std::vector<float> values = n.has_attr("value_float")
                                          ? std::vector<float>{n.attr_float("value_float", 0.0f)}
                                          : n.attr_floats("value_floats");
    t.dtype = KILN_DTYPE_FLOAT32;
    if (n.has_attr("value_floats")) t.shape = {static_cast<int32_t>(values.size())};
    t.data.resize(values.size() * 4);
    std::memcpy(t.data.data(), values.data(), t.data.size());
  } else if (n.has_attr("value_int") || n.has_attr("value_ints")) {
    const std::vector<int64_t> values = n.has_attr("value_int")
                                            ? std::vector<int64_t>{n.attr_int("value_int", 0)}
                                            : n.attr_ints("value_ints");
    t.dtype = KILN_DTYPE_INT64;
    if (n.has_attr("value_ints")) t.shape = {static_cast<int32_t>(values.size())};
    t.data.resize(values.size() * 8);
    std::memcpy(t.data.data(), values.data(), t.data.size());
  } else {
    n.unsupported("only value, value_float(s) and value_int(s) constants are supported");
  }
  t.name = n.output_name(0);
  t.constant = true;
  n.graph().tensors.push_back(std::move(t));
  n.alias_output(0, Value{static_cast<int>(n.graph().tensors.size() - 1), false});
}

// Cast: constants are converted on the host; an activation cast to its own
// type is the activation itself, to another a CAST.
void convert_cast(Node& n) {
  const int64_t to = n.attr_int("to", 0);
  const kiln_dtype dtype = dtype_from_onnx(static_cast<int32_t>(to));
  const ir::Tensor t = n.input_tensor(0);
  if (!t.constant) {
    // A uint8 tensor held as int8 (zero point - 128) casts to uint8 as itself.
    const bool same = dtype == t.dtype || (dtype == KILN_DTYPE_UINT8 && n.input(0).as_uint8);
    if (same) return n.alias_output(0, n.input(0));
    if (dtype == KILN_DTYPE_COUNT || n.input(0).as_uint8)
      n.unsupported(fmt::format("casting the activation '{}' from {} to ONNX type {}", t.name,
                                n.input(0).as_uint8 ? "uint8" : ir::dtype_name(t.dtype), to));
    const Value out = n.define_output(0, dtype, t.shape, n.input(0).channels_last);
    n.emit(ir::OpKind::kCast, {n.input(0).tensor}, {out.tensor});
    return;
  }
  auto value = [&t](int64_t i) -> double {
    switch (t.dtype) {
      case KILN_DTYPE_FLOAT32: return t.as<float>()[i];
      case KILN_DTYPE_INT8: return t.as<int8_t>()[i];
      case KILN_DTYPE_UINT8: return t.as<uint8_t>()[i];
      case KILN_DTYPE_INT16: return t.as<int16_t>()[i];
      case KILN_DTYPE_INT32: return t.as<int32_t>()[i];
      case KILN_DTYPE_INT64: return static_cast<double>(t.as<int64_t>()[i]);
      default: return 0.0;
    }
  };
  const int64_t count = t.elements();
  std::vector<uint8_t> data(static_cast<size_t>(count) * kiln_dtype_size(dtype));
  for (int64_t i = 0; i < count; ++i) {
    const double v = value(i);
    uint8_t* dst = data.data() + static_cast<size_t>(i) * kiln_dtype_size(dtype);
    switch (dtype) {
      case KILN_DTYPE_FLOAT32: {
        const float f = static_cast<float>(v);
        std::memcpy(dst, &f, 4);
        break;
      }
      case KILN_DTYPE_INT32: {
        const int32_t x = static_cast<int32_t>(v);
        std::memcpy(dst, &x, 4);
        break;
      }
      case KILN_DTYPE_INT64: {
        const int64_t x = static_cast<int64_t>(v);
        std::memcpy(dst, &x, 8);
        break;
      }
      default: n.unsupported(fmt::format("casting constants to ONNX type {}", to));
    }
  }
  n.alias_output(0, Value{n.add_constant("cast", dtype, t.shape, data.data(), data.size()), false});
}

// ConstantOfShape of a constant shape: a constant filled with `value`.
void convert_constant_of_shape(Node& n) {
  std::vector<int32_t> shape;
  for (int64_t d : n.int_values(0, "shape")) {
    if (d < 0 || d > (1 << 30)) n.invalid(fmt::format("dimension {} is out of range", d));
    shape.push_back(static_cast<int32_t>(d));
  }
  ir::Tensor fill;
  if (const onnx::TensorProto* value = n.attr_tensor("value")) {
    fill = tensor_from_proto(*value, n.where());
  } else {
    fill.dtype = KILN_DTYPE_FLOAT32;
    fill.data.assign(4, 0);
  }
  const size_t size = kiln_dtype_size(fill.dtype);
  if (fill.data.size() != size) n.invalid("value must hold one element");
  int64_t count = 1;
  for (int32_t d : shape) count *= d;
  if (count * static_cast<int64_t>(size) > static_cast<int64_t>(ir::kMaxTensorBytes))
    n.invalid("the constant is too large");
  std::vector<uint8_t> data;
  for (int64_t i = 0; i < count; ++i) data.insert(data.end(), fill.data.begin(), fill.data.end());
  n.alias_output(
      0, Value{n.add_constant("filled", fill.dtype, shape, data.data(), data.size()), false});
}

void convert_identity(Node& n) { n.alias_output(0, n.input(0)); }

// Dropout at inference: the input, and a mask (if asked for) of all true.
void convert_dropout(Node& n) {
  if (n.num_outputs() > 1 && !n.output_name(1).empty()) {
    const std::vector<int32_t> shape = n.input_shape(0);
    const std::vector<uint8_t> ones(static_cast<size_t>(n.input_tensor(0).elements()), 1);
    n.alias_output(
        1, Value{n.add_constant("mask", KILN_DTYPE_BOOL, shape, ones.data(), ones.size()), false});
  }
  n.alias_output(0, n.input(0));
}

}  // namespace

void register_tensor_converters(std::map<std::string, Converter>& table) {
  table["Reshape"] = convert_reshape;
  table["Flatten"] = convert_flatten;
  table["Squeeze"] = convert_squeeze;
  table["Unsqueeze"] = convert_unsqueeze;
  table["Transpose"] = convert_transpose;
  table["Concat"] = convert_concat;
  table["Pad"] = convert_pad;
  table["Constant"] = convert_constant;
  table["Identity"] = convert_identity;
  table["Cast"] = convert_cast;
  table["ConstantOfShape"] = convert_constant_of_shape;
  table["Dropout"] = convert_dropout;
}

}  // namespace onnx_import
}  // namespace kiln
