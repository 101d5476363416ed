#include "compiler/run/stream.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/common/wav.h"
#include "compiler/ir/graph.h"

namespace kiln {
namespace {

std::vector<uint8_t> sample_bytes(const std::vector<int16_t>& samples, size_t begin, size_t n) {
  std::vector<uint8_t> bytes(n * sizeof(int16_t));
  std::memcpy(bytes.data(), samples.data() + begin, bytes.size());
  return bytes;
}

bool is_npy(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

}  // namespace

std::vector<int16_t> read_recording(const std::string& path, int32_t sample_rate,
                                    size_t* channels) {
  *channels = 1;
  if (!is_npy(path)) return read_wav_samples(path, sample_rate, 1);
  const NpyArray a = parse_npy(read_file(path), path);
  if (a.dtype != KILN_DTYPE_INT16 || a.shape.empty() || a.shape.size() > 2) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: a recording must be int16 [samples] or [samples, axes]; it is "
                            "{} of {} dimensions",
                            path, ir::dtype_name(a.dtype), a.shape.size()));
  }
  if (a.shape.size() == 2) *channels = static_cast<size_t>(a.shape[1]);
  std::vector<int16_t> samples(a.data.size() / 2);
  std::memcpy(samples.data(), a.data.data(), samples.size() * 2);
  return samples;
}

int32_t stream_block_samples(const Runner& pipeline) {
  const TensorPort* in = pipeline.inputs().empty() ? nullptr : &pipeline.inputs()[0];
  if (in == nullptr || pipeline.inputs().size() != 1 || in->dtype != KILN_DTYPE_INT16 ||
      in->shape.empty() || in->bytes() != in->shape.back() * sizeof(int16_t)) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("the model takes {}; streaming samples needs one input of int16 "
                            "samples [1, block] (a pipeline made with --frontend)",
                            in ? fmt::format("{} {}", ir::dtype_name(in->dtype),
                                             ir::shape_string(in->shape))
                               : std::string("no input")));
  }
  return in->shape.back();
}

std::vector<StreamOutputs> stream_samples(Runner& pipeline, const std::vector<int16_t>& samples,
                                          bool first_only) {
  const size_t block = static_cast<size_t>(stream_block_samples(pipeline));
  pipeline.reset_state();
  std::vector<StreamOutputs> written;
  for (size_t k = 0; (k + 1) * block <= samples.size(); ++k) {
    pipeline.set_input(0, sample_bytes(samples, k * block, block));
    pipeline.invoke();
    if (!pipeline.outputs_written()) continue;
    StreamOutputs s{k, (k + 1) * block, {}};
    for (size_t o = 0; o < pipeline.outputs().size(); ++o) s.outputs.push_back(pipeline.output(o));
    written.push_back(std::move(s));
    if (first_only) break;
  }
  return written;
}

std::vector<uint8_t> frontend_features(Runner& frontend, const std::vector<int16_t>& samples,
                                       int32_t hop_samples, size_t* frames) {
  const size_t frame = static_cast<size_t>(stream_block_samples(frontend));
  if (hop_samples < 1) {
    throw Error(ErrorKind::kUsage,
                fmt::format("the hop must be at least one sample; got {}", hop_samples));
  }
  if (samples.size() < frame) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("the recording has {} samples, less than one {}-sample frame",
                            samples.size(), frame));
  }
  frontend.reset_state();
  std::vector<uint8_t> features;
  *frames = 0;
  for (size_t start = 0; start + frame <= samples.size();
       start += static_cast<size_t>(hop_samples)) {
    frontend.set_input(0, sample_bytes(samples, start, frame));
    frontend.invoke();
    for (size_t o = 0; o < frontend.outputs().size(); ++o) {
      const std::vector<uint8_t> row = frontend.output(o);
      features.insert(features.end(), row.begin(), row.end());
    }
    ++*frames;
  }
  return features;
}

}  // namespace kiln
