#include "tests/support/test_support.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
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

}  // namespace test
}  // namespace kiln
