// kiln's graph IR: what every importer produces and every pass consumes.
//
// Tensors and ops live in flat vectors and refer to each other by index; an
// absent optional operand is -1. Ops are identified by OpKind, never by string.
#ifndef KILN_COMPILER_IR_GRAPH_H
#define KILN_COMPILER_IR_GRAPH_H

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "compiler/ir/op_kinds.h"
#include "kiln/types.h"

namespace kiln {
namespace ir {

struct Quantization {
  std::vector<float> scales;         // one per tensor, or one per channel along `axis`
  std::vector<int64_t> zero_points;  // same length as scales
  int32_t axis = 0;

  bool present() const { return !scales.empty(); }
  bool per_channel() const { return scales.size() > 1; }
  float scale() const { return scales.empty() ? 0.0f : scales[0]; }
  int32_t zero_point() const {
    return zero_points.empty() ? 0 : static_cast<int32_t>(zero_points[0]);
  }
};

struct Tensor {
  std::string name;
  kiln_dtype dtype = KILN_DTYPE_FLOAT32;
  std::vector<int32_t> shape;
  Quantization quant;
  bool constant = false;
  // State that persists from one invocation to the next (a TFLite variable
  // tensor or resource variable): ops read it as an input and may update it
  // in place. `data` holds its value after a reset; empty means zeros.
  bool persistent = false;
  std::vector<uint8_t> data;  // constant tensors, and persistent ones' initial value
  // A variable that lives within one invocation: a value a loop carries from
  // one iteration to the next, assigned before the loop and at the end of
  // each iteration, read with READ_VARIABLE (never persistent).
  bool loop_variable = false;
  // Int4 weights held as int8 values in [-8, 7]: file formats that can
  // (TFLite's INT4) store them two to a byte. Set by int4 quantization and by
  // importing an INT4 tensor; a writer checks the values before packing.
  bool int4 = false;
  // Patch-based execution (compiler/plan/patches.h): these bytes of another
  // tensor's buffer (rows of it, or the whole of a buffer it may reuse),
  // `view_offset` bytes in; -1: a buffer of its own.
  int view_of = -1;
  uint64_t view_offset = 0;
  // Placed at the start of this tensor's buffer, in bytes the bands have
  // read for the last time before they write them (ProgramTensor::overlays).
  int overlays = -1;

  // Written in place by ASSIGN_VARIABLE rather than as an op's output.
  bool variable() const { return persistent || loop_variable; }

  int64_t elements() const;
  uint64_t bytes() const { return static_cast<uint64_t>(elements()) * kiln_dtype_size(dtype); }
  // data viewed as T (constant tensors; caller checks dtype)
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data.data());
  }
};

enum class OpKind : uint8_t {
#define KILN_OP_KIND_ENUM(kind, name, min_inputs, max_inputs, outputs) kind,
  KILN_OP_KINDS(KILN_OP_KIND_ENUM)
#undef KILN_OP_KIND_ENUM
      kUnsupported,  // kept so analysis can report coverage; never lowered
};

enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6 };
// kSame and kValid as TFLite defines them; kExplicit gives the leading pads
// (the trailing ones only decide the output size, which the output states).
enum class Padding : uint8_t { kSame, kValid, kExplicit };

struct OpAttrs {
  Padding padding = Padding::kValid;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t filter_h = 1, filter_w = 1;  // pooling window
  int32_t depth_multiplier = 1;
  Activation activation = Activation::kNone;
  float beta = 1.0f;                                          // softmax
  int32_t axis = 0;                                           // concatenation, split, pack, unpack
  bool keep_dims = false;                                     // mean
  int32_t pad_top = 0, pad_left = 0;                          // Padding::kExplicit
  float clamp_min = -std::numeric_limits<float>::infinity();  // clamp
  float clamp_max = std::numeric_limits<float>::infinity();
  // Clamp: the int8 bounds and result stay in the input's quantization, the
  // output's ignored (TFLite Micro's RELU6; desktop TFLite requantizes).
  bool clamp_in_input_quantization = false;
  float alpha = 0.0f;         // leaky relu
  bool approximate = false;   // gelu: the tanh form
  std::vector<int32_t> perm;  // transpose: output dim i is input dim perm[i]
  // strided slice: per-axis bits as TFLite's (bit i: axis i); with `offset`,
  // each end is relative to its begin.
  int32_t begin_mask = 0, end_mask = 0, shrink_axis_mask = 0;
  bool end_is_offset = false;
  int32_t block_size = 1;            // depth to space, space to depth
  bool channels_column_row = false;  // depth to space: ONNX's CRD channel order, not DCR
  int32_t batch_dims = 0;            // gather
  bool align_corners = false, half_pixel_centers = false;  // resize
  bool mirror_symmetric = false;      // mirror pad: SYMMETRIC (edge repeated) or REFLECT
  bool adj_x = false, adj_y = false;  // batch matmul: an operand stored transposed
  // cumsum: each output leaves its own element out; sums run from the end
  bool exclusive = false, reverse = false;
  int32_t rank = 1;         // svdf: filters per unit
  bool time_major = false;  // sequence lstm: [time, batch, ...] rather than [batch, time, ...]
  float cell_clip = 0.0f;   // sequence lstm: the cell state's bound (0: none)
  // assign variable: runs once, before the first invocation (TFLite's
  // CALL_ONCE initialization), so the value becomes the variable's initial one
  bool at_reset = false;
  // A custom op's integer options (TFLite's flexbuffer map), in the order its
  // record reads them.
  std::vector<int64_t> custom_options;
};

struct Op {
  OpKind kind = OpKind::kUnsupported;
  std::string type_name;  // the importer's name for the op, e.g. "CONV_2D"
  std::string location;   // where it is in the source file, e.g. "subgraph 0, operator 3"
  // Its operator index in a TFLite model's main subgraph, kept by the ops
  // passes make from it; -1 for other sources and for ops kiln adds.
  int source_index = -1;
  // In a graph of bands (compiler/plan/patches.h): the op of the whole-layer
  // graph this one is, or computes a band of rows of; -1 in any other graph.
  int layer = -1;
  std::vector<int> inputs, outputs;
  OpAttrs attrs;
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // in execution order
  std::vector<int> inputs, outputs;
  // For models imported from another layout (ONNX's NCHW): per graph input
  // and output, the permutation taking kiln's dims to the source model's
  // (source dim i is kiln dim perm[i]); empty when they are the same. Tools
  // use it to read and write user data in the source model's layout.
  std::vector<std::vector<int32_t>> input_source_perm, output_source_perm;
};

// No tensor kiln compiles is larger than this (1 GiB).
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 30;

const char* op_kind_name(OpKind kind);
// The most operands an op of `kind` takes (ir/op_kinds.h); -1: any number.
int op_kind_max_inputs(OpKind kind);
const char* dtype_name(kiln_dtype dtype);
std::string shape_string(const std::vector<int32_t>& shape);

// The index of the first op writing `tensor`, or -1 (a graph input or constant).
int producer(const Graph& g, int tensor);

// Appends a constant int32 tensor of shape [values.size()]; returns its index.
int add_int32_constant(Graph& g, const std::string& name, const std::vector<int32_t>& values);

// Checks structural invariants (indices in range, constants hold their bytes,
// every op input produced before use, per-channel quantization sized to its
// axis, loops nested and nothing computed in a loop read after it). Throws
// Error(kBadModel) naming the op or tensor.
void verify(const Graph& graph);

}  // namespace ir
}  // namespace kiln

#endif  // KILN_COMPILER_IR_GRAPH_H
