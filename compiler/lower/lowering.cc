#include "compiler/lower/lowering.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/ops/op_record.h"

namespace kiln {

const ir::Tensor& LowerContext::input(const ir::Op& op, size_t i) const {
  if (!has_input(op, i)) invalid(op, fmt::format("input {} is missing", i));
  return tensor(op.inputs[i]);
}

const ir::Tensor& LowerContext::output(const ir::Op& op, size_t i) const {
  if (i >= op.outputs.size()) invalid(op, fmt::format("output {} is missing", i));
  return tensor(op.outputs[i]);
}

const std::string& LowerContext::layer_name(const ir::Op& op) const {
  if (op.layer >= 0 && whole_) {
    const ir::Op& layer = whole_->ops[static_cast<size_t>(op.layer)];
    return whole_->tensors[static_cast<size_t>(layer.outputs.at(0))].name;
  }
  return output(op, 0).name;
}

int LowerContext::add_constant(const std::string& name, kiln_dtype dtype,
                               std::vector<int32_t> shape, std::vector<uint8_t> data) {
  ProgramTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes = data.size();
  t.constant = true;
  t.data = std::move(data);
  program_.tensors.push_back(std::move(t));
  return static_cast<int>(program_.tensors.size() - 1);
}

int LowerContext::add_scratch(const std::string& name, kiln_dtype dtype,
                              std::vector<int32_t> shape) {
  ProgramTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes = kiln_dtype_size(dtype);
  for (int32_t d : t.shape) t.bytes *= static_cast<uint64_t>(d);
  program_.tensors.push_back(std::move(t));
  return static_cast<int>(program_.tensors.size() - 1);
}

int LowerContext::add_state(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape) {
  const int index = add_scratch(name, dtype, std::move(shape));
  program_.tensors[static_cast<size_t>(index)].persistent = true;
  return index;
}

int LowerContext::add_float_constant(const std::string& name, std::vector<int32_t> shape,
                                     const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return add_constant(name, KILN_DTYPE_FLOAT32, std::move(shape), std::move(bytes));
}

void LowerContext::unsupported(const ir::Op& op, const std::string& what) const {
  throw Error(
      ErrorKind::kUnsupported,
      fmt::format("{} ({}, output '{}'): {}", op.type_name, op.location,
                  op.outputs.empty() ? std::string("?") : tensor(op.outputs[0]).name, what));
}

void LowerContext::invalid(const ir::Op& op, const std::string& what) const {
  throw Error(
      ErrorKind::kBadModel,
      fmt::format("{} ({}, output '{}'): {}", op.type_name, op.location,
                  op.outputs.empty() ? std::string("?") : tensor(op.outputs[0]).name, what));
}

void LowerContext::emit_raw(const ir::Op& op, OpCode opcode, std::vector<uint8_t> params,
                            std::vector<int> inputs, std::vector<int> outputs) {
  const KernelInfo* info = find_kernel(static_cast<uint32_t>(opcode));
  OperandSizes sizes{};
  if (!info || !info->operand_sizes || params.size() != info->params_size ||
      !info->operand_sizes(params.data(), &sizes) ||
      sizes.num_inputs != static_cast<int>(inputs.size()) ||
      sizes.num_outputs != static_cast<int>(outputs.size())) {
    std::vector<std::string> shapes;
    for (int t : op.inputs) shapes.push_back(t < 0 ? "-" : ir::shape_string(tensor(t).shape));
    for (int t : op.outputs) shapes.push_back(ir::shape_string(tensor(t).shape));
    unsupported(op, fmt::format("kernel {} takes no such parameters: its limits are {} for a "
                                "dimension, stride, dilation or pad, {} bytes for an operand, "
                                "and {} operands a side (the op's operands: {})",
                                info && info->name ? info->name : "(unknown)", kMaxDim,
                                kMaxOperandBytes, kMaxOperands, fmt::join(shapes, ", ")));
  }
  auto check = [&](int tensor, uint32_t required, const char* role, size_t i) {
    const uint64_t have = tensor < 0 ? 0 : program_.tensors[static_cast<size_t>(tensor)].bytes;
    if (have != required) {
      invalid(op, fmt::format(
                      "{} {} '{}' is {} bytes but the op's shapes imply {}", role, i,
                      tensor < 0 ? "(absent)" : program_.tensors[static_cast<size_t>(tensor)].name,
                      have, required));
    }
  };
  for (size_t i = 0; i < inputs.size(); ++i) check(inputs[i], sizes.inputs[i], "input", i);
  for (size_t i = 0; i < outputs.size(); ++i) check(outputs[i], sizes.outputs[i], "output", i);
  ProgramOp p;
  p.opcode = opcode;
  p.params = std::move(params);
  p.inputs = std::move(inputs);
  p.outputs = std::move(outputs);
  p.source_op = source_op(current_op);
  program_.ops.push_back(std::move(p));
}

void LowerContext::begin_loop() { loops_.push_back({program_.ops.size(), {}}); }

void LowerContext::exit_loop_unless(const ir::Op& op, int condition) {
  if (loops_.empty()) invalid(op, "is outside any loop");
  const ir::Tensor& c = tensor(condition);
  if (c.dtype != KILN_DTYPE_BOOL || c.elements() != 1)
    invalid(op, fmt::format("the loop condition '{}' must be one bool", c.name));
  loops_.back().exits.push_back(program_.ops.size());
  emit(op, OpCode::BRANCH, BranchParams{0, 1}, {condition}, {});
}

void LowerContext::end_loop(const ir::Op& op) {
  if (loops_.empty()) invalid(op, "is outside any loop");
  const OpenLoop loop = loops_.back();
  loops_.pop_back();
  emit(op, OpCode::BRANCH, BranchParams{static_cast<uint32_t>(loop.start), 0}, {}, {});
  for (size_t exit : loop.exits) set_branch_target(program_.ops[exit], program_.ops.size());
}

void LowerContext::end_unless(const ir::Op& op, int condition) {
  if (!loops_.empty()) unsupported(op, "gates a stage inside a loop");
  const ir::Tensor& c = tensor(condition);
  if (c.dtype != KILN_DTYPE_BOOL || c.elements() != 1)
    invalid(op, fmt::format("the gate's condition '{}' must be one bool", c.name));
  gates_.push_back(program_.ops.size());
  emit(op, OpCode::BRANCH, BranchParams{0, kBranchEndIfFalse}, {condition}, {});
}

void LowerContext::finish(const ir::Op& last) {
  if (!loops_.empty()) invalid(last, "a loop is not closed by END_LOOP");
  for (size_t gate : gates_) set_branch_target(program_.ops[gate], program_.ops.size());
}

int64_t op_macs(const ir::Graph& graph, const ir::Op& op) {
  const OpRecord* record = find_op_record(op.kind);
  return record && record->macs ? record->macs(graph, op) : 0;
}

int64_t total_macs(const ir::Graph& graph) {
  int64_t macs = 0;
  for (const ir::Op& op : graph.ops) macs += op_macs(graph, op);
  return macs;
}

int LowerContext::source_op(int op) const {
  const int layer = op >= 0 ? graph_.ops[static_cast<size_t>(op)].layer : -1;
  return layer >= 0 && whole_ ? layer : op;
}

Program lower(const ir::Graph& graph, const KernelTarget& target,
              std::vector<std::string>* unsupported, const LowerOptions& options,
              const ir::Graph* whole) {
  Program program;
  for (const ir::Tensor& t : graph.tensors) {
    ProgramTensor p;
    p.name = t.name;
    p.dtype = t.dtype;
    p.shape = t.shape;
    p.bytes = t.bytes();
    p.constant = t.constant;
    p.persistent = t.persistent;
    p.loop_variable = t.loop_variable;
    p.data = t.data;
    p.alias_of = t.view_of;
    p.alias_offset = t.view_offset;
    p.overlays = t.overlays;
    if (t.quant.present() && !t.quant.per_channel()) {
      p.scale = t.quant.scale();
      p.zero_point = t.quant.zero_point();
    }
    program.tensors.push_back(std::move(p));
  }
  program.inputs = graph.inputs;
  program.outputs = graph.outputs;
  LowerContext ctx(graph, program, target, options, whole);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::Op& op = graph.ops[i];
    ctx.current_op = static_cast<int>(i);
    try {
      const OpRecord* record = find_op_record(op.kind);
      if (!record) ctx.unsupported(op, "kiln has no kernel for this op");
      record->lower(ctx, op);
    } catch (const Error& e) {
      if (!unsupported || e.kind() != ErrorKind::kUnsupported) throw;
      unsupported->push_back(e.what());
      ProgramOp placeholder;
      placeholder.inputs = op.inputs;
      placeholder.outputs = op.outputs;
      placeholder.source_op = ctx.source_op(static_cast<int>(i));
      placeholder.placeholder = true;
      program.ops.push_back(std::move(placeholder));
    }
  }
  if (!graph.ops.empty()) ctx.finish(graph.ops.back());
  return program;
}

