// TFLite Micro's single-op conformance set (../shared/conformance/tflm_ops,
// its README): one test per op runs every case of it through the compiler and
// the host runtime, invocation by invocation, with the reference kernels and
// with the host's variants; with --kiln-device=CORE (the device label), on
// that emulated core with its variants instead.
// Every case kiln compiles must give TFLM's outputs at every step (integers
// byte for byte, float within 1e-5 of the output's largest magnitude); a case
// kiln refuses must be refused as unsupported, naming why; the cases listed
// in tflm_ops_passing.txt must pass. Run as one process, the binary writes
// the op x mode table of passed / total to $KILN_CONFORMANCE_TABLE and the
// list of passing cases to $KILN_CONFORMANCE_PASSING.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "compiler/run/emulated_core.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

std::string set_dir() { return test::shared_dir() + "/conformance/tflm_ops"; }

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.' && test::file_exists(dir + "/" + e->d_name + "/meta.json"))
        names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> op_names() {
  std::vector<std::string> ops;
  if (DIR* d = opendir(set_dir().c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name[0] != '.' && !entries(set_dir() + "/" + name).empty()) ops.push_back(name);
    }
    closedir(d);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

const std::set<std::string>& expected_passing() {
  static const std::set<std::string> cases = [] {
    std::set<std::string> s;
    std::ifstream in(KILN_CONFORMANCE_EXPECTED);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') s.insert(line);
    }
    return s;
  }();
  return cases;
}

std::set<std::string>& passing() {
  static std::set<std::string> cases;
  return cases;
}

// Per op and mode: cases passed and cases in all (for the table).
std::map<std::pair<std::string, std::string>, std::pair<int, int>>& table() {
  static std::map<std::pair<std::string, std::string>, std::pair<int, int>> t;
  return t;
}

// The runner of a blob compiled for `target`: an emulated core, or the host.
std::unique_ptr<Runner> runner_for(const std::vector<uint8_t>& blob, const std::string& target) {
  if (target == "portable" || target == "host") return std::make_unique<HostRunner>(blob);
  return std::make_unique<EmulatedCoreRunner>(blob, target);
}

// The targets each case runs for: the emulated core under test, or the
// host's reference kernels and its own variants.
std::vector<std::string> targets() {
  if (!test::device().empty()) return {test::device()};
  return {"portable", "host"};
}

// Cases too large for the emulated core's memory (kArenaTooSmall): the
// host runs them; the core cannot.
std::set<std::string>& too_large() {
  static std::set<std::string> cases;
  return cases;
}

