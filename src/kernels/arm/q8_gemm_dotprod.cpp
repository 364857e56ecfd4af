// The ARMv8.2 dot-product int8 microkernel (SDOT), for CPUs that report it (cpu_has_arm_dotprod):
// one SDOT multiplies 4 int8 of A by 4 int8 of B and adds the four products to one int32 lane,
// 16 multiply-adds per instruction where the plain NEON kernel's SMLAL does 4.
//
// SDOT multiplies signed bytes by signed bytes, and B (activations) is uint8: the packer stores
// B - 128 (the byte with its top bit flipped, an int8 in [-128, 127]), and the driver starts each
// row's sum at bias - (b_zero_point - 128) * rowsum(A), so that the sums come out as
// sum A * (B - b_zero_point), the contract's exact int32 (kernels/q8_gemm.h). A product is at
// most 128 * 128 and a lane takes 4 of them per step, so nothing saturates: unlike the AVX2
// u8 x s8 path, this one takes any int8 weights, -128 included.
//
// Layout (kernels/q8_gemm_microkernel.h): A in quads of k, per quad the 6 rows' 4 bytes (rows 0-3
// in one q register, rows 4-5 in a d register); B per quad 16 columns x 4 bytes, so that one q
// register holds 4 columns' quads and SDOT by element (the row's 4 bytes taken from a lane of A)
// fills 4 columns of one row. 24 accumulators, 4 vectors of B and 2 of A: 30 of the 32 registers.
//
// Only this file is compiled with +dotprod (CMakeLists.txt); it is called only where the CPU has it.
#include <arm_neon.h>

#include "kernels/arm/q8_gemm_store_neon.h"
#include "kernels/q8_gemm_microkernel.h"

namespace kite {
namespace {

using q8_neon::kLanes;
using q8_neon::kRows;
using q8_neon::store_q8_tile;
static_assert(kRows == 6, "accumulate() names the six rows' lanes one by one");
static_assert(kQ8QuadPanelBytes == 16 * 4, "a quad of B is 4 vectors of 4 columns");

// One vector of B (4 columns' quads) times the quads of all 6 rows.
template <int kVector, int kVectors>
void dot_vector(int32x4_t (&sum)[kRows][kVectors], int8x16_t b, int8x16_t a_low, int8x8_t a_high) {
  sum[0][kVector] = vdotq_laneq_s32(sum[0][kVector], b, a_low, 0);
  sum[1][kVector] = vdotq_laneq_s32(sum[1][kVector], b, a_low, 1);
  sum[2][kVector] = vdotq_laneq_s32(sum[2][kVector], b, a_low, 2);
  sum[3][kVector] = vdotq_laneq_s32(sum[3][kVector], b, a_low, 3);
  sum[4][kVector] = vdotq_lane_s32(sum[4][kVector], b, a_high, 0);
  sum[5][kVector] = vdotq_lane_s32(sum[5][kVector], b, a_high, 1);
}

// As in the plain NEON kernel, the sums live in a local array for the loop, so that GCC keeps
// them in registers instead of storing them back to the caller's array every step.
template <int kVectors>
void accumulate(const int8_t* a, const int8_t* b, int64_t quads, int32x4_t (&acc)[kRows][kVectors]) {
  int32x4_t sum[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) sum[r][v] = acc[r][v];
  for (int64_t q = 0; q < quads; ++q) {
    const int8x16_t a_low = vld1q_s8(a);
    const int8x8_t a_high = vld1_s8(a + 16);
    dot_vector<0>(sum, vld1q_s8(b), a_low, a_high);
    if constexpr (kVectors > 1) dot_vector<1>(sum, vld1q_s8(b + 16), a_low, a_high);
    if constexpr (kVectors > 2) {
      dot_vector<2>(sum, vld1q_s8(b + 32), a_low, a_high);
      dot_vector<3>(sum, vld1q_s8(b + 48), a_low, a_high);
    }
    a += kRows * 4;
    b += kQ8QuadPanelBytes;
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) acc[r][v] = sum[r][v];
}

// row_bias holds each row's starting sum (never null; 0 for padding rows).
template <int kVectors>
void tile_sdot(const Q8QuadTile& t) {
  int32x4_t acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    const int32x4_t start = vdupq_n_s32(t.out.row_bias[r]);
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) acc[r][v] = start;
  }
  accumulate(t.a, reinterpret_cast<const int8_t*>(t.b), t.quads, acc);
  store_q8_tile(t.out, acc);
}

}  // namespace

void q8_gemm_6x16_sdot(const Q8QuadTile& t) {
  if (t.out.columns > 2 * kLanes) tile_sdot<4>(t);
  else if (t.out.columns > kLanes) tile_sdot<2>(t);
  else tile_sdot<1>(t);
}

// Four rows of 16 bytes, each byte's top bit flipped (B - 128 as int8), stored interleaved
// (ST4: byte j of row h at 4 j + h), which is the quad layout itself.
void q8_pack_b_quad_sdot(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst) {
  const uint8x16_t flip = vdupq_n_u8(0x80);
  for (int64_t p = 0; p < panels; ++p, dst += panel_stride) {
    uint8x16x4_t quad;
    quad.val[0] = veorq_u8(vld1q_u8(rows[0] + p * kQ8TileColumns), flip);
    quad.val[1] = veorq_u8(vld1q_u8(rows[1] + p * kQ8TileColumns), flip);
    quad.val[2] = veorq_u8(vld1q_u8(rows[2] + p * kQ8TileColumns), flip);
    quad.val[3] = veorq_u8(vld1q_u8(rows[3] + p * kQ8TileColumns), flip);
    vst4q_u8(dst, quad);
  }
}

}  // namespace kite
