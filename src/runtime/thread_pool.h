// A persistent pool of worker threads for data-parallel kernels. Work is split statically into
// one contiguous range per thread, so a kernel whose per-element arithmetic does not depend on
// the split gives bitwise identical results for any thread count.
//
// Waiting: a thread that has nothing to do spins for a while (kSpin) before it sleeps on a
// condition variable, workers for the next job and the caller for the workers to finish. A model
// runs one parallel_for per node, a few hundred per inference, often 20 to 100 microseconds
// apart; waking a sleeping thread costs tens of microseconds on some virtual machines (measured:
// ShuffleNet v2 at two threads took 9.0 ms against 3.3 ms at one, where every job woke its
// worker from sleep), and spinning keeps it to the time a cache line takes to move.
#pragma once
#include <atomic>
#include <chrono>
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
  // Spins until ready() or kSpin has passed; returns ready().
  template <typename Ready>
  static bool spin_until(Ready ready);

  static constexpr std::chrono::microseconds kSpin{200};

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  // Written under mutex_ before generation_ moves on, read by the workers after they see it move.
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t count_ = 0;
  std::atomic<uint64_t> generation_{0};  // one more per job; changed under mutex_
  std::atomic<int> pending_{0};          // workers still running the current job
  std::atomic<bool> stopping_{false};    // set with a last generation, by the destructor
  std::exception_ptr error_;
};

}  // namespace kite
