// Portable quantized Add: requantize_add element by element, the contract itself.
#include "kernels/q8_elementwise_kernels.h"
#include "kernels/requantize.h"

namespace kite {

void q8_add_generic(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  for (int64_t i = 0; i < count; ++i)
    y[i] = static_cast<uint8_t>(
        requantize_add(a[i], p.a_zero_point, b[i], p.b_zero_point, p.requant, p.y_zero_point, p.qmin, p.qmax));
}

}  // namespace kite
