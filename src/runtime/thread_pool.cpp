#include "runtime/thread_pool.h"

#include <algorithm>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

namespace kite {
namespace {

// Tells the core that this is a spin-wait loop: it yields the pipeline to the other hardware
// thread and saves power.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

}  // namespace

template <typename Ready>
bool ThreadPool::spin_until(Ready ready) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    const auto spun = std::chrono::steady_clock::now() - start;
    if (spun >= kSpin) return ready();
    // Past the first stretch, let the OS run another thread here: with more threads than cores
    // (tests run 4 on 2), the thread still computing may be waiting for this core.
    if (spun >= kSpin / 8) std::this_thread::yield();
  }
}

int ThreadPool::hardware_threads() {
#if defined(__linux__)
  // The cores this process may run on (taskset, cgroups' cpusets), not all the machine's.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) {
  int total = threads <= 0 ? hardware_threads() : threads;
  claimed_ = std::make_unique<Claim[]>(static_cast<size_t>(total));
  for (int i = 1; i < total; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // ends the spinning too
  }
  start_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_range(int index) {
  int64_t per = (count_ + size() - 1) / size();
  int64_t begin = std::min(count_, per * index), end = std::min(count_, begin + per);
  if (begin >= end) return;
  // An exception must not escape a worker (std::terminate) nor leave the others running a job
  // whose caller is gone: the first one is kept and rethrown by parallel_for once all are done.
  try {
    (*job_)(begin, end);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

bool ThreadPool::claim_and_run(int index, uint64_t generation) {
  // Claimed for this job unless a thread already did (the value is then this generation). A worker
  // late for an earlier job fails here too: that job's ranges were all claimed before it ended,
  // so job_ and count_, read only after a claim succeeds, are always the claimed job's.
  std::atomic<uint64_t>& claim = claimed_[static_cast<size_t>(index)].generation;
  uint64_t seen = claim.load(std::memory_order_relaxed);
  do {
    if (seen >= generation) return false;
  } while (!claim.compare_exchange_weak(seen, generation, std::memory_order_acq_rel, std::memory_order_relaxed));
  run_range(index);
  if (unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // Under the mutex, so that the caller cannot miss it between its check and its wait.
    std::lock_guard<std::mutex> lock(mutex_);
    done_.notify_one();
  }
  return true;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // The acquire load that sees a new generation also sees the job_ and count_ written before it.
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_relaxed)) return;  // written before that generation
    claim_and_run(index, seen);
  }
}

void ThreadPool::parallel_for(int64_t count, const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  if (workers_.empty() || count == 1) {
    fn(0, count);
    return;
  }
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    count_ = count;
    unfinished_.store(size(), std::memory_order_relaxed);
    generation = generation_.fetch_add(1, std::memory_order_release) + 1;
  }
  start_.notify_all();
  claim_and_run(0, generation);
  // The ranges no worker has started yet, from the last (the workers woken last): run here.
  for (int i = size() - 1; i > 0 && unfinished_.load(std::memory_order_acquire) > 0; --i) claim_and_run(i, generation);
  // The acquire load that sees 0 also sees everything the other threads wrote.
  if (!spin_until([&] { return unfinished_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return unfinished_.load(std::memory_order_acquire) == 0; });
  }
  std::lock_guard<std::mutex> lock(mutex_);
  job_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace kite
