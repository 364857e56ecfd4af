// The int8 GEMM kernels (src/kernels/q8_gemm.h), each ISA path on its own: the SIMD microkernel of
// this build's CPU family (AVX2 on x86-64, skipped on a CPU without it; NEON on AArch64) and the
// portable one (forced on any CPU). The products are integers, so every result must equal, byte
// for byte, a naive reference written here: int64 sums, then requantize() from
// kernels/requantize.h (or the float scaling). Shapes hit every tile edge (M around 6, N around 4,
// 8 and 16, odd K), leading dimensions are wider than the matrices, and column and panel ranges
// are split in odd places. Also im2col_u8 (kernels/q8_im2col.h) against a naive im2col.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu_features.h"
#include "guarded_buffer.h"
#include "kernels/im2col.h"
#include "kernels/im2col_padded.h"
#include "kernels/q8_gemm.h"
#include "kernels/q8_im2col.h"
#include "kernels/requantize.h"
#include "kite/error.h"

namespace kite {
namespace {

// Fills C before a run, so that elements a product must not write can be checked afterwards.
constexpr uint8_t kUntouchedByte = 0xA5;
constexpr float kUntouchedFloat = -777.0f;

// One product's operands, stored with leading dimensions wider than the matrices so that a kernel
// that confuses a width with a stride reads the wrong numbers.
struct Q8Case {
  int64_t m, n, k;
  int64_t lda, ldb, ldc;
  std::vector<int8_t> a;
  std::vector<uint8_t> b;
  std::vector<int32_t> row_bias;
  std::vector<float> row_scale;
  int32_t b_zero_point = 128, c_zero_point = 128, qmin = 0, qmax = 255;
  bool with_bias = true;

  Q8Case(int64_t m_, int64_t n_, int64_t k_)
      : m(m_), n(n_), k(k_), lda(k_ + 3), ldb(n_ + 5), ldc(n_ + 7), a(m_ * lda), b(k_ * ldb), row_bias(m_),
        row_scale(m_) {
    std::mt19937 rng(static_cast<uint32_t>(m * 1000003 + n * 1009 + k));
    std::uniform_int_distribution<int> weight(-127, 127), activation(0, 255), bias(-20000, 20000);
    for (int8_t& x : a) x = static_cast<int8_t>(weight(rng));
    for (uint8_t& x : b) x = static_cast<uint8_t>(activation(rng));
    for (int32_t& x : row_bias) x = bias(rng);
    // Sums of K products of about 127 x 128 spread like sqrt(K) times that: scales around
    // 60 / that spread give outputs that use the whole range and are clamped at both ends.
    double spread = 127.0 * 128.0 * std::sqrt(static_cast<double>(std::max<int64_t>(k, 1)));
    std::uniform_real_distribution<double> factor(0.5, 2.0);
    for (float& s : row_scale) s = static_cast<float>(60.0 / spread * factor(rng));
  }

  PackedQ8A packed() const { return pack_q8_a(a.data(), m, k, lda); }
  Q8GemmEpilogue epilogue() const {
    Q8GemmEpilogue e;
    e.row_bias = with_bias ? row_bias.data() : nullptr;
    e.row_scale = row_scale.data();
    e.b_zero_point = b_zero_point;
    e.c_zero_point = c_zero_point;
    e.qmin = qmin;
    e.qmax = qmax;
    return e;
  }
  // C with one spare row below.
  std::vector<uint8_t> fresh_c() const { return std::vector<uint8_t>((m + 1) * ldc, kUntouchedByte); }
  std::vector<float> fresh_c_f32() const { return std::vector<float>((m + 1) * ldc, kUntouchedFloat); }

  // The contract's sum, in int64 (which cannot overflow here), as the int32 it must fit.
  int32_t exact_sum(int64_t i, int64_t j) const {
    int64_t acc = with_bias ? row_bias[i] : 0;
    for (int64_t kk = 0; kk < k; ++kk)
      acc += static_cast<int64_t>(a[i * lda + kk]) * (static_cast<int64_t>(b[kk * ldb + j]) - b_zero_point);
    EXPECT_TRUE(acc >= INT32_MIN && acc <= INT32_MAX) << "the test's own sum leaves int32";
    return static_cast<int32_t>(acc);
  }
  uint8_t expected_u8(int64_t i, int64_t j) const {
    return static_cast<uint8_t>(requantize(exact_sum(i, j), row_scale[i], c_zero_point, qmin, qmax));
  }
  float expected_f32(int64_t i, int64_t j) const { return static_cast<float>(exact_sum(i, j)) * row_scale[i]; }
};

std::string describe(const Q8Case& g) {
  return "M=" + std::to_string(g.m) + " N=" + std::to_string(g.n) + " K=" + std::to_string(g.k) +
         " zb=" + std::to_string(g.b_zero_point) + " zc=" + std::to_string(g.c_zero_point) + " q=[" +
         std::to_string(g.qmin) + ", " + std::to_string(g.qmax) + "]" + (g.with_bias ? "" : " no bias");
}

// gemm_q8 over [0, n) cut at `cuts` (sorted, inside (0, n)), one call per piece.
std::vector<uint8_t> run_split(const Q8Case& g, const PackedQ8A& packed, const std::vector<int64_t>& cuts) {
  std::vector<uint8_t> c = g.fresh_c();
  Q8GemmEpilogue e = g.epilogue();
  int64_t begin = 0;
  for (size_t piece = 0; piece <= cuts.size(); ++piece) {
    int64_t end = piece < cuts.size() ? cuts[piece] : g.n;
    gemm_q8(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, begin, end);
    begin = end;
  }
  return c;
}

std::vector<uint8_t> run_whole(const Q8Case& g, const PackedQ8A& packed) { return run_split(g, packed, {}); }

// gemm_q8_rows on g's B with its rows moved apart: row k at a random offset (in reverse order,
// with gaps of 0 to 70 bytes, the buffer's last row against an inaccessible page), for the
// columns cut at `cuts` in separate calls. The product must not depend on where the rows are.
std::vector<uint8_t> run_rows(const Q8Case& g, const PackedQ8A& packed, const std::vector<int64_t>& cuts) {
  std::mt19937 rng(static_cast<uint32_t>(g.m + 7 * g.n + 13 * g.k));
  std::uniform_int_distribution<int64_t> gap(0, 70);
  std::vector<int64_t> offsets(static_cast<size_t>(g.k));
  int64_t end = 0;
  for (int64_t k = g.k - 1; k >= 0; --k) {
    offsets[static_cast<size_t>(k)] = end + gap(rng);
    end = offsets[static_cast<size_t>(k)] + g.n;
  }
  std::vector<uint8_t> moved(static_cast<size_t>(end), kUntouchedByte);
  for (int64_t k = 0; k < g.k; ++k)
    std::copy(g.b.begin() + k * g.ldb, g.b.begin() + k * g.ldb + g.n, moved.begin() + offsets[static_cast<size_t>(k)]);
  test::Guarded<uint8_t> rows(moved.data(), moved.size(), true);
  std::vector<uint8_t> c = g.fresh_c();
  std::vector<int64_t> bounds = {0};
  bounds.insert(bounds.end(), cuts.begin(), cuts.end());
  bounds.push_back(g.n);
  for (size_t i = 0; i + 1 < bounds.size(); ++i)
    gemm_q8_rows(packed, rows.data(), offsets.data(), g.n, c.data(), g.ldc, g.epilogue(), bounds[i], bounds[i + 1]);
  return c;
}

std::vector<float> run_f32(const Q8Case& g, const PackedQ8A& packed) {
  std::vector<float> c = g.fresh_c_f32();
  gemm_q8_f32_out(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, g.epilogue(), 0, g.n);
  return c;
}

// C equals the reference everywhere inside, and the padding past each row and the spare row
// below were left alone. Reports the first wrong element only, to keep a failure readable.
void expect_matches_reference(const Q8Case& g, const std::vector<uint8_t>& c) {
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      int got = c[i * g.ldc + j];
      if (i == g.m || j >= g.n) {
        ASSERT_EQ(got, kUntouchedByte) << "wrote outside C at (" << i << ", " << j << ")";
        continue;
      }
      ASSERT_EQ(got, g.expected_u8(i, j)) << "C(" << i << ", " << j << "), sum " << g.exact_sum(i, j);
    }
}

void expect_matches_reference(const Q8Case& g, const std::vector<float>& c) {
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      float got = c[i * g.ldc + j];
      if (i == g.m || j >= g.n) {
        ASSERT_EQ(got, kUntouchedFloat) << "wrote outside C at (" << i << ", " << j << ")";
        continue;
      }
      ASSERT_EQ(got, g.expected_f32(i, j)) << "C(" << i << ", " << j << "), sum " << g.exact_sum(i, j);
    }
}

