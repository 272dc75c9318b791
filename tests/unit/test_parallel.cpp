#include <doctest/doctest.h>
#include <luodi/core/parallel.hpp>
#include <luodi/core/thread_pool.hpp>

#include <atomic>
#include <vector>

using namespace luodi;

TEST_CASE("parallel_for without an executor runs inline, once, over the whole range") {
  int calls = 0;
  std::int64_t b = -1, e = -1;
  parallel_for(100, [&](std::int64_t begin, std::int64_t end) {
    ++calls;
    b = begin;
    e = end;
  });
  CHECK(calls == 1);
  CHECK(b == 0);
  CHECK(e == 100);
  parallel_for(0, [&](std::int64_t, std::int64_t) { ++calls; });
  CHECK(calls == 1);
}

#if LUODI_HAS_THREADS
TEST_CASE("ThreadPool covers every index exactly once, for many jobs and odd sizes") {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    CHECK(pool.concurrency() == threads);
    for (std::int64_t n : {1, 2, 3, 7, 64, 1001}) {
      for (std::int64_t grain : {1, 5}) {
        std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
        for (auto& h : hits) h = 0;
        parallel_for(
            n,
            [&](std::int64_t begin, std::int64_t end) {
              CHECK(begin < end);
              for (std::int64_t i = begin; i < end; ++i) hits[static_cast<std::size_t>(i)]++;
            },
            &pool, grain);
        for (auto& h : hits) REQUIRE(h.load() == 1);
      }
    }
  }
}

TEST_CASE("a user executor is honoured") {
  struct Recording : Executor {
    int runs = 0;
    std::int64_t last_tasks = 0;
    int concurrency() const noexcept override { return 3; }
    void run(std::int64_t tasks, RangeFn task) noexcept override {
      ++runs;
      last_tasks = tasks;
      for (std::int64_t i = tasks - 1; i >= 0; --i) task(i, i + 1);  // any order must work
    }
  } ex;
  std::vector<int> v(10, 0);
  parallel_for(10, [&](std::int64_t b, std::int64_t e) { for (auto i = b; i < e; ++i) v[static_cast<std::size_t>(i)] += 1; }, &ex);
  CHECK(ex.runs == 1);
  CHECK(ex.last_tasks == 3);
  for (int x : v) CHECK(x == 1);
}
#endif
