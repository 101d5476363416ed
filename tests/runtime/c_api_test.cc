// The C API (from C) and its C++ wrapper on a real model, bit-exact to TFLite Micro.
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
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

}  // namespace
}  // namespace kiln