// What a path hides of this CPU's optional extensions to run (kernels/cpu_features.h).
enum class Hide { kNothing, kAmx, kAvx512, kExtensions };

void hide(Hide h) {
  hide_cpu_extensions(h == Hide::kExtensions);
  hide_avx512(h == Hide::kAvx512);
  hide_amx(h == Hide::kAmx);
}

struct KernelPath {
  const char* isa;     // the test name's suffix
  const char* kernel;  // what gemm_q8_kernel_name(A) must say while the path is in use (A 8-bit)
  bool generic;        // forced with force_generic_kernels
  bool (*cpu_has)();   // whether this CPU runs it
  Hide hide = Hide::kNothing;
};

bool always() { return true; }

void PrintTo(const KernelPath& path, std::ostream* os) { *os << path.kernel; }

// The SIMD path compiled for this CPU family, then the portable one.
std::vector<KernelPath> kernel_paths() {
  std::vector<KernelPath> paths;
#if defined(__x86_64__)
  paths.push_back({"avx2", "q8_gemm_avx2", false, cpu_has_avx2_fma, Hide::kExtensions});
  paths.push_back({"vnni", "q8_gemm_u8s8_vnni", false, cpu_has_avx_vnni, Hide::kAvx512});
  paths.push_back({"avx512_vnni", "q8_gemm_u8s8_avx512_vnni", false, cpu_has_avx512_vnni, Hide::kAmx});
  paths.push_back({"amx", "q8_gemm_u8s8_amx", false, cpu_has_amx_int8});
#elif defined(__aarch64__)
  paths.push_back({"neon", "q8_gemm_neon", false, cpu_has_neon, Hide::kExtensions});
  paths.push_back({"sdot", "q8_gemm_sdot_neon", false, cpu_has_arm_dotprod});
#endif
  paths.push_back({"generic", "q8_gemm_generic", true, always});
  return paths;
}

// Each test runs once per path. The fixture checks that the path really is the one in use, so
// that a broken dispatch cannot make both runs test the same kernel.
class Q8GemmKernels : public ::testing::TestWithParam<KernelPath> {
 protected:
  void SetUp() override {
    const KernelPath& path = GetParam();
    if (!path.cpu_has()) GTEST_SKIP() << "this CPU cannot run " << path.kernel;
    force_generic_kernels(path.generic);
    hide(path.hide);
    Q8Case probe(7, 20, 9);
    ASSERT_STREQ(gemm_q8_kernel_name(probe.packed()), path.kernel);
  }
  void TearDown() override {
    force_generic_kernels(false);
    hide(Hide::kNothing);
  }
};

// Rows around the 6-row panel, columns around the 8-lane (AVX2) and 4-lane (NEON) vectors and the
// 16-column tile, K odd and even (the last pair of k half padding).
const int64_t kRowCounts[] = {1, 4, 5, 6, 7, 13, 70};
const int64_t kColumnCounts[] = {1, 3, 7, 8, 9, 12, 16, 17, 31, 70};
const int64_t kDepths[] = {1, 2, 3, 16, 33, 69};

TEST_P(Q8GemmKernels, OddShapesMatchReference) {
  for (int64_t m : kRowCounts)
    for (int64_t n : kColumnCounts)
      for (int64_t k : kDepths) {
        Q8Case g(m, n, k);
        SCOPED_TRACE(describe(g));
        expect_matches_reference(g, run_whole(g, g.packed()));
        if (HasFatalFailure()) return;
      }
}

// Every width of a tile and of its vectors, at every height, with a short odd K.
TEST_P(Q8GemmKernels, EveryTileWidthAndHeight) {
  for (int64_t m = 1; m <= 13; ++m)
    for (int64_t n = 1; n <= 33; ++n) {
      Q8Case g(m, n, 5);
      SCOPED_TRACE(describe(g));
      expect_matches_reference(g, run_whole(g, g.packed()));
      if (HasFatalFailure()) return;
    }
}

TEST_P(Q8GemmKernels, ZeroPoints) {
  for (int32_t zb : {0, 1, 128, 255})
    for (int32_t zc : {0, 1, 128, 255}) {
      Q8Case g(7, 37, 45);
      g.b_zero_point = zb;
      g.c_zero_point = zc;
      SCOPED_TRACE(describe(g));
      expect_matches_reference(g, run_whole(g, g.packed()));
      if (HasFatalFailure()) return;
    }
}

// A fused ReLU (qmin = zc) and ReLU6-style ranges narrower than the output type.
TEST_P(Q8GemmKernels, NarrowedOutputRange) {
  const int32_t ranges[][3] = {{128, 128, 255}, {0, 0, 40}, {10, 10, 200}, {100, 90, 110}, {255, 0, 255}, {7, 7, 7}};
  for (const auto& range : ranges) {
    Q8Case g(9, 40, 77);
    g.c_zero_point = range[0];
    g.qmin = range[1];
    g.qmax = range[2];
    SCOPED_TRACE(describe(g));
    expect_matches_reference(g, run_whole(g, g.packed()));
    expect_matches_reference(g, run_f32(g, g.packed()));
    if (HasFatalFailure()) return;
  }
}

// Scale 1/2 on small sums: about half the products land exactly between two integers, where
// requantize() rounds to even (cvtps2dq, FCVTNS), not away from zero.
TEST_P(Q8GemmKernels, TiesRoundToEven) {
  Q8Case g(9, 50, 3);
  std::mt19937 rng(3);
  for (int8_t& x : g.a) x = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  for (int32_t& x : g.row_bias) x = static_cast<int32_t>(rng() % 101) - 50;
  std::fill(g.row_scale.begin(), g.row_scale.end(), 0.5f);
  int ties = 0;
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) ties += g.exact_sum(i, j) % 2 != 0;
  ASSERT_GT(ties, 100);
  expect_matches_reference(g, run_whole(g, g.packed()));
}

TEST_P(Q8GemmKernels, NullBias) {
  for (int64_t k : {1, 30, 257}) {
    Q8Case g(6, 19, k);
    g.with_bias = false;
    SCOPED_TRACE(describe(g));
    expect_matches_reference(g, run_whole(g, g.packed()));
    expect_matches_reference(g, run_f32(g, g.packed()));
    if (HasFatalFailure()) return;
  }
}

TEST_P(Q8GemmKernels, FloatOutputMatchesReference) {
  for (int64_t m : {1, 4, 7})
    for (int64_t n : {1, 8, 13, 16, 35})
      for (int64_t k : {1, 6, 99}) {
        Q8Case g(m, n, k);
        SCOPED_TRACE(describe(g));
        expect_matches_reference(g, run_f32(g, g.packed()));
        if (HasFatalFailure()) return;
      }
}

