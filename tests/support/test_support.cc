#include "tests/support/test_support.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "compiler/common/file_io.h"
#include "compiler/target/cortex_m.h"
#include "tests/support/run_graph.h"

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

std::vector<std::vector<uint8_t>> run_all_on_target(const std::string& target, const std::vector<uint8_t>& blob,
                                                    const std::vector<std::vector<uint8_t>>& inputs,
                                                    size_t num_outputs) {
  char dir_pattern[] = "/tmp/kiln-test-XXXXXX";
  const std::string dir = mkdtemp(dir_pattern);
  std::vector<std::string> input_files, output_files;
  for (size_t i = 0; i < inputs.size(); ++i) {
    input_files.push_back(dir + "/in" + std::to_string(i) + ".bin");
    write_file(input_files.back(), inputs[i].data(), inputs[i].size());
  }
  for (size_t i = 0; i < num_outputs; ++i) output_files.push_back(dir + "/out" + std::to_string(i) + ".bin");
  CortexMRunner(target).run(blob, input_files, output_files, false);
  std::vector<std::vector<uint8_t>> results;
  for (const std::string& f : output_files) results.push_back(read_file(f));
  for (const std::string& f : input_files) std::remove(f.c_str());
  for (const std::string& f : output_files) std::remove(f.c_str());
  rmdir(dir.c_str());
  return results;
}

std::vector<uint8_t> run_on_target(const std::string& target, const std::vector<uint8_t>& blob,
                                   const std::vector<std::vector<uint8_t>>& inputs) {
  return run_all_on_target(target, blob, inputs, 1)[0];
}

}  // namespace test
}  // namespace kiln
