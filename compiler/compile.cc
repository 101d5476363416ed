#include "compiler/compile.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/blob/writer.h"
#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/import/tflite/importer.h"
#include "compiler/lower/lowering.h"
#include "kiln/blob_format.h"

namespace kiln {

ModelFormat detect_format(const std::vector<uint8_t>& bytes) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), blob::kMagic, 4) == 0) return ModelFormat::kKilnBlob;
  if (tflite_import::looks_like_tflite(bytes.data(), bytes.size())) return ModelFormat::kTflite;
  return ModelFormat::kUnknown;
}

CompiledModel compile_tflite(const std::vector<uint8_t>& bytes, const std::string& label,
                             const CompileOptions& options) {
  try {
    return compile_graph(tflite_import::import_tflite(bytes.data(), bytes.size(), label), options);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(label + ":", 0) == 0) throw;
    throw Error(e.kind(), fmt::format("{}: {}", label, what));
  }
}

CompiledModel compile_graph(ir::Graph graph, const CompileOptions& options) {
  const KernelTarget& target = kernel_target(options.target);
  ir::verify(graph);
  CompiledModel m;
  m.graph = std::move(graph);
  m.program = lower(m.graph, target, options.allow_unsupported ? &m.unsupported : nullptr);
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
    case ModelFormat::kTflite: return compile_tflite(bytes, path, {target}).blob;
    case ModelFormat::kUnknown: break;
  }
  throw Error(ErrorKind::kBadModel, fmt::format("{}: not a model (neither a .tflite flatbuffer nor a .kiln blob)", path));
}

}  // namespace kiln