// The largest products there are, all of one sign, over K = 4000: a pair summed in int16 would
// saturate at once, and the sums (about 1.3e8) need all of int32's width. -128, the one int8
// value without a positive twin, is taken too.
TEST_P(Q8GemmKernels, ExtremeValuesDoNotSaturate) {
  struct Extreme {
    int8_t a;
    uint8_t b;
    int32_t zb;
  };
  for (Extreme x : {Extreme{127, 255, 0}, Extreme{-127, 255, 0}, Extreme{-127, 0, 255}, Extreme{127, 0, 255},
                    Extreme{-128, 255, 0}, Extreme{-128, 0, 255}}) {
    Q8Case g(5, 20, 4000);
    std::fill(g.a.begin(), g.a.end(), x.a);
    std::fill(g.b.begin(), g.b.end(), x.b);
    g.b_zero_point = x.zb;
    g.with_bias = false;
    std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
    SCOPED_TRACE(describe(g));
    SCOPED_TRACE(gemm_q8_kernel_name(g.packed()));
    std::vector<float> sums = run_f32(g, g.packed());
    expect_matches_reference(g, sums);
    int64_t want = static_cast<int64_t>(x.a) * (x.b - x.zb) * g.k;
    EXPECT_EQ(sums[0], static_cast<float>(want));
    // Scaled down into the uint8 range: still exact.
    std::fill(g.row_scale.begin(), g.row_scale.end(), 100.0f / 130000000.0f);
    expect_matches_reference(g, run_whole(g, g.packed()));
    if (HasFatalFailure()) return;
  }
  // Alternating extremes: large partial sums of both signs that cancel.
  Q8Case g(6, 33, 4001);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t kk = 0; kk < g.k; ++kk) g.a[i * g.lda + kk] = static_cast<int8_t>((kk + i) % 3 ? 127 : -127);
  for (int64_t kk = 0; kk < g.k; ++kk)
    for (int64_t j = 0; j < g.n; ++j) g.b[kk * g.ldb + j] = (kk + j) % 2 ? 255 : 0;
  g.b_zero_point = 0;
  expect_matches_reference(g, run_f32(g, g.packed()));
  expect_matches_reference(g, run_whole(g, g.packed()));
}

// Cuts that fall inside tiles and vectors, on tile edges, and one column from either end.
std::vector<std::vector<int64_t>> odd_splits(int64_t n) {
  std::vector<std::vector<int64_t>> splits;
  for (std::vector<int64_t> cuts : std::vector<std::vector<int64_t>>{
           {1}, {n - 1}, {5}, {16}, {7, 23}, {3, 17, 40}, {n / 3, n / 2}, {13, 29, 31, 64, 95}}) {
    cuts.erase(std::remove_if(cuts.begin(), cuts.end(), [n](int64_t cut) { return cut <= 0 || cut >= n; }), cuts.end());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    if (!cuts.empty()) splits.push_back(cuts);
  }
  return splits;
}

TEST_P(Q8GemmKernels, ColumnSplitsAreIdentical) {
  for (int64_t m : {1, 5, 13})
    for (int64_t n : {2, 17, 33, 100})
      for (int64_t k : {1, 64, 301}) {
        Q8Case g(m, n, k);
        PackedQ8A packed = g.packed();
        std::vector<uint8_t> whole = run_whole(g, packed);
        for (const std::vector<int64_t>& cuts : odd_splits(n))
          ASSERT_EQ(whole, run_split(g, packed, cuts)) << describe(g) << ", " << cuts.size() << " cuts from "
                                                      << cuts.front();
      }
}

// B given by row offsets (the convolutions' pitched taps) gives the same bytes as B in rows ldb
// apart, for whole and split column ranges, a single column included.
TEST_P(Q8GemmKernels, RowOffsetsGiveTheSameProduct) {
  for (int64_t m : {1, 5, 13})
    for (int64_t n : {1, 2, 17, 70})
      for (int64_t k : {1, 3, 64, 301}) {
        Q8Case g(m, n, k);
        PackedQ8A packed = g.packed();
        const std::vector<uint8_t> whole = run_whole(g, packed);
        ASSERT_EQ(whole, run_rows(g, packed, {})) << describe(g);
        if (n > 2) {
          ASSERT_EQ(whole, run_rows(g, packed, {1, n / 2})) << describe(g) << ", split";
        }
      }
}

// Several blocks of columns (their width depends on K), and a K deep enough that one block is a
// single panel of 16 columns and the scratch buffer grows past its usual size.
TEST_P(Q8GemmKernels, WideAndDeepProductsAcrossBlocks) {
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{13, 1000, 1100}, {5, 300, 2305}, {3, 40, 20001}}) {
    Q8Case g(m, n, k);
    SCOPED_TRACE(describe(g));
    PackedQ8A packed = g.packed();
    std::vector<uint8_t> whole = run_whole(g, packed);
    expect_matches_reference(g, whole);
    for (const std::vector<int64_t>& cuts : std::vector<std::vector<int64_t>>{{15}, {191}, {193}, {1, 777}})
      if (cuts.back() < n) {
        EXPECT_EQ(whole, run_split(g, packed, cuts)) << "cut at " << cuts.front();
      }
  }
}

// Ranges of A's panels (output-channel chunks): together they give C, each with its own rows of
// the bias and the scale, and one range writes only its rows.
TEST_P(Q8GemmKernels, PanelRangesMatchOneCallAndWriteOnlyTheirRows) {
  constexpr int64_t rows = PackedQ8A::kPanelRows;
  Q8Case g(4 * rows + 2, 40, 300);  // 5 panels, the last one 2 rows
  PackedQ8A packed = g.packed();
  ASSERT_EQ(packed.panel_count(), 5);
  Q8GemmEpilogue e = g.epilogue();
  std::vector<uint8_t> whole = run_whole(g, packed);
  std::vector<uint8_t> pieces = g.fresh_c();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 3}, {3, 5}})
    gemm_q8(packed, g.b.data(), g.ldb, g.n, pieces.data(), g.ldc, e, 0, g.n, p0, p1);
  EXPECT_EQ(whole, pieces);

  std::vector<float> whole_f32 = run_f32(g, packed);
  std::vector<float> pieces_f32 = g.fresh_c_f32();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 1}, {1, 4}, {4, 5}})
    gemm_q8_f32_out(packed, g.b.data(), g.ldb, g.n, pieces_f32.data(), g.ldc, e, 0, g.n, p0, p1);
  EXPECT_EQ(whole_f32, pieces_f32);

  std::vector<uint8_t> c = g.fresh_c();
  gemm_q8(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 3, 29, 2, 3);
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      bool inside = i >= 2 * rows && i < 3 * rows && j >= 3 && j < 29;
      uint8_t want = inside ? g.expected_u8(i, j) : kUntouchedByte;
      EXPECT_EQ(c[i * g.ldc + j], want) << "(" << i << ", " << j << ")";
    }
}

// Threads running column ranges at once, each packing B into its own scratch buffer.
TEST_P(Q8GemmKernels, ConcurrentColumnRangesMatchOneCall) {
  Q8Case g(29, 700, 600);
  PackedQ8A packed = g.packed();
  Q8GemmEpilogue e = g.epilogue();
  std::vector<uint8_t> whole = run_whole(g, packed);
  std::vector<uint8_t> shared = g.fresh_c();
  const int64_t cuts[] = {0, 100, 333, 517, g.n};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      gemm_q8(packed, g.b.data(), g.ldb, g.n, shared.data(), g.ldc, e, cuts[t], cuts[t + 1]);
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(whole, shared);
}

// A fully connected layer at batch 1: B is one column (ldb = ldc = 1), which takes a kernel of its
// own. Rows around the panel, K around its groups of 4 pairs, K = 0, and the extreme values.
TEST_P(Q8GemmKernels, SingleColumnFullyConnected) {
  for (auto [m, k] : {std::pair<int64_t, int64_t>{10, 1280}, {37, 63}, {1, 1}, {6, 7}, {7, 8}, {13, 9}, {5, 0},
                      {70, 33}}) {
    Q8Case g(m, 1, k);
    g.ldb = 1;
    g.ldc = 1;
    g.b.resize(k);
    SCOPED_TRACE(describe(g));
    expect_matches_reference(g, run_whole(g, g.packed()));
    expect_matches_reference(g, run_f32(g, g.packed()));
    if (HasFatalFailure()) return;
  }
  Q8Case g(7, 1, 4001);
  g.ldb = g.ldc = 1;
  g.b.assign(g.k, 255);
  std::fill(g.a.begin(), g.a.end(), static_cast<int8_t>(-128));
  g.b_zero_point = 0;
  std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
  expect_matches_reference(g, run_f32(g, g.packed()));
}

