// Lowering: an op kiln cannot compile is refused naming the op, its location
// and its output tensor.
#include <gtest/gtest.h>

#include "compiler/common/error.h"
#include "compiler/ir/builder.h"
#include "compiler/pipeline/compile.h"

namespace kiln {
namespace {

using ir::GraphBuilder;
using ir::OpKind;

TEST(Lowering, UnsupportedOpIsNamedWithItsLocation) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_FLOAT32, {1, 3});
  const int y = b.tensor("y", KILN_DTYPE_FLOAT32, {1, 3});
  b.op(OpKind::kUnsupported, {x}, {y}).type_name = "TANH";
  b.output(y);
  try {
    compile_graph(b.build());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("TANH (operator 0, output 'y')"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
