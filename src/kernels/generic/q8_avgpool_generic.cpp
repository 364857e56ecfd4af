// Portable quantized global average pooling: each plane summed in int32 (a loop compilers
// vectorize), the zero point taken out once per plane, then requantized.
#include "kernels/q8_pool_kernels.h"
#include "kernels/requantize.h"

namespace kite {

void q8_avgpool_generic(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                        const Q8GlobalAveragePoolParams& p) {
  for (int64_t c = 0; c < channels; ++c) {
    const uint8_t* xc = x + c * plane;
    int32_t sum = 0;  // at most 255 * 2^23
    for (int64_t i = 0; i < plane; ++i) sum += xc[i];
    // Both terms are at most 255 * 2^23 < 2^31, so the difference is exact.
    const int32_t acc = sum - static_cast<int32_t>(p.x_zero_point * plane);
    y[c] = static_cast<uint8_t>(requantize(acc, p.scale, p.y_zero_point, p.qmin, p.qmax));
  }
}

}  // namespace kite
