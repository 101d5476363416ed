// Building blocks of the Helium (M-profile Vector Extension) kernels for
// Cortex-M55: 128-bit vectors of 16 int8 or 4 int32 lanes. On a processor
// without MVE (the host, where the conformance tests run these kernels under
// sanitizers) each is the same arithmetic in portable C.
#ifndef KILN_RUNTIME_KERNELS_ARM_MVE_PRIMITIVES_H
#define KILN_RUNTIME_KERNELS_ARM_MVE_PRIMITIVES_H

#include <stdint.h>
#include <string.h>

#include "kernels/arm_mve/conv_pixels_job.h"
#include "kernels/arm_mve/depthwise3x3_job.h"
#include "kernels/common/conv_16x8.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/packed_conv2d.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define KILN_ARM_MVE_NATIVE 1
#else
#define KILN_ARM_MVE_NATIVE 0
#endif

namespace kiln {
namespace arm_mve {

// One channel's requantization from its ArmMveRequant entry, the reference's
// way (the vector form below does four at once).
inline int32_t requantize_one(int32_t acc, const ArmMveRequant& q, int32_t offset, int32_t lo,
                              int32_t hi) {
  const int64_t shift = int64_t{q.left_shift} + q.neg_right_shift;
  return fp::requantize(acc, q.multiplier,
                        shift < -31 ? -31 : (shift > 30 ? 30 : static_cast<int>(shift)), offset, lo,
                        hi);
}

#if KILN_ARM_MVE_NATIVE

using s8x16 = int8x16_t;
using s32x4 = int32x4_t;

inline s8x16 load_s8x16(const int8_t* p) { return vld1q_s8(p); }
// acc + sum over the 16 lanes of a * b (VMLADAVA: 16 multiply-accumulates).
inline int32_t dot_accumulate(int32_t acc, s8x16 a, s8x16 b) { return vmladavaq_s8(acc, a, b); }
inline s32x4 load_s32x4(const int32_t* p) { return vld1q_s32(p); }
// table[b] for four bytes b at p (VLDRB.U32, then a word gather).
inline s32x4 lookup_s32x4(const int32_t* table, const uint8_t* p) {
  return vldrwq_gather_shifted_offset_s32(table, vldrbq_u32(p));
}
// Four scalars as the lanes of one vector (two VMOVs of two lanes each).
inline s32x4 make_s32x4(int32_t a, int32_t b, int32_t c, int32_t d) {
  s32x4 v = vdupq_n_s32(a);
  v = vsetq_lane_s32(b, v, 1);
  v = vsetq_lane_s32(c, v, 2);
  return vsetq_lane_s32(d, v, 3);
}
// Eight channels as int32 lanes in two vectors: the even channels (0, 2, 4,
// 6) and the odd ones, the order widening multiplies (VMULLB/VMULLT) give.
struct s32x4x2 {
  int32x4_t even, odd;
};
// Eight int32 values de-interleaved (VLD2) / interleaved back (VST2).
inline s32x4x2 load_s32x4x2_deinterleaved(const int32_t* p) {
  const int32x4x2_t v = vld2q_s32(p);
  return {v.val[0], v.val[1]};
}
inline void store_s32x4x2_interleaved(int32_t* p, s32x4x2 v) {
  int32x4x2_t pair;
  pair.val[0] = v.even;
  pair.val[1] = v.odd;
  vst2q_s32(p, pair);
}
// acc += (x + offset) * w for 8 int8 lanes: x + offset fits int16 for every
// zero point, the products are exact in int32 (VMULLB/VMULLT).
inline s32x4x2 multiply_accumulate_s8x8(s32x4x2 acc, const int8_t* x, int32_t offset,
                                        const int8_t* w) {
  const int16x8_t xs = vaddq_n_s16(vldrbq_s16(x), static_cast<int16_t>(offset));
  const int16x8_t ws = vldrbq_s16(w);
  return {vaddq_s32(acc.even, vmullbq_int_s16(xs, ws)),
          vaddq_s32(acc.odd, vmulltq_int_s16(xs, ws))};
}

// fp::multiply_prepared on 4 lanes: VQRDMULH is the rounding doubling high
// multiply (by the multiplier, which is half the prepared one), VRSHL rounds
// half up, so negative lanes step down one first to round ties away from zero.
inline s32x4 multiply_prepared(s32x4 x, const fp::PreparedRequant& q) {
  const int32_t multiplier = static_cast<int32_t>(static_cast<uint32_t>(q.multiplier2) >> 1);
  const int32_t right = q.right_shift & 31;
  const s32x4 high = vqrdmulhq_n_s32(vshlq_r_s32(x, q.left_shift & 31), multiplier);
  const s32x4 fixup = right > 0 ? vshrq_n_s32(high, 31) : vdupq_n_s32(0);
  return vrshlq_n_s32(vqaddq_s32(high, fixup), -right);
}
// Adds the output offset (saturating), clamps and stores 4 int8 results.
inline void requantize_store(s32x4 acc, const fp::PreparedRequant& q, int32_t offset, int32_t lo,
                             int32_t hi, int8_t* out) {
  const s32x4 v = vqaddq_n_s32(multiply_prepared(acc, q), offset);
  vstrbq_s32(out, vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi)));
}
inline s32x4 add_lanes(s32x4 a, s32x4 b) { return vaddq_s32(a, b); }

