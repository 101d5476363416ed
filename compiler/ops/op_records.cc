// The table of op records, made from ir/op_kinds.h: a kind added there
// without its record fails to link.
#include "compiler/ops/op_record.h"

namespace kiln {
namespace {

constexpr const OpRecord* kRecords[] = {
#define KILN_OP_RECORD_ENTRY(kind, name, min_inputs, max_inputs, outputs) &kind##Record,
    KILN_OP_KINDS(KILN_OP_RECORD_ENTRY)
#undef KILN_OP_RECORD_ENTRY
};

}  // namespace

const OpRecord* find_op_record(ir::OpKind kind) {
  const size_t index = static_cast<size_t>(kind);
  return index < sizeof(kRecords) / sizeof(kRecords[0]) ? kRecords[index] : nullptr;
}

const OpTraits& op_traits(ir::OpKind kind) {
  static const OpTraits kNone{};
  const OpRecord* record = find_op_record(kind);
  return record ? record->traits : kNone;
}

const OpRecord* find_tflite_record(int code) {
  for (const OpRecord* record : kRecords) {
    for (int16_t b : record->tflite.builtins) {
      if (b >= 0 && b == code) return record;
    }
  }
  return nullptr;
}

const OpRecord* find_tflite_custom_record(const std::string& custom_code) {
  for (const OpRecord* record : kRecords) {
    if (record->tflite.custom_code != nullptr && custom_code == record->tflite.custom_code) {
      return record;
    }
  }
  return nullptr;
}

const OpRecord* find_onnx_record(const std::string& op_type) {
  for (const OpRecord* record : kRecords) {
    for (const char* t : record->onnx.op_types) {
      if (t != nullptr && op_type == t) return record;
    }
  }
  return nullptr;
}

}  // namespace kiln
