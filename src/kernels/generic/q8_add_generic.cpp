// Portable quantized Add: requantize_add element by element, the contract itself.
#include "kernels/q8_elementwise_kernels.h"
#include "kernels/requantize.h"

namespace kite {

void q8_add_generic(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  // The parameters in locals: stores through a uint8_t pointer may alias anything, and would make
  // the compiler reload them for every element instead of vectorizing the loop.
  const int32_t za = p.a_zero_point, zb = p.b_zero_point, zy = p.y_zero_point, qmin = p.qmin, qmax = p.qmax;
  const AddRequant r = p.requant;
  for (int64_t i = 0; i < count; ++i)
    y[i] = static_cast<uint8_t>(requantize_add(a[i], za, b[i], zb, r, zy, qmin, qmax));
}

}  // namespace kite
