#include "core/half.h"

#include <cmath>
#include <cstring>

namespace kite {

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

uint16_t double_to_half(double d) {
  uint16_t sign = std::signbit(d) ? 0x8000 : 0;
  double a = std::fabs(d);
  if (std::isnan(d)) return static_cast<uint16_t>(sign | 0x7e00);
  if (a >= 65520.0) return static_cast<uint16_t>(sign | 0x7c00);  // rounds past the largest half
  if (a < std::ldexp(1.0, -14)) {
    // Subnormal range: units of 2^-24, rounded to nearest even by nearbyint (default mode).
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(a, 24))));
  }
  int exponent;
  double fraction = std::frexp(a, &exponent);  // a = fraction * 2^exponent, fraction in [0.5, 1)
  // 11 significant bits: scale to [1024, 2048) and round to nearest even.
  double significand = std::nearbyint(std::ldexp(fraction, 11));
  if (significand == 2048.0) {
    significand = 1024.0;
    ++exponent;
  }
  int biased = exponent - 1 + 15;
  if (biased >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  return static_cast<uint16_t>(sign | (biased << 10) | (static_cast<int>(significand) - 1024));
}

uint16_t float_to_half(float f) { return double_to_half(static_cast<double>(f)); }

}  // namespace kite
