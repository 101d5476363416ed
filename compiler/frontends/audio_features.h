// log-mel and MFCC front-ends (frontends.h) from their parameters: in float32
// on kiln's float ops, or in int16 fixed point on TFLite Micro's signal ops.
#ifndef KILN_COMPILER_FRONTENDS_AUDIO_FEATURES_H
#define KILN_COMPILER_FRONTENDS_AUDIO_FEATURES_H

#include <cstdint>

#include "compiler/ir/graph.h"

namespace kiln {
namespace frontends {

struct AudioFeatureParams {
  int32_t rate = 16000, frame = 480, fft = 512, mels = 40;
  int32_t coefficients = 0;  // MFCC: DCT coefficients kept; 0: log-mel
  double min_hz = 20, max_hz = 8000;
  // Float: added to the power before the log (torchaudio's MFCC log offset);
  // int16: the least power, powers below read as it.
  double floor = 1e-6;
};

// [1, frame] int16 -> [1, mels or coefficients] float32: the window, the
// float real FFT, energies, the mel bands (SignalFilterBank in float: each
// bin weighs into its two bands only), the log and for MFCC the DCT.
ir::Graph float_audio_features(const AudioFeatureParams& p);

// [1, frame] int16 -> [1, mels or coefficients] int16, quantized (zero
// point 0) to stand for the float front-end's values: FFT auto-scaling
// (before the window, so that a quiet frame keeps its bits), the Hann window
// in Q14, KISS's int16 FFT, energies, the same triangles as weight and
// unweight pairs in Q12 (SignalFilterBank), their square root unshifted and
// TFLM's fixed-point log, from which int16 SUB and ADD take the scaling and
// a constant away, a MAXIMUM with the floor (powers below it read as it),
// and for MFCC a 16x8 FULLY_CONNECTED with the DCT in int8. KISS's int16
// FFT rounds at every stage: bands more than about 45 dB under a frame's
// peak read high.
ir::Graph int16_audio_features(const AudioFeatureParams& p);

}  // namespace frontends
}  // namespace kiln

#endif  // KILN_COMPILER_FRONTENDS_AUDIO_FEATURES_H
