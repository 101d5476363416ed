#include "compiler/pipeline/stream_pipeline.h"

#include <fmt/format.h>

#include <cmath>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/frontends/frontends.h"
#include "kiln/ops/operand_sizes.h"

namespace kiln {
namespace {

[[noreturn]] void mismatch(const std::string& what) { throw Error(ErrorKind::kBadInput, what); }

std::string describe(const ir::Tensor& t) {
  std::string s =
      fmt::format("'{}' {} {}", t.name, ir::dtype_name(t.dtype), ir::shape_string(t.shape));
  if (t.quant.present())
    s += fmt::format(" (scale {}, zero point {})", t.quant.scale(), t.quant.zero_point());
  return s;
}

// Features without quantization (TFLM's preprocessor gives plain int8) are
// the classifier's input values as they are, as TFLM's micro_speech example
// feeds them; quantized ones must be quantized alike.
bool same_quantization(const ir::Tensor& features, const ir::Tensor& window) {
  const ir::Quantization& a = features.quant;
  const ir::Quantization& b = window.quant;
  if (!a.present()) return true;
  if (!b.present()) return false;
  return a.zero_point() == b.zero_point() &&
         std::fabs(a.scale() - b.scale()) <= 1e-6f * std::fabs(b.scale());
}

// Appends `g`'s tensors and ops to `out`, names prefixed; tensor `joined`
// of `g` becomes `out`'s tensor `joined_to` instead of a new one. Returns
// the index map.
std::vector<int> append(ir::Graph& out, const ir::Graph& g, const char* prefix, int joined,
                        int joined_to) {
  std::vector<int> map(g.tensors.size(), -1);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (static_cast<int>(t) == joined) {
      map[t] = joined_to;
      continue;
    }
    ir::Tensor copy = g.tensors[t];
    copy.name = prefix + copy.name;
    map[t] = static_cast<int>(out.tensors.size());
    out.tensors.push_back(std::move(copy));
  }
  for (const ir::Op& op : g.ops) {
    ir::Op copy = op;
    copy.location = prefix + copy.location;
    copy.source_index = -1;
    for (int& t : copy.inputs) t = t < 0 ? t : map[static_cast<size_t>(t)];
    for (int& t : copy.outputs) t = t < 0 ? t : map[static_cast<size_t>(t)];
    out.ops.push_back(std::move(copy));
  }
  return map;
}

int add_tensor(ir::Graph& g, const std::string& name, kiln_dtype dtype,
               std::vector<int32_t> shape) {
  ir::Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size() - 1);
}

void add_op(ir::Graph& g, ir::OpKind kind, std::vector<int> inputs, std::vector<int> outputs,
            std::vector<int64_t> custom_options = {}) {
  ir::Op op;
  op.kind = kind;
  op.type_name = ir::op_kind_name(kind);
  op.location = "pipeline";
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.attrs.custom_options = std::move(custom_options);
  g.ops.push_back(std::move(op));
}

}  // namespace