// K = 0: the sum is empty and C is the requantized bias alone.
TEST_P(Q8GemmKernels, EmptyDepthGivesTheBias) {
  Q8Case g(7, 17, 0);
  std::fill(g.row_scale.begin(), g.row_scale.end(), 0.01f);
  expect_matches_reference(g, run_whole(g, g.packed()));
  expect_matches_reference(g, run_f32(g, g.packed()));
}

INSTANTIATE_TEST_SUITE_P(Paths, Q8GemmKernels, ::testing::ValuesIn(kernel_paths()),
                         [](const ::testing::TestParamInfo<KernelPath>& info) { return std::string(info.param.isa); });

// The portable and the SIMD kernel on the same random products: the same bytes.
TEST(Q8GemmPaths, GenericAndFastPathGiveTheSameBytes) {
  Q8Case g(23, 150, 333);
  g.c_zero_point = 3;
  PackedQ8A packed = g.packed();
  force_generic_kernels(true);
  std::vector<uint8_t> generic = run_whole(g, packed);
  std::vector<float> generic_f32 = run_f32(g, packed);
  force_generic_kernels(false);
  EXPECT_EQ(generic, run_whole(g, packed)) << gemm_q8_kernel_name();
  EXPECT_EQ(generic_f32, run_f32(g, packed)) << gemm_q8_kernel_name();
}

// --- The quad paths (PackedQ8A::has_quads()): AVX2 u8 x s8 for 7-bit weights, AVX-VNNI, ARMv8.2 SDOT ---

// Weights in [-63, 63] (ONNX Runtime's reduce_range), with scales doubled so that the outputs
// still use the whole range.
void make_seven_bit(Q8Case& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> weight(-63, 63);
  for (int8_t& x : g.a) x = static_cast<int8_t>(weight(rng));
  for (float& s : g.row_scale) s *= 2.0f;
}

// A quad path: its kernel, whether this CPU runs it, and whether it takes weights outside
// [-63, 63] (vpdpbusd and SDOT do, vpmaddubsw does not).
struct QuadPath {
  const char* kernel;
  bool (*cpu_has)();
  Hide hide;  // AVX2's u8 x s8 runs only where VNNI is hidden, AVX-VNNI's only where AVX-512 is
  bool any_weights;
};

void PrintTo(const QuadPath& path, std::ostream* os) { *os << path.kernel; }

std::vector<QuadPath> quad_paths() {
#if defined(__x86_64__)
  return {{"q8_gemm_u8s8_avx2", cpu_has_avx2_fma, Hide::kExtensions, false},
          {"q8_gemm_u8s8_vnni", cpu_has_avx_vnni, Hide::kAvx512, true},
          {"q8_gemm_u8s8_avx512_vnni", cpu_has_avx512_vnni, Hide::kAmx, true},
          {"q8_gemm_u8s8_amx", cpu_has_amx_int8, Hide::kNothing, true}};
#elif defined(__aarch64__)
  return {{"q8_gemm_sdot_neon", cpu_has_arm_dotprod, Hide::kNothing, true}};
#else
  return {};
#endif
}

// Each test runs once per quad path, on 7-bit weights (which every path takes) unless it says.
class Q8GemmQuads : public ::testing::TestWithParam<QuadPath> {
 protected:
  void SetUp() override {
    if (!GetParam().cpu_has()) GTEST_SKIP() << "this CPU cannot run " << GetParam().kernel;
    force_generic_kernels(false);
    hide(GetParam().hide);
  }
  void TearDown() override {
    force_generic_kernels(false);
    hide(Hide::kNothing);
  }
  static const char* quad_path_kernel() { return GetParam().kernel; }
  static bool quad_path_takes_any_weights() { return GetParam().any_weights; }
  // Packs A and checks that the product takes the quad path.
  static PackedQ8A packed(const Q8Case& g) {
    PackedQ8A a = g.packed();
    EXPECT_TRUE(a.has_quads()) << describe(g);
    EXPECT_STREQ(gemm_q8_kernel_name(a), quad_path_kernel());
    return a;
  }
};

// K around the quads of 4 (never a multiple of 4 in most), every zero point kind, odd M and N.
TEST_P(Q8GemmQuads, OddShapesAndZeroPointsMatchReference) {
  const int32_t zero_points[] = {0, 128, 255};
  int index = 0;
  for (int64_t m : {1, 4, 5, 6, 7, 13, 70})
    for (int64_t n : {2, 3, 7, 8, 9, 16, 17, 31, 70})
      for (int64_t k : {1, 2, 3, 4, 5, 7, 9, 16, 33, 69, 130}) {
        Q8Case g(m, n, k);
        make_seven_bit(g, static_cast<uint32_t>(index));
        g.b_zero_point = zero_points[index++ % 3];
        SCOPED_TRACE(describe(g));
        PackedQ8A a = packed(g);
        expect_matches_reference(g, run_whole(g, a));
        expect_matches_reference(g, run_f32(g, a));
        if (HasFatalFailure()) return;
      }
}

// The same for the quad paths (odd panel counts take the 6 x 64 tile where the path has one).
TEST_P(Q8GemmQuads, RowOffsetsGiveTheSameProduct) {
  for (int64_t m : {5, 13, 19})
    for (int64_t n : {2, 17, 70, 130})
      for (int64_t k : {1, 7, 64, 301}) {
        Q8Case g(m, n, k);
        make_seven_bit(g, static_cast<uint32_t>(m + n + k));
        PackedQ8A a = packed(g);
        const std::vector<uint8_t> whole = run_whole(g, a);
        expect_matches_reference(g, whole);
        ASSERT_EQ(whole, run_rows(g, a, {})) << describe(g);
        ASSERT_EQ(whole, run_rows(g, a, {1, n / 2})) << describe(g) << ", split";
      }
}

// An A packed in quads alone (no int16 pairs), run with the portable kernels forced after
// packing: the portable quad kernel, over odd shapes, one column, K = 0, split columns, B by
// row offsets and float output; and packed under the forced portable kernels, the pairs.
TEST_P(Q8GemmQuads, PortableQuadKernelRunsAQuadOnlyA) {
  for (int64_t m : {1, 5, 13})
    for (int64_t n : {1, 2, 17, 40})
      for (int64_t k : {0, 1, 7, 130}) {
        Q8Case g(m, n, k);
        make_seven_bit(g, static_cast<uint32_t>(3 * m + n + k));
        SCOPED_TRACE(describe(g));
        PackedQ8A a = packed(g);
        ASSERT_FALSE(a.has_pairs());
        const std::vector<uint8_t> fast = run_whole(g, a);
        expect_matches_reference(g, fast);
        force_generic_kernels(true);
        EXPECT_STREQ(gemm_q8_kernel_name(a), "q8_gemm_u8s8_generic");
        EXPECT_EQ(fast, run_whole(g, a));
        if (n > 2) {
          EXPECT_EQ(fast, run_split(g, a, {1, n / 2}));
        }
        if (k > 0) {
          EXPECT_EQ(fast, run_rows(g, a, {}));
        }
        expect_matches_reference(g, run_f32(g, a));
        const PackedQ8A pairs = g.packed();
        EXPECT_TRUE(pairs.has_pairs());
        EXPECT_FALSE(pairs.has_quads());
        force_generic_kernels(false);
        if (HasFatalFailure()) return;
      }
  // What the fully connected kernel packs: the pairs alone.
  Q8Case fc(9, 1, 50);
  const PackedQ8A fc_a = pack_q8_a(fc.a.data(), fc.m, fc.k, fc.lda, /*quads=*/false);
  EXPECT_TRUE(fc_a.has_pairs());
  EXPECT_FALSE(fc_a.has_quads());
}

