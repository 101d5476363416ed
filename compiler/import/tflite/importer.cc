#include "compiler/import/tflite/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "compiler/common/error.h"
#include "compiler/tflite/builtin_names.h"
#include "tflite_schema_generated.h"

namespace kiln {
namespace tflite_import {
namespace {

namespace fb = ::kiln::tflite;

// Builtin operator codes kiln maps to an OpKind (TFLite schema numbering).
constexpr int kAdd = 0, kAveragePool2D = 1, kConcatenation = 2, kConv2D = 3, kDepthwiseConv2D = 4,
              kDequantize = 6, kFullyConnected = 9, kLogistic = 14, kMaxPool2D = 17, kMul = 18,
              kRelu = 19, kReluN1To1 = 20, kRelu6 = 21, kReshape = 22, kSoftmax = 25, kTanh = 28,
              kCustom = 32, kPad = 34, kTranspose = 39, kMean = 40, kSub = 41, kPadV2 = 60,
              kTransposeConv = 67, kLeakyRelu = 98, kQuantize = 114, kHardSwish = 117;

class Importer {
 public:
  Importer(const uint8_t* data, size_t size, const std::string& label)
      : data_(data), size_(size), label_(label) {}

  ir::Graph run() {
    if (size_ < 8) bad(fmt::format("file is {} bytes, too short for a TFLite model", size_));
    if (!looks_like_tflite(data_, size_)) bad("not a TFLite model (no 'TFL3' file identifier)");
    flatbuffers::Verifier verifier(data_, size_);
    if (!fb::VerifyModelBuffer(verifier)) {
      bad("truncated or corrupted TFLite file (flatbuffer verification failed)");
    }
    model_ = fb::GetModel(data_);
    if (!model_->subgraphs() || model_->subgraphs()->size() == 0) bad("model has no subgraphs");
    if (!model_->buffers()) bad("model has no buffer table");
    const fb::SubGraph* sg = model_->subgraphs()->Get(0);
    if (!sg->tensors()) bad("subgraph 0 has no tensor table");

    ir::Graph g;
    for (flatbuffers::uoffset_t i = 0; i < sg->tensors()->size(); ++i) {
      g.tensors.push_back(import_tensor(sg->tensors()->Get(i), static_cast<int>(i)));
    }
    g.inputs = indices(sg->inputs());
    g.outputs = indices(sg->outputs());
    if (sg->operators()) {
      for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
        g.ops.push_back(import_op(sg->operators()->Get(i), static_cast<int>(i), g));
      }
    }
    return g;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: {}", label_, what));
  }
  [[noreturn]] void unsupported(const std::string& what) const {
    throw Error(ErrorKind::kUnsupported, fmt::format("{}: {}", label_, what));
  }

  static std::vector<int> indices(const flatbuffers::Vector<int32_t>* v) {
    std::vector<int> out;
    if (v) out.assign(v->begin(), v->end());
    return out;
  }

  ir::Tensor import_tensor(const fb::Tensor* t, int index) {
    ir::Tensor out;
    out.name = t->name() ? t->name()->str() : fmt::format("tensor_{}", index);
    switch (t->type()) {
      case fb::TensorType_FLOAT32: out.dtype = KILN_DTYPE_FLOAT32; break;
      case fb::TensorType_INT8: out.dtype = KILN_DTYPE_INT8; break;
      case fb::TensorType_INT16: out.dtype = KILN_DTYPE_INT16; break;
      case fb::TensorType_INT32: out.dtype = KILN_DTYPE_INT32; break;
      case fb::TensorType_INT64: out.dtype = KILN_DTYPE_INT64; break;
      case fb::TensorType_UINT8: out.dtype = KILN_DTYPE_UINT8; break;
      default:
        unsupported(fmt::format("tensor {} '{}' has type {}, which kiln does not support", index,
                                out.name, fb::EnumNameTensorType(t->type())));
    }
    if (t->shape()) out.shape.assign(t->shape()->begin(), t->shape()->end());
    if (t->is_variable()) {
      unsupported(fmt::format("tensor {} '{}' is a variable (state) tensor, not supported yet",
                              index, out.name));
    }
    if (t->sparsity())
      unsupported(fmt::format("tensor {} '{}' is sparse, not supported yet", index, out.name));

    if (const fb::QuantizationParameters* q = t->quantization()) {
      if (q->details_type() != fb::QuantizationDetails_NONE) {
        unsupported(fmt::format("tensor {} '{}' uses custom quantization", index, out.name));
      }
      if (q->scale()) out.quant.scales.assign(q->scale()->begin(), q->scale()->end());
      if (q->zero_point())
        out.quant.zero_points.assign(q->zero_point()->begin(), q->zero_point()->end());
      out.quant.axis = q->quantized_dimension();
      // A rank-1 tensor has one axis whatever the file says (see ir::verify).
      if (out.shape.size() == 1) out.quant.axis = 0;
    }

    const uint32_t buffer_index = t->buffer();
    if (buffer_index >= model_->buffers()->size()) {
      bad(fmt::format("tensor {} '{}' refers to buffer {} of {}", index, out.name, buffer_index,
                      model_->buffers()->size()));
    }
    const fb::Buffer* buffer = model_->buffers()->Get(buffer_index);
    if (buffer_index != 0 && buffer) {
      if (buffer->data() && buffer->data()->size() > 0) {
        out.data.assign(buffer->data()->begin(), buffer->data()->end());
        out.constant = true;
      } else if (buffer->offset() > 1) {
        // Large models keep buffers after the flatbuffer: offset and size are
        // from the start of the file.
        const uint64_t offset = buffer->offset(), size = buffer->size();
        if (offset > size_ || size > size_ - offset) {
          bad(
              fmt::format("tensor {} '{}': buffer {} at offset {} size {} lies beyond the end of "
                          "the {}-byte file",
                          index, out.name, buffer_index, offset, size, size_));
        }
        out.data.assign(data_ + offset, data_ + offset + size);
        out.constant = true;
      }
    }
    return out;
  }

