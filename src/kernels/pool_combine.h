// The loops of 2-D fp32 pooling (runtime/pool_kernels.cpp, kernels/f32_pool_stride1.cpp). The
// row-by-row kernel's: one row of window results combined with one more input row or column,
// element by element,
//
//   dst[i] = combine(dst[i], src[i * stride])   for i in [0, n),
//
// with combine the maximum or the sum. The maximum skips NaNs the way the pooling kernel needs
// it: combine(best, v) = (v > best || best is NaN) ? v : best, so a NaN so far is replaced by
// anything and a NaN arriving is ignored (FMAXNM would differ on signed zeros, so the SIMD code
// compares and selects instead); on inputs the caller knows hold no NaN, kMaxNoNan is the same
// maximum, in x86's MAXPS. The combines are exact per element, so every implementation (AVX2 on
// x86-64 CPUs that have it, NEON on AArch64, both for strides 1 and 2; portable C++ otherwise)
// gives the same bits (kMaxNoNan: on its NaN-free inputs), and the split of a row across calls
// changes nothing. The implementations take any op that is not kSum for a maximum.
#pragma once
#include <cstdint>

namespace kite {

// kMaxNoNan: the maximum of inputs the caller knows hold no NaN (f32_has_nan): the same results
// as kMax there, in one instruction where the ISA's maximum keeps the first of equals (x86's
// MAXPS; elsewhere it is kMax).
enum class PoolCombine { kMax, kSum, kMaxNoNan };

void pool_combine_f32(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n);

// A whole window line in one call: dst[i] = src[i * stride], then combined tap by tap, in order,
// with src[i * stride + t * tap_step] for t in [1, taps). A row of window results is
// (stride, taps = kernel width, tap_step = 1); a column of them over the row results is
// (stride 1, taps = kernel height, tap_step = the row length). The same bits as the copy and
// taps - 1 pool_combine_f32 calls it replaces, with one call and one pass over dst.
void pool_window_f32(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                     int64_t n);

// pool_window_f32 with kMax, returning true whenever an element the windows read is a NaN (the
// row-by-row max pool's NaN rule needs to know); it may also return true for a NaN between the
// elements read (loaded, or scanned, with them), which only costs the NaN pass. Where the CPU has
// AVX-512 the check rides on the window loop's own loads (a line with a NaN is then done again
// with kMax); elsewhere the elements are scanned first (f32_has_nan, over the stretch from the
// first element read to the last) and the line done with kMaxNoNan where none is a NaN.
bool pool_window_max_checked_f32(float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                                 int64_t n);

// A whole plane's windows that lie inside it (the caller pads the plane where they would not):
// y[oh * out_w + ow] = the combine, row by row and in order, of the kernel_h x kernel_w floats of x
// from (oh * stride_h) * width + ow * stride_w on (rows `width` apart), starting from the first.
// One call per plane: small maps (GoogLeNet's 28x28 and 14x14, Inception v3's 17x17) spent more
// time in the calls per row than in the arithmetic.
struct PoolPlaneWindow {
  int64_t out_h, out_w, kernel_h, kernel_w, stride_h, stride_w;
  int64_t width;  // of x's rows
};
void pool_plane_f32(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y);

// The flat stride-1 pool's passes (kernels/f32_pool_stride1.cpp): for i in [0, n), h[i] = the
// combine, over the taps d = -before .. after in that order, starting from nothing (-inf for
// kMaxNoNan, +0 for kSum), of tap(d) = src[i + d * step] where the position's room toward that
// side holds the tap (room_before[i] >= -d for d < 0, room_after[i] >= d for d > 0, always for
// d = 0), and nothing where it does not: a tap out of reach is never combined (a NaN or an
// infinity there stays out). The horizontal pass steps by 1 with each position's room to its
// row's ends, the vertical one by a row with its room to its plane's top and bottom rows.
// kMaxNoNan is for planes without a NaN, h kept unless a tap is greater (the first maximum wins).
// src[i + d * step] must be readable for every i and d.
void pool_taps_f32(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                   const uint8_t* room_after, int64_t before, int64_t after, int64_t n);

// Whether any of x[0, n) is a NaN: max pooling runs its NaN pass (or leaves the flat stride-1
// kernel) only on planes that hold one.
bool f32_has_nan(const float* x, int64_t n);

// "f32_pool_combine_avx2", "f32_pool_combine_neon" or "f32_pool_combine_generic" (the window lines
// and planes of strides 1 and 2 run on AVX-512 where the CPU has it: pool_window_kernel_name).
const char* pool_combine_kernel_name();
// pool_window_f32's, pool_plane_f32's and pool_taps_f32's: "f32_pool_window_avx512" where the CPU
// has AVX-512 (for strides 1 and 2; lines of other strides run the above), else the above.
const char* pool_window_kernel_name();

// The implementations: portable (kernels/generic/f32_pool_combine_generic.cpp), AVX2
// (kernels/x86/f32_pool_combine_avx2.cpp, x86-64 builds only) and NEON
// (kernels/arm/f32_pool_combine_neon.cpp, AArch64 builds only); the SIMD ones pass strides other
// than 1 and 2, and the last few elements, to the portable one.
void f32_pool_combine_generic(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n);
void f32_pool_combine_avx2(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n);
void f32_pool_combine_neon(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n);
bool f32_has_nan_generic(const float* x, int64_t n);
// Strides 1 and 2 (pool_plane_f32 takes the others line by line).
void f32_pool_plane_avx2(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y);
void f32_pool_taps_generic(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                           const uint8_t* room_after, int64_t before, int64_t after, int64_t n);
void f32_pool_taps_avx2(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                        const uint8_t* room_after, int64_t before, int64_t after, int64_t n);
bool f32_has_nan_avx2(const float* x, int64_t n);
void f32_pool_window_generic(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                             int64_t tap_step, int64_t n);
void f32_pool_window_avx2(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                          int64_t tap_step, int64_t n);
// AVX-512 (kernels/x86/f32_pool_window_avx512.cpp): stride 1, or stride 2 with tap_step 1, only
// (the plane: stride_w 1 or 2).
void f32_pool_window_avx512(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                            int64_t tap_step, int64_t n);
bool f32_pool_window_max_checked_avx512(float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                                        int64_t n);
void f32_pool_plane_avx512(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y);
void f32_pool_taps_avx512(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                          const uint8_t* room_after, int64_t before, int64_t after, int64_t n);

}  // namespace kite
