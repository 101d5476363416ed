#include "compiler/train/recordings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "compiler/common/error.h"
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

// Rows of float32 features, or of int8/int16 ones dequantized.
std::vector<float> as_floats(const std::vector<uint8_t>& bytes, const TensorPort& row) {
  std::vector<float> v;
  if (row.dtype == KILN_DTYPE_FLOAT32) {
    v.resize(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  } else if (row.dtype == KILN_DTYPE_INT16) {
    for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
      int16_t q = 0;
      std::memcpy(&q, bytes.data() + i, 2);
      v.push_back(row.scale * static_cast<float>(q - row.zero_point));
    }
  } else {
    for (uint8_t b : bytes) {
      v.push_back(row.scale * static_cast<float>(static_cast<int8_t>(b) - row.zero_point));
    }
  }
  return v;
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
  // Quantized features train as the values they stand for.
  const bool dequantize =
      row.quantized() && (row.dtype == KILN_DTYPE_INT8 || row.dtype == KILN_DTYPE_INT16);
  if (row.dtype != KILN_DTYPE_FLOAT32 && !dequantize) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("front-end {} gives {} features without a scale; training takes "
                            "float32 or quantized int8/int16 ones",
                            frontend.frontend, ir::dtype_name(row.dtype)));
  }
  Dataset names;
  names.names = recording_files(dir);
  const std::vector<int> classes = load_labels(labels, names);
  std::vector<float> values;
  size_t frames = 0, per_sample = 0;
  for (const std::string& name : names.names) {
    const std::string path = dir + "/" + name;
    size_t these = 0, channels = 1;
    const std::vector<int16_t> samples = read_recording(path, frontend.sample_rate, &channels);
    if (frontend.hop % static_cast<int32_t>(channels) != 0) {
      throw Error(ErrorKind::kUsage, fmt::format("{}: --hop {} is not a whole number of samples "
                                                 "of its {} axes",
                                                 path, frontend.hop, channels));
    }
    const std::vector<float> features =
        as_floats(frontend_features(*m.runner, samples, frontend.hop, &these), row);
    if (values.empty()) {
      frames = these;
      per_sample = features.size();
    } else if (features.size() != per_sample) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}: {} frames of features; the first recording, {}, gives {} "
                              "(recordings must be of one length)",
                              path, these, names.names[0], frames));
    }
    values.insert(values.end(), features.begin(), features.end());
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
