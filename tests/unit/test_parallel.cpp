#include <doctest/doctest.h>
#include <luodi/core/parallel.hpp>
#include <luodi/core/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <ctime>
#define LUODI_TEST_HAVE_CPU_CLOCK 1
#endif

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

TEST_CASE("useful_threads: one thread below the work of two, at most the executor's concurrency") {
  struct Fixed : Executor {
    int n;
    Fixed(int c, std::int64_t m) : n(c) { set_min_flops_per_thread(m); }
    int concurrency() const noexcept override { return n; }
    void run(std::int64_t tasks, RangeFn task) noexcept override {
      for (std::int64_t i = 0; i < tasks; ++i) task(i, i + 1);
    }
  };
  struct Plain : Executor {  // a user's executor that leaves the cut-off alone
    int concurrency() const noexcept override { return 2; }
    void run(std::int64_t tasks, RangeFn task) noexcept override {
      for (std::int64_t i = 0; i < tasks; ++i) task(i, i + 1);
    }
  };
  Fixed four(4, 100), one(1, 100), all(4, 0);
  Plain plain;
  CHECK(useful_threads(nullptr, 1 << 30) == 1);
  CHECK(useful_threads(&one, 1 << 30) == 1);
  CHECK(useful_threads(&four, 0) == 1);
  CHECK(useful_threads(&four, 199) == 1);
  CHECK(useful_threads(&four, 200) == 2);
  CHECK(useful_threads(&four, 399) == 3);
  CHECK(useful_threads(&four, 400) == 4);
  CHECK(useful_threads(&four, 1 << 30) == 4);
  CHECK(useful_threads(&all, 5) == 4);  // no minimum: every thread
  CHECK(plain.min_flops_per_thread() == kMinFlopsPerThread);
  CHECK(useful_threads(&plain, 2 * kMinFlopsPerThread - 1) == 1);
  CHECK(useful_threads(&plain, 2 * kMinFlopsPerThread) == 2);
#if LUODI_HAS_THREADS
  ThreadPool pool(3, 0, 7);
  CHECK(pool.min_flops_per_thread() == 7);
  CHECK(useful_threads(&pool, 14) == 2);
  CHECK(ThreadPool(2).min_flops_per_thread() == kMinFlopsPerThread);
  CHECK(ThreadPool(2, 0, -5).min_flops_per_thread() == 0);
#endif
}

