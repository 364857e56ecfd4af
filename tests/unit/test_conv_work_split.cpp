// How the convolutions cut their work across threads (runtime/conv_plan.h): which maps count as
// few pixel items, and the chunks of output-channel panels they then take. The split changes no
// value (the node tests check 1, 2 and 4 threads bit for bit); these check that the chunks cover
// the panels once, in order, and that the fp32 chunks balance the threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/conv_plan.h"

namespace kite {
namespace {

// The panels each thread computes when parallel_for splits items x chunks work items into
// contiguous ranges, as the kernels do.
std::vector<int64_t> panels_per_thread(const PanelChunks& chunks, int64_t items, int threads) {
  const int64_t work = items * chunks.count, per = (work + threads - 1) / threads;
  std::vector<int64_t> share(static_cast<size_t>(threads), 0);
  for (int64_t w = 0; w < work; ++w) {
    const int64_t c = w % chunks.count;
    share[static_cast<size_t>(w / per)] += chunks.begin(c + 1) - chunks.begin(c);
  }
  return share;
}

TEST(ConvWorkSplit, FewPixelItems) {
  EXPECT_FALSE(few_pixel_items(1, 1));  // one thread: never
  // fp32: two items a thread, up to eight
  EXPECT_TRUE(few_pixel_items(3, 2));
  EXPECT_FALSE(few_pixel_items(4, 2));  // 14x14: four 64-pixel items
  EXPECT_TRUE(few_pixel_items(7, 4));
  EXPECT_FALSE(few_pixel_items(8, 16));
  // int8: eight whatever the threads
  EXPECT_TRUE(few_pixel_items(5, 2, SplitRule::kInt8));
  EXPECT_FALSE(few_pixel_items(8, 2, SplitRule::kInt8));
}

TEST(ConvWorkSplit, ChunksCoverThePanels) {
  for (SplitRule rule : {SplitRule::kFp32, SplitRule::kInt8})
    for (int threads : {1, 2, 3, 4, 8, 16})
      for (int64_t items = 1; items < 10; ++items)
        for (int64_t panels : {1, 2, 3, 5, 17, 35, 38, 43, 86}) {
          const PanelChunks chunks = panel_chunks(panels, items, threads, rule);
          const std::string where = "threads " + std::to_string(threads) + ", items " + std::to_string(items) +
                                    ", panels " + std::to_string(panels) + (rule == SplitRule::kInt8 ? ", int8" : "");
          ASSERT_GE(chunks.count, 1) << where;
          ASSERT_EQ(chunks.begin(0), 0) << where;
          ASSERT_EQ(chunks.begin(chunks.count), panels) << where;
          for (int64_t c = 0; c < chunks.count; ++c) {
            ASSERT_LT(chunks.begin(c), chunks.begin(c + 1)) << where << ": chunk " << c << " is empty";
            // Whole tile pairs but for the last panel (fp32), or chunks of 8 (int8).
            if (c + 1 < chunks.count) {
              ASSERT_EQ(chunks.begin(c + 1) % 2, 0) << where << ": chunk " << c;
            }
          }
          if (!few_pixel_items(items, threads, rule)) {
            EXPECT_EQ(chunks.count, 1) << where;
            continue;
          }
          if (rule == SplitRule::kInt8) {
            EXPECT_EQ(chunks.begin(1), std::min<int64_t>(panels, 8)) << where;
            continue;
          }
          // fp32: the threads' shares differ by no more than a pair of panels per work item.
          const std::vector<int64_t> share = panels_per_thread(chunks, items, threads);
          const auto [low, high] = std::minmax_element(share.begin(), share.end());
          const int64_t items_per_thread = (items * chunks.count + threads - 1) / threads;
          EXPECT_LE(*high - *low, 2 * items_per_thread) << where << ": shares " << *low << " .. " << *high;
          // Work items a multiple of the threads, where there are pairs of panels enough.
          if ((panels + 1) / 2 >= threads) {
            EXPECT_EQ(items * chunks.count % threads, 0) << where << ": " << chunks.count << " chunks";
            EXPECT_GT(*low, 0) << where << ": a thread without work";
          }
        }
}

// A 14x14 Winograd layer (one block of tiles) at two threads: two chunks, one each (the chunks of
// 8 panels left GoogLeNet's 96 -> 208, 35 panels, cut 24 / 11).
TEST(ConvWorkSplit, OneBlockTwoThreads) {
  const PanelChunks chunks = panel_chunks(35, 1, 2);
  EXPECT_EQ(chunks.count, 2);
  EXPECT_EQ(panels_per_thread(chunks, 1, 2), (std::vector<int64_t>{18, 17}));
  EXPECT_EQ(panel_chunks(35, 1, 2, SplitRule::kInt8).count, 5);
}

}  // namespace
}  // namespace kite
