#include "kiln/executor.h"

#include <string.h>

namespace kiln {
namespace {

using blob::BlobHeader;
using blob::IoRecord;
using blob::Location;
using blob::OpRecord;
using blob::TensorRecord;

bool aligned4(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 3u) == 0; }

// A table of `count` entries of `entry_bytes` at `offset` lies inside the blob.
bool section_ok(const BlobHeader& h, uint32_t offset, uint32_t count, uint32_t entry_bytes) {
  const uint64_t end = uint64_t{offset} + uint64_t{count} * entry_bytes;
  return offset % 4 == 0 && offset >= h.header_bytes && end <= h.total_bytes;
}

kiln_status check_header(const uint8_t* blob, size_t blob_bytes, const BlobHeader** out) {
  if (blob == nullptr || !aligned4(blob)) return KILN_ERR_BAD_ARGUMENT;
  if (blob_bytes < 8) return KILN_ERR_TRUNCATED;
  if (memcmp(blob, blob::kMagic, sizeof(blob::kMagic)) != 0) return KILN_ERR_BAD_MAGIC;
  const BlobHeader* h = reinterpret_cast<const BlobHeader*>(blob);
  if (h->version_major != blob::kVersionMajor) return KILN_ERR_VERSION;
  if (blob_bytes < sizeof(BlobHeader)) return KILN_ERR_TRUNCATED;
  if (h->header_bytes < sizeof(BlobHeader) || h->header_bytes > h->total_bytes) {
    return KILN_ERR_CORRUPT;
  }
  if (h->total_bytes > blob_bytes) return KILN_ERR_TRUNCATED;
  *out = h;
  return KILN_OK;
}

// Each RAM region's bytes: from the RegionSizes record if the header has
// one, else the arena alone.
blob::RegionSizes region_sizes(const BlobHeader& h) {
  blob::RegionSizes sizes;
  memset(&sizes, 0, sizeof(sizes));
  if (h.header_bytes >= sizeof(BlobHeader) + sizeof(blob::RegionSizes)) {
    memcpy(&sizes, reinterpret_cast<const uint8_t*>(&h) + sizeof(BlobHeader), sizeof(sizes));
  } else {
    sizes.bytes[0] = h.arena_bytes;
  }
  return sizes;
}

uint32_t region_count(const blob::RegionSizes& sizes) {
  uint32_t count = 1;
  for (uint32_t r = 1; r < blob::kMaxRamRegions; ++r) {
    if (sizes.bytes[r] > 0) count = r + 1;
  }
  return count;
}

// The RAM region of a tensor location; kMaxRamRegions for constants and
// unknown locations.
uint32_t ram_region(uint8_t location) {
  switch (static_cast<Location>(location)) {
    case Location::kArena:
    case Location::kState: return 0;
    case Location::kRegion1:
    case Location::kRegion2:
    case Location::kRegion3: return location - static_cast<uint8_t>(Location::kRegion1) + 1;
    default: return blob::kMaxRamRegions;
  }
}

}  // namespace

kiln_status Executor::required_regions(const void* blob, size_t blob_bytes, uint32_t* count) {
  const BlobHeader* h = nullptr;
  const kiln_status st = check_header(static_cast<const uint8_t*>(blob), blob_bytes, &h);
  if (st != KILN_OK) return st;
  if (count == nullptr) return KILN_ERR_BAD_ARGUMENT;
  *count = region_count(region_sizes(*h));
  return KILN_OK;
}

kiln_status Executor::required_region_bytes(const void* blob, size_t blob_bytes, uint32_t index,
                                            uint32_t* bytes) {
  const BlobHeader* h = nullptr;
  const kiln_status st = check_header(static_cast<const uint8_t*>(blob), blob_bytes, &h);
  if (st != KILN_OK) return st;
  if (bytes == nullptr || index >= blob::kMaxRamRegions) return KILN_ERR_BAD_ARGUMENT;
  *bytes = region_sizes(*h).bytes[index];
  return KILN_OK;
}

kiln_status Executor::required_arena_bytes(const void* blob, size_t blob_bytes,
                                           uint32_t* arena_bytes) {
  const BlobHeader* h = nullptr;
  const kiln_status st = check_header(static_cast<const uint8_t*>(blob), blob_bytes, &h);
  if (st != KILN_OK) return st;
  if (arena_bytes == nullptr) return KILN_ERR_BAD_ARGUMENT;
  *arena_bytes = h->arena_bytes;
  return KILN_OK;
}

kiln_status Executor::init(const void* blob, size_t blob_bytes, void* arena, size_t arena_bytes) {
  const RegionBuffer region = {arena, arena_bytes};
  return init(blob, blob_bytes, &region, 1);
}