// 16 int8 lanes as two vectors of 8 int16 (lanes 0-7, 8-15).
struct s16x8x2 {
  int16x8_t lo, hi;
};
inline s16x8x2 zero_s16x8x2() { return {vdupq_n_s16(0), vdupq_n_s16(0)}; }
// sum + the 16 int8 values at p, widened (wrapping int16 lanes).
inline s16x8x2 add_widened_s8x16(s16x8x2 sum, const int8_t* p) {
  return {vaddq_s16(sum.lo, vldrbq_s16(p)), vaddq_s16(sum.hi, vldrbq_s16(p + 8))};
}
inline void store_s16x8x2(int16_t* p, s16x8x2 v) {
  vst1q_s16(p, v.lo);
  vst1q_s16(p + 8, v.hi);
}
inline s8x16 splat_s8x16(int8_t v) { return vdupq_n_s8(v); }
inline s8x16 max_s8x16(s8x16 a, s8x16 b) { return vmaxq_s8(a, b); }
inline s8x16 min_s8x16(s8x16 a, s8x16 b) { return vminq_s8(a, b); }
inline void store_s8x16(int8_t* p, s8x16 v) { vst1q_s8(p, v); }

// Four channels' requantization (ArmMveRequant entries table[0..3]) of four
// accumulators, stored as int8 after the output offset (saturating) and the
// clamp to [lo, hi]: 14 instructions.
inline void requantize4_store(s32x4 acc, const ArmMveRequant* table, int32_t offset, int32_t lo,
                              int32_t hi, int8_t* out) {
  // The empty asm hides the pointer's origin: GCC 12 otherwise folds a
  // following pointer increment into the VLD4s as a register post-increment,
  // an addressing mode VLD4 does not have (the assembler rejects it).
  const int32_t* entries = &table->multiplier;
  __asm__("" : "+r"(entries));
  const int32x4x4_t q = vld4q_s32(entries);
  const s32x4 high = vqrdmulhq_s32(vshlq_s32(acc, q.val[1]), q.val[0]);
  const s32x4 nudged = vqaddq_s32(high, vandq_s32(vshrq_n_s32(high, 31), q.val[3]));
  const s32x4 v = vqaddq_n_s32(vrshlq_s32(nudged, q.val[2]), offset);
  vstrbq_s32(out, vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi)));
}

#else

struct s8x16 {
  int8_t lane[16];
};
struct s32x4 {
  uint32_t lane[4];  // unsigned: lane arithmetic wraps like the vector unit's
};

