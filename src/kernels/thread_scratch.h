// A per-thread scratch buffer for kernels' working memory (the GEMM drivers' packed B blocks, the
// depthwise kernels' padded planes, a convolution's padded input): allocated on a thread's first
// call, kept for the next ones, and grown where a larger one needs more. The thread pool's workers
// each pack their own column range into their own buffer; one caller's buffer may also be shared
// by the pool's threads for the length of a call (the convolutions' B packed once on small maps:
// as large as the largest such B, 1.2 MiB for a 7x7 layer with K = 4608). One buffer per Tag
// (the product it serves), 64-byte aligned, contents undefined, kept until the thread ends.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>

#include "core/aligned_alloc.h"

namespace kite {

// At least `bytes` (and at least `minimum`, the usual size, so that small products do not
// reallocate one after another).
// Never null, even for 0 bytes: callers hand it on as a base pointer and offset it (a GEMM with K =
// 0 still takes a B pointer), which a null pointer must not be.
template <typename Tag>
void* thread_scratch(int64_t bytes, int64_t minimum) {
  constexpr int64_t kLine = 64;
  thread_local std::shared_ptr<void> buffer;
  thread_local int64_t capacity = 0;
  if (bytes > capacity || !buffer) {
    capacity = std::max({bytes, minimum, kLine});
    buffer = allocate_aligned(static_cast<size_t>(capacity), false);
  }
  return buffer.get();
}

}  // namespace kite
