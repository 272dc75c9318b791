// The memory planner: lays out every intermediate tensor and scratch buffer of one run in a
// single arena, before the first run.
//
// Input: buffers, each with a byte size and a lifetime [first, last] in node steps (a tensor is
// live from the node that writes it to the last node that reads it; a scratch buffer only during
// its node). Two buffers may share bytes exactly when their lifetimes do not overlap.
// Views and in-place ops are resolved before planning (runtime/session.hpp): a reshape's output
// *is* its input's buffer, so the planner sees one buffer whose lifetime covers both.
//
// Algorithm: greedy by size, the one TensorFlow Lite Micro's GreedyMemoryPlanner and XNNPACK's
// memory planner use.
//   1. Sort the buffers by size, largest first (ties: earlier first use first, then index, so
//      the plan is deterministic).
//   2. Place each buffer in turn at the lowest offset where it does not overlap, in bytes, any
//      already-placed buffer whose lifetime overlaps its own. To find it, take those placed
//      buffers, sort them by offset, and walk the gaps between them from offset 0; the first gap
//      that fits wins, else the end of the last one.
// Placing big buffers first lets small ones fill the holes between them. The arena size is the
// highest end offset. Cost: O(n^2 log n) for n buffers, a few milliseconds for thousands.
//
// The lower bound reported next to the plan is the largest total size of buffers live at one
// step: no layout can use less. Greedy by size is not optimal (the problem is NP-hard: it is
// dynamic storage allocation), but on CNNs it lands within a few percent of the bound;
// tests/runtime checks the ratio on every test model, and the Session reports both figures.
//
// Everything here works in caller-provided memory (no heap), so a Session can plan inside the
// arena it is planning.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../config.hpp"

namespace luodi {
namespace runtime {

struct PlanBuffer {
  std::uint64_t size = 0;   // bytes, already rounded to the alignment
  std::int32_t first = 0;   // first step it is live
  std::int32_t last = 0;    // last step it is live (inclusive)
  std::uint64_t offset = 0; // out: where it goes
};

namespace detail {
// Heapsort of idx[0..n) by `less(a, b)`: in place, no heap memory, O(n log n) worst case.
template <class Less>
void heap_sort(std::int32_t* idx, std::int32_t n, Less less) noexcept {
  auto sift = [&](std::int32_t root, std::int32_t end) {
    for (;;) {
      std::int32_t child = 2 * root + 1;
      if (child >= end) return;
      if (child + 1 < end && less(idx[child], idx[child + 1])) ++child;
      if (!less(idx[root], idx[child])) return;
      const std::int32_t t = idx[root];
      idx[root] = idx[child];
      idx[child] = t;
      root = child;
    }
  };
  for (std::int32_t i = n / 2 - 1; i >= 0; --i) sift(i, n);
  for (std::int32_t end = n - 1; end > 0; --end) {
    const std::int32_t t = idx[0];
    idx[0] = idx[end];
    idx[end] = t;
    sift(0, end);
  }
}
}  // namespace detail

// Working memory plan_buffers() needs for n buffers: two int32 arrays of n.
inline std::size_t plan_workspace_bytes(std::int32_t n) noexcept { return 2 * sizeof(std::int32_t) * static_cast<std::size_t>(n); }

// Greedy-by-size placement. `work` holds plan_workspace_bytes(n), 4-byte aligned. Returns the
// arena size (the highest end offset); fills every buffer's offset. Offsets are multiples of
// `alignment` when every size is.
inline std::uint64_t plan_buffers(PlanBuffer* b, std::int32_t n, void* work) noexcept {
  std::int32_t* order = static_cast<std::int32_t*>(work);
  std::int32_t* live = order + n;  // placed buffers overlapping the current one in time
  for (std::int32_t i = 0; i < n; ++i) order[i] = i;
  // heap_sort orders ascending by its comparator, so "x before y" is the comparator: larger
  // first, then earlier first use, then lower index.
  detail::heap_sort(order, n, [&](std::int32_t x, std::int32_t y) {
    if (b[x].size != b[y].size) return b[x].size > b[y].size;
    if (b[x].first != b[y].first) return b[x].first < b[y].first;
    return x < y;
  });
  std::uint64_t arena = 0;
  for (std::int32_t k = 0; k < n; ++k) {
    PlanBuffer& cur = b[order[k]];
    std::int32_t m = 0;
    for (std::int32_t j = 0; j < k; ++j) {
      const PlanBuffer& p = b[order[j]];
      if (p.size != 0 && p.first <= cur.last && cur.first <= p.last) live[m++] = order[j];
    }
    detail::heap_sort(live, m, [&](std::int32_t x, std::int32_t y) {
      if (b[x].offset != b[y].offset) return b[x].offset < b[y].offset;
      return x < y;
    });
    std::uint64_t at = 0;
    for (std::int32_t j = 0; j < m; ++j) {
      const PlanBuffer& p = b[live[j]];
      if (p.offset >= at && p.offset - at >= cur.size) break;  // the gap before p fits
      const std::uint64_t end = p.offset + p.size;
      if (end > at) at = end;
    }
    cur.offset = at;
    if (at + cur.size > arena) arena = at + cur.size;
  }
  return arena;
}

// The largest total size live at one step, over steps [0, steps). `work` holds steps + 1
// uint64 values. A buffer live at no step in range is ignored.
inline std::uint64_t plan_lower_bound(const PlanBuffer* b, std::int32_t n, std::int32_t steps, void* work) noexcept {
  std::uint64_t* delta = static_cast<std::uint64_t*>(work);
  for (std::int32_t s = 0; s <= steps; ++s) delta[s] = 0;
  // Sizes are added at `first` and taken away after `last`; unsigned wrap-around cancels out
  // because each buffer adds and subtracts the same amount.
  for (std::int32_t i = 0; i < n; ++i) {
    if (b[i].size == 0 || b[i].last < 0 || b[i].first >= steps) continue;
    const std::int32_t f = b[i].first < 0 ? 0 : b[i].first;
    const std::int32_t l = b[i].last >= steps ? steps - 1 : b[i].last;
    delta[f] += b[i].size;
    delta[l + 1] -= b[i].size;
  }
  std::uint64_t cur = 0, best = 0;
  for (std::int32_t s = 0; s < steps; ++s) {
    cur += delta[s];
    if (cur > best) best = cur;
  }
  return best;
}

}  // namespace runtime
}  // namespace luodi