  ir::Op import_op(const fb::Operator* op, int index, const ir::Graph& g) {
    ir::Op out;
    out.location = fmt::format("subgraph 0, operator {}", index);
    const auto* codes = model_->operator_codes();
    if (!codes || op->opcode_index() >= codes->size()) {
      bad(fmt::format("operator {} has opcode index {} beyond the operator code table", index,
                      op->opcode_index()));
    }
    const fb::OperatorCode* code = codes->Get(op->opcode_index());
    // Files from before the 'builtin_code' field keep the code in the
    // deprecated byte; newer files fill both. The larger one is the code.
    const int builtin = std::max<int>(code->builtin_code(), code->deprecated_builtin_code());
    out.type_name = tflite_format::builtin_name(builtin);
    if (builtin == kCustom) {
      out.type_name =
          fmt::format("CUSTOM '{}'", code->custom_code() ? code->custom_code()->str() : "");
    }
    out.inputs = indices(op->inputs());
    out.outputs = indices(op->outputs());
    for (int t : out.inputs) {
      if (t < -1 || t >= static_cast<int>(g.tensors.size()))
        bad(fmt::format("{} ({}) reads tensor {} which does not exist", out.type_name, out.location,
                        t));
    }
    for (int t : out.outputs) {
      if (t < 0 || t >= static_cast<int>(g.tensors.size()))
        bad(fmt::format("{} ({}) writes tensor {} which does not exist", out.type_name,
                        out.location, t));
    }

    ir::OpAttrs& a = out.attrs;
    auto need = [&](const void* options) {
      if (!options) bad(fmt::format("{} ({}) has no options", out.type_name, out.location));
    };
    switch (builtin) {
      case kConv2D: {
        const auto* o = op->builtin_options_as_Conv2DOptions();
        need(o);
        out.kind = ir::OpKind::kConv2D;
        a.padding = padding(o->padding());
        a.stride_h = o->stride_h();
        a.stride_w = o->stride_w();
        a.dilation_h = o->dilation_h_factor();
        a.dilation_w = o->dilation_w_factor();
        a.activation = activation(o->fused_activation_function(), out);
        break;
      }
      case kDepthwiseConv2D: {
        const auto* o = op->builtin_options_as_DepthwiseConv2DOptions();
        need(o);
        out.kind = ir::OpKind::kDepthwiseConv2D;
        a.padding = padding(o->padding());
        a.stride_h = o->stride_h();
        a.stride_w = o->stride_w();
        a.dilation_h = o->dilation_h_factor();
        a.dilation_w = o->dilation_w_factor();
        a.depth_multiplier = o->depth_multiplier();
        a.activation = activation(o->fused_activation_function(), out);
        break;
      }
      case kAveragePool2D:
      case kMaxPool2D: {
        const auto* o = op->builtin_options_as_Pool2DOptions();
        need(o);
        out.kind = builtin == kMaxPool2D ? ir::OpKind::kMaxPool2D : ir::OpKind::kAveragePool2D;
        a.padding = padding(o->padding());
        a.stride_h = o->stride_h();
        a.stride_w = o->stride_w();
        a.filter_h = o->filter_height();
        a.filter_w = o->filter_width();
        a.activation = activation(o->fused_activation_function(), out);
        break;
      }
      case kFullyConnected: {
        out.kind = ir::OpKind::kFullyConnected;
        if (const auto* o = op->builtin_options_as_FullyConnectedOptions()) {
          if (o->weights_format() != 0) {
            unsupported(fmt::format("{} ({}) uses shuffled weights, not supported", out.type_name,
                                    out.location));
          }
          a.activation = activation(o->fused_activation_function(), out);
        }
        break;
      }
      case kAdd:
        out.kind = ir::OpKind::kAdd;
        if (const auto* o = op->builtin_options_as_AddOptions())
          a.activation = activation(o->fused_activation_function(), out);
        break;
      case kMul:
        out.kind = ir::OpKind::kMul;
        if (const auto* o = op->builtin_options_as_MulOptions())
          a.activation = activation(o->fused_activation_function(), out);
        break;
      case kConcatenation:
        out.kind = ir::OpKind::kConcatenation;
        if (const auto* o = op->builtin_options_as_ConcatenationOptions()) {
          a.axis = o->axis();
          a.activation = activation(o->fused_activation_function(), out);
        }
        break;
      case kSoftmax: {
        const auto* o = op->builtin_options_as_SoftmaxOptions();
        need(o);
        out.kind = ir::OpKind::kSoftmax;
        a.beta = o->beta();
        break;
      }
      case kMean:
        out.kind = ir::OpKind::kMean;
        if (const auto* o = op->builtin_options_as_ReducerOptions()) a.keep_dims = o->keep_dims();
        break;
      case kSub:
        out.kind = ir::OpKind::kSub;
        if (const auto* o = op->builtin_options_as_SubOptions())
          a.activation = activation(o->fused_activation_function(), out);
        break;
      case kTransposeConv: {
        const auto* o = op->builtin_options_as_TransposeConvOptions();
        need(o);
        out.kind = ir::OpKind::kTransposeConv;
        a.padding = padding(o->padding());
        a.stride_h = o->stride_h();
        a.stride_w = o->stride_w();
        a.activation = activation(o->fused_activation_function(), out);
        // TFLite's operands are (output shape, filter, input[, bias]); kiln's
        // are (input, filter[, bias]) with the shape on the output tensor.
        if (out.inputs.size() < 3)
          bad(fmt::format("{} ({}) has {} inputs, expected 3 or 4", out.type_name, out.location,
                          out.inputs.size()));
        std::vector<int> reordered = {out.inputs[2], out.inputs[1]};
        if (out.inputs.size() > 3) reordered.push_back(out.inputs[3]);
        out.inputs = reordered;
        break;
      }
      case kRelu:
      case kRelu6:
      case kReluN1To1:
        out.kind = ir::OpKind::kClamp;
        a.clamp_min = builtin == kReluN1To1 ? -1.0f : 0.0f;
        if (builtin != kRelu) a.clamp_max = builtin == kRelu6 ? 6.0f : 1.0f;
        break;
      case kLeakyRelu: {
        const auto* o = op->builtin_options_as_LeakyReluOptions();
        need(o);
        out.kind = ir::OpKind::kLeakyRelu;
        a.alpha = o->alpha();
        break;
      }
      case kTranspose: {
        out.kind = ir::OpKind::kTranspose;
        // The permutation is a constant int32 input.
        const int perm = out.inputs.size() == 2 ? out.inputs[1] : -1;
        if (perm < 0 || !g.tensors[static_cast<size_t>(perm)].constant ||
            g.tensors[static_cast<size_t>(perm)].dtype != KILN_DTYPE_INT32) {
          unsupported(fmt::format("{} ({}) needs a constant int32 permutation", out.type_name,
                                  out.location));
        }
        const ir::Tensor& t = g.tensors[static_cast<size_t>(perm)];
        a.perm.assign(t.as<int32_t>(), t.as<int32_t>() + t.data.size() / 4);
        out.inputs.resize(1);
        break;
      }
      case kTanh: out.kind = ir::OpKind::kTanh; break;
      case kHardSwish: out.kind = ir::OpKind::kHardSwish; break;
      case kReshape: out.kind = ir::OpKind::kReshape; break;
      case kLogistic: out.kind = ir::OpKind::kLogistic; break;
      case kQuantize: out.kind = ir::OpKind::kQuantize; break;
      case kDequantize: out.kind = ir::OpKind::kDequantize; break;
      case kPad:
      case kPadV2: out.kind = ir::OpKind::kPad; break;
      default: out.kind = ir::OpKind::kUnsupported; break;
    }
    return out;
  }

