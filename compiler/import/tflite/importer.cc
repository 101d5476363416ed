#include "compiler/import/tflite/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "compiler/common/error.h"
#include "compiler/ops/op_record.h"
#include "compiler/tflite/builtin_names.h"
#include "compiler/tflite/operator_io.h"

namespace kiln {
namespace tflite_import {
namespace {

namespace fb = ::kiln::tflite;

constexpr int kCustom = fb::BuiltinOperator_CUSTOM;

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

 private:
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
      case fb::TensorType_BOOL: out.dtype = KILN_DTYPE_BOOL; break;
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

  // TFLite packs int4 constants two to a byte, the first value in the low
  // nibble. TFLite Micro unpacks them to int8 before its int8 kernels; kiln
  // unpacks them here and computes the same.
  void unpack_int4(ir::Tensor* t, int index) const {
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
  }

  const fb::SubGraph* subgraph(int index) const {
    const fb::SubGraph* sg = model_->subgraphs()->Get(static_cast<flatbuffers::uoffset_t>(index));
    if (!sg->tensors()) bad(fmt::format("subgraph {} has no tensor table", index));
    return sg;
  }

  int builtin_of(const fb::Operator* op, const std::string& location) const {
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

  // The subgraphs the main subgraph's CALL_ONCE ops name, checked.
  std::vector<int> init_subgraphs() const {
    std::vector<int> found;
    const fb::SubGraph* sg = subgraph(0);
    if (!sg->operators()) return found;
    const int count = static_cast<int>(model_->subgraphs()->size());
    for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
      const fb::Operator* op = sg->operators()->Get(i);
      const std::string location = fmt::format("subgraph 0, operator {}", i);
      if (builtin_of(op, location) != fb::BuiltinOperator_CALL_ONCE) continue;
      const fb::CallOnceOptions* o = op->builtin_options_as_CallOnceOptions();
      const int index = o ? o->init_subgraph_index() : -1;
      if (index < 1 || index >= count) {
        bad(
            fmt::format("CALL_ONCE ({}) runs subgraph {}, but the model's subgraphs are 1 to {} "
                        "besides the main one",
                        location, index, count - 1));
      }
      if (std::find(found.begin(), found.end(), index) == found.end()) found.push_back(index);
    }
    return found;
  }

