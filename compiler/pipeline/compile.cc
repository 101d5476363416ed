#include "compiler/pipeline/compile.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/blob/writer.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/import/onnx/importer.h"
#include "compiler/import/tflite/importer.h"
#include "compiler/lower/lowering.h"
#include "compiler/passes/passes.h"
#include "kiln/blob_format.h"

namespace kiln {

ModelFormat detect_format(const std::vector<uint8_t>& bytes) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), blob::kMagic, 4) == 0)
    return ModelFormat::kKilnBlob;
  if (tflite_import::looks_like_tflite(bytes.data(), bytes.size())) return ModelFormat::kTflite;
  if (onnx_import::looks_like_onnx(bytes.data(), bytes.size())) return ModelFormat::kOnnx;
  return ModelFormat::kUnknown;
}

ir::Graph import_model(const std::vector<uint8_t>& bytes, const std::string& label) {
  switch (detect_format(bytes)) {
    case ModelFormat::kTflite:
      return tflite_import::import_tflite(bytes.data(), bytes.size(), label);
    case ModelFormat::kOnnx: return onnx_import::import_onnx(bytes.data(), bytes.size(), label);
    case ModelFormat::kKilnBlob:
      throw Error(ErrorKind::kBadModel,
                  fmt::format("{}: a compiled .kiln blob, not a .tflite or .onnx model", label));
    case ModelFormat::kUnknown: break;
  }
  throw Error(
      ErrorKind::kBadModel,
      fmt::format("{}: not a model (neither a .tflite flatbuffer nor an ONNX protobuf)", label));
}

namespace {

// Errors from compiling a model name its file first.
template <typename F>
CompiledModel labelled(const std::string& label, F compile) {
  try {
    return compile();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(label + ":", 0) == 0) throw;
    throw Error(e.kind(), fmt::format("{}: {}", label, what));
  }
}

}  // namespace

CompiledModel compile_model(const std::vector<uint8_t>& bytes, const std::string& label,
                            const CompileOptions& options) {
  return labelled(label, [&] { return compile_graph(import_model(bytes, label), options); });
}

CompiledModel compile_tflite(const std::vector<uint8_t>& bytes, const std::string& label,
                             const CompileOptions& options) {
  return labelled(label, [&] {
    return compile_graph(tflite_import::import_tflite(bytes.data(), bytes.size(), label), options);
  });
}

namespace {

// Every name of CompileOptions::entropy_layers is a layer with a filter.
void check_entropy_layers(const ir::Graph& graph, const std::set<std::string>& layers) {
  std::set<std::string> known;
  for (const ir::Op& op : graph.ops) {
    const bool filtered = op.kind == ir::OpKind::kConv2D ||
                          op.kind == ir::OpKind::kDepthwiseConv2D ||
                          op.kind == ir::OpKind::kFullyConnected;
    if (filtered && !op.outputs.empty()) {
      known.insert(graph.tensors[static_cast<size_t>(op.outputs[0])].name);
    }
  }
  for (const std::string& name : layers) {
    if (known.count(name) > 0) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error(ErrorKind::kUsage,
                fmt::format("--entropy-layers: the model has no convolution or fully connected "
                            "layer '{}' (its layers: {})",
                            name, list));
  }
}

}  // namespace

CompiledModel compile_graph(ir::Graph graph, const CompileOptions& options) {
  const KernelTarget& target = kernel_target(options.target);
  ir::verify(graph);
  CompiledModel m;
  m.graph = options.optimize ? passes::optimize(std::move(graph)) : std::move(graph);
  check_entropy_layers(m.graph, options.entropy_layers);
  m.program =
      lower(m.graph, target, options.allow_unsupported ? &m.unsupported : nullptr,
            LowerOptions{options.dense_weights, options.entropy_weights, options.entropy_layers});
  elide_copies(m.program);
  m.plan = plan_memory(m.program);
  if (m.plan.arena_bytes > UINT32_MAX) throw Error(ErrorKind::kUnsupported, "arena above 4 GiB");
  if (m.unsupported.empty()) m.blob = write_blob(m.program, m.plan);
  return m;
}

std::vector<uint8_t> load_blob(const std::string& path, const std::string& target) {
  std::vector<uint8_t> bytes = read_file(path);
  switch (detect_format(bytes)) {
    case ModelFormat::kKilnBlob: return bytes;
    case ModelFormat::kTflite:
    case ModelFormat::kOnnx: return compile_model(bytes, path, {target}).blob;
    case ModelFormat::kUnknown: break;
  }
  throw Error(
      ErrorKind::kBadModel,
      fmt::format(
          "{}: not a model (neither a .tflite flatbuffer, an ONNX protobuf nor a .kiln blob)",
          path));
}

}  // namespace kiln
