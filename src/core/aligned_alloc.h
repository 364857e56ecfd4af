// 64-byte aligned, zero-filled storage: one cache line, and the widest vector load any kernel
// uses, so kernels never need a misaligned prologue for data kite allocated itself.
#pragma once
#include <cstddef>
#include <memory>

namespace kite {

constexpr size_t kAlignment = 64;

// Zero-filled unless `zero_fill` is false (for buffers a kernel overwrites entirely: clearing
// them first would cost a pass over memory for nothing).
std::shared_ptr<void> allocate_aligned(size_t bytes, bool zero_fill = true);

}  // namespace kite
