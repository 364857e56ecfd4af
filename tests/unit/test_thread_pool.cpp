#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "runtime/thread_pool.h"

namespace kite {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (int64_t count : {1, 2, 5, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
      for (int repeat = 0; repeat < 20; ++repeat)
        pool.parallel_for(count, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        });
      for (int64_t i = 0; i < count; ++i) EXPECT_EQ(hits[static_cast<size_t>(i)], 20) << threads << " " << count;
    }
  }
}

TEST(ThreadPool, RangesAreContiguousAndStatic) {
  ThreadPool pool(3);
  std::vector<std::pair<int64_t, int64_t>> seen(3, {-1, -1});
  std::mutex m;
  pool.parallel_for(10, [&](int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(m);
    seen[static_cast<size_t>(begin / 4)] = {begin, end};
  });
  EXPECT_EQ(seen[0], (std::pair<int64_t, int64_t>{0, 4}));
  EXPECT_EQ(seen[1], (std::pair<int64_t, int64_t>{4, 8}));
  EXPECT_EQ(seen[2], (std::pair<int64_t, int64_t>{8, 10}));
}

// More threads than cores, many short jobs: the caller runs the ranges of workers the OS has not
// scheduled yet, and workers late for a job must not run a range twice or one of the next job.
// Every job still runs exactly the static split's ranges, each once.
TEST(ThreadPool, RangesRunOnceWhoeverRunsThem) {
  ThreadPool pool(6);
  for (int job = 0; job < 3000; ++job) {
    const int64_t count = 1 + job % 23;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
    std::mutex m;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    pool.parallel_for(count, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
      std::lock_guard<std::mutex> lock(m);
      ranges.push_back({begin, end});
    });
    for (int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << "job " << job << " index " << i;
    std::vector<std::pair<int64_t, int64_t>> want;
    const int64_t per = (count + 5) / 6;
    for (int64_t b = 0; b < count; b += per) want.push_back({b, std::min(count, b + per)});
    std::sort(ranges.begin(), ranges.end());
    ASSERT_EQ(ranges, want) << "job " << job;
  }
}

TEST(ThreadPool, RethrowsAWorkersExceptionAfterAllRangesFinish) {
  ThreadPool pool(4);
  std::atomic<int> finished{0};
  EXPECT_THROW(pool.parallel_for(4,
                                 [&](int64_t begin, int64_t) {
                                   if (begin == 3) throw std::runtime_error("range 3 failed");
                                   finished++;
                                 }),
               std::runtime_error);
  EXPECT_EQ(finished, 3);
  // The pool still works afterwards.
  std::atomic<int> hits{0};
  pool.parallel_for(8, [&](int64_t begin, int64_t end) { hits += static_cast<int>(end - begin); });
  EXPECT_EQ(hits, 8);
}

}  // namespace
}  // namespace kite
