#include "tests/support/test_support.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "compiler/common/file_io.h"

namespace kiln {
namespace test {

std::string shared_dir() {
  const char* env = std::getenv("KILN_SHARED_DIR");
  return env && *env ? env : KILN_SHARED_DIR;
}

std::string tool_path() { return KILN_TOOL_PATH; }

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  const std::string dir = shared_dir() + "/testvectors";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name[0] != '.' && file_exists(dir + "/" + name + "/meta.json")) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Case load_case(const std::string& name) {
  Case c;
  c.name = name;
  const std::string dir = shared_dir() + "/testvectors/" + name;
  std::ifstream meta(dir + "/meta.json");
  c.meta = nlohmann::json::parse(meta);
  c.model_path = shared_dir() + "/" + c.meta["model"].get<std::string>();
  for (int k = 0; file_exists(dir + "/s" + std::to_string(k) + "_in0.bin"); ++k) {
    Sample s;
    s.k = k;
    const std::string prefix = dir + "/s" + std::to_string(k);
    for (int i = 0; file_exists(prefix + "_in" + std::to_string(i) + ".bin"); ++i) {
      s.inputs.push_back(prefix + "_in" + std::to_string(i) + ".bin");
    }
    s.bit_exact = file_exists(prefix + "_tflm0.bin");
    s.expected = s.bit_exact ? prefix + "_tflm0.bin" : prefix + "_tflite0.bin";
    if (!file_exists(s.expected)) s.expected = prefix + "_expected0.bin";
    c.samples.push_back(s);
  }
  return c;
}

std::vector<std::string> int8_case_names() {
  std::vector<std::string> names;
  for (const std::string& name : case_names()) {
    const Case c = load_case(name);
    if (!c.samples.empty() && c.samples[0].bit_exact) names.push_back(name);
  }
  return names;
}

std::string target_case_label(
    const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string target = std::get<0>(info.param);
  target.erase(std::remove(target.begin(), target.end(), '-'), target.end());
  return target + "_" + std::get<1>(info.param);
}

namespace {

std::string& device_storage() {
  static std::string core;
  return core;
}

}  // namespace

const std::string& device() { return device_storage(); }

void parse_device_flag(int* argc, char** argv) {
  const std::string flag = "--kiln-device=";
  int kept = 0;
  for (int i = 0; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(flag, 0) == 0)
      device_storage() = arg.substr(flag.size());
    else
      argv[kept++] = argv[i];
  }
  *argc = kept;
}

::testing::AssertionResult same_output(const std::string& dtype, const std::vector<uint8_t>& got,
                                       const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " bytes, TFLM's are " << want.size();
  }
  if (dtype != "f32") {
    if (got == want) return ::testing::AssertionSuccess();
    size_t first = 0;
    while (got[first] == want[first]) ++first;
    return ::testing::AssertionFailure() << "differs from byte " << first;
  }
  std::vector<float> g(got.size() / 4), w(want.size() / 4);
  std::memcpy(g.data(), got.data(), got.size());
  std::memcpy(w.data(), want.data(), want.size());
  float largest = 0.0f, worst = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    largest = std::max(largest, std::fabs(w[i]));
    worst = std::max(worst, std::fabs(g[i] - w[i]));
    if (std::isnan(w[i]) != std::isnan(g[i]))
      return ::testing::AssertionFailure() << "NaN at " << i;
  }
  if (worst <= 1e-5f * largest) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "largest difference " << worst << " of " << largest;
}

std::string write_two_region_target(const std::string& path, const std::string& core,
                                    uint64_t fast_bytes) {
  const std::string json = fmt::format(
      R"({{"name": "two regions", "core": "{}", "regions": [
            {{"name": "TCM", "kind": "ram", "origin": 0, "bytes": {}, "speed": 2}},
            {{"name": "SRAM", "kind": "ram", "origin": "0x80000000", "bytes": "1M"}},
            {{"name": "FLASH", "kind": "flash", "origin": "0xC0000000", "bytes": "2M"}}]}})",
      core, fast_bytes);
  write_file(path, json.data(), json.size());
  return path;
}

}  // namespace test
}  // namespace kiln
