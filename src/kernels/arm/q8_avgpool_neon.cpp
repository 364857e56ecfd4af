// NEON quantized global average pooling. Each step of 16 bytes is summed pairwise into eight
// uint16 lanes (UADDLP) and those pairwise into four uint32 lanes (UADALP); a plane's sum is at
// most 255 * 2^23, so no lane overflows. The zero point comes out once per plane, and the sum is
// requantized by requantize() itself (kernels/requantize.h).
#include <arm_neon.h>

#include <cstdint>

#include "kernels/q8_pool_kernels.h"
#include "kernels/requantize.h"

namespace kite {
namespace {

int64_t plane_sum(const uint8_t* x, int64_t n) {
  uint32x4_t sums = vdupq_n_u32(0);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) sums = vpadalq_u16(sums, vpaddlq_u8(vld1q_u8(x + i)));
  int64_t total = vaddvq_u32(sums);
  for (; i < n; ++i) total += x[i];
  return total;
}

}  // namespace

void q8_avgpool_neon(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                     const Q8GlobalAveragePoolParams& p) {
  for (int64_t c = 0; c < channels; ++c) {
    // Both terms are at most 255 * 2^23, so the difference fits an int32.
    const int64_t acc = plane_sum(x + c * plane, plane) - int64_t{p.x_zero_point} * plane;
    y[c] = static_cast<uint8_t>(requantize(static_cast<int32_t>(acc), p.scale, p.y_zero_point, p.qmin, p.qmax));
  }
}

}  // namespace kite
