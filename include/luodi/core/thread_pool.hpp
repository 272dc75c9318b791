// ThreadPool: luodi's small built-in Executor (see parallel.hpp).
//
// Why it is shaped this way: a CNN is a chain of nodes, and on small models (MobileNetV3-small,
// an OCR direction classifier) most nodes take 1-30 us. A pool whose workers sleep on a condition
// variable between nodes pays a futex wake per node, and the woken worker typically arrives
// (5-50 us later) after the calling thread has already done all the work itself: two threads then
// ran slower than one. So:
//   - Workers spin for a bounded time after each job (and the caller spins for a bounded time
//     while waiting for the last task), with a pause instruction, before blocking on a condition
//     variable. Back-to-back nodes find the worker awake; an idle application finds it asleep
//     after `spin_microseconds`. Spinning 0 us gives the plain blocking pool.
//   - Posting a job is a few atomic stores; the caller takes the condition-variable path only when
//     a worker actually sleeps (Dekker-style: the poster publishes the job then reads the sleeper
//     count; a worker counts itself as sleeping then re-checks for work, both seq_cst).
//   - The caller claims tasks like any worker, so it never idles while work is left, and when the
//     workers are slow to wake it simply runs everything itself.
//
// Tasks are claimed from one 64-bit word holding (task count, mask of claimed tasks). A claim is
// a CAS on that word, so a worker can only ever claim a task that is valid for the job current at
// the moment of the claim, and it reads the job's function only after a successful claim (the job
// cannot finish, so the caller's frame holding the function stays alive, until that task ends).
// No epoch is needed and nothing is allocated per job. Thread k takes task k first (the caller is
// thread 0): see drain() for why the split is static first and dynamic after.
//
// A task that calls run() on the same pool (nested parallel_for), and a second thread calling
// run() while a job is in flight, run their tasks inline on their own thread: results are the
// same, nothing deadlocks, and nobody waits for an unrelated job.
#pragma once

#include "parallel.hpp"

namespace luodi {
// How long an idle pool thread (and a caller waiting for its last task) spins before it blocks.
// Measured on a 2-core Zen 4 (docs/runtime.md, "Threads"): 0 us loses on every small model; the
// gaps between parallel nodes of MobileNet-class models are a few to a few tens of microseconds,
// so a budget of a few hundred keeps the worker awake through a whole inference, while an idle
// application stops burning a core within a fraction of a millisecond of its last run().
inline constexpr int kDefaultSpinMicroseconds = 200;
}  // namespace luodi

#if LUODI_HAS_THREADS
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#include <immintrin.h>
#endif

namespace luodi {
namespace detail {

// Tell the core we are in a spin-wait (frees pipeline resources for an SMT sibling, saves power).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
  _mm_pause();
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
  __asm__ __volatile__("yield");  // YIELD is an Armv6K/v7+ hint; older cores just spin
#endif
}

// The pool whose task the current thread is running (workers: their own pool, always; a caller:
// during its run()). Trivially initialised, so no constructor runs for it.
inline thread_local const void* tl_active_pool = nullptr;

}  // namespace detail

