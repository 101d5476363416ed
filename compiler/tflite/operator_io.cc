#include "compiler/tflite/operator_io.h"

#include <flatbuffers/flexbuffers.h>
#include <fmt/format.h>

#include "compiler/common/error.h"

namespace kiln {
namespace tflite_format {

ir::Padding OperatorReader::padding(tflite::Padding p) const {
  return p == tflite::Padding_SAME ? ir::Padding::kSame : ir::Padding::kValid;
}

ir::Activation OperatorReader::activation(tflite::ActivationFunctionType f) const {
  switch (f) {
    case tflite::ActivationFunctionType_NONE: return ir::Activation::kNone;
    case tflite::ActivationFunctionType_RELU: return ir::Activation::kRelu;
    case tflite::ActivationFunctionType_RELU_N1_TO_1: return ir::Activation::kReluN1To1;
    case tflite::ActivationFunctionType_RELU6: return ir::Activation::kRelu6;
    default:
      unsupported(fmt::format("has fused activation {}, not supported",
                              tflite::EnumNameActivationFunctionType(f)));
  }
}

std::vector<int32_t> OperatorReader::int32_input(size_t i, const char* role) const {
  const int t = i < out_.inputs.size() ? out_.inputs[i] : -1;
  if (t < 0 || !graph_.tensors[static_cast<size_t>(t)].constant ||
      graph_.tensors[static_cast<size_t>(t)].dtype != KILN_DTYPE_INT32) {
    unsupported(fmt::format("needs a constant int32 {} (input {})", role, i));
  }
  const ir::Tensor& tensor = graph_.tensors[static_cast<size_t>(t)];
  return std::vector<int32_t>(tensor.as<int32_t>(), tensor.as<int32_t>() + tensor.data.size() / 4);
}

int64_t OperatorReader::custom_int(const char* key) const {
  const flatbuffers::Vector<uint8_t>* bytes = op_.custom_options();
  if (bytes == nullptr || bytes->size() == 0) bad(fmt::format("has no custom options ({})", key));
  std::vector<uint8_t> reuse_tracker;
  if (!flexbuffers::VerifyBuffer(bytes->data(), bytes->size(), &reuse_tracker)) {
    bad("has custom options that are not a valid flexbuffer");
  }
  const flexbuffers::Reference root = flexbuffers::GetRoot(bytes->data(), bytes->size());
  if (!root.IsMap()) bad("has custom options that are not a flexbuffer map");
  const flexbuffers::Reference value = root.AsMap()[key];
  if (value.IsNull()) bad(fmt::format("lacks custom option '{}'", key));
  if (!value.IsInt() && !value.IsUInt() && !value.IsBool()) {
    bad(fmt::format("has a custom option '{}' that is not an integer", key));
  }
  return value.IsBool() ? (value.AsBool() ? 1 : 0) : value.AsInt64();
}

void OperatorReader::bad(const std::string& what) const {
  throw Error(ErrorKind::kBadModel, fmt::format("{} ({}) {}", out_.type_name, out_.location, what));
}

void OperatorReader::unsupported(const std::string& what) const {
  throw Error(ErrorKind::kUnsupported,
              fmt::format("{} ({}) {}", out_.type_name, out_.location, what));
}

tflite::Padding OperatorWriter::padding(ir::Padding p) const {
  return p == ir::Padding::kSame ? tflite::Padding_SAME : tflite::Padding_VALID;
}

tflite::ActivationFunctionType OperatorWriter::activation(ir::Activation a) const {
  switch (a) {
    case ir::Activation::kNone: return tflite::ActivationFunctionType_NONE;
    case ir::Activation::kRelu: return tflite::ActivationFunctionType_RELU;
    case ir::Activation::kReluN1To1: return tflite::ActivationFunctionType_RELU_N1_TO_1;
    case ir::Activation::kRelu6: return tflite::ActivationFunctionType_RELU6;
  }
  return tflite::ActivationFunctionType_NONE;
}

void OperatorWriter::unsupported(const std::string& what) const {
  throw Error(ErrorKind::kUnsupported,
              fmt::format("{} ({}): {}", op_.type_name, op_.location, what));
}

}  // namespace tflite_format
}  // namespace kiln
