// The memory planner on small programs with offsets worked out by hand, in
// one RAM region and over several.
#include "compiler/plan/planner.h"

#include <gtest/gtest.h>

#include <cstring>

#include "compiler/common/error.h"
#include "compiler/plan/regions.h"

namespace kiln {
namespace {

ProgramTensor arena_tensor(uint64_t bytes) {
  ProgramTensor t;
  t.bytes = bytes;
  return t;
}

ProgramOp op(std::vector<int> in, std::vector<int> out) {
  ProgramOp o;
  o.opcode = OpCode::ADD_S8;
  o.inputs = std::move(in);
  o.outputs = std::move(out);
  return o;
}

TEST(Planner, GreedyBySizeWithSkipConnection) {
  // t0 -> op0 -> t1 -> op1 -> t2; op2(t2, t0) -> t3
  Program p;
  p.tensors = {arena_tensor(100), arena_tensor(200), arena_tensor(50), arena_tensor(100)};
  p.ops = {op({0}, {1}), op({1}, {2}), op({2, 0}, {3})};
  p.inputs = {0};
  p.outputs = {3};
  const MemoryPlan plan = plan_memory(p);
  // t1 (largest) first at 0; t0 lives alongside it -> 208 (16-aligned);
  // t3 only overlaps t0 in time -> 0; t2 overlaps all three -> after t0.
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{208, 0, 320, 0}));
  EXPECT_EQ(plan.arena_bytes, 370u);
}

TEST(Planner, AnOverlayTakesTheBytesOfTheBufferItOverlays) {
  // t0 (input, 64) -> op0 -> t1 (32, overlays t0) -> op1 -> t2 (32) -> op2 -> t3 (16)
  Program p;
  p.tensors = {arena_tensor(64), arena_tensor(32), arena_tensor(32), arena_tensor(16),
               arena_tensor(16)};
  p.tensors[1].overlays = 0;
  p.tensors[4].alias_of = 0;  // rows of t0, read by op0 beside t0 itself
  p.tensors[4].alias_offset = 48;
  p.ops = {op({0, 4}, {1}), op({1}, {2}), op({2}, {3})};
  p.inputs = {0};
  p.outputs = {3};
  const MemoryPlan plan = plan_memory(p);
  // t1 at t0's offset although both are live at op0; t2 beside t1 (live
  // together at op1); t3 where t1 was. Without the overlay: 96 bytes.
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 0, 32, 0, 48}));
  EXPECT_EQ(plan.arena_bytes, 64u);
  p.tensors[1].overlays = -1;
  EXPECT_EQ(plan_memory(p).arena_bytes, 96u);
}

TEST(Planner, PersistentTensorsFillTheStateRegionFirst) {
  // t0 (input) -> op0(t0, state1) -> t2; op1(t2, state3) -> t4 (output)
  Program p;
  p.tensors = {arena_tensor(32), arena_tensor(10), arena_tensor(32), arena_tensor(20),
               arena_tensor(32)};
  p.tensors[1].persistent = true;
  p.tensors[3].persistent = true;
  p.ops = {op({0, 1}, {2}), op({2, 3}, {4})};
  p.inputs = {0};
  p.outputs = {4};
  const MemoryPlan plan = plan_memory(p);
  // The state: 10 bytes at 0, 20 at 16, 48 in all. The working tensors
  // follow it: t0 and t4 share 48 (never live together), t2 at 80.
  EXPECT_EQ(plan.state_bytes, 48u);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{48, 0, 80, 16, 48}));
  EXPECT_EQ(plan.arena_bytes, 112u);
}

ProgramOp branch(uint32_t target, std::vector<int> condition) {
  ProgramOp o = op(std::move(condition), {});
  o.opcode = OpCode::BRANCH;
  const BranchParams params{target, o.inputs.empty() ? 0u : 1u};
  o.params.resize(sizeof(params));
  std::memcpy(o.params.data(), &params, sizeof(params));
  return o;
}

TEST(Planner, ALoopKeepsWhatItReadsFromBeforeItAlive) {
  // op0: t0 -> t1 (the carried value); loop: op1 (t1, t0) -> t2,
  // op2: t2 -> t3, op3: t3 -> t1, op4: back to op1; op5: t1 -> t4.
  // t0 is last read by op1, but the next iteration reads it again: it
  // stays live until op4, so t3 cannot take its bytes.
  Program p;
  p.tensors = {arena_tensor(64), arena_tensor(16), arena_tensor(16), arena_tensor(16),
               arena_tensor(16)};
  p.ops = {op({0}, {1}), op({1, 0}, {2}), op({2}, {3}), op({3}, {1}), branch(1, {}), op({1}, {4})};
  p.inputs = {0};
  p.outputs = {4};
  const MemoryPlan plan = plan_memory(p);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 64, 80, 96, 0}));
  EXPECT_EQ(plan.arena_bytes, 112u);
}

TEST(Planner, ElidedCopiesMoveBranchTargets) {
  // op0: t0 -> t1; op1: reshape t1 -> t2 (elided); op2: exit to the end
  // unless t2; op3: back to op1. After elision the reshape is gone: the
  // loop starts at op2 (the exit, now op1) and the end is op3.
  Program p;
  p.tensors = {arena_tensor(1), arena_tensor(1), arena_tensor(1)};
  ProgramOp reshape = op({1}, {2});
  reshape.opcode = OpCode::COPY;
  p.ops = {op({0}, {1}), reshape, branch(4, {2}), branch(1, {})};
  p.inputs = {0};
  elide_copies(p);
  ASSERT_EQ(p.ops.size(), 3u);
  EXPECT_EQ(branch_target(p.ops[1]), 3u);
  EXPECT_EQ(branch_target(p.ops[2]), 1u);
}

