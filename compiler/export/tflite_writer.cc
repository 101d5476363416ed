#include "compiler/export/tflite_writer.h"

#include <fmt/format.h>

#include <map>

#include "compiler/common/error.h"
#include "compiler/import/tflite/builtin_names.h"
#include "tflite_schema_generated.h"

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
    default: throw Error(ErrorKind::kUnsupported, "tensor type has no TFLite equivalent");
  }
}

fb::ActivationFunctionType activation(ir::Activation a) {
  switch (a) {
    case ir::Activation::kNone: return fb::ActivationFunctionType_NONE;
    case ir::Activation::kRelu: return fb::ActivationFunctionType_RELU;
    case ir::Activation::kReluN1To1: return fb::ActivationFunctionType_RELU_N1_TO_1;
    case ir::Activation::kRelu6: return fb::ActivationFunctionType_RELU6;
  }
  return fb::ActivationFunctionType_NONE;
}

fb::Padding padding(ir::Padding p) { return p == ir::Padding::kSame ? fb::Padding_SAME : fb::Padding_VALID; }

int builtin_of(const ir::Op& op) {
  const std::string name = op.kind == ir::OpKind::kUnsupported ? op.type_name : ir::op_kind_name(op.kind);
  const int code = tflite_import::builtin_code(name);
  if (code < 0) throw Error(ErrorKind::kUnsupported, fmt::format("op '{}' has no TFLite builtin", name));
  return code;
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
    if (t.constant && data_base >= 0) {
      trailing->resize((trailing->size() + 15) / 16 * 16, 0);
      const uint64_t offset = static_cast<uint64_t>(data_base) + trailing->size();
      trailing->insert(trailing->end(), t.data.begin(), t.data.end());
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, 0, offset, t.data.size()));
    } else if (t.constant) {
      b.ForceVectorAlignment(t.data.size(), 1, 16);
      auto data = b.CreateVector(t.data);
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    }
    flatbuffers::Offset<fb::QuantizationParameters> quant;
    if (t.quant.present()) {
      quant = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.quant.scales),
                                               b.CreateVector(t.quant.zero_points), fb::QuantizationDetails_NONE, 0,
                                               t.quant.axis);
    }
    tensors.push_back(fb::CreateTensor(b, b.CreateVector(t.shape), tensor_type(t.dtype), buffer,
                                       b.CreateString(t.name), quant));
  }

  std::map<int, int> code_index;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const ir::Op& op : g.ops) {
    const int builtin = builtin_of(op);
    if (!code_index.count(builtin)) {
      code_index[builtin] = static_cast<int>(codes.size());
      codes.push_back(fb::CreateOperatorCode(b, static_cast<int8_t>(std::min(builtin, 127)), 0, 1, builtin));
    }
    const ir::OpAttrs& a = op.attrs;
    fb::BuiltinOptions type = fb::BuiltinOptions_NONE;
    flatbuffers::Offset<void> options;
    switch (op.kind) {
      case ir::OpKind::kConv2D:
        type = fb::BuiltinOptions_Conv2DOptions;
        options = fb::CreateConv2DOptions(b, padding(a.padding), a.stride_w, a.stride_h, activation(a.activation),
                                          a.dilation_w, a.dilation_h).Union();
        break;
      case ir::OpKind::kDepthwiseConv2D:
        type = fb::BuiltinOptions_DepthwiseConv2DOptions;
        options = fb::CreateDepthwiseConv2DOptions(b, padding(a.padding), a.stride_w, a.stride_h, a.depth_multiplier,
                                                   activation(a.activation), a.dilation_w, a.dilation_h).Union();
        break;
      case ir::OpKind::kAveragePool2D:
      case ir::OpKind::kMaxPool2D:
        type = fb::BuiltinOptions_Pool2DOptions;
        options = fb::CreatePool2DOptions(b, padding(a.padding), a.stride_w, a.stride_h, a.filter_w, a.filter_h,
                                          activation(a.activation)).Union();
        break;
      case ir::OpKind::kFullyConnected:
        type = fb::BuiltinOptions_FullyConnectedOptions;
        options = fb::CreateFullyConnectedOptions(b, activation(a.activation)).Union();
        break;
      case ir::OpKind::kAdd:
        type = fb::BuiltinOptions_AddOptions;
        options = fb::CreateAddOptions(b, activation(a.activation)).Union();
        break;
      case ir::OpKind::kMul:
        type = fb::BuiltinOptions_MulOptions;
        options = fb::CreateMulOptions(b, activation(a.activation)).Union();
        break;
      case ir::OpKind::kSoftmax:
        type = fb::BuiltinOptions_SoftmaxOptions;
        options = fb::CreateSoftmaxOptions(b, a.beta).Union();
        break;
      case ir::OpKind::kConcatenation:
        type = fb::BuiltinOptions_ConcatenationOptions;
        options = fb::CreateConcatenationOptions(b, a.axis, activation(a.activation)).Union();
        break;
      case ir::OpKind::kReshape: {
        const ir::Tensor& out = g.tensors[static_cast<size_t>(op.outputs.at(0))];
        type = fb::BuiltinOptions_ReshapeOptions;
        options = fb::CreateReshapeOptions(b, b.CreateVector(out.shape)).Union();
        break;
      }
      case ir::OpKind::kMean:
        type = fb::BuiltinOptions_ReducerOptions;
        options = fb::CreateReducerOptions(b, a.keep_dims).Union();
        break;
      default: break;
    }
    ops.push_back(fb::CreateOperator(b, static_cast<uint32_t>(code_index[builtin]), b.CreateVector(op.inputs),
                                     b.CreateVector(op.outputs), type, options));
  }

  auto subgraph = fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(g.inputs), b.CreateVector(g.outputs),
                                     b.CreateVector(ops), b.CreateString("main"));
  auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(&subgraph, 1),
                               b.CreateString("written by kiln"), b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

std::vector<uint8_t> write_tflite(const ir::Graph& g, bool buffers_after_flatbuffer) {
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