  ir::Padding padding(fb::Padding p) const {
    return p == fb::Padding_SAME ? ir::Padding::kSame : ir::Padding::kValid;
  }

  ir::Activation activation(fb::ActivationFunctionType f, const ir::Op& op) const {
    switch (f) {
      case fb::ActivationFunctionType_NONE: return ir::Activation::kNone;
      case fb::ActivationFunctionType_RELU: return ir::Activation::kRelu;
      case fb::ActivationFunctionType_RELU_N1_TO_1: return ir::Activation::kReluN1To1;
      case fb::ActivationFunctionType_RELU6: return ir::Activation::kRelu6;
      default:
        unsupported(fmt::format("{} ({}) has fused activation {}, not supported", op.type_name,
                                op.location, fb::EnumNameActivationFunctionType(f)));
    }
  }

  const uint8_t* data_;
  size_t size_;
  std::string label_;
  const fb::Model* model_ = nullptr;
};

}  // namespace

bool looks_like_tflite(const uint8_t* data, size_t size) {
  return size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0;
}

ir::Graph import_tflite(const uint8_t* data, size_t size, const std::string& label) {
  ir::Graph g = Importer(data, size, label).run();
  ir::verify(g);
  return g;
}

}  // namespace tflite_import
}  // namespace kiln