TEST_P(Q8GemmQuads, EveryTileWidthAndHeight) {
  for (int64_t m = 1; m <= 13; ++m)
    for (int64_t n = 2; n <= 33; ++n) {
      Q8Case g(m, n, 6);
      make_seven_bit(g, static_cast<uint32_t>(m * 100 + n));
      SCOPED_TRACE(describe(g));
      expect_matches_reference(g, run_whole(g, packed(g)));
      if (HasFatalFailure()) return;
    }
}

TEST_P(Q8GemmQuads, ZeroPointsNarrowRangesAndNullBias) {
  for (int32_t zb : {0, 1, 128, 255})
    for (int32_t zc : {0, 128, 255})
      for (bool bias : {true, false}) {
        Q8Case g(7, 37, 45);
        make_seven_bit(g, static_cast<uint32_t>(zb + zc));
        g.b_zero_point = zb;
        g.c_zero_point = zc;
        g.with_bias = bias;
        if (zc == 128) g.qmin = zc, g.qmax = 200;
        SCOPED_TRACE(describe(g));
        PackedQ8A a = packed(g);
        expect_matches_reference(g, run_whole(g, a));
        expect_matches_reference(g, run_f32(g, a));
        if (HasFatalFailure()) return;
      }
}

// The largest products the path allows, all of one sign, over K = 4001 (not a multiple of 4):
// exact, no saturation in the int16 pairs, with B's zero point folded into the row sums.
TEST_P(Q8GemmQuads, ExtremeValuesDoNotSaturate) {
  struct Extreme {
    int8_t a;
    uint8_t b;
    int32_t zb;
  };
  for (Extreme x : {Extreme{63, 255, 0}, Extreme{-63, 255, 0}, Extreme{63, 0, 255}, Extreme{-63, 0, 255},
                    Extreme{63, 255, 255}, Extreme{-63, 255, 128}}) {
    Q8Case g(5, 20, 4001);
    std::fill(g.a.begin(), g.a.end(), x.a);
    std::fill(g.b.begin(), g.b.end(), x.b);
    g.b_zero_point = x.zb;
    g.with_bias = false;
    std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
    SCOPED_TRACE(describe(g));
    PackedQ8A a = packed(g);
    std::vector<float> sums = run_f32(g, a);
    expect_matches_reference(g, sums);
    int64_t want = static_cast<int64_t>(x.a) * (x.b - x.zb) * g.k;
    EXPECT_EQ(sums[0], static_cast<float>(want));
    std::fill(g.row_scale.begin(), g.row_scale.end(), 100.0f / 66000000.0f);
    expect_matches_reference(g, run_whole(g, a));
    if (HasFatalFailure()) return;
  }
  // Alternating extremes: large partial sums of both signs.
  Q8Case g(6, 33, 4001);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t kk = 0; kk < g.k; ++kk) g.a[i * g.lda + kk] = static_cast<int8_t>((kk + i) % 3 ? 63 : -63);
  for (int64_t kk = 0; kk < g.k; ++kk)
    for (int64_t j = 0; j < g.n; ++j) g.b[kk * g.ldb + j] = (kk + j) % 2 ? 255 : 0;
  g.b_zero_point = 0;
  PackedQ8A a = packed(g);
  expect_matches_reference(g, run_f32(g, a));
  expect_matches_reference(g, run_whole(g, a));
}

TEST_P(Q8GemmQuads, ColumnSplitsBlocksAndPanelRanges) {
  for (int64_t m : {1, 5, 13})
    for (int64_t n : {2, 17, 33, 100})
      for (int64_t k : {1, 63, 301}) {
        Q8Case g(m, n, k);
        make_seven_bit(g, static_cast<uint32_t>(m + n + k));
        PackedQ8A a = packed(g);
        std::vector<uint8_t> whole = run_whole(g, a);
        expect_matches_reference(g, whole);
        for (const std::vector<int64_t>& cuts : odd_splits(n))
          ASSERT_EQ(whole, run_split(g, a, cuts)) << describe(g) << ", " << cuts.size() << " cuts from " << cuts.front();
      }
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{13, 1000, 1101}, {5, 300, 2305}, {3, 40, 20001}}) {
    Q8Case g(m, n, k);
    make_seven_bit(g, 7);
    g.b_zero_point = 255;
    SCOPED_TRACE(describe(g));
    PackedQ8A a = packed(g);
    std::vector<uint8_t> whole = run_whole(g, a);
    expect_matches_reference(g, whole);
    for (const std::vector<int64_t>& cuts : std::vector<std::vector<int64_t>>{{15}, {191}, {193}, {1, 777}})
      if (cuts.back() < n) {
        EXPECT_EQ(whole, run_split(g, a, cuts)) << "cut at " << cuts.front();
      }
  }
  constexpr int64_t rows = PackedQ8A::kPanelRows;
  Q8Case g(4 * rows + 2, 40, 299);
  make_seven_bit(g, 9);
  PackedQ8A a = packed(g);
  Q8GemmEpilogue e = g.epilogue();
  std::vector<uint8_t> whole = run_whole(g, a);
  expect_matches_reference(g, whole);
  std::vector<uint8_t> pieces = g.fresh_c();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 3}, {3, 5}})
    gemm_q8(a, g.b.data(), g.ldb, g.n, pieces.data(), g.ldc, e, 0, g.n, p0, p1);
  EXPECT_EQ(whole, pieces);
  std::vector<float> whole_f32 = run_f32(g, a);
  expect_matches_reference(g, whole_f32);
  std::vector<float> pieces_f32 = g.fresh_c_f32();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 1}, {1, 4}, {4, 5}})
    gemm_q8_f32_out(a, g.b.data(), g.ldb, g.n, pieces_f32.data(), g.ldc, e, 0, g.n, p0, p1);
  EXPECT_EQ(whole_f32, pieces_f32);
  std::vector<uint8_t> c = g.fresh_c();
  gemm_q8(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 3, 29, 2, 3);
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      bool inside = i >= 2 * rows && i < 3 * rows && j >= 3 && j < 29;
      uint8_t want = inside ? g.expected_u8(i, j) : kUntouchedByte;
      EXPECT_EQ(c[i * g.ldc + j], want) << "(" << i << ", " << j << ")";
    }
}

// The same bytes as the wide AVX2 path and the portable kernels give for the same weights (the
// portable kernels use the pairs layout of the same PackedQ8A), and K = 0 gives the bias.
TEST_P(Q8GemmQuads, SameBytesAsTheOtherPaths) {
  Q8Case g(23, 150, 333);
  make_seven_bit(g, 11);
  g.c_zero_point = 3;
  g.b_zero_point = 77;
  PackedQ8A a = packed(g);
  std::vector<uint8_t> fast = run_whole(g, a);
  std::vector<float> fast_f32 = run_f32(g, a);
  expect_matches_reference(g, fast);
  // Packed in quads alone (no int16 pairs): with the portable kernels forced, the portable quad
  // kernel runs it; packed with them forced, the portable pair kernel. Same bytes.
  EXPECT_FALSE(a.has_pairs());
  force_generic_kernels(true);
  EXPECT_STREQ(gemm_q8_kernel_name(a), "q8_gemm_u8s8_generic");
  EXPECT_EQ(fast, run_whole(g, a));
  EXPECT_EQ(fast_f32, run_f32(g, a));
  const PackedQ8A pairs = g.packed();
  EXPECT_TRUE(pairs.has_pairs());
  EXPECT_FALSE(pairs.has_quads());
  EXPECT_STREQ(gemm_q8_kernel_name(pairs), "q8_gemm_generic");
  EXPECT_EQ(fast, run_whole(g, pairs));
  force_generic_kernels(false);
  // A single column: the quad tile, one column wide.
  Q8Case v(13, 1, 301);
  make_seven_bit(v, 12);
  v.ldb = v.ldc = 1;
  v.b.resize(v.k);
  expect_matches_reference(v, run_whole(v, packed(v)));
  Q8Case empty(7, 17, 0);
  std::fill(empty.row_scale.begin(), empty.row_scale.end(), 0.01f);
  PackedQ8A e = packed(empty);
  expect_matches_reference(empty, run_whole(empty, e));
  expect_matches_reference(empty, run_f32(empty, e));
}

