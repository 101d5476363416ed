#include "compiler/import/onnx/importer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "compiler/common/error.h"
#include "compiler/import/onnx/context.h"
#include "compiler/ops/op_record.h"

namespace kiln {
namespace onnx_import {

// ---- values, shapes and constants ----

int32_t normalize_axis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) return -1;
  return static_cast<int32_t>(axis < 0 ? axis + r : axis);
}

std::vector<int32_t> channels_last_dims(size_t rank) {
  std::vector<int32_t> dims(rank);
  for (size_t i = 0; i < rank; ++i)
    dims[i] = i == 0 ? 0 : (i == 1 ? static_cast<int32_t>(rank) - 1 : static_cast<int32_t>(i) - 1);
  return dims;
}

std::vector<int32_t> channels_last_shape(const std::vector<int32_t>& onnx_shape) {
  return permute_shape(onnx_shape, ir::inverse_permutation(channels_last_dims(onnx_shape.size())));
}

kiln_dtype dtype_from_onnx(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT: return KILN_DTYPE_FLOAT32;
    case onnx::TensorProto::UINT8: return KILN_DTYPE_UINT8;
    case onnx::TensorProto::BOOL: return KILN_DTYPE_BOOL;
    case onnx::TensorProto::INT8: return KILN_DTYPE_INT8;
    case onnx::TensorProto::INT16: return KILN_DTYPE_INT16;
    case onnx::TensorProto::INT32: return KILN_DTYPE_INT32;
    case onnx::TensorProto::INT64: return KILN_DTYPE_INT64;
    default: return KILN_DTYPE_COUNT;
  }
}

namespace {

std::string onnx_type_name(int32_t elem_type) {
  if (onnx::TensorProto::DataType_IsValid(elem_type)) {
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem_type));
  }
  return fmt::format("data type {}", elem_type);
}

// Typed-field payloads, converted element by element.
template <typename From, typename To, typename Field>
void copy_field(const Field& field, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(field.size()) * sizeof(To));
  for (int i = 0; i < field.size(); ++i) {
    const To v = static_cast<To>(static_cast<From>(field.Get(i)));
    std::memcpy(&out[static_cast<size_t>(i) * sizeof(To)], &v, sizeof(To));
  }
}

// IEEE half to float (subnormals, infinities and NaN included).
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude =
        mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// A double or float16 tensor's values as float32 bytes.
std::vector<uint8_t> widened_to_float(const onnx::TensorProto& proto, int32_t type,
                                      const std::string& where) {
  std::vector<float> values;
  const bool half = type == onnx::TensorProto::FLOAT16;
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    const size_t width = half ? 2 : 8;
    for (size_t i = 0; i + width <= raw.size(); i += width) {
      if (half) {
        uint16_t h;
        std::memcpy(&h, raw.data() + i, 2);
        values.push_back(half_to_float(h));
      } else {
        double d;
        std::memcpy(&d, raw.data() + i, 8);
        values.push_back(static_cast<float>(d));
      }
    }
    if (raw.size() % width != 0) {
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{}: tensor '{}' holds {} bytes, not whole {}-byte elements", where,
                              proto.name(), raw.size(), width));
    }
  } else if (half) {
    for (int32_t bits : proto.int32_data())
      values.push_back(half_to_float(static_cast<uint16_t>(bits)));
  } else {
    for (double d : proto.double_data()) values.push_back(static_cast<float>(d));
  }
  std::vector<uint8_t> bytes(values.size() * 4);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

