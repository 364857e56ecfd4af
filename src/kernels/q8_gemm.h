// int8 matrix product for quantized convolution (1x1 as GEMM, im2col + GEMM) and fully connected
// layers: int8 weights (A, M x K) times uint8 activations (B, K x N), requantized to uint8 or
// scaled to float per row:
//
//   acc[i, j] = row_bias[i] + sum over k of A[i, k] * (B[k, j] - b_zero_point)       (exact)
//   gemm_q8:          C[i, j] = requantize(acc[i, j], row_scale[i], c_zero_point, qmin, qmax)
//   gemm_q8_f32_out:  C[i, j] = float(acc[i, j]) * row_scale[i]                     (no clamp)
//
// with requantize() as kernels/requantize.h defines it (float multiply, clamp, round to nearest
// even). The sum is integer arithmetic, so every implementation (AVX2 on x86-64 CPUs that have
// it, NEON on AArch64, portable C++ otherwise; see kernels/cpu_features.h) gives the same bytes,
// whatever the column range, the panel range or the cache blocking: unlike the fp32 product
// (kernels/gemm.h) there is no order of summation to fix.
//
// Range: A may hold any int8 value (-128 included); B and the zero points are uint8 values. The
// sums are taken modulo 2^32, so acc is exact whenever its true value fits an int32; K is at
// most 65535 (checked by pack_q8_a), which keeps the product term alone inside an int32
// (128 * 255 * 65535 < 2^31), and the bias is the caller's to keep in range.
//
// Storage: A is packed once (at model load), where no quad path applies (see below), widened to
// int16, two bytes per weight, in pairs of k: the microkernels multiply pairs of int16 into int32
// lanes (AVX2 vpmaddwd, NEON smlal), which cannot saturate, unlike a u8 x s8 product summed in
// int16. B is repacked per call, its zero point subtracted, into a per-thread scratch buffer. A
// column range one column wide (a fully connected layer at batch 1) runs a matrix-vector kernel on
// the pairs instead of a tile 16 columns wide.
//
// The quad layout: pack_q8_a packs A as int8 in quads of k instead, with each row's sum, where a
// quad path can use it, and the products then multiply those with B's bytes, folding B's zero
// point in as a multiple of rowsum(A) (a single column too; where the CPU's quad path cannot take
// such an A, a portable quad kernel runs it). The sums, and so the results, are the same bytes as the wide
// path's. Three quad paths:
//  - x86-64 with AVX512_VNNI or AVX-VNNI (cpu_has_avx512_vnni, cpu_has_avx_vnni), any weights:
//    vpdpbusd (on zmm or ymm) on B's raw uint8, four
//    u8 x s8 products summed straight into an int32 lane (no int16 step, so nothing saturates);
//  - x86-64, 7-bit weights (ONNX Runtime's reduce_range: every weight of A in [-63, 63]): AVX2
//    vpmaddubsw on B's raw uint8 (a pair of u8 x s8 products summed in int16, at most
//    2 * 255 * 63 = 32130, so it cannot saturate);
//  - AArch64 with the ARMv8.2 dot product (cpu_has_arm_dotprod), any weights: SDOT on B - 128 as
//    int8 (kernels/arm/q8_gemm_dotprod.cpp).
// And on x86-64 with AMX (cpu_has_amx_int8), A packed a third time, as AMX tiles, and the same
// quad panels of B multiplied by tdpbsud (kernels/x86/q8_gemm_amx.cpp): 2.5 to 3.5 times the
// AVX512_VNNI tiles' speed on ResNet-50's layers (kite_bench_q8 --benchmark_filter=gemm_q8_wide).
//
// Speed (one Zen3 core, measured on a shared machine, so roughly): the wide path is 0.8 to 1.8
// times the multiply-adds per second of the fp32 gemm(), the 7-bit path 1.1 to 2.3 times: the
// least on products with a short K (MobileNet's 1x1 layers), where requantizing and packing B
// weigh most; kernels/x86/q8_gemm_avx2.cpp says why not more.
//
// Recipes (NCHW, one image, one group; x the input, w the weights quantized symmetrically: their
// zero point is 0, as a nonzero one would add a term per column that row_bias cannot hold):
//  - 1x1 convolution, stride 1, no padding: M = OC, K = IC, N = H*W. A = w [OC, IC]; B = x
//    [IC, H*W] (ldb = H*W); C = y [OC, H*W]; row_bias = the int32 bias; row_scale[oc] =
//    product_requant_scale(x_scale, w_scale[oc], y_scale); b_zero_point = x's zero point,
//    c_zero_point = y's; a fused ReLU is qmin = y's zero point, a ReLU6 also narrows qmax.
//  - any other convolution: A = w [OC, IC*KH*KW]; B = the matrix im2col_u8 (kernels/
//    q8_im2col.h) writes with pad_value = x's zero point, so that padded taps add exactly 0.
//  - fully connected, batch 1: A = W [out, in]; B = x as an in x 1 column (ldb = 1, n = 1);
//    C = y (ldc = 1). gemm_q8_f32_out for a classifier head whose output leaves int8
//    (row_scale = x_scale * w_scale[o]).
#pragma once
#include <cstdint>
#include <memory>