inline s8x16 load_s8x16(const int8_t* p) {
  s8x16 v;
  for (int i = 0; i < 16; ++i) v.lane[i] = p[i];
  return v;
}
inline int32_t dot_accumulate(int32_t acc, s8x16 a, s8x16 b) {
  uint32_t sum = static_cast<uint32_t>(acc);
  for (int i = 0; i < 16; ++i) sum += static_cast<uint32_t>(a.lane[i] * b.lane[i]);
  return static_cast<int32_t>(sum);
}
inline s32x4 load_s32x4(const int32_t* p) {
  s32x4 v;
  for (int i = 0; i < 4; ++i) v.lane[i] = static_cast<uint32_t>(p[i]);
  return v;
}
inline s32x4 lookup_s32x4(const int32_t* table, const uint8_t* p) {
  s32x4 v;
  for (int i = 0; i < 4; ++i) v.lane[i] = static_cast<uint32_t>(table[p[i]]);
  return v;
}
inline s32x4 make_s32x4(int32_t a, int32_t b, int32_t c, int32_t d) {
  return {{static_cast<uint32_t>(a), static_cast<uint32_t>(b), static_cast<uint32_t>(c),
           static_cast<uint32_t>(d)}};
}
struct s32x4x2 {
  s32x4 even, odd;
};
inline s32x4x2 load_s32x4x2_deinterleaved(const int32_t* p) {
  s32x4x2 v;
  for (int i = 0; i < 4; ++i) {
    v.even.lane[i] = static_cast<uint32_t>(p[2 * i]);
    v.odd.lane[i] = static_cast<uint32_t>(p[2 * i + 1]);
  }
  return v;
}
inline void store_s32x4x2_interleaved(int32_t* p, s32x4x2 v) {
  for (int i = 0; i < 4; ++i) {
    p[2 * i] = static_cast<int32_t>(v.even.lane[i]);
    p[2 * i + 1] = static_cast<int32_t>(v.odd.lane[i]);
  }
}
inline s32x4x2 multiply_accumulate_s8x8(s32x4x2 acc, const int8_t* x, int32_t offset,
                                        const int8_t* w) {
  for (int i = 0; i < 8; ++i) {
    // int16 lanes wrap like the vector unit's; valid offsets never make them.
    const int16_t xs = static_cast<int16_t>(static_cast<uint16_t>(x[i] + offset));
    const uint32_t product = static_cast<uint32_t>(int32_t{xs} * w[i]);
    s32x4& half = i % 2 ? acc.odd : acc.even;
    half.lane[i / 2] += product;
  }
  return acc;
}

inline s32x4 multiply_prepared(s32x4 x, const fp::PreparedRequant& q) {
  for (int i = 0; i < 4; ++i)
    x.lane[i] = static_cast<uint32_t>(fp::multiply_prepared(static_cast<int32_t>(x.lane[i]), q));
  return x;
}
inline void requantize_store(s32x4 acc, const fp::PreparedRequant& q, int32_t offset, int32_t lo,
                             int32_t hi, int8_t* out) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<int8_t>(
        fp::requantize_prepared(static_cast<int32_t>(acc.lane[i]), q, offset, lo, hi));
}
inline s32x4 add_lanes(s32x4 a, s32x4 b) {
  for (int i = 0; i < 4; ++i) a.lane[i] += b.lane[i];
  return a;
}
struct s16x8x2 {
  uint16_t lane[16];  // unsigned: lane arithmetic wraps like the vector unit's
};
inline s16x8x2 zero_s16x8x2() { return {}; }
inline s16x8x2 add_widened_s8x16(s16x8x2 sum, const int8_t* p) {
  for (int i = 0; i < 16; ++i)
    sum.lane[i] = static_cast<uint16_t>(sum.lane[i] + static_cast<uint16_t>(p[i]));
  return sum;
}
inline void store_s16x8x2(int16_t* p, s16x8x2 v) {
  for (int i = 0; i < 16; ++i) p[i] = static_cast<int16_t>(v.lane[i]);
}
inline s8x16 splat_s8x16(int8_t v) {
  s8x16 r;
  for (int i = 0; i < 16; ++i) r.lane[i] = v;
  return r;
}
inline s8x16 max_s8x16(s8x16 a, s8x16 b) {
  for (int i = 0; i < 16; ++i) a.lane[i] = a.lane[i] > b.lane[i] ? a.lane[i] : b.lane[i];
  return a;
}
inline s8x16 min_s8x16(s8x16 a, s8x16 b) {
  for (int i = 0; i < 16; ++i) a.lane[i] = a.lane[i] < b.lane[i] ? a.lane[i] : b.lane[i];
  return a;
}
inline void store_s8x16(int8_t* p, s8x16 v) {
  for (int i = 0; i < 16; ++i) p[i] = v.lane[i];
}
inline void requantize4_store(s32x4 acc, const ArmMveRequant* table, int32_t offset, int32_t lo,
                              int32_t hi, int8_t* out) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<int8_t>(
        requantize_one(static_cast<int32_t>(acc.lane[i]), table[i], offset, lo, hi));
}

#endif