ir::Graph fuse_stream_pipeline(const ir::Graph& frontend, const ir::Graph& classifier,
                               const StreamPipelineOptions& options, StreamPipelineShape* shape) {
  const std::string& fl = options.frontend_label;
  const std::string& cl = options.classifier_label;
  if (frontend.inputs.size() != 1 || frontend.outputs.size() != 1) {
    mismatch(
        fmt::format("{} has {} inputs and {} outputs; a front-end takes one frame of samples "
                    "and gives one row of features",
                    fl, frontend.inputs.size(), frontend.outputs.size()));
  }
  if (classifier.inputs.size() != 1) {
    mismatch(fmt::format("{} has {} inputs; a classifier after a front-end takes one", cl,
                         classifier.inputs.size()));
  }
  const ir::Tensor& frame = frontend.tensors[static_cast<size_t>(frontend.inputs[0])];
  const ir::Tensor& features = frontend.tensors[static_cast<size_t>(frontend.outputs[0])];
  const ir::Tensor& window = classifier.tensors[static_cast<size_t>(classifier.inputs[0])];
  if (frame.dtype != KILN_DTYPE_INT16 || frame.shape.empty() || frame.elements() < 1) {
    mismatch(fmt::format("{} input {} is not a frame of int16 samples", fl, describe(frame)));
  }
  const int64_t frame_samples = frame.elements();
  if (frame_samples > kMaxDim || frame.elements() != frame.shape.back()) {
    mismatch(fmt::format("{} input {} is not one frame of samples", fl, describe(frame)));
  }
  if (options.hop_samples < 1 || options.hop_samples > frame_samples) {
    throw Error(ErrorKind::kUsage,
                fmt::format("the hop must be 1 to {} samples (a frame of {}); got {}",
                            frame_samples, fl, options.hop_samples));
  }
  const int64_t row = features.elements();
  // Float features enter a quantized classifier quantized as its input is,
  // quantized ones requantized to it.
  const bool integer_window = window.quant.present() &&
                              (window.dtype == KILN_DTYPE_INT8 || window.dtype == KILN_DTYPE_INT16);
  const bool quantize =
      integer_window &&
      (features.dtype == KILN_DTYPE_FLOAT32 ||
       (features.quant.present() &&
        (features.dtype == KILN_DTYPE_INT8 || features.dtype == KILN_DTYPE_INT16) &&
        (features.dtype != window.dtype || !same_quantization(features, window))));
  const bool same_kind =
      quantize || (features.dtype == window.dtype && same_quantization(features, window));
  if (!same_kind || row < 1 || window.elements() % row != 0) {
    mismatch(fmt::format(
        "{} output {} does not stack into {} input {}: {}", fl, describe(features), cl,
        describe(window),
        same_kind ? fmt::format("its {} elements are not a whole number of rows of {}",
                                window.elements(), row)
                  : std::string("a whole number of feature rows of the same type and "
                                "quantization (or float or quantized features) is needed")));
  }
  const int64_t frames = window.elements() / row;
  if (row > kMaxDim || frames > kMaxDim) {
    mismatch(fmt::format("{} input {} is too large a window", cl, describe(window)));
  }
  if (options.classify_every < 1 || options.classify_every > frames) {
    throw Error(ErrorKind::kUsage,
                fmt::format("the classifier can run every 1 to {} frames (its window); got {}",
                            frames, options.classify_every));
  }

  ir::Graph g;
  const int samples = add_tensor(g, "samples", KILN_DTYPE_INT16, {1, options.hop_samples});
  g.inputs = {samples};
  const int frame_ready = add_tensor(g, "frame_ready", KILN_DTYPE_BOOL, {1});
  // The front-end's input tensor becomes the framer's output.
  const int frame_tensor =
      add_tensor(g, std::string(kFrontendPrefix) + frame.name, frame.dtype, frame.shape);
  add_op(g, ir::OpKind::kSignalFramer, {samples}, {frame_tensor, frame_ready},
         {frame_samples, options.hop_samples, 0});
  add_op(g, ir::OpKind::kEndUnless, {frame_ready}, {});
  const std::vector<int> fmap =
      append(g, frontend, kFrontendPrefix, frontend.inputs[0], frame_tensor);
  int row_tensor = fmap[static_cast<size_t>(frontend.outputs[0])];
  if (quantize) {
    ir::Tensor q = g.tensors[static_cast<size_t>(row_tensor)];
    q.name += "/quantized";
    q.dtype = window.dtype;
    q.quant = window.quant;
    g.tensors.push_back(std::move(q));
    const int quantized = static_cast<int>(g.tensors.size() - 1);
    add_op(g, ir::OpKind::kQuantize, {row_tensor}, {quantized});
    row_tensor = quantized;
  }
  const int window_ready = add_tensor(g, "window_ready", KILN_DTYPE_BOOL, {1});
  ir::Tensor stacked = window;
  stacked.name = std::string(kClassifierPrefix) + window.name;
  g.tensors.push_back(stacked);
  const int window_tensor = static_cast<int>(g.tensors.size() - 1);
  // Every frame's features enter the window once (no left padding), the
  // window slides by classify_every frames: right context is the rest of it.
  add_op(g, ir::OpKind::kSignalStacker, {row_tensor}, {window_tensor, window_ready},
         {row, 0, frames - 1, options.classify_every});
  add_op(g, ir::OpKind::kEndUnless, {window_ready}, {});
  const std::vector<int> cmap =
      append(g, classifier, kClassifierPrefix, classifier.inputs[0], window_tensor);
  for (int t : classifier.outputs) g.outputs.push_back(cmap[static_cast<size_t>(t)]);
  if (!classifier.output_source_perm.empty()) {
    g.input_source_perm = {{}};
    g.output_source_perm = classifier.output_source_perm;
  }
  if (shape) {
    *shape = {static_cast<int32_t>(frame_samples), options.hop_samples, static_cast<int32_t>(row),
              static_cast<int32_t>(frames), options.classify_every};
  }
  return g;
}

ir::Graph load_frontend(const std::string& spec_or_path) {
  if (frontends::is_builtin(spec_or_path)) return frontends::build(spec_or_path);
  return import_model(read_file(spec_or_path), spec_or_path);
}

CompiledModel compile_stream_pipeline(const std::string& frontend_path,
                                      const std::string& classifier_path,
                                      StreamPipelineOptions pipeline, const CompileOptions& options,
                                      StreamPipelineShape* shape) {
  const ir::Graph frontend = load_frontend(frontend_path);
  const ir::Graph classifier = import_model(read_file(classifier_path), classifier_path);
  pipeline.frontend_label = frontend_path;
  pipeline.classifier_label = classifier_path;
  return compile_graph(fuse_stream_pipeline(frontend, classifier, pipeline, shape), options);
}

}  // namespace kiln
