// fp16-arithmetic matrix product for convolutions on ARMv8.2 CPUs with FP16 vector arithmetic
// (cpu_has_arm_fp16, kernels/cpu_features.h): twice the multiply-adds per instruction of fp32,
// and half the bytes of packed weights and activations. Only there: f16_gemm_available() says
// whether this CPU runs it, and gemm_f16 throws elsewhere.
//
// Same operands, ranges and epilogue as gemm() (kernels/gemm.h), with A packed to fp16 once and
// B converted to fp16 as it is packed; C, the bias and the residual stay f32. Every C element is
//     s = 0 (fp16); for k in 0 .. K-1: s = fp16(A[i, k]) * fp16(B[k, j]) + s  (fused, rounded to fp16)
//     v = float(s); v += row_bias[i]; v += residual[i, j];   (those given, in f32)
//     C[i, j] = min(max(v, e.min), e.max)
// with fp16() rounding to nearest even (kernels/half_convert.h). The whole of K is summed in
// registers (no partial sums in C), so the result does not depend on the column range, the
// panel range or the cache blocking: column splits across threads give bitwise identical results.
//
// Accuracy: an fp16 sum keeps 11 significant bits, so each element carries an error of up to
// about K * 2^-11 times the sum of |A[i, k] B[k, j]| in the worst case, typically
// sqrt(K) * 2^-11 of it (tests/unit/test_kernels_f16_gemm.cpp states the bound it checks).
// Range: an fp16 holds at most 65504. An element whose fp16 sum overflows (or meets an infinite
// or NaN operand) is computed again in f32, from the same fp16 weights and B's f32 values, so an
// overflowing sum costs time, never a wrong or infinite answer that the f32 product would not
// give, provided the weights themselves fit fp16 (PackedF16A::fits_fp16; callers keep f32 for a
// matrix that does not). Per element: whether it happens does not depend on the ranges either.
//
// column_bias is not supported (convolutions have none): kite::Error.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/gemm.h"

namespace kite {

// A as fp16 (IEEE binary16 bits), in the panel order of PackedA: rows in panels of kPanelRows
// (the last one zero-padded), each panel K-major. 64-byte aligned; copies share the storage.
class PackedF16A {
 public:
  static constexpr int64_t kPanelRows = PackedA::kPanelRows;

  PackedF16A() = default;
  int64_t rows() const { return m_; }
  int64_t depth() const { return k_; }
  int64_t panel_count() const { return (m_ + kPanelRows - 1) / kPanelRows; }
  // Element (k, row r) of panel p at panel(p)[k * kPanelRows + r].
  const uint16_t* panel(int64_t p) const { return data_.get() + p * kPanelRows * k_; }
  // False where a finite weight is beyond fp16's range (|w| > 65504) and became an infinity: the
  // products would not be A's, so such a layer should keep the f32 product.
  bool fits_fp16() const { return fits_fp16_; }

 private:
  friend PackedF16A pack_f16_a(const float* a, int64_t m, int64_t k, int64_t lda);
  PackedF16A(int64_t m, int64_t k);

  std::shared_ptr<uint16_t> data_;
  int64_t m_ = 0;
  int64_t k_ = 0;
  bool fits_fp16_ = true;
};

// A is row-major M x K: A[i, k] = a[i * lda + k]; each value rounded to fp16.
PackedF16A pack_f16_a(const float* a, int64_t m, int64_t k, int64_t lda);

// Whether gemm_f16 runs on this CPU (and generic kernels are not forced).
bool f16_gemm_available();

// C[i, j] for i in the rows of A's panels [panel_begin, panel_end), j in [n_begin, n_end), as
// gemm() takes them. Thread-safe (per-thread scratch, about 0.4 MiB). kite::Error where
// f16_gemm_available() is false or e.column_bias is set.
void gemm_f16(const PackedF16A& a, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc,
              const GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin = 0,
              int64_t panel_end = -1);

// "f16_gemm_6x16_neonfp16" where available, else "none".
const char* gemm_f16_kernel_name();

}  // namespace kite
