// Arm DSP-extension ADD: each input's rescale looked up in the host-built
// table (ArmDspAddTable), the sum's rescale as one SMLAL (multiply_smlal),
// four elements per step with one word load per input and one word store.
// The arithmetic is the reference's, table entries included.
#include "kernels/arm_dsp/primitives.h"
#include "kiln/kernels.h"
#include "kiln/ops/packed_elementwise.h"

namespace kiln {
namespace arm_dsp {
namespace {

// The element in byte 0 of a and b.
inline int32_t rescaled_sum(const ArmDspAddTable& t, uint32_t a, uint32_t b) {
  return kiln::rescaled_sum(t.inputs, static_cast<uint8_t>(a), static_cast<uint8_t>(b));
}

}  // namespace

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  // A local copy: int8 stores may alias the params.
  const PackedAddParams p = *static_cast<const PackedAddParams*>(params);
  const uint8_t* a = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* b = static_cast<const uint8_t*>(inputs[1]);
  const ArmDspAddTable& table = *static_cast<const ArmDspAddTable*>(inputs[2]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  const ArmDspRequant q = table.output;
  int32_t i = 0;
  if (smlal_applies(q)) {
    const uint32_t lo4 = splat_s8x4(p.act_min), hi4 = splat_s8x4(p.act_max);
    const int32_t offset = q.offset;
    for (; i + 4 <= p.size; i += 4) {
      const uint32_t wa = load_u32(a + i), wb = load_u32(b + i);
      const int32_t r0 = ssat8(multiply_smlal(rescaled_sum(table, wa, wb), q) + offset);
      const int32_t r1 = ssat8(multiply_smlal(rescaled_sum(table, wa >> 8, wb >> 8), q) + offset);
      const int32_t r2 = ssat8(multiply_smlal(rescaled_sum(table, wa >> 16, wb >> 16), q) + offset);
      const int32_t r3 = ssat8(multiply_smlal(rescaled_sum(table, wa >> 24, wb >> 24), q) + offset);
      store_u32(out + i, clamp_s8x4(pack_s8x4(r0, r1, r2, r3), lo4, hi4));
    }
  }
  for (; i < p.size; ++i) {
    out[i] = static_cast<int8_t>(
        requantize_any(rescaled_sum(table, a[i], b[i]), q, p.output_offset, p.act_min, p.act_max));
  }
}

}  // namespace arm_dsp
}  // namespace kiln
