#include "compiler/plan/planner.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

namespace kiln {

namespace {

// A buffer's bytes and when they are live.
struct Piece {
  uint64_t bytes = 0;
  int first = 0, last = 0;
};

// Places buffers in the given order, each (with the buffers that overlay it,
// at the same offset) at the lowest aligned offset where none of them
// overlaps an already-placed piece that is live at the same time.
MemoryPlan place(const std::vector<size_t>& order, const std::vector<std::vector<Piece>>& pieces,
                 const Program& program, uint32_t alignment) {
  auto aligned = [alignment](uint64_t bytes) {
    return (bytes + alignment - 1) / alignment * alignment;
  };
  MemoryPlan plan;
  plan.offsets.assign(program.tensors.size(), -1);
  struct Placed {
    uint64_t begin;
    Piece piece;
  };
  std::vector<Placed> placed;
  for (size_t t : order) {
    // The placed pieces live at the same time as one of t's: only they
    // constrain it, and their ends are the offsets worth trying.
    std::vector<const Placed*> conflicts;
    std::vector<uint64_t> candidates = {0};
    for (const Placed& p : placed) {
      for (const Piece& m : pieces[t]) {
        if (p.piece.first <= m.last && m.first <= p.piece.last) {
          conflicts.push_back(&p);
          candidates.push_back(aligned(p.begin + p.piece.bytes));
          break;
        }
      }
    }
    std::sort(candidates.begin(), candidates.end());
    auto fits = [&](uint64_t offset) {
      for (const Placed* c : conflicts) {
        const Placed& p = *c;
        for (const Piece& m : pieces[t]) {
          const bool same_time = p.piece.first <= m.last && m.first <= p.piece.last;
          if (same_time && offset < p.begin + p.piece.bytes && p.begin < offset + m.bytes)
            return false;
        }
      }
      return true;
    };
    const uint64_t offset = *std::find_if(candidates.begin(), candidates.end(), fits);
    plan.offsets[t] = static_cast<int64_t>(offset);
    for (const Piece& m : pieces[t]) {
      plan.arena_bytes = std::max(plan.arena_bytes, offset + m.bytes);
      placed.push_back({offset, m});
    }
  }
  return plan;
}

// A loop runs its ops [start, end] again and again: a buffer written before
// the loop and used in it (an input of the loop, a carried value) must
// survive until the loop's last op, not only until its last use in program
// order. Buffers written and read within one iteration keep their lifetimes.
void extend_over_loops(const Program& program, const std::vector<int>& first,
                       std::vector<int>& last) {
  std::vector<std::pair<int, int>> loops;  // [start, end] of each backward branch
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const ProgramOp& op = program.ops[i];
    if (op.placeholder || op.opcode != OpCode::BRANCH || branch_target(op) > i) continue;
    loops.emplace_back(static_cast<int>(branch_target(op)), static_cast<int>(i));
  }
  // An extension by an inner loop can reach into an outer one: repeat.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [start, end] : loops) {
      for (size_t t = 0; t < first.size(); ++t) {
        if (first[t] < start && last[t] >= start && last[t] < end) {
          last[t] = end;
          changed = true;
        }
      }
    }
  }
}

// The buffer `t` is placed with: the one it overlays, if that is in the
// arena; else its own.
size_t overlaid_buffer(const Program& program, const std::vector<int>& last, size_t t) {
  const int overlays = program.tensors[t].overlays;
  if (overlays < 0) return t;
  const size_t root = static_cast<size_t>(buffer_root(program, overlays));
  return last[root] >= 0 ? root : t;
}

// When each buffer is live and how many bytes it spans (its aliases
// included); last < 0 for tensors that are not arena buffers.
struct Lifetimes {
  std::vector<int> first, last;
  std::vector<uint64_t> extent;
};

