// Reference UNIDIRECTIONAL_SEQUENCE_LSTM: the loops of kernels/common/lstm.h
// with the portable gate products.
#include "kernels/common/lstm.h"

#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s8<kernels::PortableGateProducts>(params, inputs, outputs);
}

void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  kernels::lstm_s16<kernels::PortableGateProducts>(params, inputs, outputs);
}

void lstm_f32(const void* params, const void* const* inputs, void* const* outputs) {
  const kernels::FloatLstm math{*static_cast<const LstmParams*>(params)};
  kernels::lstm<kernels::FloatLstm, float>(math, inputs, outputs);
}

}  // namespace ref
}  // namespace kiln
