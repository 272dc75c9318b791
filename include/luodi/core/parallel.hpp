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
// Nothing here allocates per call: the pool's workers are created once, and a job is a function
// reference that lives on the caller's stack.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "../config.hpp"

#if LUODI_HAS_THREADS
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

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

class Executor {
 public:
  virtual ~Executor() = default;
  // How many chunks may run at once (>= 1). parallel_for splits work into about this many.
  virtual int concurrency() const noexcept = 0;
  // Run task(i, i + 1) for every i in [0, tasks), in any order and on any threads, and return
  // when all have finished. Must not throw.
  virtual void run(std::int64_t tasks, RangeFn task) noexcept = 0;
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

#if LUODI_HAS_THREADS
// A fixed set of worker threads; the calling thread works too, so ThreadPool(2) starts one
// worker. Jobs from several threads are serialised.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
    workers_.reserve(static_cast<std::size_t>(threads_ - 1));
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int concurrency() const noexcept override { return threads_; }

  void run(std::int64_t tasks, RangeFn task) noexcept override {
    if (tasks <= 0) return;
    if (threads_ == 1 || tasks == 1) {
      for (std::int64_t i = 0; i < tasks; ++i) task(i, i + 1);
      return;
    }
    std::lock_guard<std::mutex> job_lock(job_mu_);  // one job at a time
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = &task;
      tasks_ = tasks;
      next_.store(0, std::memory_order_relaxed);
      done_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    std::int64_t mine = drain();
    std::unique_lock<std::mutex> lock(mu_);
    done_ += mine;
    finished_.wait(lock, [&] { return done_ == tasks_; });
    task_ = nullptr;
  }

 private:
  std::int64_t drain() noexcept {
    std::int64_t count = 0;
    for (;;) {
      const std::int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= tasks_) break;
      (*task_)(i, i + 1);
      ++count;
    }
    return count;
  }
  void worker_loop() {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || (generation_ != seen && task_ != nullptr); });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      const std::int64_t mine = drain();
      lock.lock();
      done_ += mine;
      if (done_ == tasks_) finished_.notify_one();
    }
  }

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex job_mu_;
  std::mutex mu_;
  std::condition_variable wake_, finished_;
  const RangeFn* task_ = nullptr;
  std::int64_t tasks_ = 0;
  std::atomic<std::int64_t> next_{0};
  std::int64_t done_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};
#endif

}  // namespace luodi