ir::Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where) {
  ir::Tensor t;
  t.name = proto.name();
  t.constant = true;
  for (int64_t d : proto.dims()) {
    if (d < 0 || d > std::numeric_limits<int32_t>::max()) {
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{}: tensor '{}' has dimension {}", where, t.name, d));
    }
    t.shape.push_back(static_cast<int32_t>(d));
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0) {
    throw Error(
        ErrorKind::kUnsupported,
        fmt::format("{}: tensor '{}' keeps its data in an external file, which kiln does not read",
                    where, t.name));
  }
  const int32_t type = proto.data_type();
  // Doubles and halves become float32: kiln's float kernels are single precision.
  const bool widened = type == onnx::TensorProto::DOUBLE || type == onnx::TensorProto::FLOAT16;
  t.dtype = widened ? KILN_DTYPE_FLOAT32 : dtype_from_onnx(type);
  if (t.dtype == KILN_DTYPE_COUNT) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: tensor '{}' has type {}, which kiln does not support", where,
                            t.name, onnx_type_name(type)));
  }
  const int64_t elements = t.elements();
  if (elements < 0 || t.bytes() > ir::kMaxTensorBytes) {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: tensor '{}' of shape {} is too large", where,
                                                  t.name, ir::shape_string(t.shape)));
  }
  if (widened) {
    t.data = widened_to_float(proto, type, where);
  } else if (proto.has_raw_data()) {
    t.data.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (type) {
      case onnx::TensorProto::FLOAT: copy_field<float, float>(proto.float_data(), t.data); break;
      case onnx::TensorProto::INT64:
        copy_field<int64_t, int64_t>(proto.int64_data(), t.data);
        break;
      case onnx::TensorProto::INT32:
        copy_field<int32_t, int32_t>(proto.int32_data(), t.data);
        break;
      case onnx::TensorProto::INT16:
        copy_field<int32_t, int16_t>(proto.int32_data(), t.data);
        break;
      case onnx::TensorProto::INT8: copy_field<int32_t, int8_t>(proto.int32_data(), t.data); break;
      case onnx::TensorProto::UINT8:
      case onnx::TensorProto::BOOL: copy_field<int32_t, uint8_t>(proto.int32_data(), t.data); break;
      default: break;
    }
  }
  if (t.data.size() != t.bytes()) {
    throw Error(
        ErrorKind::kBadModel,
        fmt::format("{}: tensor '{}' holds {} bytes, its shape {} of {} needs {}", where, t.name,
                    t.data.size(), ir::shape_string(t.shape), ir::dtype_name(t.dtype), t.bytes()));
  }
  return t;
}

// ---- Node ----

std::string Node::where() const {
  return proto_.name().empty() ? fmt::format("node {} ({})", index_, op_type())
                               : fmt::format("node {} '{}' ({})", index_, proto_.name(), op_type());
}

int64_t Node::opset() const { return im_.opset(); }
ir::Graph& Node::graph() { return im_.graph(); }

void Node::unsupported(const std::string& what) const {
  throw Error(ErrorKind::kUnsupported, fmt::format("{}: {}: {}", im_.label(), where(), what));
}

void Node::invalid(const std::string& what) const {
  throw Error(ErrorKind::kBadModel, fmt::format("{}: {}: {}", im_.label(), where(), what));
}

