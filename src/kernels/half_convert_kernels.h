// The implementations behind f16_to_f32 and f32_to_f16 (kernels/half_convert.cpp picks one), one
// per ISA. Internal to src/kernels.
#pragma once
#include <cstdint>

namespace kite {

void f16_to_f32_generic(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16_generic(const float* src, uint16_t* dst, int64_t n);
// F16C (kernels/x86/half_convert_f16c.cpp, compiled with AVX2 and FMA like every file there):
// only called when cpu_has_f16c() and cpu_has_avx2_fma().
void f16_to_f32_f16c(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16_f16c(const float* src, uint16_t* dst, int64_t n);
// NEON (kernels/arm/half_convert_neon.cpp): only compiled for AArch64.
void f16_to_f32_neon(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16_neon(const float* src, uint16_t* dst, int64_t n);

}  // namespace kite
