// Inputs that once broke an importer (../shared/fuzz_findings): each is now
// refused with a clear error naming what is wrong, never a crash or a read
// past a protobuf or flatbuffer field.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

struct Finding {
  const char* file;
  ErrorKind kind;
  const char* message;  // a part of the error's text
};

class FuzzFinding : public testing::TestWithParam<Finding> {};

TEST_P(FuzzFinding, IsRefusedWithAClearError) {
  const std::string path = test::shared_dir() + "/fuzz_findings/" + GetParam().file;
  if (!test::file_exists(path)) GTEST_SKIP() << path << " not found";
  try {
    compile_model(read_file(path), path);
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), GetParam().kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
  }
}

// A Constant node without outputs.
INSTANTIATE_TEST_SUITE_P(Shared, FuzzFinding,
                         testing::Values(Finding{
                             "onnx-import-crash-1.onnx", ErrorKind::kBadModel,
                             "(Constant): output 0 is missing (the node has 0)"}));

}  // namespace
}  // namespace kiln
