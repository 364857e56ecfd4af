#include "runtime/strided_copy.h"

#include <cstring>

#include "runtime/row_walker.h"

namespace kite {

StridedCopy simplify(StridedCopy c) {
  StridedCopy out{{}, c.src_offset, {}, c.dst_offset, {}};
  for (size_t d = 0; d < c.shape.size(); ++d) {
    if (c.shape[d] == 0) return StridedCopy{{0}, c.src_offset, {1}, c.dst_offset, {1}};
    if (c.shape[d] == 1) continue;
    if (!out.shape.empty() && out.src_strides.back() == c.shape[d] * c.src_strides[d] &&
        out.dst_strides.back() == c.shape[d] * c.dst_strides[d]) {
      // The previous dimension steps over exactly this one in both buffers: fold them together.
      out.shape.back() *= c.shape[d];
      out.src_strides.back() = c.src_strides[d];
      out.dst_strides.back() = c.dst_strides[d];
      continue;
    }
    out.shape.push_back(c.shape[d]);
    out.src_strides.push_back(c.src_strides[d]);
    out.dst_strides.push_back(c.dst_strides[d]);
  }
  if (out.shape.empty()) out = StridedCopy{{1}, c.src_offset, {1}, c.dst_offset, {1}};
  return out;
}

namespace {

// One row of `width` elements; the element size is a template parameter so that the common
// sizes compile to plain loads and stores.
template <size_t kSize>
void copy_row_fixed(const char* src, int64_t src_step, char* dst, int64_t dst_step, int64_t width) {
  for (int64_t i = 0; i < width; ++i) std::memcpy(dst + i * dst_step, src + i * src_step, kSize);
}

void copy_row(const char* src, int64_t src_step, char* dst, int64_t dst_step, int64_t width, size_t es) {
  int64_t bytes = static_cast<int64_t>(es);
  if (src_step == bytes && dst_step == bytes) {
    std::memcpy(dst, src, static_cast<size_t>(width * bytes));
    return;
  }
  switch (es) {
    case 1: return copy_row_fixed<1>(src, src_step, dst, dst_step, width);
    case 2: return copy_row_fixed<2>(src, src_step, dst, dst_step, width);
    case 4: return copy_row_fixed<4>(src, src_step, dst, dst_step, width);
    case 8: return copy_row_fixed<8>(src, src_step, dst, dst_step, width);
    default:
      for (int64_t i = 0; i < width; ++i) std::memcpy(dst + i * dst_step, src + i * src_step, es);
  }
}

}  // namespace

void strided_copy(const StridedCopy& copy, const void* src, void* dst, size_t element_size, ThreadPool& pool) {
  StridedCopy c = simplify(copy);
  if (c.shape.back() == 0) return;
  std::vector<int64_t> dims(c.shape.begin(), c.shape.end() - 1);
  int64_t rows = 1;
  for (int64_t d : dims) rows *= d;
  int64_t width = c.shape.back();
  int64_t es = static_cast<int64_t>(element_size);
  const char* s = static_cast<const char*>(src) + c.src_offset * es;
  char* t = static_cast<char*>(dst) + c.dst_offset * es;
  int64_t src_step = c.src_strides.back() * es, dst_step = c.dst_strides.back() * es;
  // Small copies stay on the calling thread: waking the pool costs more than the copy.
  int64_t total_bytes = rows * width * es;
  auto run_rows = [&](int64_t r0, int64_t r1) {
    RowWalker<2> walk(dims, {c.src_strides.data(), c.dst_strides.data()}, r0);
    for (int64_t r = r0; r < r1; ++r, walk.next())
      copy_row(s + walk.offset(0) * es, src_step, t + walk.offset(1) * es, dst_step, width, element_size);
  };
  if (total_bytes < (64 << 10) || rows == 1)
    run_rows(0, rows);
  else
    pool.parallel_for(rows, run_rows);
}

}  // namespace kite
