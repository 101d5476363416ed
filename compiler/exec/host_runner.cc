#include "compiler/exec/host_runner.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/common/error.h"

namespace kiln {
namespace {

ErrorKind error_kind(kiln_status st) {
  switch (st) {
    case KILN_ERR_ARENA_TOO_SMALL: return ErrorKind::kArenaTooSmall;
    case KILN_ERR_UNSUPPORTED_OP: return ErrorKind::kUnsupported;
    default: return ErrorKind::kBadModel;
  }
}

TensorPort port_of(const blob::IoRecord& io, const char* kind, uint32_t index) {
  return {fmt::format("{} {}", kind, index), static_cast<kiln_dtype>(io.dtype),
          std::vector<int32_t>(io.dims, io.dims + io.rank), io.scale, io.zero_point};
}

}  // namespace

HostRunner::HostRunner(const std::vector<uint8_t>& blob, int64_t arena_bytes) {
  blob_storage_.resize((blob.size() + 7) / 8);
  if (!blob.empty()) std::memcpy(blob_storage_.data(), blob.data(), blob.size());
  uint32_t needed = 0, regions = 0;
  kiln_status st = Executor::required_arena_bytes(blob_storage_.data(), blob.size(), &needed);
  if (st == KILN_OK) st = Executor::required_regions(blob_storage_.data(), blob.size(), &regions);
  if (st == KILN_OK) {
    arena_bytes_ = arena_bytes >= 0 ? static_cast<uint32_t>(arena_bytes) : needed;
    region_storage_.resize(regions);
    std::vector<RegionBuffer> buffers;
    for (uint32_t r = 0; r < regions && st == KILN_OK; ++r) {
      uint32_t bytes = arena_bytes_;
      if (r > 0) st = Executor::required_region_bytes(blob_storage_.data(), blob.size(), r, &bytes);
      region_storage_[r].resize((bytes + 7) / 8);
      region_bytes_.push_back(bytes);
      buffers.push_back({region_storage_[r].data(), bytes});
    }
    if (st == KILN_OK)
      st = executor_.init(blob_storage_.data(), blob.size(), buffers.data(), regions);
  }
  if (st != KILN_OK) {
    std::string msg = fmt::format("cannot load model: {}", kiln_status_string(st));
    if (st == KILN_ERR_ARENA_TOO_SMALL)
      msg += fmt::format(" (needs {} bytes, given {})", needed, arena_bytes_);
    throw Error(error_kind(st), msg);
  }
  for (uint32_t i = 0; i < executor_.num_inputs(); ++i)
    inputs_.push_back(port_of(*executor_.input_info(i), "input", i));
  for (uint32_t i = 0; i < executor_.num_outputs(); ++i) {
    outputs_.push_back(port_of(*executor_.output_info(i), "output", i));
  }
}

void HostRunner::write_input(size_t i, const std::vector<uint8_t>& bytes) {
  std::memcpy(executor_.input_data(static_cast<uint32_t>(i)), bytes.data(), bytes.size());
}

void HostRunner::invoke() {
  const kiln_status st = executor_.invoke();
  if (st != KILN_OK)
    throw Error(ErrorKind::kBadModel, fmt::format("inference failed: {}", kiln_status_string(st)));
}

std::vector<uint8_t> HostRunner::output(size_t i) const {
  if (i >= outputs_.size())
    throw Error(ErrorKind::kUsage, fmt::format("model has no output {}", i));
  const uint8_t* data =
      static_cast<const uint8_t*>(executor_.output_data(static_cast<uint32_t>(i)));
  return std::vector<uint8_t>(data, data + outputs_[i].bytes());
}

}  // namespace kiln
