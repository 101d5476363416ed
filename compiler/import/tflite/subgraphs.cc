// Several subgraphs in one graph: a CALL_ONCE's initialization, IF branches
// and WHILE loops are inlined where they are called; resource variables
// become persistent tensors.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/common/error.h"
#include "compiler/import/tflite/model_importer.h"
#include "compiler/ops/op_record.h"
#include "compiler/tflite/builtin_names.h"

namespace kiln {
namespace tflite_import {

std::vector<int> Importer::init_subgraphs() const {
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

void Importer::declare_variables(const std::vector<int>& subgraphs, ir::Graph& g) {
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
            (it->second->type() != t->type() || values(it->second->shape()) != values(t->shape())))
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

void Importer::set_reset_value(ir::Tensor& t) {
  // A shape ir::verify refuses (a negative dim, above kMaxTensorBytes) gets
  // no value to hold: verify names the problem.
  if (t.elements() < 0 || t.bytes() > ir::kMaxTensorBytes) return;
  if (t.dtype == KILN_DTYPE_INT8 && t.quant.zero_point() != 0) {
    t.data.assign(t.bytes(), static_cast<uint8_t>(static_cast<int8_t>(t.quant.zero_point())));
  }
}

void Importer::import_operators(int s, ir::Graph& g, Scope scope, int depth) {
  const fb::SubGraph* sg = subgraph(s);
  if (!sg->operators()) return;
  bool variables_used = false;
  for (flatbuffers::uoffset_t i = 0; i < sg->operators()->size(); ++i) {
    const fb::Operator* fop = sg->operators()->Get(i);
    const std::string location = fmt::format("subgraph {}, operator {}", s, i);
    const int builtin = builtin_of(fop, location);
    const bool variable_op =
        builtin == fb::BuiltinOperator_VAR_HANDLE || builtin == fb::BuiltinOperator_READ_VARIABLE ||
        builtin == fb::BuiltinOperator_ASSIGN_VARIABLE || builtin == fb::BuiltinOperator_CALL_ONCE;
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
    if (s == 0) op.source_index = static_cast<int>(i);
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

void Importer::inline_if(const fb::Operator* op, const std::string& location, int s, ir::Graph& g,
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
    bad(fmt::format("IF ({}) has {} outputs but its branches give {} and {}", location, outs.size(),
                    then_results.size(), else_results.size()));
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

void Importer::inline_while(const fb::Operator* op, const std::string& location, int s,
                            ir::Graph& g, int depth) {
  const fb::WhileOptions* o = op->builtin_options_as_WhileOptions();
  const std::vector<int> ins = indices(op->inputs()), outs = indices(op->outputs());
  if (!o) bad(fmt::format("WHILE ({}) needs its options", location));
  if (ins.size() != outs.size()) {
    bad(fmt::format("WHILE ({}) has {} inputs but {} outputs", location, ins.size(), outs.size()));
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

std::vector<int> Importer::inline_subgraph(int index, const std::vector<int>& args,
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

}  // namespace tflite_import
}  // namespace kiln