Lifetimes lifetimes(const Program& program) {
  const size_t n = program.tensors.size();
  const int end = static_cast<int>(program.ops.size());
  Lifetimes l;
  l.first.assign(n, std::numeric_limits<int>::max());
  l.last.assign(n, -1);
  auto touch = [&](int tensor, int time) {
    if (tensor < 0) return;
    const ProgramTensor& t = program.tensors[static_cast<size_t>(tensor)];
    if (t.constant || t.persistent) return;
    const size_t root = static_cast<size_t>(buffer_root(program, tensor));
    l.first[root] = std::min(l.first[root], time);
    l.last[root] = std::max(l.last[root], time);
  };
  for (int t : program.inputs) touch(t, 0);
  for (int t : program.outputs) touch(t, end);
  // A gate can end an invocation before the outputs are written: they keep
  // the last values written only if nothing else ever lives in their bytes.
  const bool gated = std::any_of(program.ops.begin(), program.ops.end(), [](const ProgramOp& op) {
    return !op.placeholder && op.opcode == OpCode::BRANCH &&
           branch_params(op).if_false == kBranchEndIfFalse;
  });
  if (gated) {
    for (int t : program.outputs) touch(t, 0);
  }
  for (int i = 0; i < end; ++i) {
    for (int t : program.ops[static_cast<size_t>(i)].inputs) touch(t, i);
    for (int t : program.ops[static_cast<size_t>(i)].outputs) touch(t, i);
  }
  extend_over_loops(program, l.first, l.last);
  // A buffer holds its tensor and every alias into it (a band of its rows).
  l.extent.resize(n);
  for (size_t t = 0; t < n; ++t) l.extent[t] = program.tensors[t].bytes;
  for (size_t t = 0; t < n; ++t) {
    if (program.tensors[t].alias_of < 0) continue;
    const size_t root = static_cast<size_t>(buffer_root(program, static_cast<int>(t)));
    l.extent[root] = std::max(
        l.extent[root], offset_in_root(program, static_cast<int>(t)) + program.tensors[t].bytes);
  }
  return l;
}

uint64_t align_up(uint64_t bytes, uint32_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

// The smallest of a few greedy placements of `buffers` (greedy placement
// depends on the order buffers are placed in, and no one order is best for
// every graph).
MemoryPlan place_best(const std::vector<size_t>& buffers,
                      const std::vector<std::vector<Piece>>& pieces, const Lifetimes& l,
                      const Program& program, uint32_t alignment) {
  const std::vector<int>&first = l.first, &last = l.last;
  auto size_of = [&](size_t t) { return l.extent[t]; };
  using Order = std::function<bool(size_t, size_t)>;
  const std::vector<Order> orders = {
      // largest first (TFLite Micro's greedy planner)
      [&](size_t a, size_t b) {
        return size_of(a) != size_of(b) ? size_of(a) > size_of(b) : first[a] < first[b];
      },
      // latest first: the deep end of a network first, the input last
      [&](size_t a, size_t b) {
        return first[a] != first[b] ? first[a] > first[b] : size_of(a) > size_of(b);
      },
      // longest-lived first
      [&](size_t a, size_t b) {
        const int la = last[a] - first[a], lb = last[b] - first[b];
        return la != lb ? la > lb : size_of(a) > size_of(b);
      },
      // largest area (bytes x lifetime) first
      [&](size_t a, size_t b) {
        const uint64_t aa = size_of(a) * static_cast<uint64_t>(last[a] - first[a] + 1);
        const uint64_t ab = size_of(b) * static_cast<uint64_t>(last[b] - first[b] + 1);
        return aa != ab ? aa > ab : first[a] < first[b];
      },
  };
  MemoryPlan best;
  for (const Order& order : orders) {
    std::vector<size_t> sorted = buffers;
    std::stable_sort(sorted.begin(), sorted.end(), order);
    MemoryPlan plan = place(sorted, pieces, program, alignment);
    if (best.offsets.empty() || plan.arena_bytes < best.arena_bytes) best = std::move(plan);
  }
  if (best.offsets.empty()) best.offsets.assign(program.tensors.size(), -1);
  return best;
}

}  // namespace

uint64_t MemoryPlan::ram_bytes() const {
  uint64_t total = 0;
  for (uint64_t b : region_bytes) total += b;
  return region_bytes.empty() ? arena_bytes : total;
}

