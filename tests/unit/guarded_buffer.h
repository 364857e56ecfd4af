// Test buffers placed against inaccessible pages, for kernels whose SIMD loads could reach past
// a tensor (masked loads included, which a sanitizer does not check): `count` elements that end
// exactly where a PROT_NONE page begins (guard_after) or begin exactly where one ends, so that
// touching one element past that side crashes the test.
#pragma once
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <vector>

namespace kite::test {

template <typename T>
class Guarded {
 public:
  Guarded(const T* values, size_t count, bool guard_after) : count_(count) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t bytes = count * sizeof(T);
    size_t data_pages = (bytes + page - 1) / page + (bytes == 0);
    bytes_ = (data_pages + 2) * page;
    map_ = static_cast<char*>(mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(map_, MAP_FAILED);
    mprotect(map_, page, PROT_NONE);
    mprotect(map_ + (data_pages + 1) * page, page, PROT_NONE);
    data_ = reinterpret_cast<T*>(guard_after ? map_ + (data_pages + 1) * page - bytes : map_ + page);
    if (bytes > 0) std::memcpy(data_, values, bytes);
  }
  ~Guarded() { munmap(map_, bytes_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  T* data() { return data_; }
  std::vector<T> values() const { return std::vector<T>(data_, data_ + count_); }

 private:
  char* map_ = nullptr;
  size_t bytes_ = 0;
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace kite::test
