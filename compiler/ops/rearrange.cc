// Ops that move elements between the spatial, depth and batch dims:
// DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND.
// Each output is a view of its (padded or uncropped) input with the block
// offsets as extra dims, so each lowers to strided copies (element_view.h).
#include <fmt/format.h>

#include "compiler/ops/element_view.h"
#include "compiler/ops/op_util.h"
#include "kiln/ops/data_movement.h"

namespace kiln {
namespace {

// The block size of a depth/space op on an NHWC tensor, checked.
int32_t block_of(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in, const ir::Tensor& out) {
  require_same_quantization(ctx, op, in, out);
  require_rank(ctx, op, in, 4, "input");
  require_rank(ctx, op, out, 4, "output");
  const int32_t b = op.attrs.block_size;
  if (b < 1) ctx.invalid(op, fmt::format("block size {}", b));
  return b;
}

void require_shape(LowerContext& ctx, const ir::Op& op, const ir::Tensor& out,
                   const std::vector<int32_t>& shape) {
  if (out.shape != shape) {
    ctx.invalid(op, fmt::format("output '{}' has shape {}, expected {}", out.name,
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
}

// out[n, h*b + i, w*b + j, c] = in[n, h, w, (i*b + j)*C + c]: the output as
// [N, H, b, W, b, C] steps through the input's channels block-wise (TFLite's
// and ONNX's DCR order; ONNX's CRD order, PyTorch's pixel shuffle, reads
// in[n, h, w, c*b*b + i*b + j]).
void lower_depth_to_space(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const int32_t b = block_of(ctx, op, in, out);
  const int32_t n = in.shape[0], h = in.shape[1], w = in.shape[2], c = in.shape[3];
  if (c % (b * b) != 0)
    ctx.invalid(op, fmt::format("depth {} is not a multiple of block {} squared", c, b));
  const int32_t oc = c / (b * b);
  require_shape(ctx, op, out, {n, h * b, w * b, oc});
  ElementView v;
  v.dims = {n, h, b, w, b, oc};
  v.strides =
      op.attrs.channels_column_row
          ? std::vector<int64_t>{int64_t{h} * w * c, int64_t{w} * c, b, c, 1, int64_t{b} * b}
          : std::vector<int64_t>{int64_t{h} * w * c, int64_t{w} * c, int64_t{b} * oc, c, oc, 1};
  emit_view(ctx, op, op.inputs[0], v, op.outputs[0]);
}

// out[n, h, w, (i*b + j)*C + c] = in[n, h*b + i, w*b + j, c].
void lower_space_to_depth(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const int32_t b = block_of(ctx, op, in, out);
  const int32_t n = in.shape[0], h = in.shape[1], w = in.shape[2], c = in.shape[3];
  if (h % b != 0 || w % b != 0)
    ctx.invalid(
        op, fmt::format("input {} is not a multiple of block {}", ir::shape_string(in.shape), b));
  require_shape(ctx, op, out, {n, h / b, w / b, b * b * c});
  ElementView v;
  v.dims = {n, h / b, w / b, b, b, c};
  v.strides = {int64_t{h} * w * c, int64_t{b} * w * c, int64_t{b} * c, int64_t{w} * c, c, 1};
  emit_view(ctx, op, op.inputs[0], v, op.outputs[0]);
}

// The spatial dims of a batch/space op: [B, s1 (, s2), C] with one block
// size and a (before, after) pad or crop pair each.
struct BlockLayout {
  std::vector<int32_t> block;
  std::vector<int64_t> before, after;
};

BlockLayout block_layout(LowerContext& ctx, const ir::Op& op, const ir::Tensor& in,
                         const char* pairs_role) {
  const size_t rank = in.shape.size();
  if (rank != 3 && rank != 4)
    ctx.unsupported(op, fmt::format("input '{}' of rank {} (3 or 4 supported)", in.name, rank));
  const size_t spatial = rank - 2;
  const std::vector<int64_t> block = constant_integers(ctx, op, 1, "block_shape");
  const std::vector<int64_t> pairs = constant_integers(ctx, op, 2, pairs_role);
  if (block.size() != spatial || pairs.size() != 2 * spatial)
    ctx.invalid(
        op, fmt::format("block_shape and {} must describe {} spatial dims", pairs_role, spatial));
  BlockLayout l;
  for (size_t i = 0; i < spatial; ++i) {
    if (block[i] < 1 || block[i] > kMaxDim || pairs[2 * i] < 0 || pairs[2 * i + 1] < 0)
      ctx.invalid(op, fmt::format("block {} with {} [{}, {}]", block[i], pairs_role, pairs[2 * i],
                                  pairs[2 * i + 1]));
    l.block.push_back(static_cast<int32_t>(block[i]));
    l.before.push_back(pairs[2 * i]);
    l.after.push_back(pairs[2 * i + 1]);
  }
  return l;
}

// TFLite's BATCH_TO_SPACE_ND: input batch (o1*b2 + o2)*B + n holds output
// rows s1*b1 + o1 and columns s2*b2 + o2 of batch n, before the crops. The
// uncropped output, as [B, s1, o1, s2, o2, C], is one view of the input; with
// crops it goes to a scratch buffer and a slice of that to the output.
void lower_batch_to_space(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const BlockLayout l = block_layout(ctx, op, in, "crops");
  const size_t spatial = l.block.size();
  int64_t blocks = 1;
  for (int32_t b : l.block) blocks *= b;
  if (in.shape[0] % blocks != 0)
    ctx.invalid(op,
                fmt::format("batch {} is not a multiple of the {} blocks", in.shape[0], blocks));
  const int32_t batch = static_cast<int32_t>(in.shape[0] / blocks);
  const ElementView input = whole_view(in.shape);
  ElementView v;
  v.dims.push_back(batch);
  v.strides.push_back(input.strides[0]);
  std::vector<int32_t> uncropped = {batch}, cropped = {batch};
  int64_t block_stride = int64_t{batch} * input.strides[0];
  std::vector<int64_t> offset_strides(spatial);
  for (size_t i = spatial; i-- > 0;) {
    offset_strides[i] = block_stride;
    block_stride *= l.block[i];
  }
  for (size_t i = 0; i < spatial; ++i) {
    const int32_t size = in.shape[i + 1] * l.block[i];
    v.dims.insert(v.dims.end(), {in.shape[i + 1], l.block[i]});
    v.strides.insert(v.strides.end(), {input.strides[i + 1], offset_strides[i]});
    uncropped.push_back(size);
    const int64_t kept = size - l.before[i] - l.after[i];
    if (kept < 1) ctx.invalid(op, fmt::format("crops remove all of spatial dim {}", i + 1));
    cropped.push_back(static_cast<int32_t>(kept));
  }
  v.dims.push_back(in.shape.back());
  v.strides.push_back(1);
  uncropped.push_back(in.shape.back());
  cropped.push_back(in.shape.back());
  require_shape(ctx, op, out, cropped);
  if (cropped == uncropped) {
    emit_view(ctx, op, op.inputs[0], v, op.outputs[0]);
    return;
  }
  const int scratch = ctx.add_scratch(out.name + "/uncropped", in.dtype, uncropped);
  emit_view(ctx, op, op.inputs[0], v, scratch);
  ElementView crop = whole_view(uncropped);
  for (size_t i = 0; i < spatial; ++i) {
    crop.offset += l.before[i] * crop.strides[i + 1];
    crop.dims[i + 1] = cropped[i + 1];
  }
  emit_view(ctx, op, scratch, crop, op.outputs[0]);
}

// TFLite's SPACE_TO_BATCH_ND, the inverse: output batch (o1*b2 + o2)*B + n
// holds rows s1*b1 + o1 and columns s2*b2 + o2 of the padded input. The
// output, as [b1, b2, B, s1, s2, C], is one view of the padded input; with
// pads the input is first padded (with zero, quantized) into a scratch buffer.
void lower_space_to_batch(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_same_quantization(ctx, op, in, out);
  const BlockLayout l = block_layout(ctx, op, in, "paddings");
  const size_t spatial = l.block.size();
  std::vector<int32_t> padded = in.shape;
  std::vector<int32_t> shape = {in.shape[0]};
  int64_t blocks = 1;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t size = in.shape[i + 1] + l.before[i] + l.after[i];
    if (size > kMaxDim || size % l.block[i] != 0)
      ctx.invalid(op, fmt::format("padded spatial dim {} ({}) is not a multiple of block {}", i + 1,
                                  size, l.block[i]));
    padded[i + 1] = static_cast<int32_t>(size);
    shape.push_back(static_cast<int32_t>(size / l.block[i]));
    blocks *= l.block[i];
  }
  shape[0] = static_cast<int32_t>(in.shape[0] * blocks);
  shape.push_back(in.shape.back());
  require_shape(ctx, op, out, shape);
  int source = op.inputs[0];
  if (padded != in.shape) {
    if (in.shape.size() > static_cast<size_t>(kMaxPadRank))
      ctx.unsupported(op, "padding a tensor of this rank");
    PadParams p{};
    const size_t lead = kMaxPadRank - in.shape.size();
    for (size_t d = 0; d < static_cast<size_t>(kMaxPadRank); ++d) {
      const bool real = d >= lead;
      const size_t r = d - lead;
      p.in_dims[d] = real ? in.shape[r] : 1;
      const bool is_spatial = real && r >= 1 && r <= spatial;
      p.before[d] = is_spatial ? static_cast<int32_t>(l.before[r - 1]) : 0;
      p.after[d] = is_spatial ? static_cast<int32_t>(l.after[r - 1]) : 0;
    }
    p.element_size = static_cast<int32_t>(kiln_dtype_size(in.dtype));
    // The zero of the input's type: its zero point when quantized.
    const int32_t zero = in.quant.present() ? static_cast<int32_t>(in.quant.zero_point()) : 0;
    p.pad_value_bits = static_cast<uint32_t>(zero);
    source = ctx.add_scratch(out.name + "/padded", in.dtype, padded);
    ctx.emit(op, OpCode::PAD, p, {op.inputs[0]}, {source});
  }
  const ElementView input = whole_view(padded);
  ElementView v;
  for (size_t i = 0; i < spatial; ++i) {
    v.dims.push_back(l.block[i]);
    v.strides.push_back(input.strides[i + 1]);
  }
  v.dims.push_back(in.shape[0]);
  v.strides.push_back(input.strides[0]);
  for (size_t i = 0; i < spatial; ++i) {
    v.dims.push_back(shape[i + 1]);
    v.strides.push_back(input.strides[i + 1] * l.block[i]);
  }
  v.dims.push_back(in.shape.back());
  v.strides.push_back(1);
  emit_view(ctx, op, source, v, op.outputs[0]);
}

void read_depth_to_space(tflite_format::OperatorReader& r) {
  r.attrs().block_size = r.options<tflite::DepthToSpaceOptions>().block_size();
}

void read_space_to_depth(tflite_format::OperatorReader& r) {
  r.attrs().block_size = r.options<tflite::SpaceToDepthOptions>().block_size();
}

tflite_format::WrittenOptions write_depth_to_space(tflite_format::OperatorWriter& w) {
  if (w.attrs().channels_column_row)
    w.unsupported("ONNX's CRD channel order (TFLite's DEPTH_TO_SPACE has DCR's)");
  return w.options(tflite::CreateDepthToSpaceOptions(w.builder(), w.attrs().block_size));
}

tflite_format::WrittenOptions write_space_to_depth(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateSpaceToDepthOptions(w.builder(), w.attrs().block_size));
}

tflite_format::WrittenOptions write_batch_to_space(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateBatchToSpaceNDOptions(w.builder()));
}

tflite_format::WrittenOptions write_space_to_batch(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateSpaceToBatchNDOptions(w.builder()));
}

constexpr OpTraits kView = OpTraits().same_quantization_as_input().folds_qdq();

// ONNX's DCR order is TFLite's; CRD is PyTorch's pixel shuffle.
void read_onnx_depth_to_space(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  a.block_size = static_cast<int32_t>(node.attr_int("blocksize", 0));
  const std::string mode = node.attr_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") node.invalid(fmt::format("mode '{}'", mode));
  a.channels_column_row = mode == "CRD";
  if (a.block_size < 1) node.invalid(fmt::format("blocksize {}", a.block_size));
}

void read_onnx_space_to_depth(const OnnxNodeAttributes& node, ir::OpAttrs& a) {
  a.block_size = static_cast<int32_t>(node.attr_int("blocksize", 0));
  if (a.block_size < 1) node.invalid(fmt::format("blocksize {}", a.block_size));
}

// NHWC shapes: channels into (or out of) blocks of b x b pixels.
std::vector<int32_t> depth_to_space_shape(const OnnxNodeAttributes& node,
                                          const std::vector<std::vector<int32_t>>& operands,
                                          const ir::OpAttrs& a) {
  const std::vector<int32_t>& in = operands.at(0);
  const int64_t b = a.block_size;
  if (in[3] % (b * b) != 0)
    node.invalid(fmt::format("{} channels are not a multiple of {}x{}", in[3], b, b));
  return {in[0], static_cast<int32_t>(in[1] * b), static_cast<int32_t>(in[2] * b),
          static_cast<int32_t>(in[3] / (b * b))};
}

std::vector<int32_t> space_to_depth_shape(const OnnxNodeAttributes& node,
                                          const std::vector<std::vector<int32_t>>& operands,
                                          const ir::OpAttrs& a) {
  const std::vector<int32_t>& in = operands.at(0);
  const int64_t b = a.block_size;
  if (in[1] % b != 0 || in[2] % b != 0)
    node.invalid(fmt::format("{}x{} pixels are not blocks of {}x{}", in[1], in[2], b, b));
  return {in[0], static_cast<int32_t>(in[1] / b), static_cast<int32_t>(in[2] / b),
          static_cast<int32_t>(in[3] * b * b)};
}

}  // namespace

