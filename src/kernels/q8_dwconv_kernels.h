// The implementations behind depthwise_conv_q8 (kernels/q8_depthwise_conv.cpp picks one), one per
// ISA, each in its own file. Same contract as depthwise_conv_q8, with the parameters already
// checked. Internal to src/kernels.
#pragma once
#include <cstdint>

#include "kernels/q8_depthwise_conv.h"

namespace kite {

using Q8DepthwiseFn = void (*)(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights,
                               const int32_t* bias, const float* scale, uint8_t* output, int64_t c_begin,
                               int64_t c_end);

// Portable C++, any CPU (kernels/generic/q8_dwconv_generic.cpp).
void q8_dwconv_generic(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                       const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end);

// AVX2 intrinsics (kernels/x86/q8_dwconv_avx2.cpp); only compiled for x86-64 and only called when
// cpu_has_avx2_fma().
void q8_dwconv_avx2(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                    const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end);

// AVX-512 with AVX512_VNNI (kernels/x86/q8_dwconv_avx512_vnni.cpp); only compiled for x86-64 and only
// called when cpu_has_avx512_vnni(). It pads each channel's input into `scratch`, at least
// q8_dwconv_avx512_scratch_bytes(p) bytes, any alignment, contents undefined.
int64_t q8_dwconv_avx512_scratch_bytes(const Q8DepthwiseParams& p);
void q8_dwconv_avx512(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                      const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end, uint8_t* scratch);

// NEON intrinsics (kernels/arm/q8_dwconv_neon.cpp); only compiled for AArch64.
void q8_dwconv_neon(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                    const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end);

}  // namespace kite
