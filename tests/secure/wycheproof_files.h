// Reading Project Wycheproof's vector files (../shared/crypto/wycheproof)
// for the host and the emulated core's tests.
#ifndef KILN_TESTS_SECURE_WYCHEPROOF_FILES_H
#define KILN_TESTS_SECURE_WYCHEPROOF_FILES_H

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace kiln {
namespace test {

inline nlohmann::json wycheproof_file(const std::string& name) {
  std::ifstream in(shared_dir() + "/crypto/wycheproof/" + name);
  EXPECT_TRUE(in) << name;
  return nlohmann::json::parse(in);
}

// A vector's hex string as bytes.
inline std::vector<uint8_t> hex_bytes(const nlohmann::json& hex) {
  const std::string s = hex.get<std::string>();
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace test
}  // namespace kiln

#endif  // KILN_TESTS_SECURE_WYCHEPROOF_FILES_H