std::vector<ArenaBuffer> arena_buffers(const Program& program) {
  const Lifetimes l = lifetimes(program);
  std::vector<ArenaBuffer> buffers;
  std::vector<int> index(program.tensors.size(), -1);
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    if (l.last[t] < 0 || overlaid_buffer(program, l.last, t) != t) continue;
    index[t] = static_cast<int>(buffers.size());
    buffers.push_back({static_cast<int>(t), l.extent[t], l.first[t], l.last[t], {}});
  }
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    if (program.tensors[t].constant || program.tensors[t].persistent) continue;
    const size_t root = static_cast<size_t>(buffer_root(program, static_cast<int>(t)));
    if (l.last[root] < 0) continue;
    const int i = index[overlaid_buffer(program, l.last, root)];
    if (i < 0) continue;
    ArenaBuffer& b = buffers[static_cast<size_t>(i)];
    if (t == root && overlaid_buffer(program, l.last, root) != root) {
      b.bytes = std::max(b.bytes, l.extent[t]);
      b.first = std::min(b.first, l.first[t]);
      b.last = std::max(b.last, l.last[t]);
    }
    if (static_cast<int>(t) == b.tensor) {
      b.members.insert(b.members.begin(), static_cast<int>(t));
    } else {
      b.members.push_back(static_cast<int>(t));
    }
  }
  return buffers;
}

MemoryPlan plan_memory(const Program& program, uint32_t alignment,
                       const std::vector<int>& region_of) {
  const size_t n = program.tensors.size();
  const Lifetimes l = lifetimes(program);
  // A buffer that overlays another is placed with it, at its offset.
  std::vector<std::vector<Piece>> pieces(n);
  std::vector<std::vector<size_t>> buffers(1);
  auto region_at = [&](size_t t) {
    return region_of.empty() ? size_t{0} : static_cast<size_t>(region_of[t]);
  };
  for (size_t t = 0; t < n; ++t) {
    if (l.last[t] < 0) continue;
    const size_t unit = overlaid_buffer(program, l.last, t);
    pieces[unit].push_back({l.extent[t], l.first[t], l.last[t]});
    if (unit != t) continue;
    const size_t region = region_at(t);
    if (buffers.size() <= region) buffers.resize(region + 1);
    buffers[region].push_back(t);
  }
  MemoryPlan plan = place_best(buffers[0], pieces, l, program, alignment);
  plan.regions.assign(n, 0);
  plan.region_bytes = {0};
  for (size_t r = 1; r < buffers.size(); ++r) {
    const MemoryPlan in_r = place_best(buffers[r], pieces, l, program, alignment);
    plan.region_bytes.push_back(in_r.arena_bytes);
    for (size_t t : buffers[r]) {
      plan.offsets[t] = in_r.offsets[t];
      plan.regions[t] = static_cast<int>(r);
    }
  }
  std::vector<int64_t> state_offsets(n, -1);
  for (size_t t = 0; t < n; ++t) {
    if (!program.tensors[t].persistent) continue;
    state_offsets[t] = static_cast<int64_t>(plan.state_bytes);
    plan.state_bytes = align_up(plan.state_bytes + program.tensors[t].bytes, alignment);
  }
  for (size_t t = 0; t < n; ++t) {
    if (state_offsets[t] >= 0) {
      plan.offsets[t] = state_offsets[t];
    } else if (plan.offsets[t] >= 0 && plan.regions[t] == 0) {
      plan.offsets[t] += static_cast<int64_t>(plan.state_bytes);
    }
  }
  plan.arena_bytes += plan.state_bytes;
  plan.region_bytes[0] = plan.arena_bytes;
  for (size_t t = 0; t < n; ++t) {
    const size_t unit = overlaid_buffer(program, l.last, t);
    if (unit == t) continue;
    plan.offsets[t] = plan.offsets[unit];
    plan.regions[t] = plan.regions[unit];
  }
  for (size_t t = 0; t < n; ++t) {
    if (program.tensors[t].alias_of >= 0) {
      const size_t root = static_cast<size_t>(buffer_root(program, static_cast<int>(t)));
      plan.offsets[t] =
          plan.offsets[root] + static_cast<int64_t>(offset_in_root(program, static_cast<int>(t)));
      plan.regions[t] = plan.regions[root];
    }
  }
  return plan;
}

}  // namespace kiln
