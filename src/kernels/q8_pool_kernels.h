// The implementations behind global_average_pool_q8 and max_pool_u8 (kernels/q8_pooling.cpp picks
// them), one per ISA, each in its own file. Same contracts, with the parameters already checked.
// Internal to src/kernels.
#pragma once
#include <cstdint>

#include "kernels/q8_pooling.h"

namespace kite {

using Q8AveragePoolFn = void (*)(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                                 const Q8GlobalAveragePoolParams& p);
using U8MaxPoolFn = void (*)(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end);

void q8_avgpool_generic(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                        const Q8GlobalAveragePoolParams& p);
// Only compiled for x86-64 and only called when cpu_has_avx2_fma().
void q8_avgpool_avx2(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane, const Q8GlobalAveragePoolParams& p);
// Only compiled for AArch64.
void q8_avgpool_neon(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane, const Q8GlobalAveragePoolParams& p);

void u8_maxpool_generic(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end);
// Stride 1 with output rows as wide as the input's and windows up to 64 on a side
// (kernels/generic/u8_maxpool_stride1.cpp): portable loops over whole planes that the compiler
// vectorizes for each target, so every ISA's kernel hands these shapes to it.
// Its inner loops come from the caller's ISA where it has them (null: the portable ones):
//   max_into:       dst[i] = max(dst[i], src[i])
//   max_into_where: dst[i] = max(dst[i], room[i] >= reach ? src[i] : 0)          for i in [0, n)
//   max3_where:     dst[i] = max(src[i], before[i] ? src[i - step] : 0, after[i] ? src[i + step] : 0)
//                   for i in [0, n), src[-step] to src[n - 1 + step] readable (3-wide windows)
struct U8MaxLoops {
  void (*max_into)(uint8_t* dst, const uint8_t* src, int64_t n);
  void (*max_into_where)(uint8_t* dst, const uint8_t* src, const uint8_t* room, uint8_t reach, int64_t n);
  void (*max3_where)(uint8_t* dst, const uint8_t* src, const uint8_t* before, const uint8_t* after, int64_t step,
                     int64_t n);
};
bool u8_maxpool_stride1_applies(const Q8PoolParams& p);
void u8_maxpool_stride1(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end,
                        const U8MaxLoops* loops = nullptr);
// 3x3 and 2x2 windows of stride 2 (rows up to a few thousand wide); both hand the stride-1 shapes
// above to u8_maxpool_stride1 and anything else to u8_maxpool_generic. Only compiled for x86-64 and only called when cpu_has_avx2_fma(), and only
// compiled for AArch64.
void u8_maxpool_avx2(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end);
void u8_maxpool_neon(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end);

}  // namespace kite