// A fixed set of worker threads; the calling thread works too, so ThreadPool(2) starts one
// worker. See the top of this file for how workers wait.
class ThreadPool final : public Executor {
 public:
  // min_flops_per_thread: see Executor::min_flops_per_thread (0 splits every conv and GEMM).
  explicit ThreadPool(int threads, int spin_microseconds = kDefaultSpinMicroseconds,
                      std::int64_t min_flops_per_thread = kMinFlopsPerThread)
      : threads_(threads < 1 ? 1 : threads),
        spin_ns_(spin_microseconds <= 0 ? 0 : std::int64_t(spin_microseconds) * 1000) {
    set_min_flops_per_thread(min_flops_per_thread);
    workers_.reserve(static_cast<std::size_t>(threads_ - 1));
#if LUODI_HAS_EXCEPTIONS
    try {
      for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
    } catch (...) {
      stop_workers();  // the workers already started must be joined before the throw leaves
      throw;
    }
#else
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
#endif
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() override { stop_workers(); }

  int concurrency() const noexcept override { return threads_; }
  int spin_microseconds() const noexcept { return static_cast<int>(spin_ns_ / 1000); }
  // Workers blocked on the condition variable right now (for tests and diagnostics).
  int sleeping_workers() const noexcept { return sleepers_.load(std::memory_order_relaxed); }

  void run(std::int64_t tasks, RangeFn task) noexcept override {
    if (tasks <= 0) return;
    // Serial: one thread, one task, a nested call from one of our own tasks, or another thread's
    // job in flight (then this caller does its own work rather than wait for an unrelated job).
    if (threads_ == 1 || tasks == 1 || detail::tl_active_pool == this || !job_mu_.try_lock()) {
      for (std::int64_t i = 0; i < tasks; ++i) task(i, i + 1);
      return;
    }
    const void* outer = detail::tl_active_pool;
    detail::tl_active_pool = this;
    for (std::int64_t base = 0; base < tasks;) {
      const std::int64_t n = tasks - base < kMaxBatch ? tasks - base : kMaxBatch;
      run_batch(base, n, task);
      base += n;
    }
    detail::tl_active_pool = outer;
    job_mu_.unlock();
  }

 private:
  // claim_ = (tasks << 56) | mask of claimed tasks: a job of more tasks runs in batches of 56.
  static constexpr std::int64_t kMaxBatch = 56;

  // The tasks of state `s` nobody has claimed yet.
  static std::uint64_t unclaimed(std::uint64_t s) noexcept {
    const std::uint64_t n = s >> 56;
    return ~s & ((std::uint64_t(1) << n) - 1);
  }
  static bool has_work(std::uint64_t s) noexcept { return unclaimed(s) != 0; }
  static int lowest_bit(std::uint64_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(v);
#else
    int i = 0;
    while (!(v & 1)) v >>= 1, ++i;
    return i;
#endif
  }

  void run_batch(std::int64_t base, std::int64_t n, const RangeFn& task) noexcept {
    task_ = &task;
    base_ = base;
    pending_.store(n, std::memory_order_relaxed);
    claim_.store(static_cast<std::uint64_t>(n) << 56, std::memory_order_seq_cst);  // publish
    store_load_fence();
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lock(mu_); }
      wake_.notify_all();
    }
    drain(0);
    if (spin([&] { return pending_.load(std::memory_order_acquire) == 0; })) return;
    std::unique_lock<std::mutex> lock(done_mu_);
    caller_waiting_.store(true, std::memory_order_seq_cst);
    store_load_fence();
    while (pending_.load(std::memory_order_seq_cst) != 0) done_.wait(lock);
    caller_waiting_.store(false, std::memory_order_relaxed);
  }

  // The two sides of each hand-off (publish a job / count a sleeper; finish the last task / say
  // the caller waits) each write one word and then read the other's, and must not both miss the
  // other's write. seq_cst stores and loads promise that in C++; a full fence between the write
  // and the read states it to every implementation as well. Why it is here: the ThreadPool tests
  // under qemu-aarch64 (on an x86 host) hung with the caller and both workers blocked (a missed
  // wake-up): 2 hangs in 210 stress runs without the fence, 0 in 210 with it. That points at
  // the store-load ordering of the emulated STLR/LDAR pair but does not prove it. Only the
  // sleep/wake paths and one task per job pay for the fence.
  static void store_load_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }

  // Poll `ready` for up to spin_ns_, with a pause between polls; true when it became true. The
  // clock is read every 16 polls, and every 256 polls the thread yields, so on an oversubscribed
  // machine a spinning thread hands its core to whoever can use it (often the thread it waits for).
  template <class Ready>
  bool spin(Ready&& ready) const noexcept {
    if (spin_ns_ <= 0) return ready();
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns_);
    for (unsigned k = 1;; ++k) {
      if (ready()) return true;
      detail::cpu_relax();
      if ((k & 15u) == 0) {
        if (std::chrono::steady_clock::now() >= until) return ready();
        if ((k & 255u) == 0) std::this_thread::yield();
      }
    }
  }

  // Claim and run tasks until none is left to claim. Thread `self` (the caller is 0, worker k is
  // k) first takes task `self` if it is still free, then any free task, lowest first. A static
  // split then keeps its affinity from node to node and run to run (task 1 of every job, hence
  // the same part of each tensor, lands on the same core while the worker is awake), and a
  // thread that finishes early still takes over whatever a slow or sleeping thread has not begun.
  void drain(int self) noexcept {
    bool first = true;
    for (;;) {
      std::uint64_t s = claim_.load(std::memory_order_acquire);
      int i;
      do {
        const std::uint64_t free = unclaimed(s);
        if (free == 0) return;
        i = (first && self < kMaxBatch && ((free >> self) & 1u)) ? self : lowest_bit(free);
      } while (!claim_.compare_exchange_weak(s, s | (std::uint64_t(1) << i), std::memory_order_acq_rel,
                                             std::memory_order_acquire));
      first = false;
      const std::int64_t t = base_ + i;
      (*task_)(t, t + 1);
      if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 && self != 0 && (store_load_fence(), true) &&
          caller_waiting_.load(std::memory_order_seq_cst)) {
        { std::lock_guard<std::mutex> lock(done_mu_); }
        done_.notify_one();
      }
    }
  }

  void stop_workers() noexcept {
    stop_.store(true, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lock(mu_); }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Spin, then sleep, until there is work (true) or the pool stops (false).
  bool wait_for_work() noexcept {
    if (spin([&] { return has_work(claim_.load(std::memory_order_acquire)) || stop_.load(std::memory_order_relaxed); }))
      return !stop_.load(std::memory_order_relaxed);
    std::unique_lock<std::mutex> lock(mu_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    store_load_fence();
    while (!stop_.load(std::memory_order_seq_cst) && !has_work(claim_.load(std::memory_order_seq_cst))) wake_.wait(lock);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return !stop_.load(std::memory_order_relaxed);
  }

  void worker_loop(int self) noexcept {
    detail::tl_active_pool = this;
    while (wait_for_work()) drain(self);
  }

  const int threads_;
  const std::int64_t spin_ns_;
  std::vector<std::thread> workers_;
  std::mutex job_mu_;  // one job at a time

  // The job: written by the caller before claim_ is published, read after a successful claim.
  const RangeFn* task_ = nullptr;
  std::int64_t base_ = 0;
  // Hot words on their own cache lines: claim_ is hammered by spinning workers, pending_ by the
  // waiting caller.
  alignas(64) std::atomic<std::uint64_t> claim_{0};  // (tasks << 56) | mask of claimed tasks
  alignas(64) std::atomic<std::int64_t> pending_{0};  // tasks not yet finished
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_waiting_{false};
  std::atomic<bool> stop_{false};

  std::mutex mu_;  // guards the workers' sleep
  std::condition_variable wake_;
  std::mutex done_mu_;  // guards the caller's sleep
  std::condition_variable done_;
};

}  // namespace luodi
#endif  // LUODI_HAS_THREADS
