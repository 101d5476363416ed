// kiln's built-in front-ends: feature extractors written as graphs of kiln
// ops, so one implementation computes the features a model trains on (kiln
// train, kiln features) and the ones the device computes (a streaming
// pipeline's first stage). Each takes one frame of int16 samples and gives one
// row of features:
//
//   log-mel   log(mel filter bank power + floor) of a Hann-windowed frame
//             (torchaudio's MelSpectrogram, HTK mel scale, then log)
//   mfcc      the orthonormal DCT-II of the log-mel energies, first
//             `coefficients` kept (torchaudio's MFCC with log_mels)
//   log-mel-int16, mfcc-int16
//             the same in int16 fixed point on TFLite Micro's signal ops
//             (audio_features.h), giving int16 features quantized to stand
//             for the float ones
//   spectral  a motion sensor's frame of `axes` interleaved axes: per axis
//             the RMS about the mean, then the power (scipy's periodogram,
//             'spectrum' scaling) summed in `bands` equal bands above DC,
//             then each band's peak bin
//
// A front-end is named by a spec: its name, then optionally ':' and
// key=value parameters separated by commas, e.g.
// "mfcc:frame=640,fft=1024,mels=32,coefficients=13".
#ifndef KILN_COMPILER_FRONTENDS_FRONTENDS_H
#define KILN_COMPILER_FRONTENDS_FRONTENDS_H

#include <string>

#include "compiler/ir/graph.h"

namespace kiln {
namespace frontends {

// True when `spec` names a built-in front-end (its parameters unchecked).
bool is_builtin(const std::string& spec);

// The front-end's graph. Throws Error(kUsage) for an unknown parameter (the
// message lists the known ones), a malformed value or one out of range.
ir::Graph build(const std::string& spec);

// Each front-end with its parameters and their defaults, for --help.
std::string describe_builtins();

}  // namespace frontends
}  // namespace kiln

#endif  // KILN_COMPILER_FRONTENDS_FRONTENDS_H
