// The TFLite importer's state and steps, shared by its two files: tensors,
// operators and the entry point in importer.cc; several subgraphs (CALL_ONCE,
// IF, WHILE) and resource variables in subgraphs.cc. Internal to the importer.
#ifndef KILN_COMPILER_IMPORT_TFLITE_MODEL_IMPORTER_H
#define KILN_COMPILER_IMPORT_TFLITE_MODEL_IMPORTER_H

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/ir/graph.h"
#include "tflite_schema_generated.h"

namespace kiln {
namespace tflite_import {

namespace fb = ::kiln::tflite;

class Importer {
 public:
  Importer(const uint8_t* data, size_t size, const std::string& label)
      : data_(data), size_(size), label_(label) {}

  ir::Graph run();

 private:
  // Where a subgraph's operators are being imported.
  enum class Scope { kMain, kInit, kBranch };

  [[noreturn]] void bad(const std::string& what) const {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: {}", label_, what));
  }
  [[noreturn]] void unsupported(const std::string& what) const {
    throw Error(ErrorKind::kUnsupported, fmt::format("{}: {}", label_, what));
  }

  // A vector's elements, copied byte-wise: the flatbuffer verifier aligns a
  // vector's length field, not its 8-byte elements, so a file may hold them
  // at any 4-byte boundary.
  template <typename T>
  static std::vector<T> values(const flatbuffers::Vector<T>* v) {
    std::vector<T> out(v ? v->size() : 0);
    if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
    return out;
  }
  static std::vector<int> indices(const flatbuffers::Vector<int32_t>* v) { return values(v); }

  // importer.cc
  ir::Tensor import_tensor(const fb::Tensor* t, int index);
  // TFLite packs int4 constants two to a byte, the first value in the low
  // nibble. TFLite Micro unpacks them to int8 before its int8 kernels; kiln
  // unpacks them here and computes the same.
  void unpack_int4(ir::Tensor* t, int index) const;
  const fb::SubGraph* subgraph(int index) const;
  int builtin_of(const fb::Operator* op, const std::string& location) const;
  // Appends subgraph `s`'s tensors to `g`; returns where each went (-1 for
  // resource handles, bound to their variables by declare_variables).
  std::vector<int> import_tensors(int s, ir::Graph& g);
  int mapped(int s, int t, const char* role) const;
  ir::Op import_op(const fb::Operator* op, int builtin, const std::string& location, int s,
                   const ir::Graph& g);

  // subgraphs.cc
  // The subgraphs the main subgraph's CALL_ONCE ops name, checked.
  std::vector<int> init_subgraphs() const;
  // Resource variables (VAR_HANDLE -> READ_VARIABLE / ASSIGN_VARIABLE) become
  // persistent tensors, one per container and shared name, typed by the
  // values assigned to them (or, never assigned, by what reads them); every
  // handle of one becomes that tensor.
  void declare_variables(const std::vector<int>& subgraphs, ir::Graph& g);
  // TFLite Micro resets a variable to zeros, and an int8 one to its zero point.
  static void set_reset_value(ir::Tensor& t);
  // Imports subgraph s's operators into g. A CALL_ONCE's subgraph is inlined
  // in its place with its assignments marked to run at reset; an IF's two
  // branches are inlined and their results selected.
  void import_operators(int s, ir::Graph& g, Scope scope = Scope::kMain, int depth = 0);
  // IF: both branches run (inlined, their inputs the IF's operands) and a
  // SELECT_V2 on the condition picks each result. Exact, since branches
  // that touch no variables have no effect besides their results.
  void inline_if(const fb::Operator* op, const std::string& location, int s, ir::Graph& g,
                 int depth);
  // WHILE: each value the loop carries becomes a loop variable, assigned the
  // WHILE's input before the loop and the body's result at the end of each
  // iteration; the condition and the body are inlined between LOOP and
  // END_LOOP, reading the variables' values at the top of the iteration, and
  // BREAK_UNLESS leaves when the condition is false. The WHILE's outputs read
  // the variables after the loop.
  void inline_while(const fb::Operator* op, const std::string& location, int s, ir::Graph& g,
                    int depth);
  // Inlines subgraph `index` with its inputs bound to `args`; returns the
  // IR tensors of its outputs.
  std::vector<int> inline_subgraph(int index, const std::vector<int>& args,
                                   const std::string& caller, ir::Graph& g, int depth);

  const uint8_t* data_;
  size_t size_;
  std::string label_;
  const fb::Model* model_ = nullptr;
  std::map<int, std::vector<int>> tensor_maps_;  // per subgraph: file tensor -> IR tensor
};

}  // namespace tflite_import
}  // namespace kiln

#endif  // KILN_COMPILER_IMPORT_TFLITE_MODEL_IMPORTER_H
