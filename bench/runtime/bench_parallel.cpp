// What one parallel_for costs on the built-in ThreadPool, as a node of a small model sees it.
//   BM_dispatch/<spin_us>          an empty two-task job, back to back: the pure round trip
//   BM_work/<spin_us>/<steps>      two tasks of <steps> dependent multiply-adds (~1 ns each), against
//   BM_work_serial/<steps>         the same work for both halves on the calling thread
//   BM_gap/<spin_us>/<gap_us>      a job after <gap_us> of serial work on the caller, as when a
//                                  model runs a few small nodes inline between parallel ones
// spin_us 0 is the plain blocking pool (the worker sleeps on a condition variable after each job);
// kDefaultSpinMicroseconds is luodi's default.
#include <benchmark/benchmark.h>
#include <luodi/core/parallel.hpp>
#include <luodi/core/thread_pool.hpp>

#include <cstdint>

#if LUODI_HAS_THREADS
namespace {

using namespace luodi;

// A chain of dependent multiply-adds: about 1 ns per step on a 4 GHz core (3-cycle multiply plus
// an add). Not calibrated at run time on purpose: a calibration taken while the machine is busy
// would skew every figure; compare BM_work with BM_work_serial of the same size instead.
std::uint64_t busy(std::int64_t steps, std::uint64_t seed) {
  std::uint64_t x = seed | 1;
  for (std::int64_t i = 0; i < steps; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
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
  const std::int64_t steps = state.range(1);
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
  const std::int64_t steps = state.range(0);
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
  const std::int64_t gap = state.range(1) * 1000;
  const std::int64_t steps = 2000;  // about 2 us per task
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
#endif

BENCHMARK_MAIN();
