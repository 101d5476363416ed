// Feeding recorded samples to a front-end or a streaming pipeline, as a
// device would receive them: `kiln run --wav`, `kiln features` and the
// pipeline benchmarks.
#ifndef KILN_COMPILER_RUN_STREAM_H
#define KILN_COMPILER_RUN_STREAM_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/exec/runner.h"

namespace kiln {

// The outputs a streaming pipeline wrote after one of its blocks.
struct StreamOutputs {
  size_t block = 0;       // 0-based: the block that completed them
  size_t end_sample = 0;  // samples consumed when they were written
  std::vector<std::vector<uint8_t>> outputs;
};

// A recording's int16 samples: a mono 16-bit WAV at `sample_rate` (Error
// kBadInput naming the file otherwise; kiln does not resample), or an int16
// .npy [samples] or [samples, axes] (axes interleaved, as a sensor delivers
// them). `channels` gets the axes.
std::vector<int16_t> read_recording(const std::string& path, int32_t sample_rate, size_t* channels);

// A pipeline's block size: input 0 must be one int16 block [1, n] (Error
// kBadInput naming its shape otherwise).
int32_t stream_block_samples(const Runner& pipeline);

// Runs `pipeline` (state reset first) on `samples`, one invocation per whole
// block; samples after the last whole block wait for more and are not run.
// Returns the outputs each time they were written; with `first_only`, stops
// at the first block that writes them (the runner's cost is that block's).
std::vector<StreamOutputs> stream_samples(Runner& pipeline, const std::vector<int16_t>& samples,
                                          bool first_only = false);

// A front-end's features for a recording: frame k covers samples
// [k * hop, k * hop + frame) (frame = the front-end's input size), while
// whole frames last; rows of features back to back. The state is reset first
// and carried from frame to frame. Error(kBadInput) if the input is not int16
// samples, or the recording is shorter than one frame.
std::vector<uint8_t> frontend_features(Runner& frontend, const std::vector<int16_t>& samples,
                                       int32_t hop_samples, size_t* frames);

}  // namespace kiln

#endif  // KILN_COMPILER_RUN_STREAM_H
