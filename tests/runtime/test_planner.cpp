// The greedy-by-size planner on synthetic lifetimes: every plan is valid (buffers live at the
// same step never share bytes), the lower bound is the brute-force maximum, and the arena is
// close to it.
#include <doctest/doctest.h>
#include <luodi/runtime/planner.hpp>

#include <algorithm>
#include <random>
#include <vector>

using luodi::runtime::PlanBuffer;

namespace {

bool valid(const std::vector<PlanBuffer>& b, std::uint64_t arena) {
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].offset + b[i].size > arena) return false;
    for (std::size_t j = i + 1; j < b.size(); ++j) {
      const bool time = b[i].first <= b[j].last && b[j].first <= b[i].last;
      const bool bytes = b[i].offset < b[j].offset + b[j].size && b[j].offset < b[i].offset + b[i].size;
      if (time && bytes && b[i].size && b[j].size) return false;
    }
  }
  return true;
}

std::uint64_t brute_lower_bound(const std::vector<PlanBuffer>& b, int steps) {
  std::uint64_t best = 0;
  for (int s = 0; s < steps; ++s) {
    std::uint64_t live = 0;
    for (const PlanBuffer& p : b)
      if (p.first <= s && s <= p.last) live += p.size;
    best = std::max(best, live);
  }
  return best;
}

}  // namespace

TEST_CASE("planner: random lifetimes give valid plans near the lower bound") {
  std::mt19937 rng(1234);
  double worst = 1.0;
  for (int trial = 0; trial < 300; ++trial) {
    const int steps = 1 + static_cast<int>(rng() % 60);
    const int n = static_cast<int>(rng() % 80);
    std::vector<PlanBuffer> b(static_cast<std::size_t>(n));
    for (PlanBuffer& p : b) {
      p.first = static_cast<std::int32_t>(rng() % static_cast<unsigned>(steps));
      // Mostly short lifetimes (a CNN's chain), sometimes long ones (skip connections).
      const int len = (rng() % 5 == 0) ? static_cast<int>(rng() % static_cast<unsigned>(steps)) : static_cast<int>(rng() % 3);
      p.last = std::min(steps - 1, p.first + len);
      p.size = 64 * (1 + rng() % 100);
      if (rng() % 20 == 0) p.size = 0;
    }
    std::vector<std::int32_t> work(2 * b.size() + 1);
    const std::uint64_t arena = luodi::runtime::plan_buffers(b.data(), n, work.data());
    std::vector<std::uint64_t> delta(static_cast<std::size_t>(steps) + 1);
    const std::uint64_t lb = luodi::runtime::plan_lower_bound(b.data(), n, steps, delta.data());
    CAPTURE(trial);
    REQUIRE(valid(b, arena));
    CHECK(lb == brute_lower_bound(b, steps));
    CHECK(arena >= lb);
    for (const PlanBuffer& p : b) CHECK(p.offset % 64 == 0);
    if (lb) worst = std::max(worst, static_cast<double>(arena) / static_cast<double>(lb));
  }
  MESSAGE("worst arena / lower bound over 300 random instances: " << worst);
}

TEST_CASE("planner: a chain reuses two slots; disjoint lifetimes share offset 0") {
  // A chain a -> b -> c -> d, each live for two steps: two slots suffice.
  std::vector<PlanBuffer> b = {{1024, 0, 1, 0}, {1024, 1, 2, 0}, {1024, 2, 3, 0}, {1024, 3, 4, 0}};
  std::vector<std::int32_t> work(8);
  CHECK(luodi::runtime::plan_buffers(b.data(), 4, work.data()) == 2048);
  std::vector<PlanBuffer> d = {{512, 0, 0, 0}, {256, 1, 1, 0}, {128, 2, 2, 0}};
  CHECK(luodi::runtime::plan_buffers(d.data(), 3, work.data()) == 512);
  for (const PlanBuffer& p : d) CHECK(p.offset == 0);
}
