// Running the kiln tool from tests: exit code and everything it printed.
#ifndef KILN_TESTS_SUPPORT_CLI_H
#define KILN_TESTS_SUPPORT_CLI_H

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "tests/support/test_support.h"

namespace kiln {
namespace test {

struct CliResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

inline CliResult kiln_cli(const std::string& args) {
  const std::string cmd = tool_path() + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  CliResult r{-1, ""};
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "kiln_cli_" + name;
}

inline std::string model(const std::string& name) { return shared_dir() + "/models/" + name; }

}  // namespace test
}  // namespace kiln

#endif