const onnx::AttributeProto* Node::find_attr(const std::string& name) const {
  for (const onnx::AttributeProto& a : proto_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const onnx::AttributeProto& Node::attr_of_type(const std::string& name,
                                               onnx::AttributeProto::AttributeType type) const {
  const onnx::AttributeProto* a = find_attr(name);
  // Files from before the 'type' field leave it unset; trust the payload then.
  if (a->type() != onnx::AttributeProto::UNDEFINED && a->type() != type) {
    invalid(fmt::format("attribute '{}' is {}, expected {}", name,
                        onnx::AttributeProto::AttributeType_Name(a->type()),
                        onnx::AttributeProto::AttributeType_Name(type)));
  }
  return *a;
}

int64_t Node::attr_int(const std::string& name, int64_t fallback) const {
  return has_attr(name) ? attr_of_type(name, onnx::AttributeProto::INT).i() : fallback;
}

float Node::attr_float(const std::string& name, float fallback) const {
  return has_attr(name) ? attr_of_type(name, onnx::AttributeProto::FLOAT).f() : fallback;
}

std::string Node::attr_string(const std::string& name, const std::string& fallback) const {
  return has_attr(name) ? attr_of_type(name, onnx::AttributeProto::STRING).s() : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& name,
                                     const std::vector<int64_t>& fallback) const {
  if (!has_attr(name)) return fallback;
  const onnx::AttributeProto& a = attr_of_type(name, onnx::AttributeProto::INTS);
  return std::vector<int64_t>(a.ints().begin(), a.ints().end());
}

std::vector<float> Node::attr_floats(const std::string& name) const {
  if (!has_attr(name)) return {};
  const onnx::AttributeProto& a = attr_of_type(name, onnx::AttributeProto::FLOATS);
  return std::vector<float>(a.floats().begin(), a.floats().end());
}

std::vector<std::string> Node::attr_strings(const std::string& name) const {
  if (!has_attr(name)) return {};
  const onnx::AttributeProto& a = attr_of_type(name, onnx::AttributeProto::STRINGS);
  return std::vector<std::string>(a.strings().begin(), a.strings().end());
}

const onnx::TensorProto* Node::attr_tensor(const std::string& name) const {
  return has_attr(name) ? &attr_of_type(name, onnx::AttributeProto::TENSOR).t() : nullptr;
}

Value Node::input(size_t i) const {
  if (!has_input(i)) invalid(fmt::format("input {} is missing", i));
  const auto rebound = overrides_.find(i);
  if (rebound != overrides_.end()) return rebound->second;
  const std::string& name = proto_.input(static_cast<int>(i));
  if (!im_.has_value(name))
    invalid(fmt::format("input {} '{}' is not produced by any earlier node", i, name));
  return im_.value(name);
}

ir::Tensor Node::input_tensor(size_t i) const {
  return im_.graph().tensors[static_cast<size_t>(input(i).tensor)];
}

std::vector<int32_t> Node::input_shape(size_t i) const {
  const Value v = input(i);
  const std::vector<int32_t>& shape = im_.graph().tensors[static_cast<size_t>(v.tensor)].shape;
  return v.channels_last ? permute_shape(shape, channels_last_dims(shape.size())) : shape;
}

ir::Tensor Node::constant_input(size_t i, const char* role) const {
  ir::Tensor t = input_tensor(i);
  if (!t.constant) {
    unsupported(fmt::format("{} '{}' must be a constant (an initializer or a Constant node)", role,
                            proto_.input(static_cast<int>(i))));
  }
  return t;
}

Node::ConstantOperand Node::constant_operand(size_t i, const char* role) const {
  const Value v = input(i);
  const auto dequantized = im_.dequantized_constants().find(v.tensor);
  if (dequantized != im_.dequantized_constants().end()) {
    return {im_.graph().tensors[static_cast<size_t>(dequantized->second)], true};
  }
  return {constant_input(i, role), false};
}

bool Node::has_constant_operand(size_t i) const {
  const Value v = input(i);
  return im_.graph().tensors[static_cast<size_t>(v.tensor)].constant ||
         im_.dequantized_constants().count(v.tensor) != 0;
}

int Node::float_operand(const std::string& suffix, const ConstantOperand& c) {
  const int constant = add_constant(suffix, c.tensor.dtype, c.tensor.shape, c.tensor.data.data(),
                                    c.tensor.data.size());
  im_.graph().tensors[static_cast<size_t>(constant)].quant = c.tensor.quant;
  if (!c.quantized) return constant;
  const int values = add_intermediate(suffix + "_dequantized", KILN_DTYPE_FLOAT32, c.tensor.shape);
  emit(ir::OpKind::kDequantize, {constant}, {values}).type_name = "DEQUANTIZE";
  im_.dequantized_constants()[values] = constant;
  return values;
}

std::vector<int64_t> Node::int_values(size_t i, const char* role) const {
  const ir::Tensor t = constant_input(i, role);
  std::vector<int64_t> out(static_cast<size_t>(t.elements()));
  for (size_t k = 0; k < out.size(); ++k) {
    if (t.dtype == KILN_DTYPE_INT64) {
      out[k] = t.as<int64_t>()[k];
    } else if (t.dtype == KILN_DTYPE_INT32) {
      out[k] = t.as<int32_t>()[k];
    } else {
      invalid(fmt::format("{} '{}' must be int32 or int64, not {}", role, t.name,
                          ir::dtype_name(t.dtype)));
    }
  }
  return out;
}

std::vector<float> Node::float_values(size_t i, const char* role) const {
  const ir::Tensor t = constant_input(i, role);
  if (t.dtype != KILN_DTYPE_FLOAT32)
    unsupported(
        fmt::format("{} '{}' must be float, not {}", role, t.name, ir::dtype_name(t.dtype)));
  return std::vector<float>(t.as<float>(), t.as<float>() + t.elements());
}

const std::string& Node::output_name(size_t i) const {
  if (i >= num_outputs())
    invalid(fmt::format("output {} is missing (the node has {})", i, num_outputs()));
  return proto_.output(static_cast<int>(i));
}

Value Node::define_output(size_t i, kiln_dtype dtype, std::vector<int32_t> shape,
                          bool channels_last) {
  ir::Tensor t;
  t.name = output_name(i);
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (t.elements() < 0 || t.bytes() > ir::kMaxTensorBytes) {
    invalid(fmt::format("output '{}' of shape {} is too large", t.name, ir::shape_string(t.shape)));
  }
  im_.graph().tensors.push_back(std::move(t));
  const Value v{static_cast<int>(im_.graph().tensors.size() - 1), channels_last};
  im_.bind(output_name(i), v);
  return v;
}

void Node::alias_output(size_t i, Value v) { im_.bind(output_name(i), v); }

ir::Op& Node::emit(ir::OpKind kind, std::vector<int> inputs, std::vector<int> outputs,
                   ir::OpAttrs attrs) {
  ir::Op op;
  op.kind = kind;
  op.type_name = op_type();
  op.location = where();
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.attrs = std::move(attrs);
  im_.graph().ops.push_back(std::move(op));
  return im_.graph().ops.back();
}

int Node::add_constant(const std::string& suffix, kiln_dtype dtype, std::vector<int32_t> shape,
                       const void* data, size_t bytes) {
  ir::Tensor t;
  t.name = (num_outputs() > 0 ? output_name(0) : where()) + "/" + suffix;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.constant = true;
  t.data.resize(bytes);
  if (bytes) std::memcpy(t.data.data(), data, bytes);
  im_.graph().tensors.push_back(std::move(t));
  return static_cast<int>(im_.graph().tensors.size() - 1);
}

int Node::add_float_constant(const std::string& suffix, std::vector<int32_t> shape,
                             const std::vector<float>& values) {
  return add_constant(suffix, KILN_DTYPE_FLOAT32, std::move(shape), values.data(),
                      values.size() * sizeof(float));
}

int Node::add_int32_constant(const std::string& suffix, const std::vector<int32_t>& values) {
  return add_constant(suffix, KILN_DTYPE_INT32, {static_cast<int32_t>(values.size())},
                      values.data(), values.size() * sizeof(int32_t));
}

int Node::add_intermediate(const std::string& suffix, kiln_dtype dtype,
                           std::vector<int32_t> shape) {
  ir::Tensor t;
  t.name = (num_outputs() > 0 ? output_name(0) : where()) + "/" + suffix;
  t.dtype = dtype;
  t.shape = std::move(shape);
  im_.graph().tensors.push_back(std::move(t));
  return static_cast<int>(im_.graph().tensors.size() - 1);
}

int Node::transpose(int tensor, const std::vector<int32_t>& perm, const std::string& suffix) {
  const ir::Tensor& t = im_.graph().tensors[static_cast<size_t>(tensor)];
  ir::Tensor out;
  out.name = t.name + "/" + suffix;
  out.dtype = t.dtype;
  out.shape = permute_shape(t.shape, perm);
  out.quant = t.quant;
  if (t.constant) {
    out.constant = true;
    out.data = transpose_data(t.data, t.shape, perm, kiln_dtype_size(t.dtype));
  }
  im_.graph().tensors.push_back(std::move(out));
  const int index = static_cast<int>(im_.graph().tensors.size() - 1);
  if (!im_.graph().tensors[static_cast<size_t>(index)].constant) {
    ir::OpAttrs a;
    a.perm = perm;
    emit(ir::OpKind::kTranspose, {tensor}, {index}, a).type_name = "TRANSPOSE";
  }
  return index;
}

int Node::reshape(int tensor, std::vector<int32_t> shape, const std::string& suffix) {
  ir::Tensor out = im_.graph().tensors[static_cast<size_t>(tensor)];
  out.name += "/" + suffix;
  out.shape = std::move(shape);
  const bool constant = out.constant;
  im_.graph().tensors.push_back(std::move(out));
  const int index = static_cast<int>(im_.graph().tensors.size() - 1);
  if (!constant) emit(ir::OpKind::kReshape, {tensor}, {index}).type_name = "RESHAPE";
  return index;
}

Value Node::plain(Value v) {
  if (!v.channels_last) return v;
  auto cached = im_.plain_cache().find(v.tensor);
  if (cached != im_.plain_cache().end()) return cached->second;
  const size_t rank = im_.graph().tensors[static_cast<size_t>(v.tensor)].shape.size();
  const Value result{transpose(v.tensor, channels_last_dims(rank), "channels_first"), false,
                     v.as_uint8};
  im_.plain_cache()[v.tensor] = result;
  return result;
}

Value Node::channels_last(Value v) {
  if (v.channels_last) return v;
  const ir::Tensor& t = im_.graph().tensors[static_cast<size_t>(v.tensor)];
  if (t.shape.size() != 3 && t.shape.size() != 4) {
    invalid(fmt::format("'{}' has shape {}, expected an NCL or NCHW activation", t.name,
                        ir::shape_string(t.shape)));
  }
  auto cached = im_.channels_last_cache().find(v.tensor);
  if (cached != im_.channels_last_cache().end()) return cached->second;
  const std::vector<int32_t> perm = ir::inverse_permutation(channels_last_dims(t.shape.size()));
  const Value result{transpose(v.tensor, perm, "channels_last"), true, v.as_uint8};
  im_.channels_last_cache()[v.tensor] = result;
  return result;
}

// ---- Importer ----

namespace {

const std::map<std::string, Converter>& converters() {
  static const std::map<std::string, Converter> table = [] {
    std::map<std::string, Converter> t;
    register_nn_converters(t);
    register_math_converters(t);
    register_tensor_converters(t);
    register_quant_converters(t);
    register_slicing_converters(t);
    register_resize_converters(t);
    register_recurrent_converters(t);
    return t;
  }();
  return table;
}

}  // namespace

std::vector<std::string> supported_op_types(std::vector<std::string>* converted) {
  std::set<std::string> types;
  for (const auto& [type, converter] : converters()) {
    types.insert(type);
    if (converted) converted->push_back(type);
  }
  for (int k = 0; k < static_cast<int>(ir::OpKind::kUnsupported); ++k) {
    const OpRecord* record = find_op_record(static_cast<ir::OpKind>(k));
    if (!record) continue;
    for (const char* type : record->onnx.op_types) {
      if (type) types.insert(type);
    }
  }
  return {types.begin(), types.end()};
}

void Importer::import_initializers() {
  const onnx::GraphProto& g = model_.graph();
  for (const onnx::TensorProto& init : g.initializer()) {
    graph_.tensors.push_back(
        tensor_from_proto(init, fmt::format("{}: initializer '{}'", label_, init.name())));
    values_[init.name()] = Value{static_cast<int>(graph_.tensors.size() - 1), false};
  }
}

void Importer::import_inputs() {
  const onnx::GraphProto& g = model_.graph();
  for (const onnx::ValueInfoProto& in : g.input()) {
    if (values_.count(in.name())) continue;  // an initializer listed as an input (IR version < 4)
    const std::string where = fmt::format("{}: graph input '{}'", label_, in.name());
    if (!in.type().has_tensor_type())
      throw Error(ErrorKind::kUnsupported, where + " is not a tensor");
    const onnx::TypeProto::Tensor& tt = in.type().tensor_type();
    ir::Tensor t;
    t.name = in.name();
    t.dtype = dtype_from_onnx(tt.elem_type());
    if (t.dtype == KILN_DTYPE_COUNT) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{} has type {}, which kiln does not support", where,
                              onnx_type_name(tt.elem_type())));
    }
    if (!tt.has_shape())
      throw Error(ErrorKind::kUnsupported, where + " has no shape; kiln needs static shapes");
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const onnx::TensorShapeProto::Dimension& dim = tt.shape().dim(d);
      if (dim.has_dim_value()) {
        if (dim.dim_value() <= 0 || dim.dim_value() > std::numeric_limits<int32_t>::max()) {
          throw Error(ErrorKind::kUnsupported,
                      fmt::format("{} has dimension {} of size {}; kiln needs non-empty tensors",
                                  where, d, dim.dim_value()));
        }
        t.shape.push_back(static_cast<int32_t>(dim.dim_value()));
      } else if (d == 0) {
        t.shape.push_back(1);  // a symbolic batch: kiln runs one sample at a time
      } else {
        throw Error(
            ErrorKind::kUnsupported,
            fmt::format("{} has no fixed size in dimension {} ('{}'); kiln needs static shapes",
                        where, d, dim.dim_param()));
      }
    }
    if (t.elements() < 0 || t.bytes() > ir::kMaxTensorBytes) {
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{} of shape {} is too large", where, ir::shape_string(t.shape)));
    }
    // 4-D float inputs are images: kiln takes them NHWC.
    const bool image = t.shape.size() == 4 && t.dtype == KILN_DTYPE_FLOAT32;
    if (image) t.shape = channels_last_shape(t.shape);
    graph_.tensors.push_back(std::move(t));
    const int index = static_cast<int>(graph_.tensors.size() - 1);
    values_[in.name()] = Value{index, image};
    graph_.inputs.push_back(index);
    graph_.input_source_perm.push_back(image ? channels_last_dims(4) : std::vector<int32_t>{});
  }
}

