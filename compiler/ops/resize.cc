// RESIZE_BILINEAR (kiln/ops/resize.h): the source rows and columns of each
// output and their weights, computed here as TFLite computes them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// Float: the scaled position, its floor (at least 0) and ceiling (at most
// the last index); the weight of the upper index is the position less the
// lower one (negative near a half-pixel edge, as in TFLite).
std::vector<int32_t> float_taps(int32_t in, int32_t out, bool align_corners,
                                bool half_pixel_centers) {
  float scale = static_cast<float>(in) / static_cast<float>(out);
  if (align_corners && out > 1) scale = static_cast<float>(in - 1) / static_cast<float>(out - 1);
  std::vector<int32_t> taps;
  for (int32_t i = 0; i < out; ++i) {
    const float v = static_cast<float>(i);
    const float position = half_pixel_centers ? (v + 0.5f) * scale - 0.5f : v * scale;
    const int32_t lower = std::max(static_cast<int32_t>(std::floor(position)), 0);
    const int32_t upper = std::min(static_cast<int32_t>(std::ceil(position)), in - 1);
    const float weight = position - static_cast<float>(lower);
    int32_t bits;
    std::memcpy(&bits, &weight, sizeof(bits));
    taps.insert(taps.end(), {lower, upper, bits});
  }
  return taps;
}

// int8: positions in 1/1024ths with integer scales, as TFLite's integer kernel.
std::vector<int32_t> int_taps(int32_t in, int32_t out, bool align_corners,
                              bool half_pixel_centers) {
  int32_t scale = ((1 << 10) * in + out / 2) / out;
  if (align_corners && out > 1) scale = ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  std::vector<int32_t> taps;
  for (int32_t i = 0; i < out; ++i) {
    const int32_t position = half_pixel_centers ? i * scale + scale / 2 - (1 << 9) : i * scale;
    const int32_t lower = std::max(position / (1 << 10), 0);
    const int32_t upper = std::min((position + (1 << 10) - 1) / (1 << 10), in - 1);
    taps.insert(taps.end(), {lower, upper, position - (1 << 10) * lower});
  }
  return taps;
}

void lower_resize_bilinear(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  require_rank(ctx, op, in, 4, "input");
  const bool float32 = in.dtype == KILN_DTYPE_FLOAT32;
  if (!float32 && in.dtype != KILN_DTYPE_INT8) {
    ctx.unsupported(op, fmt::format("{} input '{}' (float32 and int8 are supported)",
                                    ir::dtype_name(in.dtype), in.name));
  }
  require_same_quantization(ctx, op, in, out);
  const ir::OpAttrs& a = op.attrs;
  if (a.align_corners && a.half_pixel_centers)
    ctx.invalid(op, "align_corners and half_pixel_centers are both set");
  const std::vector<int64_t> size = constant_integers(ctx, op, 1, "size");
  if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > kMaxDim || size[1] > kMaxDim)
    ctx.invalid(op, "size must hold a positive height and width");
  ResizeBilinearParams p{in.shape[0],
                         in.shape[1],
                         in.shape[2],
                         in.shape[3],
                         static_cast<int32_t>(size[0]),
                         static_cast<int32_t>(size[1])};
  const std::vector<int32_t> shape = {p.batches, p.out_h, p.out_w, p.channels};
  if (out.shape != shape) {
    ctx.invalid(op, fmt::format("output {} is not the resize's shape {}",
                                ir::shape_string(out.shape), ir::shape_string(shape)));
  }
  auto taps = float32 ? float_taps : int_taps;
  auto table = [&](const char* name, const std::vector<int32_t>& values) {
    return ctx.add_constant(fmt::format("{}/{}", out.name, name), KILN_DTYPE_INT32,
                            {static_cast<int32_t>(values.size())}, int32_bytes(values));
  };
  const int rows = table("rows", taps(p.in_h, p.out_h, a.align_corners, a.half_pixel_centers));
  const int columns =
      table("columns", taps(p.in_w, p.out_w, a.align_corners, a.half_pixel_centers));
  ctx.emit(op, float32 ? OpCode::RESIZE_BILINEAR_F32 : OpCode::RESIZE_BILINEAR_S8, p,
           {op.inputs[0], rows, columns}, {op.outputs[0]});
}

void read_resize_bilinear(tflite_format::OperatorReader& r) {
  if (const auto* o = r.options_if_any<tflite::ResizeBilinearOptions>()) {
    r.attrs().align_corners = o->align_corners();
    r.attrs().half_pixel_centers = o->half_pixel_centers();
  }
}

tflite_format::WrittenOptions write_resize_bilinear(tflite_format::OperatorWriter& w) {
  return w.options(tflite::CreateResizeBilinearOptions(w.builder(), w.attrs().align_corners,
                                                       w.attrs().half_pixel_centers));
}

}  // namespace

const OpRecord kResizeBilinearRecord = {ir::OpKind::kResizeBilinear,
                                        OpTraits().same_quantization_as_input().folds_qdq(),
                                        TfliteForm(tflite::BuiltinOperator_RESIZE_BILINEAR)
                                            .reads(read_resize_bilinear)
                                            .writes(write_resize_bilinear),
                                        lower_resize_bilinear, nullptr};

}  // namespace kiln
