// Lowering: each IR op becomes one or more kernel calls with filled params.
//
// Every op's record (compiler/ops/op_record.h, one file per op under
// compiler/ops/) lowers it: it checks the op's types and shapes, derives the
// fixed-point parameters and emits the kernel call. Errors name the op, its
// location in the model and the tensor.
#ifndef KILN_COMPILER_LOWER_LOWERING_H
#define KILN_COMPILER_LOWER_LOWERING_H

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/lower/program.h"
#include "compiler/target/kernel_target.h"

namespace kiln {

struct LowerOptions {
  // Keep every filter dense in int8, even one that int4 or clustered
  // weights would store in 4 bits or pruned weights as their nonzeros.
  bool dense_weights = false;
  // Store filters entropy-coded where that is smallest
  // (compiler/ops/entropy_weights.h), at a decoding cost per weight.
  bool entropy_weights = false;
  // With entropy_weights: only these layers' filters (by output tensor
  // name); empty: every layer's.
  std::set<std::string> entropy_layers = {};
  // Keep every layer's constants as small as the portable kernels' (Arm DSP
  // filters in int8 with compact requantization entries, no lookup tables),
  // at some speed; except the layers in fast_layers (by output tensor name).
  bool lean = false;
  std::set<std::string> fast_layers = {};
};

class LowerContext {
 public:
  LowerContext(const ir::Graph& graph, Program& program, const KernelTarget& target,
               const LowerOptions& options = {}, const ir::Graph* whole = nullptr)
      : graph_(graph), program_(program), target_(target), options_(options), whole_(whole) {}

  const ir::Graph& graph() const { return graph_; }
  // The kernel variants this compilation may choose from.
  const KernelTarget& target() const { return target_; }
  // Whether filters may be stored compressed: as 4-bit indices into a
  // codebook (compiler/ops/coded_weights.h) or as their nonzero weights
  // (compiler/ops/sparse_weights.h).
  bool compressed_weights() const { return !options_.dense_weights; }
  // Whether `op`'s filter may be stored entropy-coded
  // (LowerOptions::entropy_weights and entropy_layers).
  bool entropy_weights(const ir::Op& op) const {
    return options_.entropy_weights && !options_.dense_weights &&
           (options_.entropy_layers.empty() || options_.entropy_layers.count(layer_name(op)) > 0);
  }
  // Whether `op` takes the kernel variants whose constants are no larger
  // than the portable kernels' (LowerOptions::lean and fast_layers).
  bool lean(const ir::Op& op) const {
    return options_.lean && options_.fast_layers.count(layer_name(op)) == 0;
  }
  // The layer `op` computes (a band of): the name of its output tensor in the
  // whole-layer graph.
  const std::string& layer_name(const ir::Op& op) const;
  const ir::Tensor& tensor(int index) const { return graph_.tensors[static_cast<size_t>(index)]; }
  // A tensor of the program, including those lowering added (constants,
  // scratch buffers) after the graph's.
  const ProgramTensor& program_tensor(int index) const {
    return program_.tensors[static_cast<size_t>(index)];
  }
  // The op's i-th input/output tensor; fails naming the op if it is absent.
  const ir::Tensor& input(const ir::Op& op, size_t i) const;
  const ir::Tensor& output(const ir::Op& op, size_t i) const;
  bool has_input(const ir::Op& op, size_t i) const {
    return i < op.inputs.size() && op.inputs[i] >= 0;
  }

  // Adds a constant tensor to the program; returns its index.
  int add_constant(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape,
                   std::vector<uint8_t> data);
  // Adds a working buffer for one kernel call: an arena tensor passed as an
  // extra output, live only during that op.
  int add_scratch(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape);
  // Adds state an op keeps from one invocation to the next (zero at reset),
  // passed as an extra output.
  int add_state(const std::string& name, kiln_dtype dtype, std::vector<int32_t> shape);
  // Adds a float32 constant, e.g. int8 weights dequantized for a float op.
  int add_float_constant(const std::string& name, std::vector<int32_t> shape,
                         const std::vector<float>& values);

