#include "compiler/blob/writer.h"

#include <fmt/format.h>

#include <cstring>
#include <map>

#include "compiler/common/error.h"
#include "kiln/blob_format.h"

namespace kiln {
namespace {

using blob::BlobHeader;
using blob::IoRecord;
using blob::OpRecord;
using blob::TensorRecord;

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

template <typename T>
void append(std::vector<uint8_t>& out, const T& value) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

void pad_to(std::vector<uint8_t>& out, size_t alignment) {
  out.resize(align_up(out.size(), alignment), 0);
}

}  // namespace

std::vector<uint8_t> write_blob(const Program& program, const MemoryPlan& plan) {
  // Blob tensor numbering: first use order over IO then ops.
  std::map<int, uint16_t> index;
  std::vector<int> tensors;
  auto number = [&](int t) -> uint16_t {
    if (t < 0) return blob::kNoTensor;
    auto it = index.find(t);
    if (it != index.end()) return it->second;
    if (tensors.size() >= blob::kNoTensor)
      throw Error(ErrorKind::kUnsupported, "model has more than 65534 tensors");
    const uint16_t id = static_cast<uint16_t>(tensors.size());
    index.emplace(t, id);
    tensors.push_back(t);
    return id;
  };

  std::vector<IoRecord> io;
  for (const std::vector<int>* list : {&program.inputs, &program.outputs}) {
    for (int t : *list) {
      const ProgramTensor& pt = program.tensors[static_cast<size_t>(t)];
      if (pt.shape.size() > static_cast<size_t>(blob::kMaxRank)) {
        throw Error(
            ErrorKind::kUnsupported,
            fmt::format("model input/output '{}' has rank above {}", pt.name, blob::kMaxRank));
      }
      if (pt.constant)
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("model output '{}' is a constant", pt.name));
      IoRecord r{};
      r.tensor = number(t);
      r.dtype = static_cast<uint8_t>(pt.dtype);
      r.rank = static_cast<uint8_t>(pt.shape.size());
      for (size_t d = 0; d < pt.shape.size(); ++d) r.dims[d] = pt.shape[d];
      r.scale = pt.scale;
      r.zero_point = pt.zero_point;
      io.push_back(r);
    }
  }

  std::vector<OpRecord> ops;
  std::vector<uint16_t> operands;
  std::vector<uint8_t> params;
  for (const ProgramOp& op : program.ops) {
    if (op.placeholder) throw Error(ErrorKind::kUnsupported, "program has ops kiln cannot compile");
    OpRecord r{};
    r.opcode = static_cast<uint16_t>(op.opcode);
    r.num_inputs = static_cast<uint8_t>(op.inputs.size());
    r.num_outputs = static_cast<uint8_t>(op.outputs.size());
    r.first_operand = static_cast<uint32_t>(operands.size());
    pad_to(params, 4);
    r.params_offset = static_cast<uint32_t>(params.size());
    r.params_bytes = static_cast<uint32_t>(op.params.size());
    params.insert(params.end(), op.params.begin(), op.params.end());
    for (int t : op.inputs) operands.push_back(number(t));
    for (int t : op.outputs) operands.push_back(number(t));
    ops.push_back(r);
  }

  std::vector<uint8_t> data;
  std::vector<TensorRecord> records;
  auto add_constant = [&](const ProgramTensor& pt) {
    TensorRecord r{};
    r.bytes = static_cast<uint32_t>(pt.bytes);
    r.dtype = static_cast<uint8_t>(pt.dtype);
    pad_to(data, blob::kSectionAlignment);
    r.location = static_cast<uint8_t>(blob::Location::kConstant);
    r.offset = static_cast<uint32_t>(data.size());
    data.insert(data.end(), pt.data.begin(), pt.data.end());
    records.push_back(r);
  };
  for (int t : tensors) {
    const ProgramTensor& pt = program.tensors[static_cast<size_t>(t)];
    if (pt.constant) {
      add_constant(pt);
      continue;
    }
    TensorRecord r{};
    r.bytes = static_cast<uint32_t>(pt.bytes);
    r.dtype = static_cast<uint8_t>(pt.dtype);
    const int region = plan.regions.empty() ? 0 : plan.regions[static_cast<size_t>(t)];
    r.location = static_cast<uint8_t>(
        pt.persistent ? blob::Location::kState
        : region == 0
            ? blob::Location::kArena
            : static_cast<blob::Location>(static_cast<int>(blob::Location::kRegion1) + region - 1));
    r.offset = static_cast<uint32_t>(plan.offsets[static_cast<size_t>(t)]);
    r.reset_value = pt.persistent ? blob::kNoTensor : 0;
    records.push_back(r);
  }
  // A persistent tensor's reset value, unless zeros, is a constant of its own.
  for (size_t i = 0, count = records.size(); i < count; ++i) {
    const ProgramTensor& pt = program.tensors[static_cast<size_t>(tensors[i])];
    if (!pt.persistent || pt.data.empty()) continue;
    if (records.size() >= blob::kNoTensor)
      throw Error(ErrorKind::kUnsupported, "model has more than 65534 tensors");
    records[i].reset_value = static_cast<uint16_t>(records.size());
    add_constant(pt);
  }

