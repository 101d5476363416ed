#include "compiler/common/wav.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "compiler/common/error.h"

namespace kiln {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

// pread leaves the descriptor's offset where libsndfile expects it (sf_open_fd
// takes the offset at opening as the start of the file).
bool read_at(int fd, uint64_t offset, uint8_t* out, size_t size) {
  while (size > 0) {
    const ssize_t n = pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

uint32_t read_u32(const uint8_t* p, bool big_endian) {
  if (big_endian) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
  }
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

struct DataChunk {
  uint64_t offset = 0;    // of its first byte of audio
  uint32_t declared = 0;  // bytes of audio its header declares
};

// The data chunk of a RIFF (or big-endian RIFX) WAVE file, found by walking
// the chunk list; nothing for other formats or if the walk leaves the file
// before reaching it.
std::optional<DataChunk> find_data_chunk(int fd, uint64_t file_size) {
  uint8_t riff[12];
  if (file_size < sizeof(riff) || !read_at(fd, 0, riff, sizeof(riff))) return std::nullopt;
  const bool big_endian = std::memcmp(riff, "RIFX", 4) == 0;
  if ((!big_endian && std::memcmp(riff, "RIFF", 4) != 0) || std::memcmp(riff + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  uint64_t offset = sizeof(riff);
  uint8_t header[8];
  while (offset + sizeof(header) <= file_size) {
    if (!read_at(fd, offset, header, sizeof(header))) return std::nullopt;
    const uint32_t size = read_u32(header + 4, big_endian);
    offset += sizeof(header);
    if (std::memcmp(header, "data", 4) == 0) return DataChunk{offset, size};
    offset += uint64_t{size} + (size & 1);  // chunks are padded to an even size
  }
  return std::nullopt;
}

// Bytes per sample of an uncompressed encoding; 0 for compressed ones.
int bytes_per_sample(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW: return 1;
    case SF_FORMAT_PCM_16: return 2;
    case SF_FORMAT_PCM_24: return 3;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT: return 4;
    case SF_FORMAT_DOUBLE: return 8;
    default: return 0;
  }
}

// libsndfile shortens a data chunk that runs past the end of the file to what
// the file holds, without an error, so a cut-off clip would read as a shorter
// one; the declared size is checked here instead.
void check_data_chunk(const std::string& path, int fd, uint64_t file_size, int format) {
  const std::optional<DataChunk> chunk = find_data_chunk(fd, file_size);
  // 0xFFFFFFFF is the size streaming writers put when they do not
  // know the length; libsndfile then reads to the end of the file.
  if (!chunk || chunk->declared == 0xFFFFFFFFu) return;
  const uint64_t held = file_size - chunk->offset;
  if (chunk->declared <= held) return;
  const int sample_bytes = bytes_per_sample(format);
  const std::string samples =
      sample_bytes > 0 ? fmt::format(" ({} samples)", chunk->declared / sample_bytes) : "";
  throw Error(
      ErrorKind::kBadInput,
      fmt::format("{} is truncated: its data chunk declares {} bytes{} but the file holds {}", path,
                  chunk->declared, samples, held));
}

}  // namespace

WavAudio read_wav(const std::string& path) {
  const FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorKind::kFileNotFound, fmt::format("cannot open {}: not a regular file", path));
  }

  SF_INFO info{};
  // The descriptor stays ours (SF_FALSE): the file closes before it does.
  const std::unique_ptr<SNDFILE, SndfileCloser> file(
      sf_open_fd(fd.get(), SFM_READ, &info, SF_FALSE));
  if (!file) {
    // sf_strerror(nullptr) is the last failed open's message, kept in a global
    // of libsndfile's: concurrent failing opens may see each other's.
    throw Error(ErrorKind::kBadInput,
                fmt::format("cannot read {} as audio: {}", path, sf_strerror(nullptr)));
  }
  check_data_chunk(path, fd.get(), static_cast<uint64_t>(st.st_size), info.format);

  WavAudio audio;
  audio.sample_rate = info.samplerate;
  audio.channels = info.channels;
  // Read in blocks rather than allocating the header's frame count up front: a
  // corrupt header (FLAC, say) can claim far more frames than the file holds.
  constexpr sf_count_t kBlockFrames = 4096;
  const size_t block_samples =
      static_cast<size_t>(kBlockFrames) * static_cast<size_t>(info.channels);
  sf_count_t frames_read = 0;
  for (;;) {
    const size_t used = audio.samples.size();
    audio.samples.resize(used + block_samples);
    const sf_count_t n = sf_readf_short(file.get(), audio.samples.data() + used, kBlockFrames);
    audio.samples.resize(used + static_cast<size_t>(n) * static_cast<size_t>(info.channels));
    if (n <= 0) break;
    frames_read += n;
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("cannot read {} as audio: {}", path, sf_strerror(file.get())));
  }
  if (frames_read != info.frames) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{} is truncated: its header declares {} frames but the file holds {}",
                            path, info.frames, frames_read));
  }
  return audio;
}

std::vector<int16_t> read_wav_samples(const std::string& path, int32_t expected_rate,
                                      int32_t expected_channels) {
  WavAudio audio = read_wav(path);
  if (audio.sample_rate != expected_rate) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{} is {} Hz; the front-end expects {} Hz (kiln does not resample)",
                            path, audio.sample_rate, expected_rate));
  }
  if (audio.channels != expected_channels) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{} has {} channel{}; the front-end expects {}", path, audio.channels,
                            audio.channels == 1 ? "" : "s", expected_channels));
  }
  return std::move(audio.samples);
}

}  // namespace kiln
