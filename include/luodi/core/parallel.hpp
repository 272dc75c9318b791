// parallel_for and the executors behind it.
//
// luodi is single-threaded unless asked otherwise. A caller who wants threads passes an
// Executor: either the small built-in ThreadPool, or an adapter over the product's own task
// system (implement Executor::run). Kernels split work with parallel_for(n, fn, executor);
// fn(begin, end) receives contiguous chunks of [0, n).
//
// How work is split never changes what a kernel computes for a given output element: kernels
// partition over independent outputs, so results do not depend on the thread count (beyond the
// reassociation a kernel documents, e.g. a split-K GEMM, which luodi does not use).
//
// Nothing here allocates per call: a job is a function reference that lives on the caller's stack.
// The built-in ThreadPool is in thread_pool.hpp, deliberately not included here: kernels include
// this header, and a visible `final` executor lets GCC speculatively devirtualise run() into
// per-ISA dispatch objects (see "the one rule" in docs/architecture.md).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "../config.hpp"

namespace luodi {

// A non-owning reference to a callable: void(std::int64_t begin, std::int64_t end).
class RangeFn {
 public:
  template <class F, class = std::enable_if_t<!std::is_same<std::decay_t<F>, RangeFn>::value>>
  RangeFn(F& f) noexcept  // NOLINT: implicit, like std::function_ref
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, std::int64_t b, std::int64_t e) { (*static_cast<F*>(o))(b, e); }) {}
  void operator()(std::int64_t begin, std::int64_t end) const { call_(obj_, begin, end); }

 private:
  void* obj_;
  void (*call_)(void*, std::int64_t, std::int64_t);
};

// The least FLOPs per thread worth a split, by default: about 2 us of a small conv at the 40-60
// GFLOP/s such convs reach on one Zen 4 core. Handing a task to a waiting worker costs 0.2-1 us
// (a few cache lines cross cores; more when the worker must be woken), and the worker then pulls
// its share of the input from the other core's cache, so a node of a few microseconds is faster
// whole on the calling thread (measured: docs/runtime.md, "Threads").
inline constexpr std::int64_t kMinFlopsPerThread = 100000;

class Executor {
 public:
  virtual ~Executor() = default;
  // How many chunks may run at once (>= 1). parallel_for splits work into about this many.
  virtual int concurrency() const noexcept = 0;
  // Run task(i, i + 1) for every i in [0, tasks), in any order and on any threads, and return
  // when all have finished. Must not throw.
  virtual void run(std::int64_t tasks, RangeFn task) noexcept = 0;

  // The least work (FLOPs, 2 x multiply-adds) worth handing one more thread: kernels that split
  // by thread (conv, GEMM) run smaller nodes whole on the caller (see useful_threads). 0 splits
  // everything (tests use it to cover the split paths at small sizes). A plain member, not a
  // virtual: a virtual with a body here would let GCC speculatively devirtualise it into the
  // per-ISA dispatch objects (see "the one rule" in docs/architecture.md).
  std::int64_t min_flops_per_thread() const noexcept { return min_flops_per_thread_; }
  void set_min_flops_per_thread(std::int64_t flops) noexcept { min_flops_per_thread_ = flops < 0 ? 0 : flops; }

 private:
  std::int64_t min_flops_per_thread_ = kMinFlopsPerThread;
};

// Split [0, n) into at most executor->concurrency() chunks of at least `grain` items and run
// fn(begin, end) on each. Without an executor (or n below two grains) it calls fn(0, n) inline.
template <class F>
void parallel_for(std::int64_t n, F&& fn, Executor* executor = nullptr, std::int64_t grain = 1) noexcept {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int conc = executor ? executor->concurrency() : 1;
  std::int64_t chunks = n / grain;
  if (chunks > conc) chunks = conc;
  if (chunks <= 1 || executor == nullptr) {
    fn(std::int64_t(0), n);
    return;
  }
  const std::int64_t base = n / chunks, extra = n % chunks;
  auto task = [&](std::int64_t i, std::int64_t) {
    // Chunk i covers [begin, end): the first `extra` chunks take one more item.
    const std::int64_t begin = i * base + (i < extra ? i : extra);
    const std::int64_t end = begin + base + (i < extra ? 1 : 0);
    fn(begin, end);
  };
  executor->run(chunks, RangeFn(task));
}

// A work estimate from a product of dims, in double so that no shape can overflow it (a model
// file may declare any dims), clamped to the int64 range.
inline std::int64_t clamp_flops(double flops) noexcept {
  return flops >= 9.2e18 ? std::int64_t(9200000000000000000) : flops < 0 ? 0 : static_cast<std::int64_t>(flops);
}

// How many of the executor's threads a run of `flops` should use: kernels that split by thread
// index rather than by items (conv, GEMM) ask here. The kernels' results do not depend on it.
inline std::int64_t useful_threads(const Executor* executor, std::int64_t flops) noexcept {
  if (executor == nullptr) return 1;
  const std::int64_t conc = executor->concurrency() < 1 ? 1 : executor->concurrency();
  const std::int64_t min = executor->min_flops_per_thread();
  if (conc == 1 || min <= 0) return conc;
  const std::int64_t t = flops / min;
  return t < 1 ? 1 : t < conc ? t : conc;
}

}  // namespace luodi
