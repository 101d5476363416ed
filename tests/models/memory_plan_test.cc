// The memory planner on the MLPerf Tiny models: exact arena sizes (never
// above TFLite Micro's; layer by layer at the activation floor, below it
// where a stage runs in bands), and no tensor ever read from bytes another
// tensor has written since its own value was.
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

struct PlanCase {
  const char* model;
  uint64_t arena_bytes;        // what kiln plans
  uint64_t whole_layer_bytes;  // with every op run whole (--max-recompute 0)
  uint64_t tflm_arena;         // TFLite Micro's arena for the same model (../shared/baselines)
  uint64_t floor;              // the layer-by-layer activation floor
};

class MemoryPlanTest : public ::testing::TestWithParam<PlanCase> {};

// Runs the program's dataflow over the arena: each byte remembers the buffer
// whose value it holds; an op reads only bytes holding its inputs' values,
// then its outputs take theirs.
void expect_every_read_sees_its_value(const CompiledModel& m) {
  const Program& prog = m.program;
  std::vector<int> holder(m.plan.arena_bytes, -1);
  auto bytes_of = [&](int t, int value) {
    const int64_t begin = m.plan.offsets[static_cast<size_t>(t)];
    EXPECT_GE(begin, 0) << prog.tensors[static_cast<size_t>(t)].name;
    EXPECT_LE(static_cast<uint64_t>(begin) + prog.tensors[static_cast<size_t>(t)].bytes,
              m.plan.arena_bytes);
    for (uint64_t b = 0; b < prog.tensors[static_cast<size_t>(t)].bytes; ++b) {
      int& h = holder[static_cast<size_t>(begin) + b];
      if (value >= 0) {
        h = value;
      } else if (h != buffer_root(prog, t)) {
        ADD_FAILURE() << "'" << prog.tensors[static_cast<size_t>(t)].name << "' byte " << b
                      << " holds another buffer's value";
        return;
      }
    }
  };
  auto arena = [&](int t) { return t >= 0 && !prog.tensors[static_cast<size_t>(t)].constant; };
  for (size_t t = 0; t < prog.tensors.size(); ++t) {
    if (prog.tensors[t].persistent) bytes_of(static_cast<int>(t), static_cast<int>(t));
  }
  for (int t : prog.inputs) bytes_of(t, buffer_root(prog, t));
  for (const ProgramOp& op : prog.ops) {
    for (int t : op.inputs) {
      if (arena(t)) bytes_of(t, -1);
    }
    for (int t : op.outputs) {
      if (arena(t)) bytes_of(t, buffer_root(prog, t));
    }
  }
  for (int t : prog.outputs) bytes_of(t, -1);
}

TEST_P(MemoryPlanTest, ArenaIsExactAndSafe) {
  const PlanCase& p = GetParam();
  const std::string path = test::shared_dir() + "/models/" + p.model;
  const CompiledModel m = compile_tflite(read_file(path), p.model);
  EXPECT_EQ(m.plan.arena_bytes, p.arena_bytes);
  EXPECT_EQ(m.whole_layer_arena_bytes, p.whole_layer_bytes);
  EXPECT_EQ(p.whole_layer_bytes, p.floor);
  EXPECT_LE(m.plan.arena_bytes, p.tflm_arena);
  for (size_t t = 0; t < m.program.tensors.size(); ++t) {
    if (m.plan.offsets[t] >= 0) {
      EXPECT_EQ(m.plan.offsets[t] % 16, 0) << m.program.tensors[t].name;
    }
  }
  expect_every_read_sees_its_value(m);
  CompileOptions whole;
  whole.max_recompute = 0;
  expect_every_read_sees_its_value(compile_tflite(read_file(path), p.model, whole));
}

std::string plan_label(const ::testing::TestParamInfo<PlanCase>& info) {
  std::string name = info.param.model;
  name = name.substr(name.find('/') + 1);
  name = name.substr(0, name.find('.'));
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    MlperfTiny, MemoryPlanTest,
    ::testing::Values(PlanCase{"mlcommons_tiny/kws_ref_model.tflite", 16000, 16000, 22820, 16000},
                      PlanCase{"mlcommons_tiny/vww_96_int8.tflite", 36864, 55296, 100708, 55296},
                      PlanCase{"mlcommons_tiny/pretrainedResnet_quant.tflite", 32768, 49152, 54996,
                               49152},
                      PlanCase{"mlcommons_tiny/ad01_int8.tflite", 768, 768, 2580, 768}),
    plan_label);

}  // namespace
}  // namespace kiln
