// Helium ADD: each input's shift and rescale looked up in the host-built
// table (AddRescaleTable) with word gathers, four elements per step, then the
// sum's rescale on the vector unit (VQRDMULH, VRSHL). The arithmetic is the
// reference's, table entries included.
#include "kernels/arm_mve/primitives.h"
#include "kiln/kernels.h"
#include "kiln/ops/packed_elementwise.h"

namespace kiln {
namespace arm_mve {

void add_s8(const void* params, const void* const* inputs, void* const* outputs) {
  // A local copy: int8 stores may alias the params.
  const PackedAddParams p = *static_cast<const PackedAddParams*>(params);
  const uint8_t* a = static_cast<const uint8_t*>(inputs[0]);
  const uint8_t* b = static_cast<const uint8_t*>(inputs[1]);
  const AddRescaleTable& table = *static_cast<const AddRescaleTable*>(inputs[2]);
  int8_t* out = static_cast<int8_t*>(outputs[0]);
  int32_t i = 0;
  for (; i + 4 <= p.size; i += 4) {
    const s32x4 sum =
        add_lanes(lookup_s32x4(table.rescaled[0], a + i), lookup_s32x4(table.rescaled[1], b + i));
    requantize_store(sum, p.output, p.output_offset, p.act_min, p.act_max, out + i);
  }
  for (; i < p.size; ++i) {
    out[i] = static_cast<int8_t>(fp::requantize_prepared(rescaled_sum(table, a[i], b[i]), p.output,
                                                         p.output_offset, p.act_min, p.act_max));
  }
}

}  // namespace arm_mve
}  // namespace kiln
