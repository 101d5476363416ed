// Malformed .kiln blobs: the executor checks the whole blob once and answers
// every corruption with its exact status code, never a crash or an
// out-of-bounds read (the suite runs under ASan/UBSan).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/pipeline/compile.h"
#include "kiln/blob_format.h"
#include "kiln/executor.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

std::vector<uint8_t> good_blob() {
  const std::string path =
      test::shared_dir() + "/models/tflite_micro/micro_speech_quantized.tflite";
  return compile_tflite(read_file(path), "micro_speech").blob;
}

blob::BlobHeader header_of(const std::vector<uint8_t>& b) {
  blob::BlobHeader h;
  std::memcpy(&h, b.data(), sizeof(h));
  return h;
}

// Recomputes the checksum the way the writer does, over whatever range the
// (possibly corrupted) header names, as long as that range is in the buffer.
void reseal(std::vector<uint8_t>& b) {
  blob::BlobHeader h = header_of(b);
  if (h.header_bytes > h.total_bytes || h.total_bytes > b.size()) return;
  h.checksum = blob::crc32(b.data() + h.header_bytes, h.total_bytes - h.header_bytes);
  std::memcpy(b.data(), &h, sizeof(h));
}

kiln_status init_status(const std::vector<uint8_t>& b, size_t arena_bytes = 1 << 20) {
  std::vector<uint64_t> blob((b.size() + 7) / 8 + 1);
  if (!b.empty()) std::memcpy(blob.data(), b.data(), b.size());
  // One arena for every call: thousands of corrupted blobs are tried, and
  // what an arena held before never matters to the executor.
  static std::vector<uint64_t> arena;
  if (arena.size() < arena_bytes / 8 + 1) arena.resize(arena_bytes / 8 + 1);
  Executor ex;
  const kiln_status st = ex.init(blob.data(), b.size(), arena.data(), arena_bytes);
  if (st == KILN_OK) {
    EXPECT_EQ(ex.invoke(), KILN_OK);
  }
  return st;
}

// The first op's record.
blob::OpRecord first_op(const std::vector<uint8_t>& b) {
  blob::OpRecord op;
  std::memcpy(&op, b.data() + header_of(b).ops_offset, sizeof(op));
  return op;
}

// Where the tensor record of `op`'s input `operand` sits in the blob.
size_t operand_record_offset(const std::vector<uint8_t>& b, const blob::OpRecord& op, int operand) {
  const blob::BlobHeader h = header_of(b);
  uint16_t tensor;
  std::memcpy(&tensor,
              b.data() + h.operands_offset + (op.first_operand + operand) * sizeof(uint16_t),
              sizeof(tensor));
  return h.tensors_offset + tensor * sizeof(blob::TensorRecord);
}

blob::TensorRecord operand_record(const std::vector<uint8_t>& b, const blob::OpRecord& op,
                                  int operand) {
  blob::TensorRecord t;
  std::memcpy(&t, b.data() + operand_record_offset(b, op, operand), sizeof(t));
  return t;
}

// 2,000 blobs with one to four random bits flipped, resealed: any status,
// or an inference; never a crash.
void expect_random_flips_never_crash(const std::vector<uint8_t>& good, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> b = good;
    for (int f = 0; f < 1 + trial % 4; ++f)
      b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    reseal(b);
    init_status(b);
  }
}

// The conformance set's int8 fully connected layer with its weights set by
// `weight(i)`, compiled for the portable target.
template <typename Weight>
std::vector<uint8_t> fully_connected_blob(Weight weight, bool entropy) {
  const std::string path =
      test::shared_dir() + "/conformance/tflm_ops/FULLY_CONNECTED/i8_pc_0/model.tflite";
  ir::Graph graph = import_model(read_file(path), "fully connected");
  ir::Tensor& filter = graph.tensors[static_cast<size_t>(graph.ops.at(0).inputs[1])];
  for (size_t i = 0; i < filter.data.size(); ++i) filter.data[i] = weight(i, filter.data[i]);
  CompileOptions options;
  options.target = "portable";
  options.entropy_weights = entropy;
  return compile_graph(graph, options).blob;
}

