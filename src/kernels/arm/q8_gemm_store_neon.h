// Storing a finished 6 x 16 tile of int32 sums (6 rows x kVectors vectors of 4 columns) the way
// every NEON int8 GEMM microkernel does (q8_gemm_neon.cpp, q8_gemm_dotprod.cpp): requantized to
// uint8, or scaled to float. Internal to src/kernels/arm.
#pragma once
#include <arm_neon.h>

#include "kernels/q8_gemm_microkernel.h"

#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace q8_neon {
// Internal linkage on purpose: q8_gemm_dotprod.cpp is compiled for ARMv8.2, and a shared inline
// definition could let the linker keep its copy for the ARMv8.0 callers too.
namespace {

constexpr int kRows = kQ8TileRows;
constexpr int kLanes = 4;

// requantize() on 4 lanes; the results are in [qmin, qmax], inside [0, 255].
struct Requantizer {
  float32x4_t lo, hi;
  int32x4_t zero_point;

  int32x4_t apply(int32x4_t acc, float32x4_t scale) const {
    float32x4_t y = vmulq_f32(vcvtq_f32_s32(acc), scale);
    y = vminq_f32(vmaxq_f32(y, lo), hi);
    return vaddq_s32(vcvtnq_s32_f32(y), zero_point);
  }
};

// Tiles narrower than their vectors go through a buffer, so that nothing past C's row is written.
template <int kVectors>
inline void store_u8(const Q8Tile& t, const int32x4_t (&acc)[kRows][kVectors]) {
  uint8_t* const c = static_cast<uint8_t*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  const Requantizer rq{vdupq_n_f32(static_cast<float>(t.qmin - t.c_zero_point)),
                       vdupq_n_f32(static_cast<float>(t.qmax - t.c_zero_point)), vdupq_n_s32(t.c_zero_point)};
  for (int r = 0; r < rows; ++r) {
    const float32x4_t scale = vdupq_n_f32(t.row_scale[r]);
    const int16x4_t zero = vdup_n_s16(0);
    int16x4_t words[4] = {zero, zero, zero, zero};
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) words[q] = vqmovn_s32(rq.apply(acc[r][q], scale));
    const uint8x16_t bytes = vcombine_u8(vqmovun_s16(vcombine_s16(words[0], words[1])),
                                         vqmovun_s16(vcombine_s16(words[2], words[3])));
    uint8_t* c_row = c + r * ldc;
    if (columns == kQ8TileColumns) {
      vst1q_u8(c_row, bytes);
      continue;
    }
    uint8_t buffer[kQ8TileColumns];
    vst1q_u8(buffer, bytes);
    for (int j = 0; j < columns; ++j) c_row[j] = buffer[j];
  }
}

template <int kVectors>
inline void store_f32(const Q8Tile& t, const int32x4_t (&acc)[kRows][kVectors]) {
  float* const c = static_cast<float*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  for (int r = 0; r < rows; ++r) {
    const float32x4_t scale = vdupq_n_f32(t.row_scale[r]);
    float* c_row = c + r * ldc;
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      const float32x4_t y = vmulq_f32(vcvtq_f32_s32(acc[r][q]), scale);
      const int count = columns - q * kLanes;
      if (count >= kLanes) {
        vst1q_f32(c_row + q * kLanes, y);
      } else if (count > 0) {
        float buffer[kLanes];
        vst1q_f32(buffer, y);
        for (int j = 0; j < count; ++j) c_row[q * kLanes + j] = buffer[j];
      }
    }
  }
}

template <int kVectors>
inline void store_i32(const Q8Tile& t, const int32x4_t (&acc)[kRows][kVectors]) {
  int32_t* const c = static_cast<int32_t*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  for (int r = 0; r < rows; ++r) {
    int32_t* c_row = c + r * ldc;
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      const int count = columns - q * kLanes;
      if (count >= kLanes) {
        vst1q_s32(c_row + q * kLanes, acc[r][q]);
      } else if (count > 0) {
        int32_t buffer[kLanes];
        vst1q_s32(buffer, acc[r][q]);
        for (int j = 0; j < count; ++j) c_row[q * kLanes + j] = buffer[j];
      }
    }
  }
}

template <int kVectors>
inline void store_q8_tile(const Q8Tile& t, const int32x4_t (&acc)[kRows][kVectors]) {
  if (t.output == Q8TileOutput::kU8) store_u8(t, acc);
  else if (t.output == Q8TileOutput::kF32) store_f32(t, acc);
  else store_i32(t, acc);
}

}  // namespace
}  // namespace q8_neon
}  // namespace kite
