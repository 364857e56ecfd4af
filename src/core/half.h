// IEEE 754 binary16 ("half", fp16) conversions in portable C++, exact and round-to-nearest-even,
// for weights stored at half size and for Cast. Kernels use the CPU's conversion instructions.
#pragma once
#include <cstdint>

namespace kite {

float half_to_float(uint16_t h);
// Rounds to nearest, ties to even; overflow gives infinity, NaN stays NaN.
uint16_t float_to_half(float f);
// Rounds from double directly (not through float, which could round twice).
uint16_t double_to_half(double d);

}  // namespace kite