// One weight outside [-63, 63] anywhere (64, -64, -128, 127): without VNNI (AVX-VNNI or
// AVX512_VNNI) the whole matrix takes the exact wide path; vpdpbusd and SDOT take it as it is. Exact at the extremes either way.
TEST_P(Q8GemmQuads, AnyWeightBeyond63TakesAnExactPath) {
  const bool quads = quad_path_takes_any_weights();
  for (int8_t outlier : {int8_t{64}, int8_t{-64}, int8_t{-128}, int8_t{127}})
    for (int64_t where : {0, 1, 2}) {
      Q8Case g(13, 40, 4001);
      std::fill(g.a.begin(), g.a.end(), int8_t{63});
      std::fill(g.b.begin(), g.b.end(), uint8_t{255});
      g.b_zero_point = 0;
      g.with_bias = false;
      std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
      const int64_t i = where == 0 ? 0 : where == 1 ? 7 : g.m - 1;
      const int64_t kk = where == 0 ? 0 : where == 1 ? 2001 : g.k - 1;
      g.a[i * g.lda + kk] = outlier;
      SCOPED_TRACE(describe(g) + " outlier " + std::to_string(outlier) + " at (" + std::to_string(i) + ", " +
                   std::to_string(kk) + ")");
      PackedQ8A a = g.packed();
      EXPECT_EQ(a.has_quads(), quads);
      EXPECT_STREQ(gemm_q8_kernel_name(a), quads ? quad_path_kernel() : gemm_q8_kernel_name());
      expect_matches_reference(g, run_f32(g, a));
      std::fill(g.row_scale.begin(), g.row_scale.end(), 100.0f / 66000000.0f);
      expect_matches_reference(g, run_whole(g, a));
      if (HasFatalFailure()) return;
    }
  // Out of range only in lda's padding past K: not part of A, so the quad path still applies.
  Q8Case g(5, 20, 9);
  make_seven_bit(g, 13);
  for (int64_t i = 0; i < g.m; ++i) g.a[i * g.lda + g.k] = 127;
  expect_matches_reference(g, run_whole(g, packed(g)));
}

// A packed while a dot product was in use has quads for its 8-bit weights; with the extensions
// hidden afterwards (a different kernel choice at run time), AVX2's vpmaddubsw path must not take
// them (it would saturate): the wide path runs instead, exact. And the other way round: A packed
// without quads still runs, exactly, once the dot product is back.
TEST(Q8GemmQuadChoice, EightBitQuadsNeverReachTheSevenBitKernel) {
  if (!gemm_q8_has_dot_product()) GTEST_SKIP() << "no int8 dot product on this CPU";
  Q8Case g(13, 40, 4001);
  std::fill(g.a.begin(), g.a.end(), int8_t{-128});
  for (int64_t i = 0; i < g.m; ++i) g.a[i * g.lda + i] = 127;
  std::fill(g.b.begin(), g.b.end(), uint8_t{255});
  g.b_zero_point = 0;
  g.with_bias = false;
  std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
  const PackedQ8A with_quads = g.packed();
  ASSERT_TRUE(with_quads.has_quads());
  ASSERT_FALSE(with_quads.seven_bit());
  PackedQ8A without_quads;
  {
    struct Unhide {
      ~Unhide() { hide_cpu_extensions(false); }
    } unhide;
    hide_cpu_extensions(true);
    without_quads = g.packed();
    EXPECT_STREQ(gemm_q8_kernel_name(with_quads), "q8_gemm_u8s8_generic");  // the portable quad kernel
    expect_matches_reference(g, run_f32(g, with_quads));
  }
  EXPECT_FALSE(without_quads.has_quads());
  EXPECT_STREQ(gemm_q8_kernel_name(without_quads), gemm_q8_kernel_name());
  expect_matches_reference(g, run_f32(g, without_quads));
}

// vpdpbusd and SDOT with the full int8 range: -128 and 127 against B's extremes and every kind of
// zero point, over a K that is not a multiple of 4. Neither SDOT's B - 128 nor the zero-point
// fold may wrap.
TEST_P(Q8GemmQuads, FullRangeWeightsWhereThePathTakesThem) {
  if (!quad_path_takes_any_weights()) GTEST_SKIP() << "this quad path takes 7-bit weights only";
  for (int8_t w : {int8_t{-128}, int8_t{127}, int8_t{-127}})
    for (uint8_t x : {uint8_t{0}, uint8_t{255}, uint8_t{128}, uint8_t{127}})
      for (int32_t zb : {0, 128, 255}) {
        Q8Case g(7, 21, 4001);
        std::fill(g.a.begin(), g.a.end(), w);
        std::fill(g.b.begin(), g.b.end(), x);
        g.b_zero_point = zb;
        g.with_bias = false;
        std::fill(g.row_scale.begin(), g.row_scale.end(), 1.0f);
        SCOPED_TRACE(describe(g) + " a=" + std::to_string(w) + " b=" + std::to_string(x));
        PackedQ8A a = packed(g);
        std::vector<float> sums = run_f32(g, a);
        expect_matches_reference(g, sums);
        EXPECT_EQ(sums[0], static_cast<float>(static_cast<int64_t>(w) * (x - zb) * g.k));
        std::fill(g.row_scale.begin(), g.row_scale.end(), 100.0f / 130000000.0f);
        expect_matches_reference(g, run_whole(g, a));
        if (HasFatalFailure()) return;
      }
  // Random full-range weights over odd shapes, against the reference and the portable kernel.
  for (int64_t m : {1, 5, 6, 7, 13})
    for (int64_t n : {2, 4, 5, 9, 17, 33})
      for (int64_t k : {1, 3, 4, 5, 63, 130}) {
        Q8Case g(m, n, k);
        g.b_zero_point = static_cast<int32_t>((m * n + k) % 256);
        SCOPED_TRACE(describe(g));
        PackedQ8A a = packed(g);
        std::vector<uint8_t> fast = run_whole(g, a);
        expect_matches_reference(g, fast);
        expect_matches_reference(g, run_f32(g, a));
        force_generic_kernels(true);
        EXPECT_EQ(fast, run_whole(g, a));
        force_generic_kernels(false);
        if (HasFatalFailure()) return;
      }
}

