// Lowering: an op kiln cannot compile is refused naming the op, its location
// and its output tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/exec/host_runner.h"
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

// A cast between integer types of one width keeps the bits: it lowers to a
// copy the planner makes an alias, and runs no kernel; other casts convert.
TEST(Lowering, SameWidthIntegerCastIsAnAlias) {
  GraphBuilder b;
  const int x = b.input("x", KILN_DTYPE_INT32, {3});
  const int y = b.tensor("y", KILN_DTYPE_UINT32, {3});
  const int z = b.tensor("z", KILN_DTYPE_INT64, {3});
  b.op(OpKind::kCast, {x}, {y});
  b.op(OpKind::kCast, {y}, {z});
  b.output(z);
  const CompiledModel m = compile_graph(b.build(), CompileOptions{});
  ASSERT_EQ(m.program.ops.size(), 1u);  // the copy elided
  EXPECT_EQ(m.program.ops[0].opcode, OpCode::CAST);
  EXPECT_EQ(m.plan.offsets[static_cast<size_t>(y)], m.plan.offsets[static_cast<size_t>(x)]);
  HostRunner host(m.blob);
  const std::vector<int32_t> in = {-1, 5, INT32_MIN};
  host.set_input(0, std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(in.data()),
                                         reinterpret_cast<const uint8_t*>(in.data() + 3)));
  host.invoke();
  std::vector<int64_t> out(3);
  std::memcpy(out.data(), host.output(0).data(), 24);
  EXPECT_EQ(out, (std::vector<int64_t>{4294967295, 5, 2147483648}));  // as uint32, widened
}

}  // namespace
}  // namespace kiln
