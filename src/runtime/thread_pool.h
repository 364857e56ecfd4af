// A persistent pool of worker threads for data-parallel kernels. Work is split statically into
// one contiguous range per thread, so a kernel whose per-element arithmetic does not depend on
// the split gives bitwise identical results for any thread count.
//
// Each range is claimed once, by whichever thread gets to it first: a worker claims its own when it
// sees the job, and the caller, after its own range, claims those no worker has started yet. The
// ranges stay the same; only who runs them changes. A worker that the OS has not scheduled (a
// loaded machine, more threads than free cores) then no longer holds the whole job up: the
// caller runs its range instead of waiting for it to wake.
//
// Waiting: a thread that has nothing to do spins for a while (kSpin) before it sleeps on a
// condition variable, workers for the next job and the caller for the ranges to finish. A model
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
#include <memory>
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
  // Runs range `index` of job `generation` if no thread has claimed it yet; returns whether it did.
  bool claim_and_run(int index, uint64_t generation);
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
  // Range i's claim: the generation of the last job whose range i a thread took (claim_and_run);
  // one cache line each, as each worker writes its own.
  struct alignas(64) Claim {
    std::atomic<uint64_t> generation{0};
  };
  std::unique_ptr<Claim[]> claimed_;
  std::atomic<int> unfinished_{0};  // ranges of the current job not yet run
  std::atomic<bool> stopping_{false};    // set with a last generation, by the destructor
  std::exception_ptr error_;
};

}  // namespace kite
