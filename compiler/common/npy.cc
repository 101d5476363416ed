#include "compiler/common/npy.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "compiler/common/error.h"

namespace kiln {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct TypeCode {
  const char* descr;
  kiln_dtype dtype;
};
constexpr TypeCode kTypes[] = {{"<f4", KILN_DTYPE_FLOAT32}, {"|i1", KILN_DTYPE_INT8},
                               {"|u1", KILN_DTYPE_UINT8},   {"<i4", KILN_DTYPE_INT32},
                               {"<i8", KILN_DTYPE_INT64},   {"<i2", KILN_DTYPE_INT16}};

// The value of `key` in the header's Python dict literal, as text.
std::string header_value(const std::string& header, const std::string& key,
                         const std::string& label) {
  const size_t k = header.find("'" + key + "'");
  const size_t colon = k == std::string::npos ? k : header.find(':', k);
  if (colon == std::string::npos)
    throw Error(ErrorKind::kBadInput, fmt::format("{}: .npy header has no '{}'", label, key));
  size_t begin = colon + 1;
  while (begin < header.size() && header[begin] == ' ') ++begin;
  size_t end = begin;
  if (begin < header.size() && header[begin] == '(') {
    end = header.find(')', begin);
    if (end == std::string::npos)
      throw Error(ErrorKind::kBadInput, fmt::format("{}: .npy header shape is not closed", label));
    return header.substr(begin + 1, end - begin - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  std::string v = header.substr(begin, end - begin);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"')) v = v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

bool looks_like_npy(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, 6) == 0;
}

NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& label) {
  if (!looks_like_npy(bytes))
    throw Error(ErrorKind::kBadInput, fmt::format("{}: not an .npy file", label));
  const uint8_t major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (static_cast<size_t>(bytes[9]) << 8);
    header_start = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    header_len = bytes[8] | (static_cast<size_t>(bytes[9]) << 8) |
                 (static_cast<size_t>(bytes[10]) << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: .npy version {} is not supported", label, major));
  }
  if (header_len > bytes.size() - header_start)
    throw Error(ErrorKind::kBadInput, fmt::format("{}: truncated .npy header", label));
  const std::string header(bytes.begin() + static_cast<std::ptrdiff_t>(header_start),
                           bytes.begin() + static_cast<std::ptrdiff_t>(header_start + header_len));
  NpyArray a;
  const std::string descr = header_value(header, "descr", label);
  if (header_value(header, "fortran_order", label) != "False") {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: Fortran-order arrays are not supported (save C order)", label));
  }
  const bool float64 = descr == "<f8";
  bool known = float64;
  for (const TypeCode& t : kTypes) {
    if (descr == t.descr) {
      a.dtype = t.dtype;
      known = true;
    }
  }
  if (!known)
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: .npy type '{}' is not supported", label, descr));
  int64_t elements = 1;
  const std::string shape = header_value(header, "shape", label);
  size_t pos = 0;
  while (pos < shape.size()) {
    while (pos < shape.size() && (shape[pos] == ' ' || shape[pos] == ',')) ++pos;
    if (pos >= shape.size()) break;
    size_t used = 0;
    int64_t d = 0;
    try {
      d = std::stoll(shape.substr(pos), &used);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}: cannot read .npy shape ({})", label, shape));
    }
    if (d < 0 || d > (int64_t{1} << 31) || (d > 0 && elements > (int64_t{1} << 32) / d)) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}: .npy shape ({}) is out of range", label, shape));
    }
    a.shape.push_back(d);
    elements *= d;
    pos += used;
  }
  const size_t element_bytes = float64 ? 8 : kiln_dtype_size(a.dtype);
  const size_t data_start = header_start + header_len;
  const uint64_t want = static_cast<uint64_t>(elements) * element_bytes;
  if (bytes.size() - data_start != want) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: .npy data is {} bytes, its shape ({}) needs {}", label,
                            bytes.size() - data_start, shape, want));
  }
  if (float64) {
    a.data.resize(static_cast<size_t>(elements) * 4);
    for (int64_t i = 0; i < elements; ++i) {
      double d;
      std::memcpy(&d, &bytes[data_start + static_cast<size_t>(i) * 8], 8);
      const float f = static_cast<float>(d);
      std::memcpy(&a.data[static_cast<size_t>(i) * 4], &f, 4);
    }
  } else {
    a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_start), bytes.end());
  }
  return a;
}

std::vector<uint8_t> write_npy(const NpyArray& array) {
  const char* descr = nullptr;
  for (const TypeCode& t : kTypes) {
    if (t.dtype == array.dtype) descr = t.descr;
  }
  if (!descr) throw Error(ErrorKind::kUsage, "no .npy type for this tensor type");
  // Python tuple syntax: "(2, 3)", "(4,)", "()".
  std::string shape = fmt::format("{}", fmt::join(array.shape, ", "));
  if (array.shape.size() == 1) shape += ",";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  // Pad with spaces so that the data starts 64-byte aligned, ending in '\n'.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(header.size() & 0xFF));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

}  // namespace kiln
