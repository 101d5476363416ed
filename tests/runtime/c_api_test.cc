// The C API (from C) and its C++ wrapper on a real model, bit-exact to TFLite Micro.
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "compiler/common/temporary_directory.h"
#include "compiler/pipeline/compile.h"
#include "kiln/kiln.hpp"
#include "tests/support/test_support.h"

extern "C" int kiln_c_api_run(const void* blob, size_t blob_bytes, void* arena, size_t arena_bytes,
                              const void* input, size_t input_bytes, void* output,
                              size_t output_bytes);

namespace kiln {
namespace {

struct Fixture {
  std::vector<uint64_t> blob;
  size_t blob_bytes = 0;
  std::vector<uint8_t> input, expected;
};

Fixture micro_speech() {
  Fixture f;
  const std::vector<uint8_t> b =
      compile_tflite(
          read_file(test::shared_dir() + "/models/tflite_micro/micro_speech_quantized.tflite"),
          "ms")
          .blob;
  f.blob.resize(b.size() / 8 + 1);
  std::memcpy(f.blob.data(), b.data(), b.size());
  f.blob_bytes = b.size();
  const std::string dir = test::shared_dir() + "/testvectors/tflm_micro_speech/";
  f.input = read_file(dir + "s0_in0.bin");
  f.expected = read_file(dir + "s0_tflm0.bin");
  return f;
}

TEST(CApi, FromC) {
  const Fixture f = micro_speech();
  std::vector<uint64_t> arena(8192);
  std::vector<uint8_t> out(f.expected.size());
  EXPECT_EQ(kiln_c_api_run(f.blob.data(), f.blob_bytes, arena.data(), arena.size() * 8,
                           f.input.data(), f.input.size(), out.data(), out.size()),
            0);
  EXPECT_EQ(out, f.expected);
}

TEST(CApi, CppWrapper) {
  const Fixture f = micro_speech();
  uint32_t needed = 0;
  ASSERT_EQ(Model::arena_bytes(f.blob.data(), f.blob_bytes, &needed), KILN_OK);
  std::vector<uint64_t> arena(needed / 8 + 1);
  Model model;
  EXPECT_EQ(model.init(f.blob.data(), f.blob_bytes, arena.data(), needed - 1),
            KILN_ERR_ARENA_TOO_SMALL);
  ASSERT_EQ(model.init(f.blob.data(), f.blob_bytes, arena.data(), needed), KILN_OK);
  kiln_tensor_info info;
  ASSERT_EQ(model.output_info(0, &info), KILN_OK);
  EXPECT_EQ(info.dtype, KILN_DTYPE_INT8);
  EXPECT_EQ(info.rank, 2u);
  EXPECT_EQ(info.dims[1], 4);
  EXPECT_EQ(info.zero_point, -128);
  ASSERT_EQ(model.set_input(0, f.input.data(), f.input.size()), KILN_OK);
  ASSERT_EQ(model.invoke(), KILN_OK);
  std::vector<uint8_t> out(info.bytes);
  ASSERT_EQ(model.get_output(0, out.data(), out.size()), KILN_OK);
  EXPECT_EQ(out, f.expected);
}

// A plan over two RAM regions: one buffer each, the bytes the blob states,
// and outputs bit-exact to TFLite Micro's.
TEST(CApi, OneBufferPerRegion) {
  const Fixture one = micro_speech();
  uint32_t whole = 0, count = 0;
  ASSERT_EQ(Model::arena_bytes(one.blob.data(), one.blob_bytes, &whole), KILN_OK);
  ASSERT_EQ(Model::num_regions(one.blob.data(), one.blob_bytes, &count), KILN_OK);
  EXPECT_EQ(count, 1u);
  // A fast region half the arena's size, a larger slow one.
  const TemporaryDirectory dir;
  const std::string target =
      test::write_two_region_target(dir.file("board.json"), "portable", whole / 32 * 16);
  const std::vector<uint8_t> b =
      compile_tflite(
          read_file(test::shared_dir() + "/models/tflite_micro/micro_speech_quantized.tflite"),
          "ms", {target})
          .blob;
  std::vector<uint64_t> blob(b.size() / 8 + 1);
  std::memcpy(blob.data(), b.data(), b.size());
  uint32_t fast = 0, slow = 0, none = 0;
  ASSERT_EQ(Model::num_regions(blob.data(), b.size(), &count), KILN_OK);
  ASSERT_EQ(count, 2u);
  ASSERT_EQ(Model::region_bytes(blob.data(), b.size(), 0, &fast), KILN_OK);
  ASSERT_EQ(Model::region_bytes(blob.data(), b.size(), 1, &slow), KILN_OK);
  ASSERT_EQ(Model::region_bytes(blob.data(), b.size(), 2, &none), KILN_OK);
  EXPECT_LE(fast, whole / 32 * 16);
  EXPECT_GT(slow, 0u);
  EXPECT_EQ(none, 0u);
  EXPECT_EQ(Model::region_bytes(blob.data(), b.size(), 4, &none), KILN_ERR_BAD_ARGUMENT);
  std::vector<uint64_t> tcm(fast / 8 + 1), sram(slow / 8 + 1);
  Model model;
  EXPECT_EQ(model.init(blob.data(), b.size(), tcm.data(), fast), KILN_ERR_ARENA_TOO_SMALL);
  const kiln_region short_sram[] = {{tcm.data(), fast}, {sram.data(), slow - 4}};
  EXPECT_EQ(model.init(blob.data(), b.size(), short_sram, 2), KILN_ERR_ARENA_TOO_SMALL);
  const kiln_region misaligned[] = {{tcm.data(), fast},
                                    {reinterpret_cast<uint8_t*>(sram.data()) + 2, slow}};
  EXPECT_EQ(model.init(blob.data(), b.size(), misaligned, 2), KILN_ERR_BAD_ARGUMENT);
  const kiln_region regions[] = {{tcm.data(), fast}, {sram.data(), slow}};
  ASSERT_EQ(model.init(blob.data(), b.size(), regions, 2), KILN_OK);
  ASSERT_EQ(model.set_input(0, one.input.data(), one.input.size()), KILN_OK);
  ASSERT_EQ(model.invoke(), KILN_OK);
  std::vector<uint8_t> out(one.expected.size());
  ASSERT_EQ(model.get_output(0, out.data(), out.size()), KILN_OK);
  EXPECT_EQ(out, one.expected);
}

// A stateful model through the wrapper: SVDF's memory carries over until
// reset_state(), and every step matches TFLite Micro's.
TEST(CApi, StateCarriesOverUntilReset) {
  const std::string dir = test::shared_dir() + "/conformance/tflm_ops/SVDF/i8_0/";
  const std::vector<uint8_t> b = compile_tflite(read_file(dir + "model.tflite"), "svdf").blob;
  std::vector<uint64_t> blob(b.size() / 8 + 1);
  std::memcpy(blob.data(), b.data(), b.size());
  uint32_t needed = 0;
  ASSERT_EQ(Model::arena_bytes(blob.data(), b.size(), &needed), KILN_OK);
  std::vector<uint64_t> arena(needed / 8 + 1);
  Model model;
  ASSERT_EQ(model.init(blob.data(), b.size(), arena.data(), needed), KILN_OK);
  EXPECT_EQ(model.state_bytes(), 32u);  // int16 [2, 6] state, 16-byte aligned
  kiln_tensor_info in, out;
  ASSERT_EQ(model.input_info(0, &in), KILN_OK);
  ASSERT_EQ(model.output_info(0, &out), KILN_OK);
  const std::vector<uint8_t> feed = read_file(dir + "in0.bin");
  auto step = [&](size_t k) {
    EXPECT_EQ(model.set_input(0, feed.data() + k * in.bytes, in.bytes), KILN_OK);
    EXPECT_EQ(model.invoke(), KILN_OK);
    std::vector<uint8_t> result(out.bytes);
    EXPECT_EQ(model.get_output(0, result.data(), result.size()), KILN_OK);
    return result;
  };
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(step(k), read_file(dir + "out0_step" + std::to_string(k) + ".bin")) << k;
  }
  ASSERT_EQ(model.reset_state(), KILN_OK);
  EXPECT_EQ(step(0), read_file(dir + "out0_step0.bin"));
  Model unused;
  EXPECT_EQ(unused.reset_state(), KILN_ERR_BAD_ARGUMENT);
}

}  // namespace
}  // namespace kiln
