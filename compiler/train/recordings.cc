#include "compiler/train/recordings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/common/wav.h"
#include "compiler/eval/dataset.h"
#include "compiler/run/open_model.h"
#include "compiler/run/stream.h"

namespace kiln {
namespace train {
namespace {

bool has_extension(const std::string& name, const char* extension) {
  return std::filesystem::path(name).extension() == extension;
}

std::vector<std::string> recording_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (has_extension(name, ".wav") || has_extension(name, ".npy")) names.push_back(name);
  }
  if (ec) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("--data {}: cannot list recordings: {}", dir, ec.message()));
  }
  if (names.empty()) {
    throw Error(ErrorKind::kBadInput, fmt::format("--data {}: no .wav or .npy recordings", dir));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<int16_t> read_recording(const std::string& path, int32_t sample_rate) {
  if (has_extension(path, ".wav")) return read_wav_samples(path, sample_rate, 1);
  const NpyArray a = parse_npy(read_file(path), path);
  if (a.dtype != KILN_DTYPE_INT16 || a.shape.empty() || a.shape.size() > 2) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: a recording must be int16 [samples] or [samples, axes]; it is "
                            "{} of {} dimensions",
                            path, ir::dtype_name(a.dtype), a.shape.size()));
  }
  std::vector<int16_t> samples(a.data.size() / 2);
  std::memcpy(samples.data(), a.data.data(), samples.size() * 2);
  return samples;
}

}  // namespace

LabelledImages load_recordings(const std::string& dir, const std::string& labels,
                               const FrontendData& frontend, ImageShape* shape) {
  if (frontend.hop < 1) {
    throw Error(ErrorKind::kUsage,
                "--frontend needs --hop: the new samples each frame advances by");
  }
  if (labels.empty()) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--data {}: a directory of recordings needs its --labels file", dir));
  }
  OpenedModel m = open_model(frontend.frontend);
  const TensorPort& row = m.runner->outputs()[0];
  if (row.dtype != KILN_DTYPE_FLOAT32) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("front-end {} gives {} features; training takes float32 ones",
                            frontend.frontend, ir::dtype_name(row.dtype)));
  }
  Dataset names;
  names.names = recording_files(dir);
  const std::vector<int> classes = load_labels(labels, names);
  std::vector<float> values;
  size_t frames = 0, per_sample = 0;
  for (const std::string& name : names.names) {
    const std::string path = dir + "/" + name;
    size_t these = 0;
    const std::vector<uint8_t> features = frontend_features(
        *m.runner, read_recording(path, frontend.sample_rate), frontend.hop, &these);
    if (values.empty()) {
      frames = these;
      per_sample = features.size() / sizeof(float);
    } else if (features.size() / sizeof(float) != per_sample) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}: {} frames of features; the first recording, {}, gives {} "
                              "(recordings must be of one length)",
                              path, these, names.names[0], frames));
    }
    const size_t at = values.size();
    values.resize(at + per_sample);
    std::memcpy(values.data() + at, features.data(), features.size());
  }
  const int64_t n = static_cast<int64_t>(names.names.size());
  const int32_t row_elements = static_cast<int32_t>(per_sample / frames);
  *shape = {static_cast<int32_t>(frames), 1, row_elements};
  LabelledImages out;
  out.images = torch::from_blob(values.data(), {n, static_cast<int64_t>(frames), 1, row_elements},
                                torch::kFloat32)
                   .clone();
  out.labels = torch::tensor(std::vector<int64_t>(classes.begin(), classes.end()), torch::kInt64);
  return out;
}

}  // namespace train
}  // namespace kiln
