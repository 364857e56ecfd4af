#include "core/aligned_alloc.h"

#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <new>

namespace kite {

std::shared_ptr<void> allocate_aligned(size_t bytes, bool zero_fill) {
  // Rounding a size within kAlignment of SIZE_MAX up would wrap around to a tiny allocation.
  if (bytes > SIZE_MAX - kAlignment) throw std::bad_alloc();
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  if (zero_fill) std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace kite
