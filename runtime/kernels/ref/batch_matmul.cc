// Reference BATCH_MATMUL: TFLite's sums over the depth in ascending order,
// int8 in 32 bits, int16 in 64 bits with its 64-bit rescale.
#include "kiln/ops/batch_matmul.h"

#include <stdint.h>

#include "kiln/fixed_point.h"
#include "kiln/kernels.h"

namespace kiln {
namespace ref {
namespace {

// Calls product(lhs_matrix, rhs_matrix, out_matrix) with each batch's
// element offsets, broadcast batch dims repeating their one matrix.
template <typename Product>
void for_each_batch(const BatchMatMulParams& p, Product product) {
  const int32_t lhs_size = p.rows * p.depth, rhs_size = p.depth * p.cols,
                out_size = p.rows * p.cols;
  int32_t out_index = 0;
  for (int32_t b0 = 0; b0 < p.out_batch[0]; ++b0) {
    for (int32_t b1 = 0; b1 < p.out_batch[1]; ++b1) {
      for (int32_t b2 = 0; b2 < p.out_batch[2]; ++b2) {
        auto index = [&](const int32_t* dims) {
          return ((dims[0] == 1 ? 0 : b0) * dims[1] + (dims[1] == 1 ? 0 : b1)) * dims[2] +
                 (dims[2] == 1 ? 0 : b2);
        };
        product(index(p.lhs_batch) * lhs_size, index(p.rhs_batch) * rhs_size,
                out_index++ * out_size);
      }
    }
  }
}

// int8 sums wrap past int32 as TFLite's would, but defined; int16 sums fit
// int64 for any depth and offsets the operand sizes allow.
inline int32_t accumulate(int32_t sum, int32_t product) { return fp::wrapping_add(sum, product); }
inline int64_t accumulate(int64_t sum, int64_t product) { return sum + product; }
inline float accumulate(float sum, float product) { return sum + product; }

template <typename T, typename Acc, typename Finish>
void batch_matmul(const void* params, const void* const* inputs, void* const* outputs,
                  Acc lhs_offset, Acc rhs_offset, Finish finish) {
  const BatchMatMulParams& p = *static_cast<const BatchMatMulParams*>(params);
  const T* lhs = static_cast<const T*>(inputs[0]);
  const T* rhs = static_cast<const T*>(inputs[1]);
  T* out = static_cast<T*>(outputs[0]);
  // Element (row, k) of lhs and (k, col) of rhs in their stored layouts.
  const int32_t lhs_row = p.adj_x ? 1 : p.depth, lhs_k = p.adj_x ? p.rows : 1;
  const int32_t rhs_k = p.adj_y ? 1 : p.cols, rhs_col = p.adj_y ? p.depth : 1;
  for_each_batch(p, [&](int32_t l, int32_t r, int32_t o) {
    for (int32_t row = 0; row < p.rows; ++row) {
      for (int32_t col = 0; col < p.cols; ++col) {
        Acc sum = 0;
        for (int32_t k = 0; k < p.depth; ++k) {
          sum = accumulate(sum,
                           (static_cast<Acc>(rhs[r + k * rhs_k + col * rhs_col]) + rhs_offset) *
                               (static_cast<Acc>(lhs[l + row * lhs_row + k * lhs_k]) + lhs_offset));
        }
        out[o + row * p.cols + col] = finish(sum);
      }
    }
  });
}

}  // namespace

void batch_matmul_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const BatchMatMulParams& p = *static_cast<const BatchMatMulParams*>(params);
  batch_matmul<int8_t, int32_t>(
      params, inputs, outputs, p.lhs_offset, p.rhs_offset, [&p](int32_t sum) {
        return static_cast<int8_t>(fp::requantize(sum, p.output_multiplier, p.output_shift,
                                                  p.output_offset, INT8_MIN, INT8_MAX));
      });
}

void batch_matmul_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const BatchMatMulParams& p = *static_cast<const BatchMatMulParams*>(params);
  batch_matmul<int16_t, int64_t>(
      params, inputs, outputs, p.lhs_offset, p.rhs_offset, [&p](int64_t sum) {
        const int32_t v = fp::saturating_add(
            fp::multiply_by_quantized_multiplier_64(sum, p.output_multiplier, p.output_shift),
            p.output_offset);
        return static_cast<int16_t>(fp::clamp(v, INT16_MIN, INT16_MAX));
      });
}

void batch_matmul_f32(const void* params, const void* const* inputs, void* const* outputs) {
  batch_matmul<float, float>(params, inputs, outputs, 0.0f, 0.0f, [](float sum) { return sum; });
}

}  // namespace ref
}  // namespace kiln
