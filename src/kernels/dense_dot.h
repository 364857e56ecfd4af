// A fully connected layer at batch 1: the dot products of one vector with each row of a constant
// matrix, y[f] = x . w[f, :] for f in [0, rows) (w row-major, k columns). Memory-bound on w (a
// classifier's 1000 x 1280 weights are 5 MiB), so the SIMD version streams four rows at a time.
//
// Each y[f] is computed the same way whatever rows a call covers, so splitting the rows across
// threads changes nothing. Per implementation: portable, 8 partial sums (x86's baseline has no
// FMA: a multiply and an add each); AVX-512, 2 x 16 partial sums with FMA, then summed in a fixed
// order. The two differ in the last bits. Chosen at run time (kernels/cpu_features.h).
#pragma once
#include <cstdint>

namespace kite {

void dense_dot_f32(const float* x, const float* w, int64_t k, int64_t rows, float* y);

// "f32_dense_dot_avx512" or "f32_dense_dot_generic".
const char* dense_dot_kernel_name();

// The implementations: portable (kernels/generic/f32_dense_dot_generic.cpp) and AVX-512
// (kernels/x86/f32_dense_dot_avx512.cpp, x86-64 builds only, called where cpu_has_avx512()).
void f32_dense_dot_generic(const float* x, const float* w, int64_t k, int64_t rows, float* y);
void f32_dense_dot_avx512(const float* x, const float* w, int64_t k, int64_t rows, float* y);

}  // namespace kite