// acc[j] += column . channel j's weights for a block of four channels over
// `steps` steps of 16 taps (per step, each channel's 16 weights in turn):
// one VMLADAVA per channel and step. Returns the weights after the block.
inline const int8_t* dot4_s8x16(const int8_t* column, const int8_t* weights, int32_t steps,
                                int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (int32_t step = 0; step < steps; ++step, column += 16, weights += 64) {
    const s8x16 x = load_s8x16(column);
    a0 = dot_accumulate(a0, x, load_s8x16(weights));
    a1 = dot_accumulate(a1, x, load_s8x16(weights + 16));
    a2 = dot_accumulate(a2, x, load_s8x16(weights + 32));
    a3 = dot_accumulate(a3, x, load_s8x16(weights + 48));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
  return weights;
}

#if KILN_ARM_MVE_NATIVE
extern "C" void kiln_arm_mve_conv_pixels(const ConvPixelsJob* job);
#endif

// Per pixel, its column; per block of job->blocks: the record's biases plus
// the dot products of its weights with the column (VMLADAVA),
// requantize4_store by its entries.
inline void conv_pixels(const ConvPixelsJob* job) {
#if KILN_ARM_MVE_NATIVE
  kiln_arm_mve_conv_pixels(job);
#else
  int8_t* out = job->out;
  for (int32_t px = 0; px < job->pixels; ++px) {
    const int8_t* column = job->input + px * job->pixel_step;
    if (job->column) {
      for (int32_t r = 0; r < job->rows; ++r) {
        memcpy(job->column + r * job->row_bytes, column + r * job->row_step,
               static_cast<size_t>(job->row_bytes));
      }
      column = job->column;
    }
    const uint8_t* record = job->records;
    for (int32_t b = 0; b < job->blocks; ++b, out += 4) {
      int32_t acc[4];
      memcpy(acc, record, sizeof(acc));
      const int8_t* weights = reinterpret_cast<const int8_t*>(record + sizeof(acc));
      const auto* entries =
          reinterpret_cast<const ArmMveRequant*>(dot4_s8x16(column, weights, job->steps, acc));
      requantize4_store(make_s32x4(acc[0], acc[1], acc[2], acc[3]), entries, job->offset,
                        job->act_min, job->act_max, out);
      record = reinterpret_cast<const uint8_t*>(entries + 4);
    }
  }
#endif
}

#if KILN_ARM_MVE_NATIVE
extern "C" void kiln_arm_mve_depthwise3x3(const Depthwise3x3Job* job);
extern "C" void kiln_arm_mve_depthwise3x3_window(const Depthwise3x3Job* job);
#else
// Every group of every pixel: the record's biases, the window's taps
// (multiply_accumulate_s8x8), requantize4_store twice.
inline void depthwise3x3_portable(const Depthwise3x3Job* job) {
  constexpr int32_t kTapBytes = 8, kRowBytes = 3 * kTapBytes;
  int8_t* out = job->out;
  for (int32_t px = 0; px < job->pixels; ++px) {
    const int8_t* in = job->input + px * job->pixel_step;
    const uint8_t* record = job->records;
    for (int32_t g = 0; g < job->groups; ++g, in += 8, out += 8) {
      s32x4x2 acc = load_s32x4x2_deinterleaved(reinterpret_cast<const int32_t*>(record));
      const int8_t* taps =
          reinterpret_cast<const int8_t*>(record + 8 * sizeof(int32_t) + job->first_tap);
      for (int32_t r = 0; r < job->rows; ++r) {
        for (int32_t t = 0; t < job->taps; ++t) {
          acc = multiply_accumulate_s8x8(acc, in + r * job->row_step + t * job->in_step,
                                         job->input_offset, taps + r * kRowBytes + t * kTapBytes);
        }
      }
      int32_t sums[8];
      store_s32x4x2_interleaved(sums, acc);
      const auto* entries =
          reinterpret_cast<const ArmMveRequant*>(record + 8 * sizeof(int32_t) + 9 * kTapBytes);
      requantize4_store(load_s32x4(sums), entries, job->output_offset, job->act_min, job->act_max,
                        out);
      requantize4_store(load_s32x4(sums + 4), entries + 4, job->output_offset, job->act_min,
                        job->act_max, out + 4);
      record = reinterpret_cast<const uint8_t*>(entries + 8);
    }
  }
}
#endif

#if KILN_ARM_MVE_NATIVE
extern "C" void kiln_arm_mve_depthwise3x3_paired(const Depthwise3x3Job* job);
extern "C" void kiln_arm_mve_depthwise3x3_paired_window(const Depthwise3x3Job* job);
#else
// The paired layout's groups of sixteen channels, each pixel's window from
// the folded biases on raw inputs (a run) or from the plain biases on inputs
// plus the input offset (a window). The routines sum two taps' int8 products
// in int16 first; without a weight of -128 that sum is exact, so plain int32
// sums here are the same.
inline void depthwise3x3_paired_portable(const Depthwise3x3Job* job, bool window) {
  constexpr int32_t kLanes = 16, kRowBytes = 3 * kLanes;
  const int32_t bias_offset = window ? KILN_MVE_DW_PAIRED_PLAIN_BIASES : 0;
  const int32_t offset = window ? job->input_offset : 0;
  int8_t* out = job->out;
  for (int32_t px = 0; px < job->pixels; ++px) {
    const int8_t* in = job->input + px * job->pixel_step;
    const uint8_t* record = job->records;
    for (int32_t g = 0; g < job->groups;
         ++g, in += kLanes, out += kLanes, record += KILN_MVE_DW_PAIRED_RECORD_BYTES) {
      uint32_t sums[kLanes];
      memcpy(sums, record + bias_offset, sizeof(sums));
      const int8_t* taps =
          reinterpret_cast<const int8_t*>(record + KILN_MVE_DW_PAIRED_TAPS + job->first_tap);
      for (int32_t r = 0; r < job->rows; ++r) {
        for (int32_t t = 0; t < job->taps; ++t) {
          const int8_t* x = in + r * job->row_step + t * job->in_step;
          const int8_t* w = taps + r * kRowBytes + t * kLanes;
          for (int32_t c = 0; c < kLanes; ++c)
            sums[c] += static_cast<uint32_t>((x[c] + offset) * w[c]);
        }
      }
      const auto* entries =
          reinterpret_cast<const ArmMveRequant*>(record + KILN_MVE_DW_PAIRED_REQUANT);
      for (int32_t c = 0; c < kLanes; c += 4) {
        int32_t four[4];
        memcpy(four, sums + c, sizeof(four));
        requantize4_store(load_s32x4(four), entries + c, job->output_offset, job->act_min,
                          job->act_max, out + c);
      }
    }
  }
}
#endif

// The paired layout's run of pixels whose windows are the whole filter.
inline void depthwise3x3_paired_run(const Depthwise3x3Job* job) {
#if KILN_ARM_MVE_NATIVE
  kiln_arm_mve_depthwise3x3_paired(job);
#else
  depthwise3x3_paired_portable(job, false);
#endif
}

// The paired layout's pixel whose window is part of the filter (or none of it).
inline void depthwise3x3_paired_window(const Depthwise3x3Job* job) {
#if KILN_ARM_MVE_NATIVE
  kiln_arm_mve_depthwise3x3_paired_window(job);
#else
  depthwise3x3_paired_portable(job, true);
#endif
}

// A run of pixels whose windows are the whole filter.
inline void depthwise3x3_run(const Depthwise3x3Job* job) {
#if KILN_ARM_MVE_NATIVE
  kiln_arm_mve_depthwise3x3(job);
#else
  depthwise3x3_portable(job);
#endif
}

// One pixel whose window is part of the filter.
inline void depthwise3x3_window(const Depthwise3x3Job* job) {
#if KILN_ARM_MVE_NATIVE
  kiln_arm_mve_depthwise3x3_window(job);
#else
  depthwise3x3_portable(job);
#endif
}

// The product sum of n int16 activations and int8 weights, modulo 2^64:
// eight channels a step, the weights widened as they load (VLDRB.S16), the
// tail predicated (loads of lanes past n give 0), summed into 64 bits
// (VMLALDAVA).
inline uint64_t dot_s16_s8(const int16_t* x, const int8_t* w, int32_t n) {
#if KILN_ARM_MVE_NATIVE
  int64_t acc = 0;
  for (int32_t i = 0; i < n; i += 8) {
    const mve_pred16_t lanes = vctp16q(static_cast<uint32_t>(n - i));
    acc = vmlaldavaq_s16(acc, vldrhq_z_s16(x + i, lanes), vldrbq_z_s16(w + i, lanes));
  }
  return static_cast<uint64_t>(acc);
#else
  return kernels::dot_s16_s8(x, w, n);
#endif
}

// The same for two weight rows, each activation vector loaded once.
inline kernels::Sums2 dot2_s16_s8(const int16_t* x, const int8_t* w0, const int8_t* w1, int32_t n) {
#if KILN_ARM_MVE_NATIVE
  int64_t acc0 = 0, acc1 = 0;
  for (int32_t i = 0; i < n; i += 8) {
    const mve_pred16_t lanes = vctp16q(static_cast<uint32_t>(n - i));
    const int16x8_t xv = vldrhq_z_s16(x + i, lanes);
    acc0 = vmlaldavaq_s16(acc0, xv, vldrbq_z_s16(w0 + i, lanes));
    acc1 = vmlaldavaq_s16(acc1, xv, vldrbq_z_s16(w1 + i, lanes));
  }
  return {static_cast<uint64_t>(acc0), static_cast<uint64_t>(acc1)};
#else
  return kernels::dot2_s16_s8(x, w0, w1, n);
#endif
}

}  // namespace arm_mve
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_MVE_PRIMITIVES_H
