#include "compiler/eval/dataset.h"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/ir/layout.h"

namespace kiln {
namespace {

int64_t elements_of(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::string describe(const TensorPort& in) {
  return fmt::format("input '{}' is {} {}", in.name, ir::shape_string(in.shape),
                     ir::dtype_name(in.dtype));
}

// One file's bytes as input `in` takes them.
std::vector<uint8_t> read_sample(const std::string& path, const std::string& file,
                                 const TensorPort& in, const char* what) {
  const std::vector<uint8_t> bytes = read_file(path);
  const uint64_t want = static_cast<uint64_t>(elements_of(in.shape)) * kiln_dtype_size(in.dtype);
  if (looks_like_npy(bytes)) {
    const NpyArray a = parse_npy(bytes, file);
    std::vector<int32_t> shape(a.shape.begin(), a.shape.end());
    // The batch dim may be left out.
    const bool same =
        shape == in.shape || (in.shape.size() == shape.size() + 1 && in.shape[0] == 1 &&
                              std::equal(shape.begin(), shape.end(), in.shape.begin() + 1));
    if (!same || a.dtype != in.dtype) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{} '{}' has shape {} {} but the model's {}", what, file,
                              ir::shape_string(shape), ir::dtype_name(a.dtype), describe(in)));
    }
    return a.data;
  }
  if (bytes.size() != want) {
    const uint32_t size = kiln_dtype_size(in.dtype);
    throw Error(
        ErrorKind::kBadInput,
        fmt::format("{} '{}' holds {} bytes, shape [{}] of {}, but the model's {} ({} bytes)", what,
                    file, bytes.size(), size ? bytes.size() / size : 0, ir::dtype_name(in.dtype),
                    describe(in), want));
  }
  return bytes;
}

// "<prefix>_in<i>.bin" (or .npy): the prefix and i.
bool per_input_name(const std::string& file, std::string* prefix, size_t* input) {
  const size_t dot = file.size() - 4;  // sample_files keeps .bin and .npy names only
  const size_t marker = file.rfind("_in", dot);
  if (marker == std::string::npos || marker == 0 || marker + 3 >= dot || dot - marker - 3 > 6)
    return false;
  for (size_t i = marker + 3; i < dot; ++i) {
    if (file[i] < '0' || file[i] > '9') return false;
  }
  *prefix = file.substr(0, marker);
  *input = std::stoul(file.substr(marker + 3, dot - marker - 3));
  return true;
}

}  // namespace

std::vector<std::string> sample_files(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) throw Error(ErrorKind::kFileNotFound, fmt::format("cannot open directory '{}'", dir));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    const bool data = name.size() > 4 && (name.compare(name.size() - 4, 4, ".bin") == 0 ||
                                          name.compare(name.size() - 4, 4, ".npy") == 0);
    if (data) names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Dataset load_dataset(const std::string& dir, const std::vector<TensorPort>& inputs, size_t limit,
                     const char* what) {
  const std::vector<std::string> files = sample_files(dir);
  std::map<std::string, std::map<size_t, std::string>> grouped;
  for (const std::string& f : files) {
    std::string prefix;
    size_t input = 0;
    if (per_input_name(f, &prefix, &input)) grouped[prefix][input] = f;
  }
  Dataset data;
  if (grouped.empty()) {
    if (inputs.size() != 1) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("'{}': the model has {} inputs; name the files <sample>_in<i>.bin",
                              dir, inputs.size()));
    }
    for (const std::string& f : files) {
      if (limit && data.names.size() >= limit) break;
      data.names.push_back(f);
      data.samples.push_back({read_sample(dir + "/" + f, f, inputs[0], what)});
    }
  } else {
    for (const auto& [prefix, by_input] : grouped) {
      if (limit && data.names.size() >= limit) break;
      std::vector<std::vector<uint8_t>> sample;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const auto it = by_input.find(i);
        if (it == by_input.end()) {
          throw Error(ErrorKind::kBadInput,
                      fmt::format("{} '{}' has no file for input {} ('{}_in{}.bin')", what, prefix,
                                  i, prefix, i));
        }
        sample.push_back(read_sample(dir + "/" + it->second, it->second, inputs[i], what));
      }
      data.names.push_back(prefix);
      data.samples.push_back(std::move(sample));
    }
  }
  if (data.samples.empty())
    throw Error(ErrorKind::kBadInput, fmt::format("'{}' holds no .bin or .npy samples", dir));
  return data;
}

std::vector<int> load_labels(const std::string& path, const Dataset& data) {
  const std::vector<uint8_t> bytes = read_file(path);
  std::istringstream text(std::string(bytes.begin(), bytes.end()));
  std::vector<int> in_order;
  std::map<std::string, int> by_name;
  std::string line;
  for (int number = 1; std::getline(text, line); ++number) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string f; fields >> f;) parts.push_back(f);
    if (parts.empty()) continue;
    try {
      size_t used = 0;
      const int label = std::stoi(parts.back(), &used);
      if (used != parts.back().size() || parts.size() > 2) throw std::invalid_argument("fields");
      if (parts.size() == 2)
        by_name[parts[0]] = label;
      else
        in_order.push_back(label);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}:{}: expected '<label>' or '<sample> <label>', got '{}'", path,
                              number, line));
    }
  }
  std::vector<int> labels;
  for (size_t s = 0; s < data.names.size(); ++s) {
    if (!by_name.empty()) {
      const auto it = by_name.find(data.names[s]);
      if (it == by_name.end())
        throw Error(ErrorKind::kBadInput,
                    fmt::format("{}: no label for sample '{}'", path, data.names[s]));
      labels.push_back(it->second);
    } else {
      if (s >= in_order.size()) {
        throw Error(ErrorKind::kBadInput, fmt::format("{}: {} labels for {} samples", path,
                                                      in_order.size(), data.names.size()));
      }
      labels.push_back(in_order[s]);
    }
  }
  return labels;
}

}  // namespace kiln
