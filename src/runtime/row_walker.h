// Walks the rows of a row-major N-d iteration space (every dimension but the last), keeping the
// flat offset of the current row in each of several operands, each with its own strides (0
// along a broadcast dimension). Moving to the next row is an odometer step: a few adds, no
// division, no allocation. The runtime kernels that broadcast, transpose, slice or pad all walk
// their data this way; a thread starts at any row of its range with one division per dimension.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace kite {

template <size_t N>
class RowWalker {
 public:
  // `dims` are the leading dimensions (the row index space), kept by reference: they must outlive
  // the walker. strides[k][d] is operand k's stride along dims[d]. The walk starts at row `first` (0 <= first <= product of dims).
  RowWalker(const std::vector<int64_t>& dims, const std::array<const int64_t*, N>& strides, int64_t first)
      : dims_(dims), strides_(strides), index_(dims.size(), 0) {
    offsets_.fill(0);
    int64_t rest = first;
    for (size_t d = dims_.size(); d-- > 0;) {
      if (dims_[d] == 0) return;
      index_[d] = rest % dims_[d];
      rest /= dims_[d];
      for (size_t k = 0; k < N; ++k) offsets_[k] += index_[d] * strides_[k][d];
    }
  }

  int64_t offset(size_t k) const { return offsets_[k]; }

  void next() {
    for (size_t d = dims_.size(); d-- > 0;) {
      if (++index_[d] < dims_[d]) {
        for (size_t k = 0; k < N; ++k) offsets_[k] += strides_[k][d];
        return;
      }
      index_[d] = 0;
      for (size_t k = 0; k < N; ++k) offsets_[k] -= (dims_[d] - 1) * strides_[k][d];
    }
  }

 private:
  const std::vector<int64_t>& dims_;
  std::array<const int64_t*, N> strides_;
  std::vector<int64_t> index_;
  std::array<int64_t, N> offsets_;
};

}  // namespace kite
