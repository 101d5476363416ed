#include "tools/kiln/train_output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "compiler/common/file_io.h"
#include "compiler/export/onnx_writer.h"
#include "compiler/export/tflite_writer.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"
#include "compiler/train/runtime_outputs.h"

namespace kiln {
namespace cli {

size_t write_model(const ir::Graph& graph, const std::string& path, const std::string& target,
                   bool entropy) {
  CompileOptions options;
  options.target = target;
  options.entropy_weights = entropy;
  const std::vector<uint8_t> file = ends_with(path, ".kiln") ? compile_graph(graph, options).blob
                                    : ends_with(path, ".onnx")
                                        ? write_onnx(passes::remove_unused(graph))
                                        : write_tflite(passes::remove_unused(graph));
  write_file(path, file.data(), file.size());
  return file.size();
}

std::function<void(const train::BatchProgress&)> batch_progress() {
  if (!isatty(fileno(stderr))) return {};
  return [](const train::BatchProgress& p) {
    constexpr size_t kWidth = 24;
    const size_t filled = p.batch * kWidth / p.batches;
    const double left =
        p.seconds / static_cast<double>(p.batch) * static_cast<double>(p.batches - p.batch);
    std::fprintf(stderr, "\repoch %d/%d [%s%s] %zu/%zu loss %.4f accuracy %.4f ETA %.0f s  ",
                 p.epoch, p.epochs, std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), p.batch, p.batches, p.loss, p.accuracy,
                 left);
    if (p.batch == p.batches) std::fprintf(stderr, "\r%*s\r", 110, "");
  };
}

void write_test_samples(const std::string& dir, int64_t count, const train::LabelledImages& test,
                        const ir::Graph& model) {
  const ir::Tensor& input = model.tensors[static_cast<size_t>(model.inputs[0])];
  count = std::min(count, test.images.size(0));
  torch::Tensor images = test.images.slice(0, 0, count);
  if (input.dtype == KILN_DTYPE_INT8)
    images = train::quantize_images(images, input.quant.scales[0], input.quant.zero_points[0]);
  images = images.contiguous();
  make_directories(dir);
  std::string labels;
  for (int64_t i = 0; i < count; ++i) {
    const torch::Tensor image = images[i];
    write_file(fmt::format("{}/t10k_{:05d}.bin", dir, i), image.data_ptr(),
               static_cast<size_t>(image.numel() * static_cast<int64_t>(image.element_size())));
    labels += fmt::format("{}\n", test.labels[i].item<int64_t>());
  }
  write_file(dir + "/labels.txt", labels.data(), labels.size());
  std::printf("wrote %lld test images (%s) and their labels to %s\n", static_cast<long long>(count),
              ir::dtype_name(input.dtype), dir.c_str());
}

void print_epoch(const train::EpochReport& r) {
  std::printf("epoch %d: loss %.4f, training accuracy %.4f, validation accuracy %.4f (%.1f s)\n",
              r.epoch, r.loss, r.train_accuracy, r.validation_accuracy, r.seconds);
  std::fflush(stdout);
}

nlohmann::json epochs_json(const std::vector<train::EpochReport>& epochs) {
  nlohmann::json list = nlohmann::json::array();
  for (const train::EpochReport& r : epochs) {
    list.push_back({{"epoch", r.epoch},
                    {"loss", r.loss},
                    {"train_accuracy", r.train_accuracy},
                    {"validation_accuracy", r.validation_accuracy},
                    {"seconds", r.seconds}});
  }
  return list;
}

}  // namespace cli
}  // namespace kiln
