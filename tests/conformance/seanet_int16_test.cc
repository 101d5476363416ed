// The int16 single-op models cut from a SEANet speech-enhancement network
// (../shared/conformance/tflm_seanet_int16, its README): every model kiln
// compiles must give the golden int16 outputs exactly (desktop TFLite's;
// TFLite Micro's agree within one step); a model kiln refuses must be refused
// as unsupported; the models listed in seanet_int16_passing.txt must pass.
// With $KILN_SEANET_PASSING set, the list of passing models is written there.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

std::string set_dir() { return test::shared_dir() + "/conformance/tflm_seanet_int16"; }

// "<op>/<model>" for every model, e.g. "conv/conv0".
std::vector<std::string> models() {
  std::vector<std::string> names;
  DIR* top = opendir(set_dir().c_str());
  if (!top) return names;
  while (dirent* op = readdir(top)) {
    if (op->d_name[0] == '.') continue;
    if (DIR* d = opendir((set_dir() + "/" + op->d_name).c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string file = e->d_name;
        const size_t dot = file.rfind(".tflite");
        if (dot != std::string::npos && dot + 7 == file.size())
          names.push_back(std::string(op->d_name) + "/" + file.substr(0, dot));
      }
      closedir(d);
    }
  }
  closedir(top);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<int64_t> read_csv(const std::string& path) {
  std::vector<int64_t> values;
  const std::vector<uint8_t> bytes = read_file(path);
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string field;
  while (std::getline(in, field, ',')) {
    if (field.find_first_not_of(" \r\n\t") != std::string::npos)
      values.push_back(std::stoll(field));
  }
  return values;
}

// The values as the little-endian bytes of a `size`-byte integer type.
std::vector<uint8_t> integer_bytes(const std::vector<int64_t>& values, size_t size) {
  std::vector<uint8_t> bytes(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t b = 0; b < size; ++b)
      bytes[i * size + b] = static_cast<uint8_t>(static_cast<uint64_t>(values[i]) >> (8 * b));
  }
  return bytes;
}

std::set<std::string> expected_passing() {
  std::set<std::string> s;
  std::ifstream in(KILN_SEANET_EXPECTED);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') s.insert(line);
  }
  return s;
}

// The CSV of `base` + `role` ("_input0", "_golden") and the byte size of
// its integer type, named in the file name (..._int16.csv).
std::pair<std::string, size_t> csv_of(const std::string& base, const std::string& role) {
  for (size_t size : {2, 4, 1}) {
    const std::string path = base + role + "_int" + std::to_string(8 * size) + ".csv";
    if (test::file_exists(path)) return {path, size};
  }
  return {"", 0};
}

// Runs one model; returns whether it passed (false also for an unsupported
// one). Reports the largest difference from the golden output.
bool run_model(const std::string& model, bool expected) {
  const std::string base = set_dir() + "/" + model;
  CompiledModel m;
  try {
    m = compile_model(read_file(base + ".tflite"), base + ".tflite");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported) << e.what();
    EXPECT_FALSE(expected) << "listed as passing, but: " << e.what();
    return false;
  }
  HostRunner runner(m.blob);
  EXPECT_EQ(runner.outputs().size(), 1u);
  for (size_t i = 0; i < runner.inputs().size(); ++i) {
    const auto [csv, size] = csv_of(base, "_input" + std::to_string(i));
    const TensorPort& port = runner.inputs()[i];
    const std::vector<int64_t> values = read_csv(csv);
    EXPECT_EQ(size, kiln_dtype_size(port.dtype)) << csv;
    EXPECT_EQ(values.size() * size, port.bytes()) << csv;
    if (size != kiln_dtype_size(port.dtype) || values.size() * size != port.bytes()) return false;
    runner.set_input(i, integer_bytes(values, size));
  }
  runner.invoke();
  const auto [golden, size] = csv_of(base, "_golden");
  const std::vector<int64_t> want = read_csv(golden);
  const std::vector<uint8_t> got = runner.output(0);
  EXPECT_EQ(got.size(), want.size() * size);
  if (got.size() != want.size() * size) return false;
  if (got == integer_bytes(want, size)) return true;
  int64_t worst = 0;
  size_t differing = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    int64_t v = 0;
    std::memcpy(&v, got.data() + i * size, size);
    v = (v << (64 - 8 * size)) >> (64 - 8 * size);  // sign-extend
    worst = std::max(worst, std::abs(v - want[i]));
    differing += v != want[i];
  }
  ADD_FAILURE() << differing << " of " << want.size() << " values differ, by up to " << worst;
  return false;
}

TEST(SeanetInt16, MatchesTheGoldenOutputs) {
  const std::vector<std::string> all = models();
  if (all.empty()) GTEST_SKIP() << set_dir() << " not found";
  const std::set<std::string> expected = expected_passing();
  std::set<std::string> passing;
  for (const std::string& model : all) {
    SCOPED_TRACE(model);
    if (run_model(model, expected.count(model) != 0)) passing.insert(model);
  }
  if (const char* list = std::getenv("KILN_SEANET_PASSING")) {
    std::ofstream out(list);
    out << "# tflm_seanet_int16 models kiln passes (tests/conformance/seanet_int16_test.cc)\n";
    for (const std::string& model : passing) out << model << "\n";
  }
  std::cout << passing.size() << " of " << all.size() << " models pass\n";
}

}  // namespace
}  // namespace kiln
