// The mean of a contiguous block of floats: GlobalAveragePool's and ReduceMean's (over trailing
// axes) kernel, one block per output (runtime/reduce_kernels.cpp).
//
// Summed in double, in 32 lanes: lane L takes the values at positions L mod 32 of the whole
// 32-value steps, lanes 0..7 then the values of whole 8-value steps after them; the lanes are added
// in order 0..31, then the last values one by one, and the sum divided by n. Within float rounding
// of the reference's sequential double sum for any feature map, and in one order on every ISA, so
// the portable, AVX2 and AVX-512 loops give the same bits. 32 lanes rather than 8: converting and
// adding 8 values a step in one chain of double additions bound the loop to about 2 values a cycle
// (EfficientNet-B0's seventeen means took 0.42 ms, ONNX Runtime's 0.26; 0.35 with the AVX-512
// loop). On 96 planes of 56x56 in L2, floats a nanosecond: portable 4.6-5.2, AVX2 6.6-6.9,
// AVX-512 9.0 (the lane loops alone, this AVX-512 Xeon).
#pragma once
#include <cstdint>

namespace kite {

float block_mean_f32(const float* x, int64_t n);

// "f32_block_mean_avx512", "f32_block_mean_fma3" or "f32_block_mean_generic" on x86-64; empty on
// other CPU families, where the portable loop is the only one (NEON: GCC vectorizes it).
const char* block_mean_kernel_name();

// The implementations: their 32 lane sums (double[32]) after the whole 8-value steps of x[0, n),
// and how many values they took (a multiple of 8). block_mean_f32 adds the lanes and the rest.
int64_t f32_block_mean_lanes_generic(const float* x, int64_t n, double* lanes);
int64_t f32_block_mean_lanes_fma3(const float* x, int64_t n, double* lanes);
int64_t f32_block_mean_lanes_avx512(const float* x, int64_t n, double* lanes);

}  // namespace kite