kiln_status Executor::init(const void* blob_ptr, size_t blob_bytes, const RegionBuffer* regions,
                           uint32_t num_regions) {
  header_ = nullptr;
  const uint8_t* blob = static_cast<const uint8_t*>(blob_ptr);
  const BlobHeader* h = nullptr;
  kiln_status st = check_header(blob, blob_bytes, &h);
  if (st != KILN_OK) return st;
  if (blob::crc32(blob + h->header_bytes, h->total_bytes - h->header_bytes) != h->checksum) {
    return KILN_ERR_CHECKSUM;
  }
  if (!section_ok(*h, h->tensors_offset, h->num_tensors, sizeof(TensorRecord)) ||
      !section_ok(*h, h->ops_offset, h->num_ops, sizeof(OpRecord)) ||
      h->num_inputs > blob::kNoTensor || h->num_outputs > blob::kNoTensor ||
      !section_ok(*h, h->io_offset, h->num_inputs + h->num_outputs, sizeof(IoRecord)) ||
      !section_ok(*h, h->operands_offset, h->num_operands, sizeof(uint16_t)) ||
      !section_ok(*h, h->params_offset, h->params_bytes, 1) ||
      !section_ok(*h, h->data_offset, h->data_bytes, 1) || h->num_tensors > blob::kNoTensor) {
    return KILN_ERR_CORRUPT;
  }
  const blob::RegionSizes sizes = region_sizes(*h);
  if (sizes.bytes[0] != h->arena_bytes) return KILN_ERR_CORRUPT;
  if (num_regions > 0 && regions == nullptr) return KILN_ERR_BAD_ARGUMENT;
  uint8_t* region_base[blob::kMaxRamRegions] = {};
  for (uint32_t r = 0; r < blob::kMaxRamRegions; ++r) {
    if (sizes.bytes[r] == 0) continue;
    if (r >= num_regions || regions[r].bytes < sizes.bytes[r]) return KILN_ERR_ARENA_TOO_SMALL;
    if (regions[r].data == nullptr || !aligned4(regions[r].data)) return KILN_ERR_BAD_ARGUMENT;
    region_base[r] = static_cast<uint8_t*>(regions[r].data);
  }

  tensors_ = reinterpret_cast<const TensorRecord*>(blob + h->tensors_offset);
  ops_ = reinterpret_cast<const OpRecord*>(blob + h->ops_offset);
  io_ = reinterpret_cast<const IoRecord*>(blob + h->io_offset);
  operands_ = reinterpret_cast<const uint16_t*>(blob + h->operands_offset);
  params_ = blob + h->params_offset;
  for (int location = 0; location < kLocations; ++location) {
    bases_[location] =
        location == static_cast<int>(Location::kConstant)
            ? const_cast<uint8_t*>(blob + h->data_offset)  // read only: outputs are never constants
            : region_base[ram_region(static_cast<uint8_t>(location))];
  }

  if (h->state_bytes > h->arena_bytes || h->state_bytes % 4 != 0) return KILN_ERR_CORRUPT;
  for (uint32_t i = 0; i < h->num_tensors; ++i) {
    st = check_tensor(*h, sizes, tensors_[i]);
    if (st != KILN_OK) return st;
  }
  for (uint32_t i = 0; i < h->num_inputs + h->num_outputs; ++i) {
    const IoRecord& io = io_[i];
    if (io.tensor >= h->num_tensors || io.rank > blob::kMaxRank) return KILN_ERR_CORRUPT;
    const TensorRecord& t = tensors_[io.tensor];
    uint64_t bytes = kiln_dtype_size(io.dtype);
    for (int d = 0; d < io.rank; ++d) {
      if (io.dims[d] < 0) return KILN_ERR_CORRUPT;
      bytes *= static_cast<uint64_t>(io.dims[d]);
      if (bytes > t.bytes) return KILN_ERR_CORRUPT;
    }
    if (ram_region(t.location) == blob::kMaxRamRegions ||
        t.location == static_cast<uint8_t>(Location::kState) || io.dtype != t.dtype ||
        bytes != t.bytes) {
      return KILN_ERR_CORRUPT;
    }
  }
  has_branches_ = false;
  for (uint32_t i = 0; i < h->num_ops; ++i) {
    st = check_op(*h, ops_[i]);
    if (st != KILN_OK) return st;
    has_branches_ = has_branches_ || ops_[i].opcode == static_cast<uint16_t>(OpCode::BRANCH);
  }
  header_ = h;
  return reset_state();
}

