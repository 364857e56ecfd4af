// A persistent pool of worker threads for data-parallel kernels. Work is split statically into
// one contiguous range per thread, so a kernel whose per-element arithmetic does not depend on
// the split gives bitwise identical results for any thread count.
#pragma once
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kite {

class ThreadPool {
 public:
  // `threads` counts the calling thread: 1 runs everything inline. 0 means one per core.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(begin, end) over [0, count) split into size() contiguous ranges (some may be empty),
  // and returns when all are done. The calling thread runs the first range. Not reentrant. If fn
  // throws, the first exception is rethrown here after every range has finished.
  void parallel_for(int64_t count, const std::function<void(int64_t begin, int64_t end)>& fn);

  static int hardware_threads();

 private:
  void worker_loop(int index);
  void run_range(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t count_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace kite
