#include "compiler/train/runtime_outputs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/graph_evaluator.h"
#include "compiler/exec/host_runner.h"
#include "compiler/passes/passes.h"
#include "compiler/pipeline/compile.h"

namespace kiln {
namespace train {

torch::Tensor runtime_outputs(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                              const Progress& progress) {
  HostRunner runner(blob);
  if (runner.inputs().size() != 1 || runner.outputs().empty()) {
    throw Error(ErrorKind::kUnsupported, "running images needs a model with one input");
  }
  const TensorPort& in = runner.inputs()[0];
  const TensorPort& out = runner.outputs()[0];
  torch::Tensor values = images.to(torch::kFloat32);
  if (in.dtype == KILN_DTYPE_INT8 && in.quantized()) {
    values = quantize_images(values, in.scale, in.zero_point);
  } else if (in.dtype != KILN_DTYPE_FLOAT32) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("input '{}' is neither float nor quantized int8", in.name));
  }
  const bool int8 = out.dtype == KILN_DTYPE_INT8 && out.quantized();
  if (!int8 && out.dtype != KILN_DTYPE_FLOAT32) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("output '{}' is neither float nor quantized int8", out.name));
  }
  values = values.contiguous();
  const int64_t n = values.size(0);
  int64_t elements = 1;
  for (int32_t d : out.shape) elements *= d;
  torch::Tensor result = torch::empty({n, elements}, torch::kFloat32);
  for (int64_t i = 0; i < n; ++i) {
    runner.set_input(0, tensor_bytes(values[i]));
    runner.invoke();
    const std::vector<float> row = to_float(out, runner.output(0));
    if (static_cast<int64_t>(row.size()) != elements) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("output '{}' gave {} values, its shape says {}", out.name, row.size(),
                              elements));
    }
    std::memcpy(result[i].data_ptr<float>(), row.data(), row.size() * sizeof(float));
    if (progress) progress(static_cast<size_t>(i + 1), static_cast<size_t>(n));
  }
  return result;
}

namespace {

// The graph without its final softmax: output 0 becomes the softmax's input.
bool drop_final_softmax(ir::Graph& g) {
  if (g.ops.empty() || g.ops.back().kind != ir::OpKind::kSoftmax ||
      g.ops.back().outputs[0] != g.outputs[0])
    return false;
  g.outputs[0] = g.ops.back().inputs[0];
  g.ops.pop_back();
  g = passes::remove_unused(std::move(g));
  return true;
}

}  // namespace

std::vector<uint8_t> tensor_bytes(const torch::Tensor& contiguous) {
  const auto* data = static_cast<const uint8_t*>(contiguous.data_ptr());
  return {data, data + contiguous.numel() * static_cast<int64_t>(contiguous.element_size())};
}

torch::Tensor quantize_images(const torch::Tensor& images, float scale, int32_t zero_point) {
  return torch::clamp(torch::round(images.to(torch::kFloat32) / scale) + zero_point, -128, 127)
      .to(torch::kInt8);
}

torch::Tensor runtime_predictions(const std::vector<uint8_t>& blob, const torch::Tensor& images,
                                  const Progress& progress) {
  // Dequantization keeps the order of int8 values, and argmax takes the
  // first of equal ones: the prediction of the int8 output itself.
  return runtime_outputs(blob, images, progress).argmax(1);
}

namespace {

bool float_graph(const ir::Graph& g) {
  for (const ir::Tensor& t : g.tensors) {
    if (t.dtype != KILN_DTYPE_FLOAT32 && t.dtype != KILN_DTYPE_INT32) return false;
  }
  return true;
}

}  // namespace

Teacher::Teacher(const std::string& path) : path_(path) {
  const std::vector<uint8_t> bytes = read_file(path);
  switch (detect_format(bytes)) {
    case ModelFormat::kKilnBlob:
      blob_ = bytes;
      blob_gives_logits_ = false;
      return;
    case ModelFormat::kTflite:
    case ModelFormat::kOnnx: {
      ir::Graph g = passes::optimize(import_model(bytes, path));
      if (float_graph(g)) {
        try {
          input_shape_ = g.tensors[static_cast<size_t>(g.inputs[0])].shape;
          module_ = std::make_shared<GraphModule>(g);
          module_->eval();
          return;
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::kUnsupported) throw;  // kiln's runtime runs the rest
        }
      }
      blob_gives_logits_ = drop_final_softmax(g);
      blob_ = compile_graph(std::move(g), {"host"}).blob;
      return;
    }
    case ModelFormat::kUnknown: break;
  }
  throw Error(ErrorKind::kBadModel,
              fmt::format("teacher {}: not a model (neither .tflite, .onnx nor .kiln)", path));
}

torch::Tensor Teacher::logits(const torch::Tensor& images, const Progress& progress) {
  torch::Tensor out;
  try {
    if (module_) {
      const std::vector<int64_t> want(input_shape_.begin() + 1, input_shape_.end());
      if (images.sizes().slice(1) != c10::IntArrayRef(want)) {
        throw Error(ErrorKind::kBadInput,
                    fmt::format("its input is {}, the images are {}",
                                ir::shape_string(input_shape_), fmt::join(images.sizes(), "x")));
      }
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> parts;
      for (int64_t at = 0; at < images.size(0); at += 500) {
        parts.push_back(module_->forward(images.slice(0, at, std::min(images.size(0), at + 500))));
        if (progress)
          progress(static_cast<size_t>(std::min(images.size(0), at + 500)),
                   static_cast<size_t>(images.size(0)));
      }
      return torch::cat(parts);
    }
    out = runtime_outputs(blob_, images, progress);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("teacher {}: {}", path_, e.what()));
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("teacher {}: {}", path_, e.what_without_backtrace()));
  }
  if (blob_gives_logits_) return out;
  // Probabilities (a softmax's output, sums of 1) become logits by their log.
  const bool probabilities =
      out.min().item<float>() >= 0.0f && (out.sum(1) - 1.0f).abs().max().item<float>() < 0.05f;
  return probabilities ? torch::log(torch::clamp_min(out, 1.0f / 512.0f)) : out;
}

torch::Tensor teacher_logits(const std::string& path, const torch::Tensor& images,
                             const Progress& progress) {
  return Teacher(path).logits(images, progress);
}

}  // namespace train
}  // namespace kiln
