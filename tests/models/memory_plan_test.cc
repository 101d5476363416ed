// The memory planner on the MLPerf Tiny models: exact arena sizes (never above
// TFLite Micro's, at or near the layer-by-layer floor) and no two tensors
// that are live at the same time sharing a byte.
#include <gtest/gtest.h>

#include "compiler/common/file_io.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

struct PlanCase {
  const char* model;
  uint64_t arena_bytes;  // what kiln plans
  uint64_t tflm_arena;   // TFLite Micro's arena for the same model (../shared/baselines)
  uint64_t floor;        // the layer-by-layer activation floor
};

class MemoryPlanTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(MemoryPlanTest, ArenaIsExactAndSafe) {
  const PlanCase& p = GetParam();
  const CompiledModel m =
      compile_tflite(read_file(test::shared_dir() + "/models/" + p.model), p.model);
  EXPECT_EQ(m.plan.arena_bytes, p.arena_bytes);
  EXPECT_LE(m.plan.arena_bytes, p.tflm_arena);
  EXPECT_GE(m.plan.arena_bytes, p.floor);

  // Lifetimes in op order; a graph input is live from the start, an output to the end.
  const Program& prog = m.program;
  const int end = static_cast<int>(prog.ops.size());
  std::vector<int> first(prog.tensors.size(), end + 1), last(prog.tensors.size(), -1);
  auto touch = [&](int t, int time) {
    if (t < 0 || prog.tensors[static_cast<size_t>(t)].constant) return;
    first[static_cast<size_t>(t)] = std::min(first[static_cast<size_t>(t)], time);
    last[static_cast<size_t>(t)] = std::max(last[static_cast<size_t>(t)], time);
  };
  for (int t : prog.inputs) touch(t, 0);
  for (int t : prog.outputs) touch(t, end);
  for (int i = 0; i < end; ++i) {
    for (int t : prog.ops[static_cast<size_t>(i)].inputs) touch(t, i);
    for (int t : prog.ops[static_cast<size_t>(i)].outputs) touch(t, i);
  }
  for (size_t a = 0; a < prog.tensors.size(); ++a) {
    if (last[a] < 0) continue;
    const int64_t a0 = m.plan.offsets[a];
    ASSERT_GE(a0, 0) << prog.tensors[a].name;
    EXPECT_EQ(a0 % 16, 0) << prog.tensors[a].name;
    EXPECT_LE(static_cast<uint64_t>(a0) + prog.tensors[a].bytes, m.plan.arena_bytes);
    for (size_t b = a + 1; b < prog.tensors.size(); ++b) {
      if (last[b] < 0 ||
          buffer_root(prog, static_cast<int>(a)) == buffer_root(prog, static_cast<int>(b)))
        continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const int64_t b0 = m.plan.offsets[b];
      const bool overlap = a0 < b0 + static_cast<int64_t>(prog.tensors[b].bytes) &&
                           b0 < a0 + static_cast<int64_t>(prog.tensors[a].bytes);
      EXPECT_FALSE(live_together && overlap)
          << prog.tensors[a].name << " and " << prog.tensors[b].name;
    }
  }
}

std::string plan_label(const ::testing::TestParamInfo<PlanCase>& info) {
  std::string name = info.param.model;
  name = name.substr(name.find('/') + 1);
  name = name.substr(0, name.find('.'));
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    MlperfTiny, MemoryPlanTest,
    ::testing::Values(PlanCase{"mlcommons_tiny/kws_ref_model.tflite", 16000, 22820, 16000},
                      PlanCase{"mlcommons_tiny/vww_96_int8.tflite", 55296, 100708, 55296},
                      PlanCase{"mlcommons_tiny/pretrainedResnet_quant.tflite", 49152, 54996, 49152},
                      PlanCase{"mlcommons_tiny/ad01_int8.tflite", 768, 2580, 768}),
    plan_label);

}  // namespace
}  // namespace kiln
