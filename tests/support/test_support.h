// Shared helpers for kiln's tests: locating ../shared, reading test vectors.
#ifndef KILN_TESTS_SUPPORT_TEST_SUPPORT_H
#define KILN_TESTS_SUPPORT_TEST_SUPPORT_H

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {
namespace test {

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

}  // namespace test
}  // namespace kiln

#endif