  if (plan.region_bytes.size() > blob::kMaxRamRegions) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("the plan uses {} RAM regions; the runtime takes at most {}",
                            plan.region_bytes.size(), blob::kMaxRamRegions));
  }
  const bool regions = plan.region_bytes.size() > 1;
  BlobHeader h{};
  std::memcpy(h.magic, blob::kMagic, sizeof(h.magic));
  h.version_major = blob::kVersionMajor;
  h.version_minor = regions ? blob::kVersionMinor : blob::kVersionMinorOneRegion;
  h.header_bytes = sizeof(BlobHeader) + (regions ? sizeof(blob::RegionSizes) : 0);
  std::vector<uint8_t> out(h.header_bytes, 0);
  if (regions) {
    blob::RegionSizes sizes{};
    for (size_t r = 0; r < plan.region_bytes.size(); ++r) {
      if (plan.region_bytes[r] > UINT32_MAX)
        throw Error(ErrorKind::kUnsupported, "a RAM region above 4 GiB");
      sizes.bytes[r] = static_cast<uint32_t>(plan.region_bytes[r]);
    }
    std::memcpy(out.data() + sizeof(BlobHeader), &sizes, sizeof(sizes));
  }
  h.arena_bytes = static_cast<uint32_t>(plan.arena_bytes);
  h.state_bytes = static_cast<uint32_t>(plan.state_bytes);
  auto section = [&out](auto begin, auto end) {
    pad_to(out, blob::kSectionAlignment);
    const uint32_t offset = static_cast<uint32_t>(out.size());
    for (auto it = begin; it != end; ++it) append(out, *it);
    return offset;
  };
  h.num_tensors = static_cast<uint32_t>(records.size());
  h.tensors_offset = section(records.begin(), records.end());
  h.num_ops = static_cast<uint32_t>(ops.size());
  h.ops_offset = section(ops.begin(), ops.end());
  h.num_inputs = static_cast<uint32_t>(program.inputs.size());
  h.num_outputs = static_cast<uint32_t>(program.outputs.size());
  h.io_offset = section(io.begin(), io.end());
  h.num_operands = static_cast<uint32_t>(operands.size());
  h.operands_offset = section(operands.begin(), operands.end());
  h.params_bytes = static_cast<uint32_t>(params.size());
  h.params_offset = section(params.begin(), params.end());
  h.data_bytes = static_cast<uint32_t>(data.size());
  h.data_offset = section(data.begin(), data.end());
  pad_to(out, blob::kSectionAlignment);
  h.total_bytes = static_cast<uint32_t>(out.size());
  h.checksum = blob::crc32(out.data() + h.header_bytes, out.size() - h.header_bytes);
  std::memcpy(out.data(), &h, sizeof(h));
  return out;
}

BlobParts& BlobParts::operator+=(const BlobParts& o) {
  header += o.header;
  tensors += o.tensors;
  ops += o.ops;
  io += o.io;
  operands += o.operands;
  params += o.params;
  data += o.data;
  return *this;
}

BlobParts BlobParts::operator-(const BlobParts& o) const {
  return {header - o.header,     tensors - o.tensors, ops - o.ops,  io - o.io,
          operands - o.operands, params - o.params,   data - o.data};
}

BlobParts blob_parts(const std::vector<uint8_t>& blob) {
  BlobHeader h{};
  if (blob.size() < sizeof(h)) throw Error(ErrorKind::kBadModel, "blob shorter than its header");
  std::memcpy(&h, blob.data(), sizeof(h));
  BlobParts p;
  p.header = int64_t{h.header_bytes} - static_cast<int64_t>(sizeof(BlobHeader));
  p.tensors = int64_t{h.num_tensors} * static_cast<int64_t>(sizeof(TensorRecord));
  p.ops = int64_t{h.num_ops} * static_cast<int64_t>(sizeof(OpRecord));
  p.io = (int64_t{h.num_inputs} + h.num_outputs) * static_cast<int64_t>(sizeof(IoRecord));
  p.operands = int64_t{h.num_operands} * static_cast<int64_t>(sizeof(uint16_t));
  // Only the last op's parameters and the last constant end unpadded.
  p.params = static_cast<int64_t>(align_up(h.params_bytes, 4));
  p.data = static_cast<int64_t>(align_up(h.data_bytes, blob::kSectionAlignment));
  return p;
}

int64_t blob_bytes(const BlobParts& parts) {
  const auto padded = [](int64_t bytes) {
    return static_cast<int64_t>(align_up(static_cast<size_t>(bytes), blob::kSectionAlignment));
  };
  return padded(static_cast<int64_t>(sizeof(BlobHeader)) + parts.header) + padded(parts.tensors) +
         padded(parts.ops) + padded(parts.io) + padded(parts.operands) + padded(parts.params) +
         padded(parts.data);
}

}  // namespace kiln