void Importer::import_outputs() {
  for (const onnx::ValueInfoProto& out : model_.graph().output()) {
    if (!values_.count(out.name())) {
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{}: graph output '{}' is never computed", label_, out.name()));
    }
    const Value v = values_.at(out.name());
    if (graph_.tensors[static_cast<size_t>(v.tensor)].constant) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: graph output '{}' is a constant", label_, out.name()));
    }
    int tensor = v.tensor;
    // uint8 results are held as int8 (zero point - 128): convert back.
    if (out.type().tensor_type().elem_type() == onnx::TensorProto::UINT8 &&
        graph_.tensors[static_cast<size_t>(tensor)].dtype == KILN_DTYPE_INT8) {
      ir::Tensor u = graph_.tensors[static_cast<size_t>(tensor)];
      graph_.tensors[static_cast<size_t>(tensor)].name += "/int8";
      u.dtype = KILN_DTYPE_UINT8;
      for (int64_t& zp : u.quant.zero_points) zp += 128;
      graph_.tensors.push_back(std::move(u));
      const int converted = static_cast<int>(graph_.tensors.size() - 1);
      ir::Op op;
      op.kind = ir::OpKind::kQuantize;
      op.type_name = "QUANTIZE";
      op.location = fmt::format("graph output '{}'", out.name());
      op.inputs = {tensor};
      op.outputs = {converted};
      graph_.ops.push_back(std::move(op));
      tensor = converted;
    }
    graph_.outputs.push_back(tensor);
    const size_t rank = graph_.tensors[static_cast<size_t>(tensor)].shape.size();
    graph_.output_source_perm.push_back(v.channels_last ? channels_last_dims(rank)
                                                        : std::vector<int32_t>{});
  }
}