TEST(Q8GemmArguments, BadRangesStridesAndParametersAreErrors) {
  Q8Case g(5, 20, 8);
  PackedQ8A packed = g.packed();
  std::vector<uint8_t> c = g.fresh_c();
  Q8GemmEpilogue e = g.epilogue();
  auto run = [&](const Q8GemmEpilogue& epilogue, int64_t n_begin, int64_t n_end, int64_t ldb, int64_t ldc,
                 int64_t panel_end = -1) {
    gemm_q8(packed, g.b.data(), ldb, g.n, c.data(), ldc, epilogue, n_begin, n_end, 0, panel_end);
  };
  EXPECT_THROW(run(e, 0, g.n + 1, g.ldb, g.ldc), Error);
  EXPECT_THROW(run(e, 10, 9, g.ldb, g.ldc), Error);
  EXPECT_THROW(run(e, 0, g.n, g.n - 1, g.ldc), Error);
  EXPECT_THROW(run(e, 0, g.n, g.ldb, g.n - 1), Error);
  EXPECT_THROW(run(e, 0, g.n, g.ldb, g.ldc, packed.panel_count() + 1), Error);
  for (auto change : std::vector<void (*)(Q8GemmEpilogue&)>{
           [](Q8GemmEpilogue& x) { x.row_scale = nullptr; }, [](Q8GemmEpilogue& x) { x.b_zero_point = 256; },
           [](Q8GemmEpilogue& x) { x.b_zero_point = -1; }, [](Q8GemmEpilogue& x) { x.c_zero_point = 300; },
           [](Q8GemmEpilogue& x) { x.qmin = 10, x.qmax = 9; }, [](Q8GemmEpilogue& x) { x.qmax = 256; },
           [](Q8GemmEpilogue& x) { x.qmin = -1; }}) {
    Q8GemmEpilogue bad = e;
    change(bad);
    EXPECT_THROW(run(bad, 0, g.n, g.ldb, g.ldc), Error);
  }
  EXPECT_NO_THROW(run(e, 0, g.n, g.ldb, g.ldc));
  std::vector<int8_t> deep(65536);
  EXPECT_THROW(pack_q8_a(deep.data(), 1, 65536, 65536), Error);
  EXPECT_NO_THROW(pack_q8_a(deep.data(), 1, 65535, 65536));
  EXPECT_THROW(pack_q8_a(g.a.data(), 3, 8, 7), Error);
}

// --- im2col_u8 ---

// The definition, element by element (kernels/im2col.h), with pad where the tap is outside.
std::vector<uint8_t> naive_im2col(const Im2colParams& p, const std::vector<uint8_t>& x, uint8_t pad) {
  std::vector<uint8_t> m(p.rows() * p.columns());
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t ky = 0; ky < p.kernel_h; ++ky)
      for (int64_t kx = 0; kx < p.kernel_w; ++kx)
        for (int64_t oy = 0; oy < p.out_h; ++oy)
          for (int64_t ox = 0; ox < p.out_w; ++ox) {
            int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
            bool inside = iy >= 0 && iy < p.in_h && ix >= 0 && ix < p.in_w;
            m[((c * p.kernel_h + ky) * p.kernel_w + kx) * p.columns() + oy * p.out_w + ox] =
                inside ? x[(c * p.in_h + iy) * p.in_w + ix] : pad;
          }
  return m;
}

// The output size ONNX's explicit padding gives (bottom and right padding equal to top and left).
Im2colParams conv_params(int64_t channels, int64_t in_h, int64_t in_w, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t pad) {
  Im2colParams p;
  p.channels = channels;
  p.in_h = in_h;
  p.in_w = in_w;
  p.kernel_h = kernel;
  p.kernel_w = kernel == 7 ? 1 : kernel;  // 7 stands for a 7x1 kernel
  p.stride_h = p.stride_w = stride;
  p.dilation_h = p.dilation_w = dilation;
  p.pad_top = p.pad_left = pad;
  p.out_h = (in_h + 2 * pad - dilation * (p.kernel_h - 1) - 1) / stride + 1;
  p.out_w = (in_w + 2 * pad - dilation * (p.kernel_w - 1) - 1) / stride + 1;
  return p;
}

std::vector<uint8_t> random_bytes(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> v(count);
  for (uint8_t& x : v) x = static_cast<uint8_t>(byte(rng));
  return v;
}

TEST(Q8Im2col, MatchesNaiveWithPadValueAndSplits) {
  int cases = 0;
  for (int64_t kernel : {1, 3, 5, 7})
    for (int64_t stride : {1, 2, 3})
      for (int64_t dilation : {1, 2})
        for (int64_t pad : {0, 1, 3})
          for (auto [h, w] : {std::pair<int64_t, int64_t>{5, 7}, {13, 11}, {1, 40}}) {
            Im2colParams p = conv_params(3, h, w, kernel, stride, dilation, pad);
            if (p.out_h <= 0 || p.out_w <= 0) continue;
            ++cases;
            std::vector<uint8_t> x = random_bytes(p.channels * h * w, static_cast<uint32_t>(cases));
            const uint8_t pad_value = static_cast<uint8_t>(cases * 37 % 256);
            std::vector<uint8_t> want = naive_im2col(p, x, pad_value);
            std::string what = "kernel " + std::to_string(kernel) + " stride " + std::to_string(stride) +
                               " dilation " + std::to_string(dilation) + " pad " + std::to_string(pad) + " input " +
                               std::to_string(h) + "x" + std::to_string(w);
            // The whole matrix in one call, then in pieces into a matrix with wider rows.
            std::vector<uint8_t> whole(want.size(), 0);
            im2col_u8(p, x.data(), pad_value, 0, p.columns(), whole.data(), p.columns());
            ASSERT_EQ(whole, want) << what;
            const int64_t stride_out = p.columns() + 3;
            std::vector<uint8_t> pieces(p.rows() * stride_out, kUntouchedByte);
            int64_t cuts[] = {0, p.columns() / 3, p.columns() / 3 + 1, p.columns()};
            for (int piece = 0; piece < 3; ++piece)
              im2col_u8(p, x.data(), pad_value, cuts[piece], cuts[piece + 1], pieces.data() + cuts[piece], stride_out);
            for (int64_t r = 0; r < p.rows(); ++r) {
              ASSERT_TRUE(std::equal(want.begin() + r * p.columns(), want.begin() + (r + 1) * p.columns(),
                                     pieces.begin() + r * stride_out))
                  << what << ", row " << r;
              for (int64_t j = p.columns(); j < stride_out; ++j) ASSERT_EQ(pieces[r * stride_out + j], kUntouchedByte);
            }
            // A thread's own panel: columns [first, last) at row stride last - first.
            int64_t first = p.columns() / 4, last = p.columns() - p.columns() / 5;
            std::vector<uint8_t> panel(p.rows() * (last - first));
            im2col_u8(p, x.data(), pad_value, first, last, panel.data(), last - first);
            for (int64_t r = 0; r < p.rows(); ++r)
              ASSERT_TRUE(std::equal(want.begin() + r * p.columns() + first, want.begin() + r * p.columns() + last,
                                     panel.begin() + r * (last - first)))
                  << what << ", panel row " << r;
          }
  EXPECT_GT(cases, 150);
}

