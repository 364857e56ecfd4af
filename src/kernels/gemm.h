// fp32 matrix product for convolution (1x1 as GEMM, im2col + GEMM), Gemm and MatMul:
//
//   C[M, n_begin:n_end] = clamp(A * B[:, n_begin:n_end] + row_bias + column_bias + residual)
//
// A (M x K) is the constant operand, typically weights: it is repacked once, at model load, into
// the panel order the microkernels read (PackedA). B (K x N, row-major) is the operand that
// changes per run, typically activations: gemm() repacks blocks of it into a per-thread scratch
// buffer as it goes. The implementation (AVX2+FMA on x86-64 CPUs that have it, NEON on AArch64,
// portable C++ otherwise) is chosen at run time; see kernels/cpu_features.h.
//
// Determinism: every C element is computed as
//     v = 0; v += row_bias[i]; v += column_bias[j]; v += residual[i, j];   (those given)
//     for k in 0 .. K-1: v = v + A[i, k] * B[k, j]          (in order; fused where the ISA has FMA)
//     C[i, j] = min(max(v, e.min), e.max)
// whatever the column range, the cache blocking or the element's position in a register tile,
// so splitting [0, N) into column ranges across threads gives bitwise identical results. The
// portable and the SIMD paths may differ in the last bits: AVX2 and NEON fuse each multiply-add
// (one rounding), the portable kernel does only where the compiler contracts it (AArch64: yes;
// x86-64 baseline, which has no FMA: no).
//
// Recipes:
//  - 1x1 convolution, NCHW, one image: M = OC, K = IC, N = H*W. A = weights [OC, IC];
//    B = input [IC, H*W] (ldb = H*W); C = output [OC, H*W]; row_bias = the conv bias.
//  - im2col convolution: A = weights [OC, IC*KH*KW]; B = the im2col matrix [IC*KH*KW, OH*OW]
//    (kernels/im2col.h), or the input padded once, each row read at its tap's offset (gemm_rows,
//    kernels/im2col_padded.h).
//  - Gemm / fully connected Y[batch, out] = X W^T + b with W [out, in] constant:
//    batch 1: A = W (pack_a), B = x as an in x 1 column (ldb = 1), C = y (ldc = 1), row_bias = b.
//    W given as [in, out] (transB = 0): pack_a_transposed(W, out, in, out).
//    batch > 1 with the natural layout: A = X packed per call (pack_a is cheap next to the
//    product when out is large), B = W^T stored [in, out], column_bias = b.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>

namespace kite {

// What happens to each element of A * B before it is stored. Pointers that are null are skipped.
struct GemmEpilogue {
  const float* row_bias = nullptr;     // M values, one per row of C (a convolution's bias)
  const float* column_bias = nullptr;  // N values, one per column of C (Gemm's bias, indexed by
                                       // the global column j, not by j - n_begin)
  float min = -INFINITY;               // fused clamp: ReLU = [0, inf), ReLU6 = [0, 6]; NaN stays NaN
  float max = INFINITY;
  const float* residual = nullptr;     // M x N, added before the clamp (a ResNet shortcut). It may
  int64_t ldr = 0;                     // be C itself (same pointer, ldr == ldc) but must not
                                       // otherwise overlap C.
};

// A repacked for the microkernels: rows in panels of kGemmPanelRows (the last one zero-padded),
// each panel K-major (the panel's rows for k = 0, then for k = 1, ...), 64-byte aligned.
// Immutable once built; copies share the storage.
class PackedA {
 public:
  static constexpr int64_t kPanelRows = 6;

  PackedA() = default;
  int64_t rows() const { return m_; }
  int64_t depth() const { return k_; }
  int64_t panel_count() const { return (m_ + kPanelRows - 1) / kPanelRows; }
  // Panel p holds rows [p * kPanelRows, p * kPanelRows + kPanelRows): kPanelRows * depth() floats.
  const float* panel(int64_t p) const { return data_.get() + p * kPanelRows * k_; }

 private:
  friend PackedA pack_a(const float* a, int64_t m, int64_t k, int64_t lda);
  friend PackedA pack_a_transposed(const float* a_t, int64_t m, int64_t k, int64_t ld);
  PackedA(int64_t m, int64_t k);  // zero-filled storage for the padded panels