#if LUODI_HAS_THREADS
TEST_CASE("ThreadPool covers every index exactly once, for many jobs and odd sizes") {
  for (int threads : {1, 2, 3, 4})
  for (int spin : {0, kDefaultSpinMicroseconds}) {
    CAPTURE(threads);
    CAPTURE(spin);
    ThreadPool pool(threads, spin);
    CHECK(pool.concurrency() == threads);
    CHECK(pool.spin_microseconds() == spin);
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

TEST_CASE("ThreadPool: Executor::run with more tasks than threads runs each task once") {
  for (int spin : {0, kDefaultSpinMicroseconds}) {
    ThreadPool pool(3, spin);
    std::vector<std::atomic<int>> hits(1000);
    for (auto& h : hits) h = 0;
    auto task = [&](std::int64_t b, std::int64_t e) {
      CHECK(e == b + 1);
      hits[static_cast<std::size_t>(b)]++;
    };
    Executor& ex = pool;
    ex.run(1000, RangeFn(task));
    for (auto& h : hits) REQUIRE(h.load() == 1);
    ex.run(0, RangeFn(task));  // nothing to do: returns at once
    for (auto& h : hits) REQUIRE(h.load() == 1);
  }
}

TEST_CASE("ThreadPool: thousands of back-to-back jobs see every task (the hand-off under churn)") {
  // Small jobs one after another exercise the race the pool is built around: a worker still
  // spinning on, or waking for, job k while job k+1 is published. Every job must see each of its
  // tasks run exactly once and must not return before they have.
  for (int spin : {0, 5, kDefaultSpinMicroseconds}) {
    CAPTURE(spin);
    ThreadPool pool(3, spin);
    std::int64_t sum[3] = {};
    bool ok = true;
    for (int job = 0; job < 4000 && ok; ++job) {
      std::atomic<int> ran[3] = {{0}, {0}, {0}};
      const std::int64_t tasks = 1 + job % 3;
      auto task = [&](std::int64_t b, std::int64_t) {
        ran[b].fetch_add(1, std::memory_order_relaxed);
        sum[b] += job;  // plain writes: the pool must publish them to the caller
      };
      pool.run(tasks, RangeFn(task));
      for (std::int64_t t = 0; t < 3; ++t) ok = ok && ran[t].load() == (t < tasks ? 1 : 0);
    }
    CHECK(ok);
    std::int64_t want[3] = {};
    for (int job = 0; job < 4000; ++job)
      for (std::int64_t t = 0; t < 1 + job % 3; ++t) want[t] += job;
    for (int t = 0; t < 3; ++t) CHECK(sum[t] == want[t]);
  }
}

TEST_CASE("ThreadPool: the worker takes part (two tasks meet on two threads)") {
  // Each task waits until the other has started, so both must be running at once: on a pool that
  // ran its tasks one by one on one thread this would time out. (Waiting in task 0 alone was not
  // enough: a worker that ran task 1 could then legally claim task 0 too.) Bounded at 10 s, so a
  // heavily loaded machine cannot hang the test.
  for (int spin : {0, kDefaultSpinMicroseconds}) {
    CAPTURE(spin);
    ThreadPool pool(2, spin);
    std::atomic<bool> started[2] = {{false}, {false}}, met[2] = {{false}, {false}};
    std::thread::id ids[2];
    auto task = [&](std::int64_t b, std::int64_t) {
      ids[b] = std::this_thread::get_id();
      started[b].store(true);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!started[1 - b].load() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      met[b].store(started[1 - b].load());
    };
    pool.run(2, RangeFn(task));
    CHECK(met[0].load());
    CHECK(met[1].load());
    CHECK((ids[0] != ids[1]));
  }
}

TEST_CASE("ThreadPool: a nested parallel_for on the same pool runs inline and covers its range") {
  for (int spin : {0, kDefaultSpinMicroseconds}) {
    ThreadPool pool(2, spin);
    std::vector<std::atomic<int>> hits(4 * 37);
    for (auto& h : hits) h = 0;
    parallel_for(
        4,
        [&](std::int64_t ob, std::int64_t oe) {
          for (std::int64_t o = ob; o < oe; ++o) {
            const std::thread::id outer = std::this_thread::get_id();
            parallel_for(
                37,
                [&](std::int64_t b, std::int64_t e) {
                  CHECK((std::this_thread::get_id() == outer));  // inline on the task's own thread
                  for (std::int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(o * 37 + i)]++;
                },
                &pool);
          }
        },
        &pool);
    for (auto& h : hits) REQUIRE(h.load() == 1);
  }
}

TEST_CASE("ThreadPool: two threads sharing a pool both finish with every index covered") {
  ThreadPool pool(2);
  constexpr int kJobs = 300;
  std::atomic<int> bad{0};
  auto client = [&](int salt) {
    for (int j = 0; j < kJobs; ++j) {
      std::vector<int> v(static_cast<std::size_t>(50 + salt + j % 7), 0);
      parallel_for(
          static_cast<std::int64_t>(v.size()),
          [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) v[static_cast<std::size_t>(i)] += 1;
          },
          &pool);
      for (int x : v)
        if (x != 1) bad.fetch_add(1);
    }
  };
  std::thread a(client, 0), b(client, 3);
  a.join();
  b.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("ThreadPool: destruction while workers sleep, spin, or never ran a job") {
  { ThreadPool fresh(4); }  // workers may not even have started
  {
    ThreadPool spinning(2, 1000000);  // 1 s of spin: destroyed while the worker spins
    std::atomic<int> n{0};
    parallel_for(2, [&](std::int64_t, std::int64_t) { n++; }, &spinning);
    CHECK(n.load() == 2);
  }
  {
    ThreadPool sleeping(3, 0);
    std::atomic<int> n{0};
    parallel_for(3, [&](std::int64_t, std::int64_t) { n++; }, &sleeping);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the workers are blocked by now
    CHECK(n.load() == 3);
  }
  // Every destructor above returned: a shutdown that missed a worker hangs until the ctest timeout.
}

TEST_CASE("ThreadPool: idle workers sleep once the spin budget is spent, not before") {
  auto wait_asleep = [](const ThreadPool& pool, int want) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pool.sleeping_workers() != want && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return pool.sleeping_workers() == want;
  };
  std::atomic<int> n{0};
  auto job = [&](std::int64_t, std::int64_t) { n++; };
  {
    ThreadPool pool(3);  // the default budget: asleep within a fraction of a millisecond
    parallel_for(3, job, &pool);
    CHECK(wait_asleep(pool, 2));
    parallel_for(3, job, &pool);  // and woken again for the next job
    CHECK(n.load() == 6);
    CHECK(wait_asleep(pool, 2));
  }
  {
    ThreadPool pool(2, 0);  // spin 0: blocks at once
    parallel_for(2, job, &pool);
    CHECK(wait_asleep(pool, 1));
  }
  {
    ThreadPool pool(2, 10000000);  // a 10 s budget: still spinning 100 ms later
    parallel_for(2, job, &pool);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(pool.sleeping_workers() == 0);
  }  // and the destructor stops a spinning worker
}

#if LUODI_TEST_HAVE_CPU_CLOCK
namespace {
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}
// CPU the process burns during `ms` of idle wall time after one job on a 2-thread pool.
double idle_cpu_ms(int spin_us, int ms) {
  ThreadPool pool(2, spin_us);
  std::atomic<int> n{0};
  parallel_for(2, [&](std::int64_t, std::int64_t) { n++; }, &pool);
  const double c0 = process_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return process_cpu_ms() - c0;
}
}  // namespace

TEST_CASE("ThreadPool: an idle pool with the default spin burns no CPU") {
  // A worker that kept spinning would burn up to the whole 300 ms window; the default's spin ends
  // 200 us after the job. For scale, the MESSAGE also shows a pool told to spin for 10 s (how
  // much CPU that one gets depends on the machine's load, so it is not checked).
  const double dflt = idle_cpu_ms(kDefaultSpinMicroseconds, 300);
  const double zero = idle_cpu_ms(0, 300);
  const double spinning = idle_cpu_ms(10000000, 300);
  MESSAGE("CPU ms over 300 ms idle: default " << dflt << ", spin 0 " << zero << ", spin 10 s " << spinning);
  CHECK(dflt < 15.0);
  CHECK(zero < 15.0);
}
#endif
#endif
