// Small text helpers the tools' tables share.
#ifndef KILN_COMPILER_COMMON_TEXT_H
#define KILN_COMPILER_COMMON_TEXT_H

#include <cstdint>
#include <string>

namespace kiln {

// n with its digits grouped by threes: 1234567 -> "1,234,567".
inline std::string with_commas(int64_t n) {
  const std::string digits = std::to_string(n);
  const size_t sign = n < 0 ? 1 : 0;
  std::string out = digits.substr(0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace kiln

#endif