namespace kite {

// How each int32 sum becomes an output element.
struct Q8GemmEpilogue {
  const int32_t* row_bias = nullptr;   // M values, one per row of C; null: no bias
  const float* row_scale = nullptr;    // M values, positive and finite; required
  int32_t b_zero_point = 0;            // B's zero point, in [0, 255]
  int32_t c_zero_point = 0;            // C's zero point, in [0, 255] (gemm_q8 only)
  int32_t qmin = 0, qmax = 255;        // C's range, 0 <= qmin <= qmax <= 255 (gemm_q8 only)
};

// A repacked for the microkernels (in int16 pairs, or in int8 quads, see has_pairs() and
// has_quads()): rows in panels of kPanelRows (the last one zero-padded), each
// panel a sequence of k pairs (the last one zero-padded when K is odd); per pair, each row's
// (A[i, 2p], A[i, 2p + 1]) as two int16. 64-byte aligned, and followed by a few zero bytes that
// the matrix-vector kernels may read in whole vectors. Immutable once built; copies share the
// storage.
class PackedQ8A {
 public:
  static constexpr int64_t kPanelRows = 6;

  // Whether pack_s16_a built it (int16 values beyond int8's range: only gemm_s16_panel takes it).
  bool has_wide_values() const { return wide_values_; }

  PackedQ8A() = default;
  int64_t rows() const { return m_; }
  int64_t depth() const { return k_; }
  int64_t pair_count() const { return (k_ + 1) / 2; }
  int64_t panel_count() const { return (m_ + kPanelRows - 1) / kPanelRows; }
  // Panel p holds rows [p * kPanelRows, p * kPanelRows + kPanelRows): element (pair q, row r,
  // half h) at panel(p)[(q * kPanelRows + r) * 2 + h]. Only where has_pairs(): pack_q8_a leaves
  // the pairs out where it builds the quad layout.
  bool has_pairs() const { return data_ != nullptr; }
  const int16_t* panel(int64_t p) const { return data_.get() + p * kPanelRows * 2 * pair_count(); }

  // The quad layout (see above): present on x86-64 where every weight is in [-63, 63]
  // (seven_bit()) or the CPU has AVX-VNNI or AVX512_VNNI, and for every A on an AArch64 CPU with the dot
  // product. Panel p is quad_count() quads of k (the last one zero-padded
  // past K); per quad, each row's (A[i, 4q], .., A[i, 4q + 3]) as four int8: element (quad q,
  // row r, byte h) at quad_panel(p)[(q * kPanelRows + r) * 4 + h]. row_sums()[i] is the sum of
  // row i's weights (panel_count() * kPanelRows values, 0 for padding rows).
  bool has_quads() const { return quads_ != nullptr; }
  int64_t quad_count() const { return (k_ + 3) / 4; }
  const int8_t* quad_panel(int64_t p) const { return quads_.get() + p * kPanelRows * 4 * quad_count(); }
  const int32_t* row_sums() const { return row_sums_.get(); }
  // Every weight in [-63, 63]: AVX2's u8 x s8 path may take the quads (the others take any).
  bool seven_bit() const { return seven_bit_; }

  // The AMX layout, packed with the quads where cpu_has_amx_int8(): rows in groups of kAmxRows,
  // K in chunks of kAmxDepth; the tile of group g and chunk c is kAmxRows rows of kAmxDepth
  // bytes, A[16 g + r, 64 c + h] at amx_tile(g, c)[r * 64 + h], zero past M and K.
  static constexpr int64_t kAmxRows = 16, kAmxDepth = 64;
  bool has_amx() const { return amx_ != nullptr; }
  int64_t amx_chunks() const { return (k_ + kAmxDepth - 1) / kAmxDepth; }
  int64_t amx_groups() const { return (m_ + kAmxRows - 1) / kAmxRows; }
  const int8_t* amx_tile(int64_t g, int64_t c) const {
    return amx_.get() + (g * amx_chunks() + c) * kAmxRows * kAmxDepth;
  }

 private:
  friend PackedQ8A pack_q8_a(const int8_t* a, int64_t m, int64_t k, int64_t lda, bool quads);
  friend PackedQ8A pack_s16_a(const int16_t* a, int64_t m, int64_t k, int64_t lda);
  PackedQ8A(int64_t m, int64_t k);  // checks the size; no storage yet
  void allocate_pairs();            // zero-filled storage for the pairs and their padding