  std::shared_ptr<float> data_;
  int64_t m_ = 0;
  int64_t k_ = 0;
};

// A is row-major M x K: A[i, k] = a[i * lda + k] (convolution weights [OC, IC*KH*KW]).
PackedA pack_a(const float* a, int64_t m, int64_t k, int64_t lda);
// A is given transposed, row-major K x M: A[i, k] = a_t[k * ld + i] (Gemm's B with transB = 0).
PackedA pack_a_transposed(const float* a_t, int64_t m, int64_t k, int64_t ld);

// C[i, j] for i in the rows of A's panels [panel_begin, panel_end) (all of them by default),
// j in [n_begin, n_end); B[k, j] = b[k * ldb + j], C[i, j] = c[i * ldc + j] (i counted from A's
// first row, also for the epilogue's row_bias and residual). n is B's and C's full width.
// Columns and rows outside the ranges, and the padding past each row, are neither read from C
// nor written; an element's value does not depend on the ranges. Thread-safe: each thread packs
// B into its own scratch buffer (kept between calls, about 0.4 MiB).
// With b_row_scale (K values), B's row k is taken times b_row_scale[k] (one float product per
// element, as it is packed: the same bits as a B scaled beforehand): a 1x1 convolution's input
// times its squeeze-and-excitation scale, per input channel.
void gemm(const PackedA& a, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc,
          const GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0, int64_t panel_end = -1,
          const float* b_row_scale = nullptr);

// Where gemm_rows (and pack_b_rows) find B's columns along a row: column j at j (width 0), or at j / width * pitch
// + j % width (width <= pitch): rows of `width` columns every `pitch` values, as a convolution's
// output pixels (j = oy * out_w + ox) read their taps from its padded planes
// (kernels/im2col_padded.h), whose rows are longer than the output's.
struct BColumnRows {
  int64_t width = 0, pitch = 0;
};

// gemm() with B's rows anywhere: B[k, j] = b[row_offsets[k] + j], or at the column `columns`
// puts j (K = a.depth() offsets). A convolution's taps read in place from its input padded once:
// each row of B is the padded planes from one tap's offset on, with no im2col matrix; with
// `columns`, C's columns are the output pixels themselves. Every element's value is the one
// gemm() gives for the same B, bit for bit.
void gemm_rows(const PackedA& a, const float* b, const int64_t* row_offsets, int64_t n, float* c, int64_t ldc,
               const GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0, int64_t panel_end = -1,
               BColumnRows columns = {});

// The driver's block of columns (NC; gemm.cpp says why 192): callers that work on C a chunk at a
// time (a convolution's activation after its product) take whole blocks.
constexpr int64_t kGemmColumnBlock = 192;

// B packed once for all of K: for products whose few columns several threads share by each taking
// a range of A's panels (convolutions on 7x7 and 14x14 maps: B is packed once, in parallel,
// instead of once per thread, by pack_b or pack_b_rows), and for B that a caller builds in this
// layout itself (Winograd's transformed tiles). Layout: 16-column panels, panel p (columns [16p, 16p + 16)) at
// packed + 16 * p * K, each K x 16 floats (k-major), the last one zero-padded on the right;
// 64-byte aligned where the buffer is.
constexpr int64_t kPackedBPanelColumns = 16;
int64_t packed_b_floats(int64_t k, int64_t n);
// Packs the panels that hold columns [n_begin, n_end) of B (K x n_end at least, B[k, j] =
// b[k * ldb + j]); n_begin starts a panel (a multiple of 16) unless the range is empty. Threads may pack disjoint ranges.
void pack_b(const float* b, int64_t ldb, int64_t k, int64_t n_begin, int64_t n_end, float* packed,
            const float* b_row_scale = nullptr);
// pack_b for gemm_rows' B: rows at b + row_offsets[k], columns where `columns` puts them.
void pack_b_rows(const float* b, const int64_t* row_offsets, int64_t k, int64_t n_begin, int64_t n_end, float* packed,
                 BColumnRows columns = {});
// gemm() over all n columns, with B packed by pack_b or pack_b_rows (K = a.depth()): the same value for every
// element, bit for bit, as gemm() gives.
void gemm_packed_b(const PackedA& a, const float* packed_b, int64_t n, float* c, int64_t ldc, const GemmEpilogue& e,
                   int64_t panel_begin = 0, int64_t panel_end = -1);

// The name of the microkernel gemm() uses now ("f32_gemm_12x32_avx512", "f32_gemm_6x16_fma3",
// "f32_gemm_6x16_neon" or "f32_gemm_6x16_generic"), so that tests and benchmarks can say which
// one they measured.
const char* gemm_kernel_name();

}  // namespace kite
