// Shared helpers for kiln's tests: locating ../shared, reading test vectors,
// and the emulated core a test binary compares against (--kiln-device).
#ifndef KILN_TESTS_SUPPORT_TEST_SUPPORT_H
#define KILN_TESTS_SUPPORT_TEST_SUPPORT_H

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/common/error.h"

namespace kiln {
namespace test {

// The message of the Error `f` throws, which must be of `kind`.
template <typename F>
std::string error_of(F f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

// The shared data directory ($KILN_SHARED_DIR, else the one configured at build time).
std::string shared_dir();
std::string tool_path();
bool file_exists(const std::string& path);

struct Sample {
  int k = 0;
  std::vector<std::string> inputs;  // s<k>_in<i>.bin
  std::string expected;             // output 0: _tflm if present, else _tflite
  bool bit_exact = false;           // expected is TFLM's (int8 target)
};

struct Case {
  std::string name;  // folder under testvectors/
  std::string model_path;
  nlohmann::json meta;
  std::vector<Sample> samples;
};

std::vector<std::string> case_names();
Case load_case(const std::string& name);
// The cases whose goldens are TFLite Micro's (int8, bit-exact).
std::vector<std::string> int8_case_names();

// "cortexm4_mlperf_kws_ref" for the parameter ("cortex-m4", "mlperf_kws_ref").
std::string target_case_label(
    const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info);

// The emulated core given as --kiln-device=CORE to the test binary (its
// ctest entries labelled `device`), or empty: tests that run a blob on the
// host also run it there and compare (run_graph.h).
const std::string& device();

// Whether `got` is TFLite Micro's `want` for an output of a conformance
// meta.json dtype: integers byte for byte, "f32" within 1e-5 of the
// output's largest magnitude.
::testing::AssertionResult same_output(const std::string& dtype, const std::vector<uint8_t>& got,
                                       const std::vector<uint8_t>& want);
// Writes a target description for `core` with two RAM regions, a fast one
// of `fast_bytes` and a slow one of 1 MiB, to `path` (returned).
std::string write_two_region_target(const std::string& path, const std::string& core,
                                    uint64_t fast_bytes);

// Reads and removes --kiln-device=CORE from the command line (test_main.cc).
void parse_device_flag(int* argc, char** argv);

}  // namespace test
}  // namespace kiln

#endif