kiln_status Executor::check_tensor(const BlobHeader& h, const blob::RegionSizes& sizes,
                                   const TensorRecord& t) const {
  const uint64_t end = uint64_t{t.offset} + t.bytes;
  uint64_t begin_limit = 0, end_limit = 0;
  switch (static_cast<Location>(t.location)) {
    case Location::kArena:
      begin_limit = h.state_bytes;
      end_limit = h.arena_bytes;
      break;
    case Location::kConstant: end_limit = h.data_bytes; break;
    case Location::kState: end_limit = h.state_bytes; break;
    case Location::kRegion1:
    case Location::kRegion2:
    case Location::kRegion3: end_limit = sizes.bytes[ram_region(t.location)]; break;
    default: return KILN_ERR_CORRUPT;
  }
  if (t.dtype >= KILN_DTYPE_COUNT || t.offset % 4 != 0 || t.bytes == 0 || t.offset < begin_limit ||
      end > end_limit) {
    return KILN_ERR_CORRUPT;
  }
  if (t.location != static_cast<uint8_t>(Location::kState)) {
    return t.reset_value == 0 ? KILN_OK : KILN_ERR_CORRUPT;
  }
  if (t.reset_value == blob::kNoTensor) return KILN_OK;
  if (t.reset_value >= h.num_tensors) return KILN_ERR_CORRUPT;
  const TensorRecord& value = tensors_[t.reset_value];
  return value.location == static_cast<uint8_t>(Location::kConstant) && value.bytes == t.bytes &&
                 uint64_t{value.offset} + value.bytes <= h.data_bytes
             ? KILN_OK
             : KILN_ERR_CORRUPT;
}

kiln_status Executor::reset_state() {
  if (header_ == nullptr) return KILN_ERR_BAD_ARGUMENT;
  pending_bytes_ = 0;
  for (uint32_t i = 0; i < header_->num_tensors; ++i) {
    const TensorRecord& t = tensors_[i];
    if (t.location != static_cast<uint8_t>(Location::kState)) continue;
    if (t.reset_value == blob::kNoTensor) {
      memset(bases_[t.location] + t.offset, 0, t.bytes);
    } else {
      memcpy(bases_[t.location] + t.offset, tensor_data(t.reset_value), t.bytes);
    }
  }
  return KILN_OK;
}

kiln_status Executor::check_op(const BlobHeader& h, const OpRecord& op) const {
  const KernelInfo* info = find_runnable_kernel(op.opcode);
  if (info == nullptr) return KILN_ERR_UNSUPPORTED_OP;  // unknown, or another target's variant
  if (op.params_bytes != info->params_size || op.params_offset % 4 != 0 ||
      uint64_t{op.params_offset} + op.params_bytes > h.params_bytes ||
      uint64_t{op.first_operand} + op.num_inputs + op.num_outputs > h.num_operands) {
    return KILN_ERR_CORRUPT;
  }
  OperandSizes sizes;
  memset(&sizes, 0, sizeof(sizes));
  if (!info->operand_sizes(params_ + op.params_offset, &sizes) ||
      sizes.num_inputs != op.num_inputs || sizes.num_outputs != op.num_outputs) {
    return KILN_ERR_BAD_PARAMS;
  }
  const uint16_t* operands = operands_ + op.first_operand;
  for (int i = 0; i < op.num_inputs + op.num_outputs; ++i) {
    const bool is_output = i >= op.num_inputs;
    const uint32_t required = is_output ? sizes.outputs[i - op.num_inputs] : sizes.inputs[i];
    const uint16_t tensor = operands[i];
    if (required == 0) {
      if (tensor != blob::kNoTensor) return KILN_ERR_BAD_PARAMS;
      continue;
    }
    if (tensor >= h.num_tensors) return KILN_ERR_CORRUPT;
    if (tensors_[tensor].bytes != required) return KILN_ERR_BAD_PARAMS;
    if (is_output && tensors_[tensor].location == static_cast<uint8_t>(Location::kConstant)) {
      return KILN_ERR_BAD_PARAMS;
    }
  }
  if (info->constants_ok != nullptr) {
    const void* constants[kMaxOperands];
    for (int i = 0; i < op.num_inputs; ++i) {
      const uint16_t tensor = operands[i];
      const bool constant = tensor != blob::kNoTensor &&
                            tensors_[tensor].location == static_cast<uint8_t>(Location::kConstant);
      constants[i] = constant ? tensor_data(tensor) : nullptr;
    }
    if (!info->constants_ok(params_ + op.params_offset, constants)) return KILN_ERR_BAD_PARAMS;
  }
  if (op.opcode == static_cast<uint16_t>(OpCode::BRANCH)) {
    const BranchParams& branch = *reinterpret_cast<const BranchParams*>(params_ + op.params_offset);
    if (branch.target > h.num_ops) return KILN_ERR_CORRUPT;
    if (branch.if_false == kBranchEndIfFalse && branch.target != h.num_ops) return KILN_ERR_CORRUPT;
  }
  return KILN_OK;
}