  // Emits a kernel call. Checks the params against the operands' byte sizes
  // with the kernel's own operand_sizes (the check the runtime repeats).
  template <typename Params>
  void emit(const ir::Op& op, OpCode opcode, const Params& params, std::vector<int> inputs,
            std::vector<int> outputs) {
    std::vector<uint8_t> bytes(sizeof(Params));
    std::memcpy(bytes.data(), &params, sizeof(Params));
    emit_raw(op, opcode, std::move(bytes), std::move(inputs), std::move(outputs));
  }

  // A loop's control flow (the LOOP, BREAK_UNLESS and END_LOOP records): the
  // loop starts at the next op emitted; an exit emits a BRANCH to the op after
  // the loop when `condition` (a bool) is false; the end emits the BRANCH back.
  void begin_loop();
  void exit_loop_unless(const ir::Op& op, int condition);
  void end_loop(const ir::Op& op);
  // A gate: emits a BRANCH that ends the invocation, without outputs, when
  // `condition` (a bool) is false.
  void end_unless(const ir::Op& op, int condition);
  // After the last op: fails naming it if a loop is still open, and points
  // the gates at the program's end.
  void finish(const ir::Op& last);

  // The model is valid but kiln cannot compile it (kUnsupported).
  [[noreturn]] void unsupported(const ir::Op& op, const std::string& what) const;
  // The model contradicts itself (kBadModel).
  [[noreturn]] void invalid(const ir::Op& op, const std::string& what) const;

  int current_op = -1;
  // The index a program op made of graph op `op` records as its source_op.
  int source_op(int op) const;

 private:
  void emit_raw(const ir::Op& op, OpCode opcode, std::vector<uint8_t> params,
                std::vector<int> inputs, std::vector<int> outputs);

  struct OpenLoop {
    size_t start;               // the loop's first program op
    std::vector<size_t> exits;  // its exits' BRANCH ops, whose target is the op after it
  };

  const ir::Graph& graph_;
  Program& program_;
  const KernelTarget& target_;
  LowerOptions options_;
  const ir::Graph* whole_;
  std::vector<OpenLoop> loops_;
  std::vector<size_t> gates_;  // END_UNLESS branches, whose target is the program's end
};

// Multiply-accumulates of one op (0 for ops kiln has no definition of), and
// of the whole graph.
int64_t op_macs(const ir::Graph& graph, const ir::Op& op);
int64_t total_macs(const ir::Graph& graph);

// Lowers every op of the graph. Throws Error naming the first op that fails,
// unless `unsupported` is given: then ops kiln cannot compile are recorded
// there (one message each) and kept as placeholders. A graph of bands
// (compiler/plan/patches.h) names `whole`, the graph they were cut from:
// each program op's source_op is then the whole layer's index there, and
// views become aliases.
Program lower(const ir::Graph& graph, const KernelTarget& target,
              std::vector<std::string>* unsupported = nullptr, const LowerOptions& options = {},
              const ir::Graph* whole = nullptr);

// TFLite's SAME/VALID output size and leading padding for one spatial dim.
int32_t conv_output_size(ir::Padding padding, int32_t in, int32_t filter, int32_t stride,
                         int32_t dilation);
int32_t conv_padding(int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t out);

// One spatial dimension of a sliding window (convolution, pooling).
struct WindowDim {
  int32_t in, filter, stride, dilation, out;
};
// The leading pad of a window dimension under `padding` (`explicit_pad` for
// Padding::kExplicit), or -1 if `out` does not follow from the rest: for
// SAME/VALID it must be TFLite's size, and with explicit pads every window
// must overlap the input.
int32_t window_padding(ir::Padding padding, int32_t explicit_pad, const WindowDim& d);

}  // namespace kiln

#endif
