// TFLM's signal test files (shared/frontend/tflm_signal/ops_testdata,
// README section 1): their records, values and tables.
#ifndef KILN_TESTS_SIGNAL_TESTDATA_H
#define KILN_TESTS_SIGNAL_TESTDATA_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/common/wav.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace test {

using nlohmann::json;

inline std::string signal_dir() { return test::shared_dir() + "/frontend/tflm_signal"; }

// A Speech Commands clip of micro_speech's test data (16 kHz mono).
inline std::vector<int16_t> speech_clip(const std::string& clip) {
  return read_wav_samples(signal_dir() + "/micro_speech/" + clip + ".wav", 16000, 1);
}

inline json load_json(const std::string& name) {
  std::ifstream in(signal_dir() + "/ops_testdata/tables/" + name);
  EXPECT_TRUE(in.good()) << name;
  return json::parse(in);
}

// A test file: the optional configuration line and the data lines after it.
struct TestFile {
  std::string config;
  std::vector<std::string> lines;
};

inline TestFile read_test_file(const std::string& name, bool has_config) {
  TestFile f;
  std::ifstream in(signal_dir() + "/ops_testdata/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::string line;
  if (has_config) std::getline(in, f.config);
  while (std::getline(in, line)) f.lines.push_back(line);
  return f;
}

// The records of `size` lines each; fails unless there are exactly `expected`.
inline std::vector<std::vector<std::string>> records(const TestFile& f, size_t size,
                                                     size_t expected) {
  EXPECT_EQ(f.lines.size(), size * expected);
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i + size <= f.lines.size(); i += size) {
    out.emplace_back(f.lines.begin() + i, f.lines.begin() + i + size);
  }
  return out;
}

// A line of decimal integers, each checked to fit T.
template <typename T>
std::vector<T> values(const std::string& line) {
  std::istringstream in(line);
  std::vector<T> out;
  std::string word;
  while (in >> word) {
    if (std::numeric_limits<T>::is_signed) {
      const long long v = std::stoll(word);
      EXPECT_TRUE(v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max()) << word;
      out.push_back(static_cast<T>(v));
    } else {
      EXPECT_NE(word[0], '-') << word;
      const unsigned long long v = std::stoull(word);
      EXPECT_LE(v, std::numeric_limits<T>::max()) << word;
      out.push_back(static_cast<T>(v));
    }
  }
  return out;
}

template <typename T>
std::vector<T> json_values(const json& j) {
  return j.get<std::vector<T>>();
}

template <typename T>
std::vector<T> read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace test
}  // namespace kiln

#endif  // KILN_TESTS_SIGNAL_TESTDATA_H
