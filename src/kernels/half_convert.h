// Conversions between IEEE binary16 (fp16) and f32 arrays: `kite convert --fp16` narrows weights
// to fp16 for the file, and the .kite reader widens them back to f32 once, when the model loads.
//
// Every implementation gives the results of core/half.h's half_to_float and float_to_half:
// widening is exact, narrowing rounds to nearest even (overflow to infinity, subnormals kept). A
// NaN stays a NaN of the same sign; only its payload bits may differ between implementations.
// The implementation (F16C on x86-64, NEON on AArch64, portable C++ otherwise) is chosen at run
// time; see kernels/cpu_features.h.
#pragma once
#include <cstdint>

namespace kite {

// dst[i] = half_to_float(src[i]) for i in [0, n).
void f16_to_f32(const uint16_t* src, float* dst, int64_t n);
// dst[i] = float_to_half(src[i]) for i in [0, n).
void f32_to_f16(const float* src, uint16_t* dst, int64_t n);

// "half_convert_f16c", "half_convert_neon" or "half_convert_generic".
const char* half_convert_kernel_name();

}  // namespace kite
