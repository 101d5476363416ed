// Reference UNIDIRECTIONAL_SEQUENCE_LSTM: the loops of kernels/common/lstm.h
// with the portable gate products.
#include "kernels/common/lstm.h"

#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::IntegerLstm<int8_t, int32_t, kernels::PortableGateProducts> math{
      *static_cast<const LstmParams*>(params), static_cast<const uint16_t*>(inputs[3])};
  kernels::lstm<decltype(math), int8_t>(math, inputs, outputs);
}

void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::IntegerLstm<int16_t, int64_t, kernels::PortableGateProducts> math{
      *static_cast<const LstmParams*>(params), static_cast<const uint16_t*>(inputs[3])};
  kernels::lstm<decltype(math), int8_t>(math, inputs, outputs);
}

void lstm_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::FloatLstm math{*static_cast<const LstmParams*>(params)};
  kernels::lstm<kernels::FloatLstm, float>(math, inputs, outputs);
}

}  // namespace ref
}  // namespace kiln
