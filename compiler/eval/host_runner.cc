#include "compiler/eval/host_runner.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/ir/graph.h"

namespace kiln {
namespace {

ErrorKind error_kind(kiln_status st) {
  switch (st) {
    case KILN_ERR_ARENA_TOO_SMALL: return ErrorKind::kArenaTooSmall;
    case KILN_ERR_UNSUPPORTED_OP: return ErrorKind::kUnsupported;
    default: return ErrorKind::kBadModel;
  }
}

}  // namespace

HostRunner::HostRunner(const std::vector<uint8_t>& blob, int64_t arena_bytes) {
  blob_storage_.resize((blob.size() + 7) / 8);
  if (!blob.empty()) std::memcpy(blob_storage_.data(), blob.data(), blob.size());
  uint32_t needed = 0;
  kiln_status st = Executor::required_arena_bytes(blob_storage_.data(), blob.size(), &needed);
  if (st == KILN_OK) {
    arena_bytes_ = arena_bytes >= 0 ? static_cast<uint32_t>(arena_bytes) : needed;
    arena_storage_.resize((arena_bytes_ + 7) / 8);
    st = executor_.init(blob_storage_.data(), blob.size(), arena_storage_.data(), arena_bytes_);
  }
  if (st != KILN_OK) {
    std::string msg = fmt::format("cannot load model: {}", kiln_status_string(st));
    if (st == KILN_ERR_ARENA_TOO_SMALL) msg += fmt::format(" (needs {} bytes, given {})", needed, arena_bytes_);
    throw Error(error_kind(st), msg);
  }
}

void HostRunner::set_input(uint32_t index, const std::vector<uint8_t>& bytes) {
  const blob::IoRecord* io = executor_.input_info(index);
  if (!io) throw Error(ErrorKind::kBadInput, fmt::format("model has no input {}", index));
  const uint64_t want = io_bytes(*io);
  if (bytes.size() != want) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("input {} is {} bytes but the model's input {} {} {} needs {} bytes", index, bytes.size(),
                            index, ir::dtype_name(static_cast<kiln_dtype>(io->dtype)), io_shape_string(*io), want));
  }
  std::memcpy(executor_.input_data(index), bytes.data(), bytes.size());
}

void HostRunner::invoke() {
  const kiln_status st = executor_.invoke();
  if (st != KILN_OK) throw Error(ErrorKind::kBadModel, fmt::format("inference failed: {}", kiln_status_string(st)));
}

std::vector<uint8_t> HostRunner::output(uint32_t index) const {
  const blob::IoRecord* io = executor_.output_info(index);
  if (!io) throw Error(ErrorKind::kUsage, fmt::format("model has no output {}", index));
  const uint8_t* data = static_cast<const uint8_t*>(executor_.output_data(index));
  return std::vector<uint8_t>(data, data + io_bytes(*io));
}

uint64_t io_bytes(const blob::IoRecord& io) {
  uint64_t n = kiln_dtype_size(io.dtype);
  for (int d = 0; d < io.rank; ++d) n *= static_cast<uint64_t>(io.dims[d]);
  return n;
}

std::string io_shape_string(const blob::IoRecord& io) {
  return ir::shape_string(std::vector<int32_t>(io.dims, io.dims + io.rank));
}

}  // namespace kiln
