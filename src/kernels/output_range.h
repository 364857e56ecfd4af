// Which output positions of a sliding window see a given tap inside the input (not in the
// padding). Kernels use it to split a row into a bounds-check-free middle and padded edges.
#pragma once
#include <cstdint>

namespace kite {

struct OutputRange {
  int64_t begin = 0;
  int64_t end = 0;  // exclusive; begin == end when no output qualifies
};

// The outputs o in [0, out) whose input position o * stride + offset lies in [0, in), where
// `offset` is the tap's position inside the window minus the leading padding. They are
// consecutive, because the input position grows with o.
// Internal linkage (static): each translation unit keeps its own copy, so the copy compiled into
// an AVX2 kernel file can never be the one that the linker hands to code for any CPU.
static inline OutputRange outputs_inside(int64_t in, int64_t out, int64_t stride, int64_t offset) {
  int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t last_input = in - 1 - offset;  // o * stride must not pass it
  // Plain comparisons rather than std::min: no template instance that an ISA-specific kernel file
  // could share with code for any CPU.
  const int64_t last_output = last_input / stride + 1;
  int64_t end = last_input < 0 ? 0 : (out < last_output ? out : last_output);
  return {begin < end ? begin : end, end};
}

}  // namespace kite
