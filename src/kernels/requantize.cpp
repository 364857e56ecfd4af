#include "kernels/requantize.h"

namespace kite {

void quantize_u8_block(const float* x, uint8_t* y, int64_t count, float scale, int32_t zero_point) {
  float lo = static_cast<float>(-zero_point), hi = static_cast<float>(255 - zero_point);
  for (int64_t i = 0; i < count; ++i) {
    float v = x[i] / scale;
    v = v != v ? 0.f : v;
    v = std::min(std::max(v, lo), hi);
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(round_half_even(v)) + zero_point);
  }
}

void requantize_u8_block(const int32_t* acc, uint8_t* y, int64_t count, float scale, int32_t zero_point, int32_t qmin,
                         int32_t qmax) {
  // requantize() with its range test hoisted: a uint8 range always rounds exactly.
  const float lo = static_cast<float>(qmin - zero_point), hi = static_cast<float>(qmax - zero_point);
  for (int64_t i = 0; i < count; ++i) {
    float v = static_cast<float>(acc[i]) * scale;
    v = std::min(std::max(v, lo), hi);
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(round_half_even(v)) + zero_point);
  }
}

}  // namespace kite