TEST(CorruptBlob, ExactStatusCodes) {
  const std::vector<uint8_t> good = good_blob();
  EXPECT_EQ(init_status(good), KILN_OK);

  std::vector<uint8_t> b = good;
  b[0] = 'X';
  EXPECT_EQ(init_status(b), KILN_ERR_BAD_MAGIC);

  b = good;
  b[4] = static_cast<uint8_t>(blob::kVersionMajor - 1);  // version_major: a blob of an older format
  EXPECT_EQ(init_status(b), KILN_ERR_VERSION);
  b[4] = static_cast<uint8_t>(blob::kVersionMajor + 1);
  EXPECT_EQ(init_status(b), KILN_ERR_VERSION);

  b = good;
  b[b.size() - 100] ^= 0x40;
  EXPECT_EQ(init_status(b), KILN_ERR_CHECKSUM);

  EXPECT_EQ(init_status(good, header_of(good).arena_bytes - 1), KILN_ERR_ARENA_TOO_SMALL);
  EXPECT_EQ(init_status(good, header_of(good).arena_bytes), KILN_OK);

  // An arena tensor placed past the planned arena.
  b = good;
  blob::BlobHeader h = header_of(b);
  blob::TensorRecord t;
  std::memcpy(&t, b.data() + h.tensors_offset, sizeof(t));
  ASSERT_EQ(t.location, static_cast<uint8_t>(blob::Location::kArena));
  t.offset = h.arena_bytes;
  std::memcpy(b.data() + h.tensors_offset, &t, sizeof(t));
  reseal(b);
  EXPECT_EQ(init_status(b), KILN_ERR_CORRUPT);

  // An opcode this runtime does not have.
  b = good;
  blob::OpRecord op;
  std::memcpy(&op, b.data() + h.ops_offset, sizeof(op));
  op.opcode = 999;
  std::memcpy(b.data() + h.ops_offset, &op, sizeof(op));
  reseal(b);
  EXPECT_EQ(init_status(b), KILN_ERR_UNSUPPORTED_OP);

  // Params that no longer match the tensors: one more output channel.
  b = good;
  std::memcpy(&op, b.data() + h.ops_offset, sizeof(op));
  ASSERT_EQ(op.opcode, static_cast<uint16_t>(OpCode::DEPTHWISE_CONV_2D_S8));
  Conv2DParams p;
  std::memcpy(&p, b.data() + h.params_offset + op.params_offset, sizeof(p));
  p.out_c += 1;
  std::memcpy(b.data() + h.params_offset + op.params_offset, &p, sizeof(p));
  reseal(b);
  EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS);

  // Absurd section sizes and offsets.
  for (uint32_t blob::BlobHeader::*field :
       {&blob::BlobHeader::num_tensors, &blob::BlobHeader::tensors_offset,
        &blob::BlobHeader::num_ops, &blob::BlobHeader::ops_offset, &blob::BlobHeader::io_offset,
        &blob::BlobHeader::num_operands, &blob::BlobHeader::params_bytes,
        &blob::BlobHeader::data_offset, &blob::BlobHeader::num_inputs}) {
    for (uint32_t value : {0xFFFFFFFFu, 0x7FFFFFF0u, static_cast<uint32_t>(good.size())}) {
      b = good;
      blob::BlobHeader hh = header_of(b);
      hh.*field = value;
      std::memcpy(b.data(), &hh, sizeof(hh));
      EXPECT_EQ(init_status(b), KILN_ERR_CORRUPT) << value;
    }
  }
  b = good;
  h = header_of(b);
  h.total_bytes = 0xFFFFFFF0u;
  std::memcpy(b.data(), &h, sizeof(h));
  EXPECT_EQ(init_status(b), KILN_ERR_TRUNCATED);
}