// The pitched taps (kernels/im2col_padded.h): for kernels (square, 7x1, 1x7), strides,
// dilations and paddings (asymmetric, and inputs wider than the outputs need), every element of
// the im2col matrix is read from the padded planes at its tap's offset plus oy * pitch + ox, and
// a whole row of pitched columns stays inside the planes and their spill. The planes are padded in
// two channel ranges; the input sits against an inaccessible page on either side and the planes
// before one: the padding reads only inside the input, the taps only inside the planes.
TEST(Q8Im2col, PitchedTapsReadTheIm2colMatrix) {
  int cases = 0;
  for (auto [kh, kw] : {std::pair<int64_t, int64_t>{1, 1}, {3, 3}, {5, 5}, {7, 1}, {1, 7}, {7, 7}})
    for (int64_t stride : {1, 2, 3})
      for (int64_t dilation : {1, 2})
        for (int64_t pad : {0, 1, 3})
          for (auto [h, w] : {std::pair<int64_t, int64_t>{5, 7}, {13, 11}, {1, 40}, {4, 130}})
            for (bool cut_right : {false, true}) {
              Im2colParams p = conv_params(3, h, w, 1, stride, dilation, pad);
              p.kernel_h = kh;
              p.kernel_w = kw;
              p.out_h = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1;
              p.out_w = (w + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
              if (cut_right) {  // less right and bottom padding than top and left, or a cut input
                p.out_w -= 1;
                p.out_h = std::max<int64_t>(p.out_h - 2, 1);
                p.pad_left = std::max<int64_t>(pad - 1, 0);
              }
              if (p.out_h <= 0 || p.out_w <= 0) continue;
              ASSERT_TRUE(pitched_taps_fit<uint8_t>(p));
              ++cases;
              std::vector<uint8_t> values = random_bytes(p.channels * h * w, static_cast<uint32_t>(900 + cases));
              const uint8_t pad_value = static_cast<uint8_t>(cases * 53 % 256);
              std::vector<uint8_t> want = naive_im2col(p, values, pad_value);
              std::string what = std::to_string(kh) + "x" + std::to_string(kw) + " stride " + std::to_string(stride) +
                                 " dilation " + std::to_string(dilation) + " pad " + std::to_string(pad) +
                                 (cut_right ? " (cut)" : "") + " input " + std::to_string(h) + "x" + std::to_string(w);
              std::vector<int64_t> offsets(static_cast<size_t>(p.rows()));
              pitched_tap_offsets(p, offsets.data());
              const int64_t pitch = padded_planes(p).pitch;
              for (bool guard_after : {false, true}) {
                test::Guarded<uint8_t> x(values.data(), values.size(), guard_after);
                const std::vector<uint8_t> unset(static_cast<size_t>(padded_values<uint8_t>(p)), kUntouchedByte);
                test::Guarded<uint8_t> padded(unset.data(), unset.size(), true);
                pad_input_planes(p, x.data(), pad_value, 1, p.channels, padded.data());
                pad_input_planes(p, x.data(), pad_value, 0, 1, padded.data());
                const uint8_t* planes = padded.data();
                for (int64_t r = 0; r < p.rows(); ++r) {
                  ASSERT_GE(offsets[r], 0) << what;
                  // The whole pitched row is read, as the product reads it: past the planes and
                  // their spill, the guard page faults.
                  unsigned sum = 0;
                  for (int64_t j = 0; j < pitched_columns(p); ++j) sum += planes[offsets[r] + j];
                  volatile unsigned keep = sum;
                  (void)keep;
                  for (int64_t oy = 0; oy < p.out_h; ++oy)
                    for (int64_t ox = 0; ox < p.out_w; ++ox)
                      ASSERT_EQ(planes[offsets[r] + oy * pitch + ox], want[r * p.columns() + oy * p.out_w + ox])
                          << what << ", row " << r << ", output (" << oy << ", " << ox << ")";
                }
              }
            }
  EXPECT_GT(cases, 500);
  // Beyond the spill: a 3-wide kernel dilated by 33 reaches 66 values past a row; the convolution
  // builds im2col panels there (runtime/q8_conv_kernels.cpp).
  EXPECT_FALSE(pitched_taps_fit<uint8_t>(conv_params(2, 70, 70, 3, 1, 33, 0)));
  EXPECT_TRUE(pitched_taps_fit<uint8_t>(conv_params(2, 70, 70, 3, 2, 33, 0)));
}

// compact_pitched_columns: pitched columns [first, last) of a few rows to their pixels, for
// column ranges that start and end inside, at and past an output row's width, with nothing
// written outside the range's pixels (the destination is filled with a marker and sits against
// an inaccessible page).
TEST(Q8Im2col, CompactingPitchedColumnsWritesTheirPixelsOnly) {
  int cases = 0;
  for (auto [out_w, extra] : {std::pair<int64_t, int64_t>{7, 2}, {14, 2}, {5, 3}, {70, 2}, {1, 6}, {130, 1}}) {
    Im2colParams p;
    p.channels = 1;
    p.out_h = 5;
    p.out_w = out_w;
    p.kernel_h = 1;
    p.kernel_w = extra + 1;  // pitch = out_w + extra at stride 1
    p.in_h = p.out_h;
    p.in_w = out_w + extra;
    const int64_t pitch = padded_planes(p).pitch, n = pitched_columns(p), rows = 3, pixels = p.columns();
    ASSERT_EQ(pitch, out_w + extra);
    std::vector<uint8_t> src(static_cast<size_t>(rows * n + kPaddedSpillBytes));
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 1);
    const int64_t cuts[] = {0, 1, out_w - 1, out_w, pitch, pitch + 3, n / 2, n - extra, n - 1, n};
    for (int64_t first : cuts)
      for (int64_t last : cuts) {
        if (first < 0 || last > n || first >= last) continue;
        ++cases;
        const std::vector<uint8_t> marker(static_cast<size_t>(rows * pixels), kUntouchedByte);
        test::Guarded<uint8_t> dst(marker.data(), marker.size(), true);
        compact_pitched_columns(p, src.data() + first, n, rows, first, last, dst.data(), pixels);
        const std::vector<uint8_t> got = dst.values();
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t pixel = 0; pixel < pixels; ++pixel) {
            const int64_t j = pixel / out_w * pitch + pixel % out_w;
            const uint8_t expected = j >= first && j < last ? src[r * n + j] : kUntouchedByte;
            ASSERT_EQ(got[r * pixels + pixel], expected) << "width " << out_w << ", columns [" << first << ", " << last
                                                         << "), row " << r << ", pixel " << pixel;
          }
      }
  }
  EXPECT_GT(cases, 100);
}

// im2col_u8 lays the matrix out as im2col_f32 does (with 0 as the pad value).
TEST(Q8Im2col, SameLayoutAsFloatIm2col) {
  Im2colParams p = conv_params(4, 9, 10, 3, 2, 1, 1);
  std::vector<uint8_t> x = random_bytes(p.channels * p.in_h * p.in_w, 5);
  std::vector<float> xf(x.begin(), x.end());
  std::vector<uint8_t> m(p.rows() * p.columns());
  std::vector<float> mf(m.size());
  im2col_u8(p, x.data(), 0, 0, p.columns(), m.data(), p.columns());
  im2col_f32(p, xf.data(), 0, p.columns(), mf.data(), p.columns());
  for (size_t i = 0; i < m.size(); ++i) ASSERT_EQ(static_cast<float>(m[i]), mf[i]) << i;
}

// The recipe in q8_gemm.h: im2col_u8 with the input's zero point as the pad value, then gemm_q8,
// equals a convolution that skips the padded taps (a real-valued input padded with zeros).
TEST(Q8Im2col, PaddedConvolutionThroughGemm) {
  Im2colParams p = conv_params(5, 11, 9, 3, 2, 1, 1);
  const int64_t oc = 6;
  const uint8_t x_zero = 131;
  std::vector<uint8_t> x = random_bytes(p.channels * p.in_h * p.in_w, 11);
  Q8Case w(oc, p.columns(), p.rows());  // its A and epilogue; B is the im2col matrix
  w.b_zero_point = x_zero;
  std::vector<uint8_t> columns(p.rows() * p.columns());
  im2col_u8(p, x.data(), x_zero, 0, p.columns(), columns.data(), p.columns());
  std::vector<uint8_t> y(oc * p.columns());
  gemm_q8(w.packed(), columns.data(), p.columns(), p.columns(), y.data(), p.columns(), w.epilogue(), 0, p.columns());
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t oy = 0; oy < p.out_h; ++oy)
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        int64_t acc = w.row_bias[o];
        for (int64_t c = 0; c < p.channels; ++c)
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              int64_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
              if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
              acc += w.a[o * w.lda + (c * 3 + ky) * 3 + kx] * (x[(c * p.in_h + iy) * p.in_w + ix] - x_zero);
            }
        uint8_t want = static_cast<uint8_t>(
            requantize(static_cast<int32_t>(acc), w.row_scale[o], w.c_zero_point, w.qmin, w.qmax));
        ASSERT_EQ(y[o * p.columns() + oy * p.out_w + ox], want) << "oc " << o << " (" << oy << ", " << ox << ")";
      }
}

INSTANTIATE_TEST_SUITE_P(Paths, Q8GemmQuads, ::testing::ValuesIn(quad_paths()),
                         [](const ::testing::TestParamInfo<QuadPath>& info) { return std::string(info.param.kernel); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Q8GemmQuads);  // no quad path on other CPU families

}  // namespace
}  // namespace kite
