// Audio clips for the audio front-end: a WAV file (or anything else
// libsndfile reads) as 16-bit PCM.
#ifndef KILN_COMPILER_COMMON_WAV_H
#define KILN_COMPILER_COMMON_WAV_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct WavAudio {
  int32_t sample_rate = 0;
  int32_t channels = 0;
  std::vector<int16_t> samples;  // interleaved: frame 0's channels, then frame 1's, ...
};

// Reads every frame as 16-bit PCM (libsndfile converts other encodings).
// Throws Error(kFileNotFound) naming the path if it cannot be opened as a
// regular file; Error(kBadInput) naming the path and libsndfile's message if
// it is not audio libsndfile can read, and Error(kBadInput) if it is
// truncated: a RIFF/WAVE data chunk that declares more bytes than the file
// holds, or fewer frames than the header reports.
WavAudio read_wav(const std::string& path);

// read_wav, for a front-end that takes one rate and channel count: throws
// Error(kBadInput) naming both if the file has another. Returns the samples.
std::vector<int16_t> read_wav_samples(const std::string& path, int32_t expected_rate,
                                      int32_t expected_channels);

}  // namespace kiln

#endif  // KILN_COMPILER_COMMON_WAV_H
