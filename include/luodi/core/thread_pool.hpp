// ThreadPool: luodi's small built-in Executor (see parallel.hpp).
#pragma once

#include "parallel.hpp"

#if LUODI_HAS_THREADS
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace luodi {

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

}  // namespace luodi
#endif  // LUODI_HAS_THREADS