ir::Graph Importer::run() {
  if (!model_.has_graph()) throw Error(ErrorKind::kBadModel, label_ + ": the model has no graph");
  for (const onnx::OperatorSetIdProto& set : model_.opset_import()) {
    if (set.domain().empty() || set.domain() == "ai.onnx") opset_ = set.version();
  }
  if (opset_ < 7) {
    // The legacy attributes of older opsets (consumed_inputs, broadcast) are
    // read where they matter; anything older than opset 1 is not ONNX.
    if (opset_ < 1)
      throw Error(ErrorKind::kBadModel, fmt::format("{}: opset {} is not valid", label_, opset_));
  }
  import_initializers();
  import_inputs();
  const NodeList nodes = nodes_with_patterns_fused(model_.graph());
  for (const auto& [i, node_proto] : nodes.nodes) {
    const onnx::NodeProto& proto = *node_proto;
    Node node(*this, proto, i);
    if (!proto.domain().empty() && proto.domain() != "ai.onnx") {
      node.unsupported(
          fmt::format("op '{}' of domain '{}' is not supported", proto.op_type(), proto.domain()));
    }
    const auto it = converters().find(proto.op_type());
    if (it != converters().end()) {
      it->second(node);
    } else if (const OpRecord* record = find_onnx_record(proto.op_type())) {
      convert_by_record(node, *record);
    } else {
      node.unsupported(fmt::format("kiln does not support the ONNX op '{}'", proto.op_type()));
    }
    for (int o = 0; o < proto.output_size(); ++o) {
      if (!proto.output(o).empty() && !values_.count(proto.output(o))) {
        node.unsupported(fmt::format("output {} '{}' is not supported", o, proto.output(o)));
      }
    }
  }
  import_outputs();
  return std::move(graph_);
}

}  // namespace onnx_import

namespace onnx_import {

bool looks_like_onnx(const uint8_t* data, size_t size) {
  if (size == 0 || size > static_cast<size_t>(std::numeric_limits<int>::max())) return false;
  onnx::ModelProto model;
  return model.ParseFromArray(data, static_cast<int>(size)) && model.has_graph() &&
         model.ir_version() > 0;
}

ir::Graph import_onnx(const uint8_t* data, size_t size, const std::string& label) {
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: {} bytes is beyond protobuf's 2 GiB limit", label, size));
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(data, static_cast<int>(size))) {
    throw Error(ErrorKind::kBadModel,
                fmt::format("{}: not an ONNX model (protobuf parsing failed)", label));
  }
  ir::Graph g = Importer(model, label).run();
  ir::verify(g);
  return g;
}

}  // namespace onnx_import
}  // namespace kiln