// The state region's checks, on a model whose variable has a reset value.
TEST(CorruptBlob, BranchesStayInsideTheProgram) {
  const std::string path = test::shared_dir() + "/conformance/tflm_ops/WHILE/i32_0/model.tflite";
  const std::vector<uint8_t> good = compile_tflite(read_file(path), "while").blob;
  const blob::BlobHeader h = header_of(good);
  std::vector<blob::OpRecord> ops(h.num_ops);
  std::memcpy(ops.data(), good.data() + h.ops_offset, ops.size() * sizeof(blob::OpRecord));
  int branches = 0;
  for (const blob::OpRecord& op : ops) {
    if (op.opcode != static_cast<uint16_t>(OpCode::BRANCH)) continue;
    ++branches;
    auto with_params = [&](uint32_t target, uint32_t if_false) {
      std::vector<uint8_t> b = good;
      const BranchParams p{target, if_false};
      std::memcpy(b.data() + h.params_offset + op.params_offset, &p, sizeof(p));
      reseal(b);
      std::vector<uint64_t> blob(b.size() / 8 + 1), arena(h.arena_bytes / 8 + 1);
      std::memcpy(blob.data(), b.data(), b.size());
      Executor ex;
      return ex.init(blob.data(), b.size(), arena.data(), h.arena_bytes);
    };
    const uint32_t if_false = op.num_inputs;
    EXPECT_EQ(with_params(h.num_ops, if_false), KILN_OK);  // the end
    EXPECT_EQ(with_params(h.num_ops + 1, if_false), KILN_ERR_CORRUPT);
    EXPECT_EQ(with_params(UINT32_MAX, if_false), KILN_ERR_CORRUPT);
    EXPECT_EQ(with_params(0, 1 - if_false), KILN_ERR_BAD_PARAMS);  // operands do not match
    // A gate (a conditional branch) ends the invocation: its target is the end.
    EXPECT_EQ(with_params(h.num_ops, kBranchEndIfFalse), if_false ? KILN_OK : KILN_ERR_BAD_PARAMS);
    EXPECT_EQ(with_params(0, kBranchEndIfFalse), if_false ? KILN_ERR_CORRUPT : KILN_ERR_BAD_PARAMS);
    EXPECT_EQ(with_params(0, 3), KILN_ERR_BAD_PARAMS);
  }
  EXPECT_EQ(branches, 2);  // the exit and the jump back
}