const void* Executor::tensor_data(uint16_t tensor) const {
  if (tensor == blob::kNoTensor) return nullptr;
  const TensorRecord& t = tensors_[tensor];
  return bases_[t.location] + t.offset;
}

// One op's kernel call (inlined into both loops: invoke() and invoke_with_branches()).
inline void Executor::run_op(uint32_t index) const {
  const void* inputs[kMaxOperands];
  void* outputs[kMaxOperands];
  const OpRecord& op = ops_[index];
  const uint16_t* operands = operands_ + op.first_operand;
  for (int k = 0; k < op.num_inputs; ++k) inputs[k] = tensor_data(operands[k]);
  for (int k = 0; k < op.num_outputs; ++k) {
    outputs[k] = const_cast<void*>(tensor_data(operands[op.num_inputs + k]));
  }
  const OpCode opcode = static_cast<OpCode>(op.opcode);
  if (observer_) observer_(observer_context_, index, opcode, true);
  find_kernel(op.opcode)->kernel(params_ + op.params_offset, inputs, outputs);
  if (observer_) observer_(observer_context_, index, opcode, false);
}

kiln_status Executor::invoke() {
  if (header_ == nullptr) return KILN_ERR_BAD_ARGUMENT;
  outputs_written_ = true;
  // A program without loops runs straight through, with no per-op test
  // for a branch.
  if (!has_branches_) {
    for (uint32_t i = 0; i < header_->num_ops; ++i) run_op(i);
    return KILN_OK;
  }
  return invoke_with_branches();
}

kiln_status Executor::invoke_with_branches() {
  uint32_t iterations = 0;
  for (uint32_t i = 0; i < header_->num_ops;) {
    const OpRecord& op = ops_[i];
    if (op.opcode != static_cast<uint16_t>(OpCode::BRANCH)) {
      run_op(i++);
      continue;
    }
    const BranchParams& branch = *reinterpret_cast<const BranchParams*>(params_ + op.params_offset);
    const uint32_t next =
        branch_next(branch, op.num_inputs ? tensor_data(operands_[op.first_operand]) : nullptr, i);
    if (branch.if_false == kBranchEndIfFalse && next != i + 1) outputs_written_ = false;
    if (next <= i && loop_limit_ != 0 && ++iterations > loop_limit_) return KILN_ERR_LOOP_LIMIT;
    i = next;
  }
  return KILN_OK;
}

kiln_status Executor::append_samples(const void* samples, size_t count, uint32_t* written) {
  const IoRecord* io = input_info(0);
  if (io == nullptr || written == nullptr || (samples == nullptr && count != 0))
    return KILN_ERR_BAD_ARGUMENT;
  *written = 0;
  const uint32_t block = tensors_[io->tensor].bytes;
  const uint32_t element = kiln_dtype_size(io->dtype);
  if (block == 0 || element == 0 || count > SIZE_MAX / element) return KILN_ERR_SIZE_MISMATCH;
  size_t bytes = count * element;
  uint8_t* input = static_cast<uint8_t*>(input_data(0));
  const uint8_t* from = static_cast<const uint8_t*>(samples);
  // The block fills across calls: nothing writes input 0's bytes between
  // one invoke and the next.
  while (bytes > 0) {
    const size_t n = bytes < block - pending_bytes_ ? bytes : block - pending_bytes_;
    memcpy(input + pending_bytes_, from, n);
    from += n;
    bytes -= n;
    pending_bytes_ += static_cast<uint32_t>(n);
    if (pending_bytes_ < block) break;
    pending_bytes_ = 0;
    const kiln_status status = invoke();
    if (status != KILN_OK) return status;
    if (outputs_written_) ++*written;
  }
  return KILN_OK;
}

const IoRecord* Executor::input_info(uint32_t index) const {
  return header_ && index < header_->num_inputs ? &io_[index] : nullptr;
}

const IoRecord* Executor::output_info(uint32_t index) const {
  return header_ && index < header_->num_outputs ? &io_[header_->num_inputs + index] : nullptr;
}

void* Executor::input_data(uint32_t index) {
  const IoRecord* io = input_info(index);
  return io ? const_cast<void*>(tensor_data(io->tensor)) : nullptr;
}

const void* Executor::output_data(uint32_t index) const {
  const IoRecord* io = output_info(index);
  return io ? tensor_data(io->tensor) : nullptr;
}

uint32_t Executor::tensor_bytes(uint16_t tensor) const {
  return header_ && tensor < header_->num_tensors ? tensors_[tensor].bytes : 0;
}

const OpRecord* Executor::op(uint32_t index) const {
  return header_ && index < header_->num_ops ? &ops_[index] : nullptr;
}

}  // namespace kiln
