// What one parallel_for costs on the built-in ThreadPool, as a node of a small model sees it.
//   BM_dispatch/<spin_us>          an empty two-task job, back to back: the pure round trip
//   BM_work/<spin_us>/<ns>         two tasks of about <ns> of arithmetic each, against
//   BM_work_serial/<ns>            the same work for both halves on the calling thread
//   BM_gap/<spin_us>/<gap_us>      a job after <gap_us> of serial work on the caller, as when a
//                                  model runs a few small nodes inline between parallel ones
// spin_us 0 is the plain blocking pool (the worker sleeps on a condition variable after each job);
// kDefaultSpinMicroseconds is luodi's default.
#include <benchmark/benchmark.h>
#include <luodi/core/parallel.hpp>
#include <luodi/core/thread_pool.hpp>

#include <chrono>
#include <cstdint>

namespace {

using namespace luodi;

// A chain of dependent multiply-adds: `steps` of them take steps / steps_per_us() microseconds.
std::uint64_t busy(std::int64_t steps, std::uint64_t seed) {
  std::uint64_t x = seed | 1;
  for (std::int64_t i = 0; i < steps; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

std::int64_t steps_per_us() {
  static const double r = [] {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(busy(10000000, 7));
    const auto t1 = std::chrono::steady_clock::now();
    return 1e7 / std::chrono::duration<double, std::nano>(t1 - t0).count();
  }();
  return r < 0.01 ? 1 : static_cast<std::int64_t>(r * 1000);  // steps per microsecond
}

void BM_dispatch(benchmark::State& state) {
  ThreadPool pool(2, static_cast<int>(state.range(0)));
  std::int64_t sink = 0;
  for (auto _ : state) {
    parallel_for(2, [&](std::int64_t b, std::int64_t) { benchmark::DoNotOptimize(sink += b); }, &pool);
  }
}
BENCHMARK(BM_dispatch)->Arg(0)->Arg(kDefaultSpinMicroseconds)->UseRealTime();

void BM_work(benchmark::State& state) {
  ThreadPool pool(2, static_cast<int>(state.range(0)));
  const std::int64_t steps = steps_per_us() * state.range(1) / 1000;
  std::uint64_t out[2] = {};
  for (auto _ : state) {
    parallel_for(
        2, [&](std::int64_t b, std::int64_t) { out[b] = busy(steps, static_cast<std::uint64_t>(b)); }, &pool);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_work)
    ->ArgsProduct({{0, kDefaultSpinMicroseconds}, {500, 2000, 10000}})
    ->UseRealTime();

void BM_work_serial(benchmark::State& state) {
  const std::int64_t steps = steps_per_us() * state.range(0) / 1000;
  std::uint64_t out[2] = {};
  for (auto _ : state) {
    parallel_for(2, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) out[i] = busy(steps, static_cast<std::uint64_t>(i));
    });
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_work_serial)->Arg(500)->Arg(2000)->Arg(10000)->UseRealTime();

void BM_gap(benchmark::State& state) {
  ThreadPool pool(2, static_cast<int>(state.range(0)));
  const std::int64_t gap = steps_per_us() * state.range(1);
  const std::int64_t steps = steps_per_us() * 2;  // 2 us per task
  std::uint64_t out[2] = {};
  for (auto _ : state) {
    benchmark::DoNotOptimize(busy(gap, 3));
    parallel_for(
        2, [&](std::int64_t b, std::int64_t) { out[b] = busy(steps, static_cast<std::uint64_t>(b)); }, &pool);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_gap)->ArgsProduct({{0, 50, kDefaultSpinMicroseconds}, {5, 30, 100}})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
