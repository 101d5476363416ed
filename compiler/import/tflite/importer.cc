#include "compiler/import/tflite/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "compiler/common/error.h"
#include "compiler/import/tflite/model_importer.h"
#include "compiler/ops/op_record.h"
#include "compiler/tflite/builtin_names.h"
#include "compiler/tflite/operator_io.h"

namespace kiln {
namespace tflite_import {

ir::Graph Importer::run() {
  if (size_ < 8) bad(fmt::format("file is {} bytes, too short for a TFLite model", size_));
  if (!looks_like_tflite(data_, size_)) bad("not a TFLite model (no 'TFL3' file identifier)");
  flatbuffers::Verifier verifier(data_, size_);
  if (!fb::VerifyModelBuffer(verifier)) {
    bad("truncated or corrupted TFLite file (flatbuffer verification failed)");
  }
  model_ = fb::GetModel(data_);
  if (!model_->subgraphs() || model_->subgraphs()->size() == 0) bad("model has no subgraphs");
  if (!model_->buffers()) bad("model has no buffer table");

  // The main subgraph, and the subgraphs its CALL_ONCE ops run, whose ops
  // kiln inlines as the variables' initialization.
  ir::Graph g;
  std::vector<int> subgraphs = {0};
  for (int s : init_subgraphs()) subgraphs.push_back(s);
  for (int s : subgraphs) tensor_maps_[s] = import_tensors(s, g);
  declare_variables(subgraphs, g);
  const fb::SubGraph* sg = model_->subgraphs()->Get(0);
  for (int t : indices(sg->inputs())) g.inputs.push_back(mapped(0, t, "graph input"));
  for (int t : indices(sg->outputs())) g.outputs.push_back(mapped(0, t, "graph output"));
  import_operators(0, g);
  return g;
}

ir::Tensor Importer::import_tensor(const fb::Tensor* t, int index) {
  ir::Tensor out;
  out.name = t->name() ? t->name()->str() : fmt::format("tensor_{}", index);
  switch (t->type()) {
    case fb::TensorType_FLOAT32: out.dtype = KILN_DTYPE_FLOAT32; break;
    case fb::TensorType_INT8: out.dtype = KILN_DTYPE_INT8; break;
    case fb::TensorType_INT16: out.dtype = KILN_DTYPE_INT16; break;
    case fb::TensorType_INT32: out.dtype = KILN_DTYPE_INT32; break;
    case fb::TensorType_INT64: out.dtype = KILN_DTYPE_INT64; break;
    case fb::TensorType_UINT8: out.dtype = KILN_DTYPE_UINT8; break;
    case fb::TensorType_BOOL: out.dtype = KILN_DTYPE_BOOL; break;
    case fb::TensorType_UINT32: out.dtype = KILN_DTYPE_UINT32; break;
    case fb::TensorType_UINT64: out.dtype = KILN_DTYPE_UINT64; break;
    case fb::TensorType_INT4: out.dtype = KILN_DTYPE_INT8; break;  // unpacked below
    default:
      unsupported(fmt::format("tensor {} '{}' has type {}, which kiln does not support", index,
                              out.name, fb::EnumNameTensorType(t->type())));
  }
  out.shape = values(t->shape());
  if (t->sparsity())
    unsupported(fmt::format("tensor {} '{}' is sparse, not supported yet", index, out.name));

  if (const fb::QuantizationParameters* q = t->quantization()) {
    if (q->details_type() != fb::QuantizationDetails_NONE) {
      unsupported(fmt::format("tensor {} '{}' uses custom quantization", index, out.name));
    }
    out.quant.scales = values(q->scale());
    out.quant.zero_points = values(q->zero_point());
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
  if (t->type() == fb::TensorType_INT4) unpack_int4(&out, index);
  if (t->is_variable()) {
    if (out.constant) {
      // TFLite Micro ignores a variable's buffer and resets it to zeros.
      out.constant = false;
      out.data.clear();
    }
    out.persistent = true;
    set_reset_value(out);
  }
  return out;
}

void Importer::unpack_int4(ir::Tensor* t, int index) const {
  if (!t->constant) {
    unsupported(
        fmt::format("tensor {} '{}' holds int4 activations; int4 is supported for "
                    "constant weights only",
                    index, t->name));
  }
  uint64_t count = 1;
  for (int32_t d : t->shape) {
    if (d < 0) bad(fmt::format("tensor {} '{}' has a negative dim", index, t->name));
    count *= static_cast<uint64_t>(d);
    if (count > t->data.size() * 2) break;
  }
  if ((count + 1) / 2 != t->data.size()) {
    bad(fmt::format("tensor {} '{}': {} int4 values need {} bytes, the buffer holds {}", index,
                    t->name, count, (count + 1) / 2, t->data.size()));
  }
  std::vector<uint8_t> unpacked(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t byte = t->data[i / 2];
    const int nibble = (i % 2 == 0) ? (byte & 0x0F) : (byte >> 4);
    unpacked[i] = static_cast<uint8_t>(static_cast<int8_t>(nibble >= 8 ? nibble - 16 : nibble));
  }
  t->data = std::move(unpacked);
  t->int4 = true;
}

const fb::SubGraph* Importer::subgraph(int index) const {
  const fb::SubGraph* sg = model_->subgraphs()->Get(static_cast<flatbuffers::uoffset_t>(index));
  if (!sg->tensors()) bad(fmt::format("subgraph {} has no tensor table", index));
  return sg;
}

int Importer::builtin_of(const fb::Operator* op, const std::string& location) const {
  const auto* codes = model_->operator_codes();
  if (!codes || op->opcode_index() >= codes->size()) {
    bad(fmt::format("{} has opcode index {} beyond the operator code table", location,
                    op->opcode_index()));
  }
  const fb::OperatorCode* code = codes->Get(op->opcode_index());
  // Files from before the 'builtin_code' field keep the code in the
  // deprecated byte; newer files fill both. The larger one is the code.
  return std::max<int>(code->builtin_code(), code->deprecated_builtin_code());
}

std::vector<int> Importer::import_tensors(int s, ir::Graph& g) {
  const fb::SubGraph* sg = subgraph(s);
  std::vector<int> map(sg->tensors()->size(), -1);
  for (flatbuffers::uoffset_t i = 0; i < sg->tensors()->size(); ++i) {
    const fb::Tensor* t = sg->tensors()->Get(i);
    if (t->type() == fb::TensorType_RESOURCE) continue;
    map[i] = static_cast<int>(g.tensors.size());
    g.tensors.push_back(import_tensor(t, static_cast<int>(i)));
    if (s != 0) g.tensors.back().name = fmt::format("subgraph{}/{}", s, g.tensors.back().name);
  }
  return map;
}

int Importer::mapped(int s, int t, const char* role) const {
  const std::vector<int>& map = tensor_maps_.at(s);
  if (t < 0 || t >= static_cast<int>(map.size()))
    bad(fmt::format("subgraph {}: {} {} is not a tensor", s, role, t));
  if (map[static_cast<size_t>(t)] < 0) {
    bad(fmt::format("subgraph {}: {} {} is a resource handle that no VAR_HANDLE defines", s, role,
                    t));
  }
  return map[static_cast<size_t>(t)];
}

ir::Op Importer::import_op(const fb::Operator* op, int builtin, const std::string& location, int s,
                           const ir::Graph& g) {
  ir::Op out;
  out.location = location;
  out.type_name = tflite_format::builtin_name(builtin);
  std::string custom_code;
  if (builtin == fb::BuiltinOperator_CUSTOM) {
    const fb::OperatorCode* code = model_->operator_codes()->Get(op->opcode_index());
    custom_code = code->custom_code() ? code->custom_code()->str() : "";
    out.type_name = fmt::format("CUSTOM '{}'", custom_code);
  }
  const std::vector<int>& map = tensor_maps_.at(s);
  for (int t : indices(op->inputs())) {
    if (t < -1 || t >= static_cast<int>(map.size()))
      bad(fmt::format("{} ({}) reads tensor {} which does not exist", out.type_name, location, t));
    out.inputs.push_back(t < 0 ? -1 : mapped(s, t, "operator input"));
  }
  for (int t : indices(op->outputs())) {
    if (t < 0 || t >= static_cast<int>(map.size()))
      bad(fmt::format("{} ({}) writes tensor {} which does not exist", out.type_name, location, t));
    out.outputs.push_back(mapped(s, t, "operator output"));
  }

  const OpRecord* record = builtin == fb::BuiltinOperator_CUSTOM
                               ? find_tflite_custom_record(custom_code)
                               : find_tflite_record(builtin);
  if (!record) return out;  // kUnsupported, named by its builtin or custom code
  if (record->tflite.custom_code) out.type_name = custom_code;
  out.kind = record->kind;
  if (record->tflite.read) {
    tflite_format::OperatorReader reader(*op, builtin, g, out);
    try {
      record->tflite.read(reader);
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}: {}", label_, e.what()));
    }
  }
  return out;
}

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
