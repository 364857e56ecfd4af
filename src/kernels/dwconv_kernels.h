// The implementations behind depthwise_conv_f32 (kernels/depthwise_conv.cpp picks one), one per
// ISA, each in its own file. Same contract as depthwise_conv_f32, with the parameters already
// checked. Internal to src/kernels.
#pragma once
#include <cstdint>

#include "kernels/depthwise_conv.h"

namespace kite {

using DepthwiseFn = void (*)(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                             float* output, int64_t c_begin, int64_t c_end);

// Portable C++, any CPU (kernels/generic/f32_dwconv_generic.cpp).
void f32_dwconv_generic(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                        float* output, int64_t c_begin, int64_t c_end);

// AVX2 + FMA3 intrinsics, kernel 3 or 5, stride 1 or 2 (kernels/x86/f32_dwconv_3x3_5x5_fma3.cpp);
// only compiled for x86-64 and only called when cpu_has_avx2_fma().
void f32_dwconv_3x3_5x5_fma3(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                             float* output, int64_t c_begin, int64_t c_end);

// AVX-512: stride 1 on zmm, stride 2 (and rows of 8 outputs or fewer, or wider than it takes)
// through the AVX2 kernel, the same bits (kernels/x86/f32_dwconv_3x3_5x5_avx512.cpp); only called when cpu_has_avx512().
void f32_dwconv_3x3_5x5_avx512(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                               float* output, int64_t c_begin, int64_t c_end);

// NEON intrinsics, kernel 3 or 5, stride 1 or 2 (kernels/arm/f32_dwconv_3x3_5x5_neon.cpp); only
// compiled for AArch64.
void f32_dwconv_3x3_5x5_neon(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                             float* output, int64_t c_begin, int64_t c_end);

}  // namespace kite
