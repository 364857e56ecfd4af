#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

namespace kite {

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
  for (int i = 1; i < total; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_flag_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);  // wakes spinning workers too
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

namespace {

// A pause hint for spin loops: lets the sibling hyper-thread run and saves power.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until `ready()` or about kSpin has passed; returns ready(). Inference runs one kernel
// after another, each a parallel_for; waking a sleeping thread costs tens of microseconds, as
// much as a small kernel, so threads wait this long awake before they sleep (short enough that
// an idle pool gives its cores back almost at once).
template <typename Ready>
bool spin_until(Ready ready) {
  constexpr auto kSpin = std::chrono::microseconds(50);
  auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return ready();
  }
}

}  // namespace

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    if (stopping_flag_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    run_range(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The caller may be asleep on done_: notify under the mutex so the wake-up cannot be lost.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t count, const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  if (workers_.empty() || count == 1) {
    fn(0, count);
    return;
  }
  job_ = &fn;
  count_ = count;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    // Publishing the generation under the mutex: a worker checking it before sleeping either
    // sees the new value or is already waiting when notify_all comes.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_.notify_all();
  run_range(0);
  if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
  }
  job_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace kite
