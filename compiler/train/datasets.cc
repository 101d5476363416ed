#include "compiler/train/datasets.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/eval/dataset.h"
#include "compiler/train/fashion_mnist.h"

namespace kiln {
namespace train {
namespace {

// [features] → 1x1xF, [time, channels] → Tx1xC, [height, width, channels].
ImageShape image_shape(const std::vector<int64_t>& dims, const std::string& what) {
  const auto d = [&](size_t i) { return static_cast<int32_t>(dims[i]); };
  for (int64_t v : dims) {
    if (v < 1 || v > (1 << 20))
      throw Error(ErrorKind::kUsage, fmt::format("{}: dimension {} is out of range", what, v));
  }
  switch (dims.size()) {
    case 1: return {1, 1, d(0)};
    case 2: return {d(0), 1, d(1)};
    case 3: return {d(0), d(1), d(2)};
    default:
      throw Error(ErrorKind::kUsage,
                  fmt::format("{}: samples of {} dimensions; expected [features], [time, "
                              "channels] or [height, width, channels]",
                              what, dims.size()));
  }
}

// Reshapes [N, ...] samples to `shape`, which must hold as many values.
torch::Tensor reshaped(const torch::Tensor& samples, const ImageShape& shape,
                       const std::string& what) {
  const int64_t per_sample = samples.size(0) ? samples.numel() / samples.size(0) : 0;
  if (per_sample != int64_t{shape.height} * shape.width * shape.channels) {
    throw Error(
        ErrorKind::kUsage,
        fmt::format("--input-shape {}x{}x{} holds {} values; a sample of {} holds {}", shape.height,
                    shape.width, shape.channels,
                    int64_t{shape.height} * shape.width * shape.channels, what, per_sample));
  }
  return samples.reshape({samples.size(0), shape.height, shape.width, shape.channels});
}

// A directory's samples (float32, or uint8 images scaled to [0, 1]) and labels.
LabelledImages load_directory(const std::string& dir, const std::string& labels,
                              const std::vector<int32_t>& input_shape, ImageShape* shape) {
  if (labels.empty()) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--data {}: a directory of samples needs its --labels file", dir));
  }
  const std::vector<std::string> files = sample_files(dir);
  if (files.empty())
    throw Error(ErrorKind::kBadInput, fmt::format("'{}' holds no .bin or .npy samples", dir));
  TensorPort port{"sample", KILN_DTYPE_FLOAT32, {}};
  std::vector<int64_t> dims(input_shape.begin(), input_shape.end());
  if (ends_with(files[0], ".npy")) {
    const NpyArray first = parse_npy(read_file(dir + "/" + files[0]), files[0]);
    if (first.dtype != KILN_DTYPE_FLOAT32 && first.dtype != KILN_DTYPE_UINT8) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}/{}: {} samples; training takes float32 (or uint8 images, "
                              "scaled to [0, 1])",
                              dir, files[0], ir::dtype_name(first.dtype)));
    }
    port.dtype = first.dtype;
    port.shape.assign(first.shape.begin(), first.shape.end());
    if (dims.empty()) {
      dims = first.shape;
      if (dims.size() == 4 && dims[0] == 1) dims.erase(dims.begin());
    }
  } else if (dims.empty()) {
    throw Error(
        ErrorKind::kUsage,
        fmt::format("--data {}: raw .bin samples need --input-shape (float32 values)", dir));
  } else {
    port.shape.assign(input_shape.begin(), input_shape.end());
  }
  *shape = image_shape(dims, "--data " + dir);
  port.shape.insert(port.shape.begin(), 1);
  const Dataset data = load_dataset(dir, {port}, 0, "training sample");
  const std::vector<int> classes = load_labels(labels, data);
  const int64_t n = static_cast<int64_t>(data.samples.size());
  const size_t bytes = data.samples[0][0].size();
  torch::Tensor raw = torch::empty({n, static_cast<int64_t>(bytes)}, torch::kUInt8);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(raw[i].data_ptr(), data.samples[static_cast<size_t>(i)][0].data(), bytes);
  torch::Tensor values = port.dtype == KILN_DTYPE_UINT8 ? raw.to(torch::kFloat32).div_(255.0f)
                                                        : raw.view(torch::kFloat32);
  LabelledImages out;
  out.images = reshaped(values, *shape, dir);
  out.labels = torch::tensor(std::vector<int64_t>(classes.begin(), classes.end()), torch::kInt64);
  return out;
}

