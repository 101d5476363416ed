#include "compiler/export/tflite_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "compiler/common/error.h"
#include "compiler/lower/lowering.h"
#include "compiler/ops/op_record.h"
#include "compiler/tflite/builtin_names.h"
#include "compiler/tflite/operator_io.h"

namespace kiln {
namespace {

namespace fb = ::kiln::tflite;

fb::TensorType tensor_type(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: return fb::TensorType_FLOAT32;
    case KILN_DTYPE_INT8: return fb::TensorType_INT8;
    case KILN_DTYPE_INT16: return fb::TensorType_INT16;
    case KILN_DTYPE_INT32: return fb::TensorType_INT32;
    case KILN_DTYPE_INT64: return fb::TensorType_INT64;
    case KILN_DTYPE_UINT8: return fb::TensorType_UINT8;
    case KILN_DTYPE_BOOL: return fb::TensorType_BOOL;
    case KILN_DTYPE_UINT32: return fb::TensorType_UINT32;
    case KILN_DTYPE_UINT64: return fb::TensorType_UINT64;
    default: throw Error(ErrorKind::kUnsupported, "tensor type has no TFLite equivalent");
  }
}

// An int4 tensor's values two to a byte, the first in the low nibble, as
// TFLite stores INT4; nullopt when it is not int4 or a value left [-8, 7].
std::optional<std::vector<uint8_t>> int4_packed(const ir::Tensor& t) {
  if (!t.int4 || !t.constant || t.dtype != KILN_DTYPE_INT8) return std::nullopt;
  std::vector<uint8_t> packed((t.data.size() + 1) / 2, 0);
  for (size_t i = 0; i < t.data.size(); ++i) {
    const auto v = static_cast<int8_t>(t.data[i]);
    if (v < -8 || v > 7) return std::nullopt;
    packed[i / 2] |= static_cast<uint8_t>((v & 0x0F) << (i % 2 == 0 ? 0 : 4));
  }
  return packed;
}

int builtin_of(const ir::Op& op) {
  const OpRecord* record = find_op_record(op.kind);
  if (!record) {
    const int code = tflite_format::builtin_code(op.type_name);
    if (code < 0)
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("op '{}' has no TFLite builtin", op.type_name));
    return code;
  }
  const int code = record->tflite.builtin ? record->tflite.builtin(op) : record->tflite.builtins[0];
  if (code < 0) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{} ({}) has no TFLite form", op.type_name, op.location));
  }
  return code;
}

// Explicit padding as TFLite states it: SAME or VALID when the leading pads
// and output size are what those give, else (convolutions only, where a
// padded tap adds zero) a PAD op before a VALID window.
void express_padding(ir::Graph& g, size_t op_index) {
  ir::Op& op = g.ops[op_index];
  const ir::Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
  const ir::Tensor* filter =
      op.inputs.size() > 1 ? &g.tensors[static_cast<size_t>(op.inputs[1])] : nullptr;
  const bool pooling = op.kind == ir::OpKind::kAveragePool2D || op.kind == ir::OpKind::kMaxPool2D;
  if (!pooling && filter == nullptr) {
    throw Error(ErrorKind::kBadModel,
                fmt::format("{} ({}): explicit padding on an op without a filter", op.type_name,
                            op.location));
  }
  const int32_t k_h = pooling ? op.attrs.filter_h : filter->shape[1],
                k_w = pooling ? op.attrs.filter_w : filter->shape[2];
  const int32_t dil_h = pooling ? 1 : op.attrs.dilation_h,
                dil_w = pooling ? 1 : op.attrs.dilation_w;
  for (ir::Padding candidate : {ir::Padding::kValid, ir::Padding::kSame}) {
    const WindowDim h{in.shape[1], k_h, op.attrs.stride_h, dil_h, out.shape[1]};
    const WindowDim w{in.shape[2], k_w, op.attrs.stride_w, dil_w, out.shape[2]};
    if (window_padding(candidate, 0, h) == op.attrs.pad_top &&
        window_padding(candidate, 0, w) == op.attrs.pad_left) {
      op.attrs.padding = candidate;
      return;
    }
  }
  if (pooling) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{} ({}): its padding is neither SAME nor VALID, which TFLite's "
                            "pooling cannot express",
                            op.type_name, op.location));
  }
  // Pad to exactly the input the VALID window reads.
  const int32_t pad_bottom = (out.shape[1] - 1) * op.attrs.stride_h + (k_h - 1) * dil_h + 1 -
                             in.shape[1] - op.attrs.pad_top;
  const int32_t pad_right = (out.shape[2] - 1) * op.attrs.stride_w + (k_w - 1) * dil_w + 1 -
                            in.shape[2] - op.attrs.pad_left;
  if (pad_bottom < 0 || pad_right < 0) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{} ({}): its padding has no TFLite form", op.type_name, op.location));
  }
  ir::Tensor padded = in;
  padded.name = in.name + "/padded";
  padded.constant = false;
  padded.data.clear();
  padded.shape[1] += op.attrs.pad_top + pad_bottom;
  padded.shape[2] += op.attrs.pad_left + pad_right;
  g.tensors.push_back(std::move(padded));
  const int padded_index = static_cast<int>(g.tensors.size() - 1);
  const int paddings = ir::add_int32_constant(
      g, g.tensors[static_cast<size_t>(padded_index)].name + "/paddings",
      {0, 0, op.attrs.pad_top, pad_bottom, op.attrs.pad_left, pad_right, 0, 0});
  ir::Op pad;
  pad.kind = ir::OpKind::kPad;
  pad.type_name = "PAD";
  pad.location = op.location;
  pad.inputs = {op.inputs[0], paddings};
  pad.outputs = {padded_index};
  op.inputs[0] = padded_index;
  op.attrs.padding = ir::Padding::kValid;
  g.ops.insert(g.ops.begin() + static_cast<std::ptrdiff_t>(op_index), std::move(pad));
}

