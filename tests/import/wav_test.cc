// WAV clips for the audio front-end: TFLite Micro's micro_speech clip read
// sample for sample, and the wrong rate or channel count, truncated, non-audio
// and missing files rejected with messages naming the file.
#include "compiler/common/wav.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cstring>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

std::string yes_wav() {
  return test::shared_dir() + "/frontend/tflm_signal/micro_speech/yes_1000ms.wav";
}

// Runs `f`, which must throw a kiln::Error, and returns that error.
Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorKind::kUsage, "");
}

// A 16-bit PCM WAV file whose sample i is i * 7 - 1000, written by libsndfile.
void write_test_wav(const std::string& path, int rate, int channels, int frames) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(file, nullptr) << sf_strerror(nullptr);
  std::vector<int16_t> samples(static_cast<size_t>(frames) * static_cast<size_t>(channels));
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int16_t>(i * 7 - 1000);
  EXPECT_EQ(sf_writef_short(file, samples.data(), frames), frames);
  EXPECT_EQ(sf_close(file), 0);
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_file(path, bytes.data(), bytes.size());
}

TEST(Wav, ReadsMicroSpeechClipSampleForSample) {
  const WavAudio audio = read_wav(yes_wav());
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.channels, 1);
  ASSERT_EQ(audio.samples.size(), 16000u);

  // The file is a canonical 44-byte header, then the samples as little-endian int16.
  const std::vector<uint8_t> bytes = read_file(yes_wav());
  ASSERT_EQ(bytes.size(), 44u + 2 * 16000u);
  std::vector<int16_t> expected(16000);
  for (size_t i = 0; i < expected.size(); ++i) {
    expected[i] = static_cast<int16_t>(bytes[44 + 2 * i] | bytes[44 + 2 * i + 1] << 8);
  }
  EXPECT_EQ(audio.samples, expected);
  EXPECT_EQ(read_wav_samples(yes_wav(), 16000, 1), expected);
}

TEST(Wav, StereoSamplesAreInterleaved) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("stereo.wav");
  write_test_wav(path, 16000, 2, 5);
  const WavAudio audio = read_wav(path);
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.channels, 2);
  EXPECT_EQ(audio.samples,
            (std::vector<int16_t>{-1000, -993, -986, -979, -972, -965, -958, -951, -944, -937}));
}

TEST(Wav, RejectsAnotherSampleRate) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("clip.wav");
  write_test_wav(path, 44100, 1, 441);
  const Error e = error_of([&] { read_wav_samples(path, 16000, 1); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(e.what()),
            path + " is 44100 Hz; the front-end expects 16000 Hz (kiln does not resample)");
}

TEST(Wav, RejectsAnotherChannelCount) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("clip.wav");
  write_test_wav(path, 16000, 2, 160);
  const Error e = error_of([&] { read_wav_samples(path, 16000, 1); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(e.what()), path + " has 2 channels; the front-end expects 1");

  const std::string mono = dir.file("mono.wav");
  write_test_wav(mono, 16000, 1, 160);
  const Error one = error_of([&] { read_wav_samples(mono, 16000, 2); });
  EXPECT_EQ(one.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(one.what()), mono + " has 1 channel; the front-end expects 2");
}

TEST(Wav, RejectsTruncatedDataChunk) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("yes.wav");
  std::vector<uint8_t> bytes = read_file(yes_wav());
  bytes.resize(bytes.size() - 1000);
  write_bytes(path, bytes);
  const Error e = error_of([&] { read_wav(path); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(e.what()),
            path +
                " is truncated: its data chunk declares 32000 bytes (16000 samples) but the file "
                "holds 31000");
}

// The data chunk is found past other chunks, an odd-sized one padded to an even size.
TEST(Wav, FindsDataChunkAfterOtherChunks) {
  const std::vector<uint8_t> yes = read_file(yes_wav());
  std::vector<uint8_t> bytes(yes.begin(), yes.begin() + 36);  // RIFF header and fmt chunk
  const uint8_t junk[] = {'j', 'u', 'n', 'k', 3, 0, 0, 0, 'a', 'b', 'c', 0};
  bytes.insert(bytes.end(), std::begin(junk), std::end(junk));
  bytes.insert(bytes.end(), yes.begin() + 36, yes.end());
  const uint32_t riff_size = static_cast<uint32_t>(bytes.size() - 8);
  std::memcpy(bytes.data() + 4, &riff_size, 4);  // little-endian, as the host

  const TemporaryDirectory dir;
  const std::string whole = dir.file("whole.wav");
  write_bytes(whole, bytes);
  EXPECT_EQ(read_wav(whole).samples, read_wav(yes_wav()).samples);

  const std::string cut = dir.file("cut.wav");
  bytes.resize(bytes.size() - 1000);
  write_bytes(cut, bytes);
  const Error e = error_of([&] { read_wav(cut); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(e.what()),
            cut +
                " is truncated: its data chunk declares 32000 bytes (16000 samples) but the file "
                "holds 31000");
}

TEST(Wav, RejectsHeaderOnly) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("header.wav");
  const std::vector<uint8_t> yes = read_file(yes_wav());
  write_bytes(path, std::vector<uint8_t>(yes.begin(), yes.begin() + 20));
  const Error e = error_of([&] { read_wav(path); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
}

TEST(Wav, RejectsText) {
  const TemporaryDirectory dir;
  const std::string path = dir.file("notes.wav");
  const std::string text = "These are not samples, just a few lines of text.\nSecond line.\n";
  write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
  const Error e = error_of([&] { read_wav(path); });
  EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(std::string(e.what()).rfind("cannot read " + path + " as audio: ", 0), 0u) << e.what();
}

TEST(Wav, RejectsMissingFileAndDirectory) {
  const TemporaryDirectory dir;
  const std::string missing = dir.file("missing.wav");
  const Error e = error_of([&] { read_wav(missing); });
  EXPECT_EQ(e.kind(), ErrorKind::kFileNotFound);
  EXPECT_EQ(std::string(e.what()), "cannot open " + missing + ": No such file or directory");

  const Error d = error_of([&] { read_wav_samples(dir.path(), 16000, 1); });
  EXPECT_EQ(d.kind(), ErrorKind::kFileNotFound);
  EXPECT_EQ(std::string(d.what()), "cannot open " + dir.path() + ": not a regular file");
}

}  // namespace
}  // namespace kiln