TEST(CorruptBlob, StateRegionChecks) {
  const std::string path =
      test::shared_dir() + "/conformance/tflm_ops/CALL_ONCE/f32_0/model.tflite";
  const std::vector<uint8_t> good = compile_tflite(read_file(path), "call_once").blob;
  EXPECT_EQ(init_status(good), KILN_OK);
  const blob::BlobHeader h = header_of(good);
  ASSERT_EQ(h.state_bytes, 16u);
  std::vector<blob::TensorRecord> tensors(h.num_tensors);
  std::memcpy(tensors.data(), good.data() + h.tensors_offset,
              tensors.size() * sizeof(blob::TensorRecord));
  size_t state = tensors.size(), arena = tensors.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].location == static_cast<uint8_t>(blob::Location::kState)) state = i;
    if (tensors[i].location == static_cast<uint8_t>(blob::Location::kArena)) arena = i;
  }
  ASSERT_LT(state, tensors.size());
  ASSERT_LT(arena, tensors.size());
  ASSERT_NE(tensors[state].reset_value, blob::kNoTensor);

  auto with_tensor = [&](size_t i, auto edit) {
    std::vector<uint8_t> b = good;
    blob::TensorRecord t = tensors[i];
    edit(t);
    std::memcpy(b.data() + h.tensors_offset + i * sizeof(t), &t, sizeof(t));
    reseal(b);
    return init_status(b);
  };
  auto with_header = [&](auto edit) {
    std::vector<uint8_t> b = good;
    blob::BlobHeader hh = h;
    edit(hh);
    std::memcpy(b.data(), &hh, sizeof(hh));
    reseal(b);
    return init_status(b);
  };
  // A state tensor past the state region, or a reset value that is not a
  // constant of its size.
  EXPECT_EQ(with_tensor(state, [](auto& t) { t.offset = 16; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_tensor(state, [&](auto& t) { t.reset_value = static_cast<uint16_t>(arena); }),
            KILN_ERR_CORRUPT);
  EXPECT_EQ(with_tensor(state, [&](auto& t) { t.reset_value = h.num_tensors; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_tensor(state, [](auto& t) { t.bytes = 8; }), KILN_ERR_CORRUPT);
  // A working tensor inside the state region, or one claiming a reset value.
  EXPECT_EQ(with_tensor(arena, [](auto& t) { t.offset = 0; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_tensor(arena, [](auto& t) { t.reset_value = 1; }), KILN_ERR_CORRUPT);
  // A state region larger than the arena, misaligned, or missing.
  EXPECT_EQ(with_header([](auto& hh) { hh.state_bytes = hh.arena_bytes + 16; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_header([](auto& hh) { hh.state_bytes = 6; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_header([](auto& hh) { hh.state_bytes = 0; }), KILN_ERR_CORRUPT);
}

// A plan over two RAM regions: tensors inside their region, region sizes
// that agree with the header, no region the blob does not size.
TEST(CorruptBlob, RegionChecks) {
  const TemporaryDirectory dir;
  const std::string path =
      test::shared_dir() + "/models/tflite_micro/micro_speech_quantized.tflite";
  const std::vector<uint8_t> good =
      compile_tflite(read_file(path), "micro_speech",
                     {test::write_two_region_target(dir.file("board.json"), "portable", 2048)})
          .blob;
  const blob::BlobHeader h = header_of(good);
  ASSERT_EQ(h.header_bytes, sizeof(blob::BlobHeader) + sizeof(blob::RegionSizes));
  ASSERT_EQ(h.version_minor, 2);
  blob::RegionSizes sizes;
  std::memcpy(&sizes, good.data() + sizeof(blob::BlobHeader), sizeof(sizes));
  ASSERT_EQ(sizes.bytes[0], h.arena_bytes);
  ASSERT_GT(sizes.bytes[1], 0u);
  auto status = [](const std::vector<uint8_t>& b) {
    std::vector<uint64_t> copy(b.size() / 8 + 1), fast(1 << 16), slow(1 << 17);
    std::memcpy(copy.data(), b.data(), b.size());
    const RegionBuffer regions[] = {{fast.data(), fast.size() * 8}, {slow.data(), slow.size() * 8}};
    Executor ex;
    return ex.init(copy.data(), b.size(), regions, 2);
  };
  EXPECT_EQ(status(good), KILN_OK);
  std::vector<blob::TensorRecord> tensors(h.num_tensors);
  std::memcpy(tensors.data(), good.data() + h.tensors_offset,
              tensors.size() * sizeof(blob::TensorRecord));
  size_t in_region1 = tensors.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].location == static_cast<uint8_t>(blob::Location::kRegion1)) in_region1 = i;
  }
  ASSERT_LT(in_region1, tensors.size());
  auto with_tensor = [&](auto edit) {
    std::vector<uint8_t> b = good;
    blob::TensorRecord t = tensors[in_region1];
    edit(t);
    std::memcpy(b.data() + h.tensors_offset + in_region1 * sizeof(t), &t, sizeof(t));
    reseal(b);
    return status(b);
  };
  auto with_sizes = [&](auto edit) {
    std::vector<uint8_t> b = good;
    blob::RegionSizes s = sizes;
    edit(s);
    std::memcpy(b.data() + sizeof(blob::BlobHeader), &s, sizeof(s));
    return status(b);
  };
  EXPECT_EQ(with_tensor([&](auto& t) { t.offset = sizes.bytes[1]; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_tensor([](auto& t) { t.location = 4; }), KILN_ERR_CORRUPT);  // region 2: unsized
  EXPECT_EQ(with_tensor([](auto& t) { t.location = 6; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_sizes([](auto& s) { s.bytes[0] += 16; }), KILN_ERR_CORRUPT);
  EXPECT_EQ(with_sizes([](auto& s) { s.bytes[1] = 0; }), KILN_ERR_CORRUPT);
  // A region no bigger than the plan, or missing.
  EXPECT_EQ(with_sizes([](auto& s) { s.bytes[2] = 1u << 30; }), KILN_ERR_ARENA_TOO_SMALL);
  std::vector<uint64_t> copy(good.size() / 8 + 1), arena(1 << 16);
  std::memcpy(copy.data(), good.data(), good.size());
  Executor ex;
  EXPECT_EQ(ex.init(copy.data(), good.size(), arena.data(), arena.size() * 8),
            KILN_ERR_ARENA_TOO_SMALL);
  // The same blob, its region record cut from the header: region-1 tensors
  // with no region.
  std::vector<uint8_t> cut = good;
  blob::BlobHeader hh = h;
  hh.header_bytes = sizeof(blob::BlobHeader);
  std::memcpy(cut.data(), &hh, sizeof(hh));
  reseal(cut);
  EXPECT_EQ(status(cut), KILN_ERR_CORRUPT);
  expect_random_flips_never_crash(good, 17);
}

// A layer with 4-bit coded weights (an int4 model): a codebook count that
// does not match the filter, an index section one byte short, and random
// flips over the whole blob, resealed, including indices and codebooks
// (every index names a codebook entry, so their contents cannot lead a read
// astray).
TEST(CorruptBlob, CodedWeightSections) {
  const std::string path =
      test::shared_dir() + "/conformance/tflm_ops/CONV_2D/i8_i4w_0/model.tflite";
  const std::vector<uint8_t> good = compile_tflite(read_file(path), "int4 conv").blob;
  EXPECT_EQ(init_status(good), KILN_OK);
  const blob::BlobHeader h = header_of(good);
  const blob::OpRecord op = first_op(good);
  ASSERT_EQ(op.opcode, static_cast<uint16_t>(OpCode::CONV_2D_S8_W4));

  for (int32_t codebooks : {0, 2, -1, 1 << 30}) {
    std::vector<uint8_t> b = good;
    Conv2DW4Params p;
    std::memcpy(&p, b.data() + h.params_offset + op.params_offset, sizeof(p));
    p.codebooks = codebooks;
    std::memcpy(b.data() + h.params_offset + op.params_offset, &p, sizeof(p));
    reseal(b);
    EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS) << codebooks;
  }

  // The index operand (the op's second) one byte short.
  std::vector<uint8_t> b = good;
  blob::TensorRecord t = operand_record(b, op, 1);
  t.bytes -= 1;
  std::memcpy(b.data() + operand_record_offset(b, op, 1), &t, sizeof(t));
  reseal(b);
  EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS);
  expect_random_flips_never_crash(good, 7);
}

// A fully connected layer with 95% of its weights zero runs the sparse
// kernel, whose offsets steer its reads: the loader checks them.
TEST(CorruptBlob, SparseWeightSections) {
  const std::vector<uint8_t> good =
      fully_connected_blob([](size_t i, uint8_t w) { return i % 20 == 3 ? w : uint8_t{0}; }, false);
  EXPECT_EQ(init_status(good), KILN_OK);
  const blob::BlobHeader h = header_of(good);
  const blob::OpRecord op = first_op(good);
  ASSERT_EQ(op.opcode, static_cast<uint16_t>(OpCode::CONV_2D_S8_SPARSE));
  const blob::TensorRecord counts = operand_record(good, op, 1),
                           offsets = operand_record(good, op, 2);
  // A count one more (the counts no longer sum to the nonzeros), a count past
  // its window, and an offset past its window: each refused.
  for (int change = 0; change < 3; ++change) {
    std::vector<uint8_t> b = good;
    uint8_t* data = b.data() + h.data_offset;
    if (change == 0) {
      uint16_t c;
      std::memcpy(&c, data + counts.offset, sizeof(c));
      c = static_cast<uint16_t>(c + 1);
      std::memcpy(data + counts.offset, &c, sizeof(c));
    } else if (change == 1) {
      const uint16_t c = 0xFFFF;
      std::memcpy(data + counts.offset, &c, sizeof(c));
    } else {
      data[offsets.offset] = 0xFF;
    }
    reseal(b);
    EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS) << "change " << change;
  }
  expect_random_flips_never_crash(good, 11);
}

// A fully connected layer with 90% of its weights zero and the rest among
// three values, entropy-coded: its stream steers the decoder's reads of
// itself, so the loader decodes it in full. A changed byte is refused, or (where the stream still
// decodes exactly, to other weights) runs; a changed frequency is refused.
TEST(CorruptBlob, EntropyCodedSections) {
  const std::vector<uint8_t> good = fully_connected_blob(
      [](size_t i, uint8_t) {
        return i % 10 == 3 ? static_cast<uint8_t>(1 + i / 10 % 3) : uint8_t{0};
      },
      true);
  EXPECT_EQ(init_status(good), KILN_OK);
  const blob::BlobHeader h = header_of(good);
  const blob::OpRecord op = first_op(good);
  ASSERT_EQ(op.opcode, static_cast<uint16_t>(OpCode::CONV_2D_S8_ENTROPY));
  const blob::TensorRecord frequencies = operand_record(good, op, 1),
                           stream = operand_record(good, op, 4);
  uint32_t refused = 0;
  for (uint32_t i = 0; i < stream.bytes; ++i) {
    std::vector<uint8_t> b = good;
    b[h.data_offset + stream.offset + i] ^= 0x41;
    reseal(b);
    const kiln_status status = init_status(b);
    EXPECT_TRUE(status == KILN_ERR_BAD_PARAMS || status == KILN_OK) << "byte " << i;
    refused += status == KILN_ERR_BAD_PARAMS;
  }
  EXPECT_GE(refused, stream.bytes * 9 / 10);
  std::vector<uint8_t> b = good;
  ++b[h.data_offset + frequencies.offset];
  reseal(b);
  EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS);
  expect_random_flips_never_crash(good, 13);
}

// A fully connected layer whose channels take -5 and 5 runs the binary
// kernel: its bits, values and scratch are sized by the loader.
TEST(CorruptBlob, BinaryWeightSections) {
  const std::vector<uint8_t> good = fully_connected_blob(
      [](size_t i, uint8_t) { return static_cast<uint8_t>(i % 3 ? 5 : -5); }, false);
  EXPECT_EQ(init_status(good), KILN_OK);
  const blob::OpRecord op = first_op(good);
  ASSERT_EQ(op.opcode, static_cast<uint16_t>(OpCode::CONV_2D_S8_B1));
  for (int operand : {1, 2, 6}) {  // bits, values, scratch (the op's second output)
    std::vector<uint8_t> b = good;
    blob::TensorRecord t = operand_record(b, op, operand);
    t.bytes -= 1;
    std::memcpy(b.data() + operand_record_offset(b, op, operand), &t, sizeof(t));
    reseal(b);
    EXPECT_EQ(init_status(b), KILN_ERR_BAD_PARAMS) << "operand " << operand;
  }
  expect_random_flips_never_crash(good, 17);
}

TEST(CorruptBlob, TruncatedAtEveryLength) {
  const std::vector<uint8_t> good = good_blob();
  for (size_t len = 0; len < good.size(); ++len) {
    const std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
    const kiln_status st = init_status(cut);
    EXPECT_EQ(st, KILN_ERR_TRUNCATED) << len;
  }
}

TEST(CorruptBlob, ResealedRandomFlipsNeverCrash) {
  // Flips with a recomputed checksum reach the table checks behind it.
  const std::vector<uint8_t> good = good_blob();
  const size_t tables_end = header_of(good).params_offset + header_of(good).params_bytes;
  std::mt19937 rng(42);
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> b = good;
    const int flips = 1 + trial % 3;
    for (int f = 0; f < flips; ++f)
      b[rng() % tables_end] ^= static_cast<uint8_t>(1u << (rng() % 8));
    reseal(b);
    rejected += init_status(b) != KILN_OK;
  }
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace kiln
