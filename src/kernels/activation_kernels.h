// The implementations behind activation_f32 (kernels/activation.cpp picks one), one per ISA.
// Internal to src/kernels.
#pragma once
#include "kernels/activation.h"

namespace kite {

void f32_activation_generic(const ActivationParams& p, const float* x, float* y, int64_t n);
// AVX2 + FMA3 (kernels/x86/f32_activation_fma3.cpp): only called when cpu_has_avx2_fma().
void f32_activation_fma3(const ActivationParams& p, const float* x, float* y, int64_t n);
// AVX-512 (kernels/x86/f32_activation_avx512.cpp), the same bits as the AVX2 one: only called when
// cpu_has_avx512().
void f32_activation_avx512(const ActivationParams& p, const float* x, float* y, int64_t n);
// NEON (kernels/arm/f32_activation_neon.cpp): only compiled for AArch64.
void f32_activation_neon(const ActivationParams& p, const float* x, float* y, int64_t n);

}  // namespace kite