TEST(Planner, ConstantsAreNotPlaced) {
  Program p;
  p.tensors = {arena_tensor(16), arena_tensor(32), arena_tensor(16)};
  p.tensors[1].constant = true;
  p.ops = {op({0, 1}, {2})};
  p.inputs = {0};
  p.outputs = {2};
  const MemoryPlan plan = plan_memory(p);
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, -1, 16}));
  EXPECT_EQ(plan.arena_bytes, 32u);
}

TEST(Planner, ReshapeSharesItsInputBuffer) {
  // t0 -> op0 -> t1 -> reshape -> t2 -> op2 -> t3
  Program p;
  p.tensors = {arena_tensor(64), arena_tensor(64), arena_tensor(64), arena_tensor(64)};
  ProgramOp reshape = op({1}, {2});
  reshape.opcode = OpCode::COPY;
  p.ops = {op({0}, {1}), reshape, op({2}, {3})};
  p.inputs = {0};
  p.outputs = {3};
  elide_copies(p);
  ASSERT_EQ(p.ops.size(), 2u);
  EXPECT_EQ(p.tensors[2].alias_of, 1);
  const MemoryPlan plan = plan_memory(p);
  EXPECT_EQ(plan.offsets[1], plan.offsets[2]);
  EXPECT_NE(plan.offsets[1], plan.offsets[3]);  // t1/t2 is read while t3 is written
  EXPECT_EQ(plan.arena_bytes, 128u);
}

TEST(Planner, ReshapeOfConstantBecomesConstant) {
  Program p;
  p.tensors = {arena_tensor(4), arena_tensor(4), arena_tensor(4), arena_tensor(4)};
  p.tensors[1].constant = true;
  p.tensors[1].data = {1, 2, 3, 4};
  ProgramOp reshape = op({1}, {2});
  reshape.opcode = OpCode::COPY;
  p.ops = {reshape, op({0, 2}, {3})};
  p.inputs = {0};
  p.outputs = {3};
  elide_copies(p);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_TRUE(p.tensors[2].constant);
  EXPECT_EQ(p.tensors[2].data, (std::vector<uint8_t>{1, 2, 3, 4}));
}

// A RAM region of `bytes` for plans over several.
MemoryRegion ram(const char* name, uint64_t bytes) {
  return {name, MemoryRegion::Kind::kRam, 0, bytes, 0, 1.0};
}

// t0 (input, 64) -> op0 -> t1 (256) -> op1 -> t2 (64) -> op2 -> t3 (output, 16)
Program chain() {
  Program p;
  p.tensors = {arena_tensor(64), arena_tensor(256), arena_tensor(64), arena_tensor(16)};
  p.ops = {op({0}, {1}), op({1}, {2}), op({2}, {3})};
  p.inputs = {0};
  p.outputs = {3};
  return p;
}

TEST(RegionPlan, TheLeastTouchedBufferAtThePeakMovesToTheSlowerRegion) {
  const Program p = chain();
  // One region: 320 bytes (t1 beside t0, then beside t2).
  EXPECT_EQ(plan_in_regions(p, {}).arena_bytes, 320u);
  // A fast region of 128 bytes: at the peak, t1 is touched twice in 256
  // bytes, t0 once in 64, t2 twice in 64: t1 goes. Left in the fast
  // region: t0 (op 0), t2 (ops 1-2) over t0's bytes, t3 beside t2.
  const MemoryPlan plan = plan_in_regions(p, {ram("DTCM", 128), ram("SRAM", 1024)});
  EXPECT_EQ(plan.regions, (std::vector<int>{0, 1, 0, 0}));
  EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 0, 0, 64}));
  EXPECT_EQ(plan.region_bytes, (std::vector<uint64_t>{80, 256}));
  EXPECT_EQ(plan.arena_bytes, 80u);
  EXPECT_EQ(plan.ram_bytes(), 336u);
  check_fits(plan, {ram("DTCM", 128), ram("SRAM", 1024)}, "board");
  // Where everything fits the fast region, nothing moves.
  EXPECT_EQ(plan_in_regions(p, {ram("DTCM", 320), ram("SRAM", 1024)}).region_bytes,
            (std::vector<uint64_t>{320}));
}

TEST(RegionPlan, APlanOverflowingTheLastRegionIsRefusedNamingIt) {
  const Program p = chain();
  const std::vector<MemoryRegion> regions = {ram("DTCM", 128), ram("SRAM", 200)};
  const MemoryPlan plan = plan_in_regions(p, regions);
  EXPECT_EQ(plan.region_bytes, (std::vector<uint64_t>{80, 256}));
  try {
    check_fits(plan, regions, "board");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArenaTooSmall);
    EXPECT_STREQ(e.what(),
                 "the model does not fit board: RAM region 'SRAM' would need 256 bytes, it has "
                 "200 (200 bytes less 0 reserved); the plan needs 336 bytes of RAM in all, the "
                 "target's RAM regions hold 328");
  }
}

TEST(RegionPlan, StateStaysInTheFastestRegion) {
  Program p = chain();
  p.tensors.push_back(arena_tensor(40));
  p.tensors[4].persistent = true;
  p.ops[1].inputs.push_back(4);
  const MemoryPlan plan = plan_in_regions(p, {ram("DTCM", 128), ram("SRAM", 1024)});
  EXPECT_EQ(plan.state_bytes, 48u);
  EXPECT_EQ(plan.regions[4], 0);
  EXPECT_EQ(plan.offsets[4], 0);
  EXPECT_EQ(plan.regions[1], 1);
  EXPECT_EQ(plan.region_bytes, (std::vector<uint64_t>{128, 256}));  // 48 of state + 80
}

}  // namespace
}  // namespace kiln