const OpRecord kDepthToSpaceRecord = {ir::OpKind::kDepthToSpace,
                                      kView,
                                      TfliteForm(tflite::BuiltinOperator_DEPTH_TO_SPACE)
                                          .reads(read_depth_to_space)
                                          .writes(write_depth_to_space),
                                      lower_depth_to_space,
                                      nullptr,
                                      OnnxForm(OnnxPattern::kImage, "DepthToSpace")
                                          .reads(read_onnx_depth_to_space)
                                          .shaped_by(depth_to_space_shape)};
const OpRecord kSpaceToDepthRecord = {ir::OpKind::kSpaceToDepth,
                                      kView,
                                      TfliteForm(tflite::BuiltinOperator_SPACE_TO_DEPTH)
                                          .reads(read_space_to_depth)
                                          .writes(write_space_to_depth),
                                      lower_space_to_depth,
                                      nullptr,
                                      OnnxForm(OnnxPattern::kImage, "SpaceToDepth")
                                          .reads(read_onnx_space_to_depth)
                                          .shaped_by(space_to_depth_shape)};
const OpRecord kBatchToSpaceRecord = {
    ir::OpKind::kBatchToSpace, kView,
    TfliteForm(tflite::BuiltinOperator_BATCH_TO_SPACE_ND).writes(write_batch_to_space),
    lower_batch_to_space, nullptr};
const OpRecord kSpaceToBatchRecord = {
    ir::OpKind::kSpaceToBatch, kView,
    TfliteForm(tflite::BuiltinOperator_SPACE_TO_BATCH_ND).writes(write_space_to_batch),
    lower_space_to_batch, nullptr};

}  // namespace kiln
