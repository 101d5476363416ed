// The Arm DSP packed convolutions' output stage, from ArmDspRequant entries
// (and from compact ones, expanded: conv2d_compact.cc).
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_DSP_OUTPUT_STAGE_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_DSP_OUTPUT_STAGE_H

#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_conv.h"

namespace kiln {
namespace arm_dsp {

// Requantization from the ArmDspRequant table, four channels at a time when
// every channel of the layer takes multiply_smlal: SMLAL and a shift per
// channel (the output offset folded in, or one add), then SSAT and a
// four-lane clamp (SSUB8/SEL) before one word store. A layer with a channel
// it does not apply to (a rescale near or above 1) goes channel by channel.
struct DspOutputStage {
  using Requant = ArmDspRequant;
  struct Stage {
    int32_t offset, act_min, act_max;
    bool smlal;         // every channel takes multiply_smlal
    bool folded;        // ... and has the output offset in its rounding
    uint32_t lo4, hi4;  // the activation range in every byte
  };

  static Stage output_stage(const Conv2DParams& p, const kernels::RecordTable<Requant>& table,
                            int32_t channels) {
    bool smlal = true, folded = true;
    for (int32_t c = 0; c < channels; ++c) {
      smlal = smlal && smlal_applies(table[c]);
      folded = folded && table[c].offset == 0;
    }
    return {
        p.output_offset,      p.act_min, p.act_max, smlal, smlal && folded, splat_s8x4(p.act_min),
        splat_s8x4(p.act_max)};
  }

  static void requantize(const Stage& s, const int32_t* acc, const Requant* table, int32_t n,
                         int8_t* out) {
    if (__builtin_expect(!s.smlal || n != 4, 0)) {
      requantize_by_channel(s, acc, table, n, out);
      return;
    }
    store_u32(out, requantize4_smlal(acc, table, s.lo4, s.hi4));
  }

  // Any table: each channel by multiply_smlal where it applies, else by the
  // reference arithmetic. Out of line: rare, and inlined it would crowd the
  // callers' hot paths.
  __attribute__((noinline)) static void requantize_by_channel(const Stage& s, const int32_t* acc,
                                                              const Requant* table, int32_t n,
                                                              int8_t* out) {
    for (int32_t j = 0; j < n; ++j) {
      const int32_t v =
          smlal_applies(table[j])
              ? fp::clamp(multiply_smlal(acc[j], table[j]) + table[j].offset, s.act_min, s.act_max)
              : requantize_any(acc[j], table[j], s.offset, s.act_min, s.act_max);
      out[j] = static_cast<int8_t>(v);
    }
  }
};

}  // namespace arm_dsp
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_DSP_OUTPUT_STAGE_H