// Runs one case for one target; returns whether it passed (false also for
// an unsupported one, true for one too large for the core).
bool run_case(const std::string& op, const std::string& name, const std::string& target) {
  SCOPED_TRACE(target);
  const std::string dir = set_dir() + "/" + op + "/" + name;
  const nlohmann::json meta = nlohmann::json::parse(read_file(dir + "/meta.json"));
  const int steps = meta.value("invocations", 1);
  const bool expected = expected_passing().count(op + "/" + name) != 0;
  CompiledModel m;
  try {
    m = compile_model(read_file(dir + "/model.tflite"), dir + "/model.tflite", {target});
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kArenaTooSmall) {  // refused for the core's memory when compiled
      too_large().insert(op + "/" + name);
      return true;
    }
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported) << e.what();
    EXPECT_FALSE(expected) << "listed as passing, but: " << e.what();
    return false;
  }
  std::unique_ptr<Runner> run;
  try {
    run = runner_for(m.blob, target);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kArenaTooSmall) throw;
    too_large().insert(op + "/" + name);
    return true;
  }
  Runner& runner = *run;
  const size_t inputs = meta["inputs"].size(), outputs = meta["outputs"].size();
  EXPECT_EQ(runner.inputs().size(), inputs);
  EXPECT_EQ(runner.outputs().size(), outputs);
  if (runner.inputs().size() != inputs || runner.outputs().size() != outputs) return false;
  std::vector<std::vector<uint8_t>> feeds;
  for (size_t i = 0; i < inputs; ++i) {
    feeds.push_back(read_file(dir + "/in" + std::to_string(i) + ".bin"));
    EXPECT_EQ(feeds[i].size(), runner.inputs()[i].bytes() * static_cast<uint64_t>(steps));
    if (feeds[i].size() != runner.inputs()[i].bytes() * static_cast<uint64_t>(steps)) return false;
  }
  bool pass = true;
  for (int k = 0; k < steps; ++k) {
    for (size_t i = 0; i < inputs; ++i) {
      const size_t bytes = runner.inputs()[i].bytes();
      const auto begin = feeds[i].begin() + static_cast<std::ptrdiff_t>(k * bytes);
      runner.set_input(i, std::vector<uint8_t>(begin, begin + static_cast<std::ptrdiff_t>(bytes)));
    }
    runner.invoke();
    for (size_t o = 0; o < outputs; ++o) {
      const std::string dtype = meta["outputs"][o]["dtype"];
      const std::string base = dir + "/out" + std::to_string(o);
      const std::string step_file = base + "_step" + std::to_string(k) + ".bin";
      if (test::file_exists(step_file)) {
        const auto ok = test::same_output(dtype, runner.output(o), read_file(step_file));
        EXPECT_TRUE(ok) << "output " << o << " at invocation " << k;
        pass = pass && ok;
      }
      if (k + 1 == steps) {
        const auto ok = test::same_output(dtype, runner.output(o), read_file(base + ".bin"));
        EXPECT_TRUE(ok) << "output " << o;
        pass = pass && ok;
      }
    }
  }
  return pass;
}

class TflmOps : public ::testing::TestWithParam<std::string> {};

TEST_P(TflmOps, MatchTfliteMicro) {
  const std::string& op = GetParam();
  for (const std::string& name : entries(set_dir() + "/" + op)) {
    SCOPED_TRACE(op + "/" + name);
    const std::string mode =
        nlohmann::json::parse(read_file(set_dir() + "/" + op + "/" + name + "/meta.json"))["mode"];
    auto& cell = table()[{op, mode}];
    cell.second += 1;
    bool passed = true;
    for (const std::string& target : targets()) passed = run_case(op, name, target) && passed;
    if (passed) {
      cell.first += 1;
      passing().insert(op + "/" + name);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, TflmOps, ::testing::ValuesIn(op_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TflmOps);

// Writes the table when the whole suite runs in one process.
class TableWriter : public ::testing::Environment {
 public:
  void TearDown() override {
    const char* path = std::getenv("KILN_CONFORMANCE_TABLE");
    if (!path || table().empty()) return;  // one op per process under ctest: nothing to sum
    std::ofstream out(path);
    int passed = 0, total = 0;
    out << "| op | mode | passed / total |\n|---|---|---|\n";
    for (const auto& [key, cell] : table()) {
      out << "| " << key.first << " | " << key.second << " | " << cell.first << " / " << cell.second
          << " |\n";
      passed += cell.first;
      total += cell.second;
    }
    out << "| all | | " << passed << " / " << total << " |\n";
    if (!too_large().empty()) {
      out << "\nToo large for " << test::device() << " (counted as passed; the host runs them):";
      for (const std::string& c : too_large()) out << " " << c;
      out << "\n";
    }
    if (const char* list = std::getenv("KILN_CONFORMANCE_PASSING")) {
      std::ofstream cases(list);
      cases << "# tflm_ops cases kiln passes (tests/conformance/tflm_ops_test.cc)\n";
      for (const std::string& c : passing()) cases << c << "\n";
    }
  }
};
const auto* const kTableWriter = ::testing::AddGlobalTestEnvironment(new TableWriter);

}  // namespace
}  // namespace kiln