  std::shared_ptr<int16_t> data_;
  std::shared_ptr<int8_t> quads_;      // null unless has_quads()
  std::shared_ptr<int32_t> row_sums_;  // null unless has_quads()
  std::shared_ptr<int8_t> amx_;        // null unless has_amx()
  bool wide_values_ = false;           // packed by pack_s16_a: for gemm_s16_panel only
  bool seven_bit_ = false;
  int64_t m_ = 0;
  int64_t k_ = 0;
};

// A is row-major M x K: A[i, k] = a[i * lda + k] (convolution weights [OC, IC*KH*KW]). K at most
// 65535 (see Range above); kite::Error otherwise. `quads` false packs the int16 pairs (two bytes
// a weight, against the quads' one) where the products will only ever have one column: a fully
// connected layer at batch 1 runs the matrix-vector kernel on them, which reads no padding
// columns. With the portable kernels forced (force_generic_kernels), the pairs too.
PackedQ8A pack_q8_a(const int8_t* a, int64_t m, int64_t k, int64_t lda, bool quads = true);

// The Winograd convolution's A (kernels/q8_winograd.h): int16 values, each of magnitude at most
// 2^13, packed in pairs like pack_q8_a's (never in quads). Only gemm_s16_panel takes it.
PackedQ8A pack_s16_a(const int16_t* a, int64_t m, int64_t k, int64_t lda);

// B packed for gemm_s16_panel: one panel of 16 columns, per pair of k the 16 columns' (B[2p, j],
// B[2p + 1, j]) as two int16 at b[(p * 16 + j) * 2 + h]; 64-byte aligned. The caller writes it
// (the Winograd input transform does, straight into this layout).
constexpr int64_t kS16PanelColumns = 16;

// C[i, j] = sum over k of A[i, k] * B[k, j] (int32, modulo 2^32; no bias, no scale) for the rows
// of A's panels [panel_begin, panel_end) and the 16 columns of one packed B panel: c[i * ldc + j].
// Each |B| at most 2^13 too, so that a pair of products cannot overflow (2 * 2^26 < 2^31). Rows
// past A's last row are not written.
void gemm_s16_panel(const PackedQ8A& a, const int16_t* b_panel, int32_t* c, int64_t ldc, int64_t panel_begin,
                    int64_t panel_end);

// C[i, j] for i in the rows of A's panels [panel_begin, panel_end) (all of them by default), j in
// [n_begin, n_end); B[k, j] = b[k * ldb + j], C[i, j] = c[i * ldc + j] (i counted from A's first
// row, also for row_bias and row_scale). n is B's and C's full width. Elements outside the ranges
// and the padding past each row of C are neither read nor written; an element's value does not
// depend on the ranges. Thread-safe: each thread packs B into its own scratch buffer (kept
// between calls; about 0.4 MiB, more where K is above 12288).
void gemm_q8(const PackedQ8A& a, const uint8_t* b, int64_t ldb, int64_t n, uint8_t* c, int64_t ldc,
             const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0,
             int64_t panel_end = -1);

// The same product with B's rows anywhere: B[k, j] = b[row_offsets[k] + j] (K offsets). A
// convolution's im2col matrix without the matrix: with the input's padded planes as b and each
// tap's offset into them, row k is the planes shifted by that tap, and the product's columns
// are the output pixels at the planes' pitch (kernels/im2col_padded.h says how).
void gemm_q8_rows(const PackedQ8A& a, const uint8_t* b, const int64_t* row_offsets, int64_t n, uint8_t* c, int64_t ldc,
                  const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0,
                  int64_t panel_end = -1);

// The same product with float output, C[i, j] = float(acc[i, j]) * row_scale[i]; e.c_zero_point,
// qmin and qmax are not used.
void gemm_q8_f32_out(const PackedQ8A& a, const uint8_t* b, int64_t ldb, int64_t n, float* c, int64_t ldc,
                     const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0,
                     int64_t panel_end = -1);

// The microkernel the products use now ("q8_gemm_avx2", "q8_gemm_neon" or "q8_gemm_generic"),
// so that tests and benchmarks can say which one they measured.
const char* gemm_q8_kernel_name();
// The one products with this A use (with more than one column): "q8_gemm_u8s8_amx",
// "q8_gemm_u8s8_avx512_vnni",
// "q8_gemm_u8s8_vnni",
// "q8_gemm_u8s8_avx2" or "q8_gemm_sdot_neon" where a quad path applies, "q8_gemm_u8s8_generic" for an
// A in quads that this CPU's quad path cannot take, gemm_q8_kernel_name() otherwise.
const char* gemm_q8_kernel_name(const PackedQ8A& a);

// Whether the products have a dot-product instruction on this CPU (AVX512_VNNI, AVX-VNNI, ARM's
// SDOT): a quad path for any weights.
bool gemm_q8_has_dot_product();

}  // namespace kite