LabelledImages load_one(const std::string& data, const std::string& labels,
                        const DataOptions& options, ImageShape* shape,
                        std::vector<std::string>& class_names) {
  if (!options.frontend.frontend.empty()) {
    if (!options.input_shape.empty()) {
      throw Error(ErrorKind::kUsage,
                  "--input-shape and --frontend: the front-end's features give the shape");
    }
    return load_recordings(data, labels, options.frontend, shape);
  }
  if (!ends_with(data, ".csv")) return load_directory(data, labels, options.input_shape, shape);
  LabelledImages rows = load_csv(data, options.csv, class_names);
  std::vector<int64_t> dims(options.input_shape.begin(), options.input_shape.end());
  if (dims.empty()) dims = {rows.images.size(3)};
  *shape = image_shape(dims, "--input-shape");
  rows.images = reshaped(rows.images, *shape, data);
  return rows;
}

}  // namespace

TrainingData load_training_data(const DataOptions& options) {
  TrainingData out;
  if (options.data == "fashion-mnist" && !options.frontend.frontend.empty()) {
    throw Error(ErrorKind::kUsage, "--frontend needs --data: a directory of recordings");
  }
  if (options.data == "fashion-mnist") {
    const std::string dir = fashion_mnist_dir();
    out.training = load_fashion_mnist(dir, "train");
    out.test = load_fashion_mnist(dir, "t10k");
    out.classes = 10;
    out.description = "Fashion-MNIST";
    return out;
  }
  out.training = load_one(options.data, options.labels, options, &out.shape, out.class_names);
  out.description = options.data;
  if (!options.test_data.empty()) {
    ImageShape test_shape;
    const bool named = !out.class_names.empty();
    out.test =
        load_one(options.test_data, options.test_labels, options, &test_shape, out.class_names);
    if (named != !out.class_names.empty() ||
        !out.training.images.sizes().slice(1).equals(out.test.images.sizes().slice(1))) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("--test-data {}: its samples or labels are not of the kind --data "
                              "{} has",
                              options.test_data, options.data));
    }
  } else {
    if (!(options.test_fraction > 0.0 && options.test_fraction < 1.0))
      throw Error(ErrorKind::kUsage, "--test-fraction: expected a fraction between 0 and 1");
    const int64_t n = out.training.images.size(0);
    const int64_t held_out = static_cast<int64_t>(static_cast<double>(n) * options.test_fraction);
    if (held_out < 1 || held_out >= n) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("--data {}: {} samples are too few to hold {:.0f}% out for testing",
                              options.data, n, 100.0 * options.test_fraction));
    }
    // The test samples are drawn by the seed, apart from the validation split fit() draws.
    auto generator = at::detail::createCPUGenerator(options.seed ^ 0x7e57u);
    const torch::Tensor order = torch::randperm(n, generator, torch::kInt64);
    const torch::Tensor test = order.slice(0, 0, held_out), train = order.slice(0, held_out, n);
    out.test = {out.training.images.index_select(0, test),
                out.training.labels.index_select(0, test)};
    out.training = {out.training.images.index_select(0, train),
                    out.training.labels.index_select(0, train)};
  }
  out.classes = static_cast<int32_t>(
      std::max(out.training.labels.max().item<int64_t>(), out.test.labels.max().item<int64_t>()) +
      1);
  if (!out.class_names.empty()) out.classes = static_cast<int32_t>(out.class_names.size());
  if (std::min(out.training.labels.min().item<int64_t>(), out.test.labels.min().item<int64_t>()) <
      0)
    throw Error(ErrorKind::kBadInput, fmt::format("--data {}: a label is negative", options.data));
  if (out.classes < 2) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("--data {}: every label is 0; training needs two classes at least",
                            options.data));
  }
  return out;
}

}  // namespace train
}  // namespace kiln
