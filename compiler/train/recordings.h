// Training data from recordings: a directory of WAV clips or int16 .npy
// recordings ([samples] or [samples, axes], axes interleaved), each turned
// into its rows of features by a front-end (a built-in one such as "mfcc", or
// a front-end model) exactly as the device's pipeline computes them, on
// kiln's host runtime. A sample becomes [frames, features].
#ifndef KILN_COMPILER_TRAIN_RECORDINGS_H
#define KILN_COMPILER_TRAIN_RECORDINGS_H

#include <cstdint>
#include <string>

#include "compiler/train/architectures.h"
#include "compiler/train/labelled_images.h"

namespace kiln {
namespace train {

struct FrontendData {
  std::string frontend;         // empty: the samples are features already
  int32_t hop = 0;              // new int16 values per frame
  int32_t sample_rate = 16000;  // WAV clips must have it
};

// Throws Error(kBadInput) naming the file for a recording that is not int16,
// too short for one frame or of another length than the first, and for a
// front-end that does not give float32 features; kUsage for a missing hop
// or labels file.
LabelledImages load_recordings(const std::string& dir, const std::string& labels,
                               const FrontendData& frontend, ImageShape* shape);

}  // namespace train
}  // namespace kiln

#endif  // KILN_COMPILER_TRAIN_RECORDINGS_H
