// Reading and writing one TFLite operator's options, for the op records
// (compiler/ops): each record's TFLite form reads its builtin options into the
// IR op it imports as, and writes them back. The importer and the writer
// drive them; the records never see files or buffers.
#ifndef KILN_COMPILER_TFLITE_OPERATOR_IO_H
#define KILN_COMPILER_TFLITE_OPERATOR_IO_H

#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "tflite_schema_generated.h"

namespace kiln {
namespace tflite_format {

// One operator being imported: its options, and the IR op made of it (kind,
// operands and location already set) for the record's reader to complete.
class OperatorReader {
 public:
  OperatorReader(const tflite::Operator& op, int builtin, const ir::Graph& graph, ir::Op& out)
      : op_(op), builtin_(builtin), graph_(graph), out_(out) {}

  int builtin() const { return builtin_; }
  ir::Op& op() { return out_; }
  ir::OpAttrs& attrs() { return out_.attrs; }
  const ir::Graph& graph() const { return graph_; }

  // The operator's options as table T, or null if it has none (or others).
  template <typename T>
  const T* options_if_any() const {
    return op_.builtin_options_as<T>();
  }
  // The same, required: an operator without them is a bad model.
  template <typename T>
  const T& options() const {
    const T* o = options_if_any<T>();
    if (!o) bad("has no options");
    return *o;
  }

  // A CUSTOM operator's integer (or bool) option `key` from its flexbuffer
  // map; a missing key, another type or malformed options are a bad model.
  int64_t custom_int(const char* key) const;

  ir::Padding padding(tflite::Padding p) const;
  // Throws kUnsupported for fused activations kiln does not have.
  ir::Activation activation(tflite::ActivationFunctionType f) const;
  // Input i's values if it is a constant int32 tensor (a permutation, axes).
  std::vector<int32_t> int32_input(size_t i, const char* role) const;

  // The operator is malformed (kBadModel) / valid but beyond kiln
  // (kUnsupported); the message names it and its location.
  [[noreturn]] void bad(const std::string& what) const;
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  const tflite::Operator& op_;
  int builtin_;
  const ir::Graph& graph_;
  ir::Op& out_;
};

// One operator's options as the writer stores them.
struct WrittenOptions {
  tflite::BuiltinOptions type = tflite::BuiltinOptions_NONE;
  flatbuffers::Offset<void> table;
};

class OperatorWriter {
 public:
  OperatorWriter(flatbuffers::FlatBufferBuilder& builder, const ir::Graph& graph, const ir::Op& op)
      : builder_(builder), graph_(graph), op_(op) {}

  flatbuffers::FlatBufferBuilder& builder() { return builder_; }
  const ir::Graph& graph() const { return graph_; }
  const ir::Op& op() const { return op_; }
  const ir::OpAttrs& attrs() const { return op_.attrs; }

  tflite::Padding padding(ir::Padding p) const;
  tflite::ActivationFunctionType activation(ir::Activation a) const;

  template <typename T>
  WrittenOptions options(flatbuffers::Offset<T> table) const {
    return {tflite::BuiltinOptionsTraits<T>::enum_value, table.Union()};
  }

  // The op has no TFLite form (kUnsupported naming it).
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  flatbuffers::FlatBufferBuilder& builder_;
  const ir::Graph& graph_;
  const ir::Op& op_;
};

}  // namespace tflite_format
}  // namespace kiln

#endif  // KILN_COMPILER_TFLITE_OPERATOR_IO_H