  // Appends subgraph `s`'s tensors to `g`; returns where each went (-1 for
  // resource handles, bound to their variables by declare_variables).
  std::vector<int> import_tensors(int s, ir::Graph& g) {
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

  int mapped(int s, int t, const char* role) const {
    const std::vector<int>& map = tensor_maps_.at(s);
    if (t < 0 || t >= static_cast<int>(map.size()))
      bad(fmt::format("subgraph {}: {} {} is not a tensor", s, role, t));
    if (map[static_cast<size_t>(t)] < 0) {
      bad(fmt::format("subgraph {}: {} {} is a resource handle that no VAR_HANDLE defines", s, role,
                      t));
    }
    return map[static_cast<size_t>(t)];
  }

  // Resource variables (VAR_HANDLE -> READ_VARIABLE / ASSIGN_VARIABLE) become
  // persistent tensors, one per container and shared name, typed by the
  // values assigned to them (or, never assigned, by what reads them); every
  // handle of one becomes that tensor.
  void declare_variables(const std::vector<int>& subgraphs, ir::Graph& g) {
    struct Handle {
      int subgraph, tensor;
      std::string key, name;
    };
    std::vector<Handle> handles;
    std::map<std::string, const fb::Tensor*> typed_by;
    for (int s : subgraphs) {
      const fb::SubGraph* sg = subgraph(s);
      if (!sg->operators()) continue;
      for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
        const fb::Operator* op = sg->operators()->Get(i);
        if (builtin_of(op, fmt::format("subgraph {}, operator {}", s, i)) !=
            fb::BuiltinOperator_VAR_HANDLE)
          continue;
        const fb::VarHandleOptions* o = op->builtin_options_as_VarHandleOptions();
        const std::string container = o && o->container() ? o->container()->str() : "";
        const std::string name = o && o->shared_name() ? o->shared_name()->str() : "";
        const std::vector<int> outs = indices(op->outputs());
        if (outs.size() != 1 || outs[0] < 0 || outs[0] >= static_cast<int>(sg->tensors()->size()) ||
            sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(outs[0]))->type() !=
                fb::TensorType_RESOURCE) {
          bad(fmt::format("VAR_HANDLE (subgraph {}, operator {}) must write one resource tensor", s,
                          i));
        }
        handles.push_back({s, outs[0], container + "/" + name, name});
      }
    }
    auto key_of = [&](int s, int t) -> const Handle* {
      for (const Handle& h : handles) {
        if (h.subgraph == s && h.tensor == t) return &h;
      }
      return nullptr;
    };
    // Type each variable: assignments first, then reads.
    for (int builtin : {fb::BuiltinOperator_ASSIGN_VARIABLE, fb::BuiltinOperator_READ_VARIABLE}) {
      for (int s : subgraphs) {
        const fb::SubGraph* sg = subgraph(s);
        if (!sg->operators()) continue;
        for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
          const fb::Operator* op = sg->operators()->Get(i);
          const std::string location = fmt::format("subgraph {}, operator {}", s, i);
          if (builtin_of(op, location) != builtin) continue;
          const bool assign = builtin == fb::BuiltinOperator_ASSIGN_VARIABLE;
          const std::vector<int> ins = indices(op->inputs()), outs = indices(op->outputs());
          const size_t needed_ins = assign ? 2 : 1, needed_outs = assign ? 0 : 1;
          if (ins.size() != needed_ins || outs.size() != needed_outs) {
            bad(fmt::format("{} ({}) needs {} inputs and {} outputs",
                            assign ? "ASSIGN_VARIABLE" : "READ_VARIABLE", location, needed_ins,
                            needed_outs));
          }
          const Handle* h = key_of(s, ins[0]);
          if (!h) {
            bad(fmt::format("{} ({}) reads a handle that no VAR_HANDLE of its subgraph writes",
                            assign ? "ASSIGN_VARIABLE" : "READ_VARIABLE", location));
          }
          const int value = assign ? ins[1] : outs[0];
          if (value < 0 || value >= static_cast<int>(sg->tensors()->size()))
            bad(fmt::format("{} refers to tensor {}, which does not exist", location, value));
          const fb::Tensor* t = sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(value));
          auto [it, inserted] = typed_by.emplace(h->key, t);
          if (!inserted && assign &&
              (it->second->type() != t->type() ||
               values(it->second->shape()) != values(t->shape())))
            bad(fmt::format("{}: variable '{}' is assigned values of different types or shapes",
                            location, h->name));
        }
      }
    }
    std::map<std::string, int> variables;
    for (const Handle& h : handles) {
      auto found = variables.find(h.key);
      if (found == variables.end()) {
        auto typed = typed_by.find(h.key);
        if (typed == typed_by.end()) continue;  // a handle nothing reads or writes
        ir::Tensor v = import_tensor(typed->second, h.tensor);
        v.name = h.name.empty() ? fmt::format("variable_{}", variables.size()) : h.name;
        v.constant = false;
        v.data.clear();
        v.persistent = true;
        set_reset_value(v);
        found = variables.emplace(h.key, static_cast<int>(g.tensors.size())).first;
        g.tensors.push_back(std::move(v));
      }
      tensor_maps_[h.subgraph][static_cast<size_t>(h.tensor)] = found->second;
    }
  }

  // TFLite Micro resets a variable to zeros, and an int8 one to its zero point.
  static void set_reset_value(ir::Tensor& t) {
    if (t.dtype == KILN_DTYPE_INT8 && t.quant.zero_point() != 0) {
      t.data.assign(t.bytes(), static_cast<uint8_t>(static_cast<int8_t>(t.quant.zero_point())));
    }
  }

  // Where a subgraph's operators are being imported.
  enum class Scope { kMain, kInit, kBranch };

  // Imports subgraph s's operators into g. A CALL_ONCE's subgraph is inlined
  // in its place with its assignments marked to run at reset; an IF's two
  // branches are inlined and their results selected.
  void import_operators(int s, ir::Graph& g, Scope scope = Scope::kMain, int depth = 0) {
    const fb::SubGraph* sg = subgraph(s);
    if (!sg->operators()) return;
    bool variables_used = false;
    for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
      const fb::Operator* fop = sg->operators()->Get(i);
      const std::string location = fmt::format("subgraph {}, operator {}", s, i);
      const int builtin = builtin_of(fop, location);
      const bool variable_op = builtin == fb::BuiltinOperator_VAR_HANDLE ||
                               builtin == fb::BuiltinOperator_READ_VARIABLE ||
                               builtin == fb::BuiltinOperator_ASSIGN_VARIABLE ||
                               builtin == fb::BuiltinOperator_CALL_ONCE;
      if (scope == Scope::kBranch && variable_op) {
        unsupported(fmt::format(
            "{} ({}) in an IF branch or a WHILE loop: kiln runs both of an IF's branches and "
            "selects, and keeps a loop's values in variables of its own, so neither may touch "
            "the model's variables",
            tflite_format::builtin_name(builtin), location));
      }
      if (builtin == fb::BuiltinOperator_VAR_HANDLE) continue;  // its handle is the variable
      if (builtin == fb::BuiltinOperator_CALL_ONCE) {
        if (scope == Scope::kInit)
          unsupported(fmt::format("CALL_ONCE ({}) inside a CALL_ONCE", location));
        if (variables_used) {
          unsupported(fmt::format(
              "CALL_ONCE ({}) follows an op that reads or assigns a variable; kiln runs a "
              "CALL_ONCE's initialization before the first invocation",
              location));
        }
        import_operators(fop->builtin_options_as_CallOnceOptions()->init_subgraph_index(), g,
                         Scope::kInit, depth);
        continue;
      }
      if (builtin == fb::BuiltinOperator_IF) {
        inline_if(fop, location, s, g, depth);
        continue;
      }
      if (builtin == fb::BuiltinOperator_WHILE) {
        inline_while(fop, location, s, g, depth);
        continue;
      }
      ir::Op op = import_op(fop, builtin, location, s, g);
      if (op.kind == ir::OpKind::kReadVariable || op.kind == ir::OpKind::kAssignVariable) {
        variables_used = true;
        if (scope == Scope::kInit && op.kind == ir::OpKind::kReadVariable) {
          unsupported(
              fmt::format("READ_VARIABLE ({}) in a CALL_ONCE's subgraph: kiln computes a "
                          "variable's initial value from constants only",
                          location));
        }
      }
      op.attrs.at_reset = scope == Scope::kInit && op.kind == ir::OpKind::kAssignVariable;
      if (scope == Scope::kInit && op.kind == ir::OpKind::kUnsupported) {
        unsupported(fmt::format("{} ({}) in a CALL_ONCE's subgraph", op.type_name, location));
      }
      g.ops.push_back(std::move(op));
    }
  }

  // IF: both branches run (inlined, their inputs the IF's operands) and a
  // SELECT_V2 on the condition picks each result. Exact, since branches
  // that touch no variables have no effect besides their results.
  void inline_if(const fb::Operator* op, const std::string& location, int s, ir::Graph& g,
                 int depth) {
    const fb::IfOptions* o = op->builtin_options_as_IfOptions();
    const std::vector<int> ins = indices(op->inputs()), outs = indices(op->outputs());
    if (!o || ins.empty()) bad(fmt::format("IF ({}) needs its options and a condition", location));
    const int cond = mapped(s, ins[0], "IF condition");
    if (g.tensors[static_cast<size_t>(cond)].dtype != KILN_DTYPE_BOOL ||
        g.tensors[static_cast<size_t>(cond)].elements() != 1) {
      bad(fmt::format("IF ({}): the condition must be one bool", location));
    }
    std::vector<int> args;
    for (size_t i = 1; i < ins.size(); ++i) args.push_back(mapped(s, ins[i], "IF input"));
    const std::vector<int> then_results =
        inline_subgraph(o->then_subgraph_index(), args, location, g, depth + 1);
    const std::vector<int> else_results =
        inline_subgraph(o->else_subgraph_index(), args, location, g, depth + 1);
    if (then_results.size() != outs.size() || else_results.size() != outs.size()) {
      bad(fmt::format("IF ({}) has {} outputs but its branches give {} and {}", location,
                      outs.size(), then_results.size(), else_results.size()));
    }
    const OpRecord* select = find_op_record(ir::OpKind::kSelect);
    for (size_t k = 0; k < outs.size(); ++k) {
      ir::Op pick;
      pick.kind = select->kind;
      pick.type_name = "IF";
      pick.location = location;
      pick.inputs = {cond, then_results[k], else_results[k]};
      pick.outputs = {mapped(s, outs[k], "IF output")};
      g.ops.push_back(std::move(pick));
    }
  }

  // WHILE: each value the loop carries becomes a loop variable, assigned the
  // WHILE's input before the loop and the body's result at the end of each
  // iteration; the condition and the body are inlined between LOOP and
  // END_LOOP, reading the variables' values at the top of the iteration, and
  // BREAK_UNLESS leaves when the condition is false. The WHILE's outputs read
  // the variables after the loop.
  void inline_while(const fb::Operator* op, const std::string& location, int s, ir::Graph& g,
                    int depth) {
    const fb::WhileOptions* o = op->builtin_options_as_WhileOptions();
    const std::vector<int> ins = indices(op->inputs()), outs = indices(op->outputs());
    if (!o) bad(fmt::format("WHILE ({}) needs its options", location));
    if (ins.size() != outs.size()) {
      bad(fmt::format("WHILE ({}) has {} inputs but {} outputs", location, ins.size(),
                      outs.size()));
    }
    auto add_op = [&](ir::OpKind kind, std::vector<int> inputs, std::vector<int> outputs) {
      ir::Op control;
      control.kind = kind;
      control.type_name = fmt::format("WHILE/{}", ir::op_kind_name(kind));
      control.location = location;
      control.inputs = std::move(inputs);
      control.outputs = std::move(outputs);
      g.ops.push_back(std::move(control));
    };
    auto add_tensor = [&](const ir::Tensor& like, const std::string& suffix, bool loop_variable) {
      ir::Tensor t;
      t.name = like.name + suffix;
      t.dtype = like.dtype;
      t.shape = like.shape;
      t.quant = like.quant;
      t.loop_variable = loop_variable;
      g.tensors.push_back(std::move(t));
      return static_cast<int>(g.tensors.size() - 1);
    };
    std::vector<int> variables, values;
    for (int in : ins) {
      const int init = mapped(s, in, "WHILE input");
      variables.push_back(add_tensor(g.tensors[static_cast<size_t>(init)], "/carried", true));
      add_op(ir::OpKind::kAssignVariable, {variables.back(), init}, {});
    }
    add_op(ir::OpKind::kLoop, {}, {});
    for (int v : variables) {
      values.push_back(add_tensor(g.tensors[static_cast<size_t>(v)], "/value", false));
      add_op(ir::OpKind::kReadVariable, {v}, {values.back()});
    }
    const std::vector<int> cond =
        inline_subgraph(o->cond_subgraph_index(), values, location, g, depth + 1);
    if (cond.size() != 1) {
      bad(fmt::format("WHILE ({}): the condition subgraph has {} outputs, not 1", location,
                      cond.size()));
    }
    add_op(ir::OpKind::kBreakUnless, {cond[0]}, {});
    const std::vector<int> results =
        inline_subgraph(o->body_subgraph_index(), values, location, g, depth + 1);
    if (results.size() != variables.size()) {
      bad(fmt::format("WHILE ({}) carries {} values but its body gives {}", location,
                      variables.size(), results.size()));
    }
    for (size_t k = 0; k < variables.size(); ++k)
      add_op(ir::OpKind::kAssignVariable, {variables[k], results[k]}, {});
    add_op(ir::OpKind::kEndLoop, {}, {});
    for (size_t k = 0; k < variables.size(); ++k)
      add_op(ir::OpKind::kReadVariable, {variables[k]}, {mapped(s, outs[k], "WHILE output")});
  }

  // Inlines subgraph `index` with its inputs bound to `args`; returns the
  // IR tensors of its outputs.
  std::vector<int> inline_subgraph(int index, const std::vector<int>& args,
                                   const std::string& caller, ir::Graph& g, int depth) {
    constexpr int kMaxDepth = 8;
    const int count = static_cast<int>(model_->subgraphs()->size());
    if (index < 1 || index >= count) {
      bad(
          fmt::format("{} runs subgraph {}, but the model's subgraphs are 1 to {} besides the "
                      "main one",
                      caller, index, count - 1));
    }
    if (depth > kMaxDepth)
      unsupported(fmt::format("{}: IFs and WHILEs nested deeper than {}", caller, kMaxDepth));
    const fb::SubGraph* sg = subgraph(index);
    const std::vector<int> inputs = indices(sg->inputs()), outputs = indices(sg->outputs());
    if (inputs.size() != args.size()) {
      bad(fmt::format("{}: subgraph {} takes {} inputs, given {}", caller, index, inputs.size(),
                      args.size()));
    }
    // A subgraph may be inlined more than once (and recursively): its tensors
    // are fresh each time, and the caller's numbering comes back after.
    const auto saved =
        tensor_maps_.find(index) == tensor_maps_.end() ? std::vector<int>{} : tensor_maps_[index];
    std::vector<int> map = import_tensors(index, g);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i] < 0 || inputs[i] >= static_cast<int>(map.size()))
        bad(fmt::format("subgraph {}: input {} is not a tensor", index, inputs[i]));
      map[static_cast<size_t>(inputs[i])] = args[i];
    }
    tensor_maps_[index] = map;
    import_operators(index, g, Scope::kBranch, depth);
    std::vector<int> results;
    for (int t : outputs) results.push_back(mapped(index, t, "subgraph output"));
    tensor_maps_[index] = saved;
    return results;
  }

  ir::Op import_op(const fb::Operator* op, int builtin, const std::string& location, int s,
                   const ir::Graph& g) {
    ir::Op out;
    out.location = location;
    out.type_name = tflite_format::builtin_name(builtin);
    if (builtin == kCustom) {
      const fb::OperatorCode* code = model_->operator_codes()->Get(op->opcode_index());
      out.type_name =
          fmt::format("CUSTOM '{}'", code->custom_code() ? code->custom_code()->str() : "");
    }
    const std::vector<int>& map = tensor_maps_.at(s);
    for (int t : indices(op->inputs())) {
      if (t < -1 || t >= static_cast<int>(map.size()))
        bad(fmt::format("{} ({}) reads tensor {} which does not exist", out.type_name, location,
                        t));
      out.inputs.push_back(t < 0 ? -1 : mapped(s, t, "operator input"));
    }
    for (int t : indices(op->outputs())) {
      if (t < 0 || t >= static_cast<int>(map.size()))
        bad(fmt::format("{} ({}) writes tensor {} which does not exist", out.type_name, location,
                        t));
      out.outputs.push_back(mapped(s, t, "operator output"));
    }

    const OpRecord* record = find_tflite_record(builtin);
    if (!record) return out;  // kUnsupported, named by its builtin
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

  const uint8_t* data_;
  size_t size_;
  std::string label_;
  const fb::Model* model_ = nullptr;
  std::map<int, std::vector<int>> tensor_maps_;  // per subgraph: file tensor -> IR tensor
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