// The graph with every op in the operand form TFLite defines: permutations
// and output shapes as int32 tensors, explicit padding as SAME/VALID or PAD.
ir::Graph tflite_form(ir::Graph g) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (g.ops[i].attrs.padding == ir::Padding::kExplicit) {
      if (g.ops[i].kind == ir::OpKind::kTransposeConv) {
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("{} ({}): explicit padding has no TFLite form", g.ops[i].type_name,
                                g.ops[i].location));
      }
      express_padding(g, i);
      if (g.ops[i].kind == ir::OpKind::kPad) ++i;
    }
    const OpRecord* record = find_op_record(g.ops[i].kind);
    if (record && record->tflite.to_tflite_operands) record->tflite.to_tflite_operands(g, g.ops[i]);
  }
  return g;
}

}  // namespace

namespace {

// One pass of the writer; `data_base` >= 0 places constants after the
// flatbuffer starting at that file offset.
std::vector<uint8_t> build(const ir::Graph& g, int64_t data_base, std::vector<uint8_t>* trailing) {
  flatbuffers::FlatBufferBuilder b(1024);
  b.ForceDefaults(data_base >= 0);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(b));  // buffer 0: the empty sentinel

  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const ir::Tensor& t : g.tensors) {
    uint32_t buffer = 0;
    const std::optional<std::vector<uint8_t>> int4 = int4_packed(t);
    const std::vector<uint8_t>& bytes = int4 ? *int4 : t.data;
    if (t.constant && data_base >= 0) {
      trailing->resize((trailing->size() + 15) / 16 * 16, 0);
      const uint64_t offset = static_cast<uint64_t>(data_base) + trailing->size();
      trailing->insert(trailing->end(), bytes.begin(), bytes.end());
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, 0, offset, bytes.size()));
    } else if (t.constant) {
      b.ForceVectorAlignment(bytes.size(), 1, 16);
      auto data = b.CreateVector(bytes);
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    }
    flatbuffers::Offset<fb::QuantizationParameters> quant;
    if (t.quant.present()) {
      quant = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.quant.scales),
                                               b.CreateVector(t.quant.zero_points),
                                               fb::QuantizationDetails_NONE, 0, t.quant.axis);
    }
    const fb::TensorType type = int4 ? fb::TensorType_INT4 : tensor_type(t.dtype);
    tensors.push_back(
        fb::CreateTensor(b, b.CreateVector(t.shape), type, buffer, b.CreateString(t.name), quant));
  }

  std::map<int, int> code_index;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const ir::Op& op : g.ops) {
    const int builtin = builtin_of(op);
    if (!code_index.count(builtin)) {
      code_index[builtin] = static_cast<int>(codes.size());
      codes.push_back(fb::CreateOperatorCode(b, static_cast<int8_t>(std::min(builtin, 127)), 0, 1,
                                             static_cast<fb::BuiltinOperator>(builtin)));
    }
    tflite_format::WrittenOptions options;
    const OpRecord* record = find_op_record(op.kind);
    if (record && record->tflite.write) {
      tflite_format::OperatorWriter writer(b, g, op);
      options = record->tflite.write(writer);
    }
    ops.push_back(fb::CreateOperator(b, static_cast<uint32_t>(code_index[builtin]),
                                     b.CreateVector(op.inputs), b.CreateVector(op.outputs),
                                     options.type, options.table));
  }

  auto subgraph =
      fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(g.inputs),
                         b.CreateVector(g.outputs), b.CreateVector(ops), b.CreateString("main"));
  auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(&subgraph, 1),
                               b.CreateString("written by kiln"), b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

std::vector<uint8_t> write_tflite(const ir::Graph& graph, bool buffers_after_flatbuffer) {
  const ir::Graph g = tflite_form(graph);
  if (!buffers_after_flatbuffer) return build(g, -1, nullptr);
  // The flatbuffer's size does not depend on the offset values (all fields
  // are written), so a first pass measures it and a second fills them in.
  std::vector<uint8_t> trailing;
  const size_t size = build(g, 0, &trailing).size();
  trailing.clear();
  const int64_t base = static_cast<int64_t>((size + 15) / 16 * 16);
  std::vector<uint8_t> out = build(g, base, &trailing);
  out.resize(static_cast<size_t>(base), 0);
  out.insert(out.end(), trailing.begin(), trailing.end());
  return out;
}

}  // namespace kiln
