// The implementations behind kernels/winograd.h, one per ISA (the same source,
// kernels/winograd_transforms.h, compiled with each ISA's flags). Internal to src/kernels.
#pragma once
#include "kernels/winograd.h"

namespace kite {

void f32_winograd_input_generic(const WinogradParams& p, const float* x, int64_t t0, float* v);
void f32_winograd_output_generic(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                                 const float* bias, const float* residual, float lo, float hi, float* y);
// Only compiled for x86-64 and only called when cpu_has_avx2_fma() (cpu_has_avx512() implies it).
void f32_winograd_input_fma3(const WinogradParams& p, const float* x, int64_t t0, float* v);
void f32_winograd_output_fma3(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                              const float* bias, const float* residual, float lo, float hi, float* y);
// Only compiled for x86-64 and only called when cpu_has_avx512(); maps of fewer than 4 tiles
// across (or planes of 2^31 values and more) go to the fma3 transforms.
void f32_winograd_input_avx512(const WinogradParams& p, const float* x, int64_t t0, float* v);
void f32_winograd_output_avx512(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0,
                                int64_t t0, const float* bias, const float* residual, float lo, float hi, float* y);

// Only compiled for AArch64.
void f32_winograd_input_neon(const WinogradParams& p, const float* x, int64_t t0, float* v);
void f32_winograd_output_neon(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                              const float* bias, const float* residual, float lo, float hi, float* y);

}  // namespace kite