int32_t conv_output_size(ir::Padding padding, int32_t in, int32_t filter, int32_t stride,
                         int32_t dilation) {
  const int32_t effective = (filter - 1) * dilation + 1;
  if (stride <= 0) return 0;
  return padding == ir::Padding::kSame ? (in + stride - 1) / stride
                                       : (in + stride - effective) / stride;
}

int32_t conv_padding(int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t out) {
  const int32_t effective = (filter - 1) * dilation + 1;
  const int32_t total = (out - 1) * stride + effective - in;
  return total > 0 ? total / 2 : 0;
}

int32_t window_padding(ir::Padding padding, int32_t explicit_pad, const WindowDim& d) {
  if (d.stride < 1 || d.dilation < 1 || d.filter < 1) return -1;
  if (padding != ir::Padding::kExplicit) {
    if (conv_output_size(padding, d.in, d.filter, d.stride, d.dilation) != d.out) return -1;
    return padding == ir::Padding::kSame ? conv_padding(d.in, d.filter, d.stride, d.dilation, d.out)
                                         : 0;
  }
  const int64_t effective = int64_t{d.filter - 1} * d.dilation + 1;
  const int64_t last_start = int64_t{d.out - 1} * d.stride - explicit_pad;
  if (explicit_pad < 0 || explicit_pad >= effective || d.out < 1 || last_start >= d.in) return -1;
  return explicit_pad;
}

}  // namespace kiln
