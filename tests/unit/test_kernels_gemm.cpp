// The fp32 GEMM kernels (src/kernels/gemm.h), each ISA path on its own: the SIMD microkernel of
// this build's CPU family (AVX2+FMA on x86-64, skipped on a CPU without it; NEON on AArch64) and
// the portable one (forced on any CPU). Both are checked against
// a product computed in double over shapes that hit every tile edge (M around 6, N around 16, K
// around the 256 block), with leading dimensions wider than the matrices, every epilogue option,
// and column ranges split in odd places, which must give bitwise identical results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/aligned_alloc.h"
#include "guarded_buffer.h"
#include "kernels/cpu_features.h"
#include "kernels/gemm.h"
#include "kite/error.h"

namespace kite {
namespace {

// Never produced by a product of values in [-1, 1]: marks C elements gemm() must not write.
constexpr float kUntouched = -777.0f;

std::vector<float> random_values(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = uniform(rng);
  return v;
}

// One product's operands, stored with leading dimensions wider than the matrices so that a kernel
// that confuses a width with a stride reads the wrong numbers.
struct GemmCase {
  int64_t m, n, k;
  int64_t lda, ldb, ldc, ldr;
  std::vector<float> a, b, row_bias, column_bias, residual;

  GemmCase(int64_t m_, int64_t n_, int64_t k_)
      : m(m_), n(n_), k(k_), lda(k_ + 3), ldb(n_ + 5), ldc(n_ + 7), ldr(n_ + 2) {
    uint32_t seed = static_cast<uint32_t>(m * 1000003 + n * 1009 + k);
    a = random_values(m * lda, seed);
    b = random_values(k * ldb, seed + 1);
    row_bias = random_values(m, seed + 2);
    column_bias = random_values(n, seed + 3);
    residual = random_values(m * ldr, seed + 4);
  }
  PackedA packed() const { return pack_a(a.data(), m, k, lda); }
  // C with one spare row below, every element marked untouched.
  std::vector<float> fresh_c() const { return std::vector<float>((m + 1) * ldc, kUntouched); }
};

struct EpilogueOption {
  const char* name;
  bool row_bias, column_bias, residual;
  float min, max;
};

const EpilogueOption kEpilogues[] = {
    {"none", false, false, false, -INFINITY, INFINITY},
    {"row_bias", true, false, false, -INFINITY, INFINITY},
    {"column_bias", false, true, false, -INFINITY, INFINITY},
    {"residual", false, false, true, -INFINITY, INFINITY},
    {"relu", false, false, false, 0.0f, INFINITY},
    {"relu6", false, false, false, 0.0f, 6.0f},
    {"narrow_clip", false, false, false, -0.3f, 0.2f},
    {"everything", true, true, true, 0.0f, 6.0f},
};

GemmEpilogue epilogue_for(const GemmCase& g, const EpilogueOption& option) {
  GemmEpilogue e;
  if (option.row_bias) e.row_bias = g.row_bias.data();
  if (option.column_bias) e.column_bias = g.column_bias.data();
  if (option.residual) {
    e.residual = g.residual.data();
    e.ldr = g.ldr;
  }
  e.min = option.min;
  e.max = option.max;
  return e;
}

// A * B in double: every product of two floats is exact in double and the sums round 2^29 times
// more finely than in float, so this is the exact product as far as the float result can tell.
std::vector<double> product_in_double(const GemmCase& g) {
  std::vector<double> p(g.m * g.n, 0.0);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t kk = 0; kk < g.k; ++kk)
      for (int64_t j = 0; j < g.n; ++j)
        p[i * g.n + j] += static_cast<double>(g.a[i * g.lda + kk]) * g.b[kk * g.ldb + j];
  return p;
}

double expected_element(const GemmCase& g, const std::vector<double>& product, const EpilogueOption& option, int64_t i,
                        int64_t j) {
  double v = product[i * g.n + j];
  if (option.row_bias) v += g.row_bias[i];
  if (option.column_bias) v += g.column_bias[j];
  if (option.residual) v += g.residual[i * g.ldr + j];
  return std::min(std::max(v, static_cast<double>(option.min)), static_cast<double>(option.max));
}

// Why 1e-6 * K * max|a| * max|b|: each of the K steps of a float accumulation rounds by at most
// u = 2^-24 (6e-8) of the running sum. The rigorous bound, K * u * sum|a*b|, grows like K^2 and
// would let real bugs through; with operands of both signs the running sum stays near
// sqrt(K) * max|a| * max|b| and the roundings partly cancel, so the error stays well under
// K * u * max|a| * max|b|. 1e-6 is 16 u of headroom. The epilogue's additions (row bias, column
// bias, residual) round by u of their size too, hence the second term. The
// clamp cannot widen an error. A wrong k, row, column or stride moves results by about 0.1 or more.
double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

double tolerance(const GemmCase& g, const EpilogueOption& option) {
  double addends = (option.row_bias ? max_abs(g.row_bias) : 0.0) + (option.column_bias ? max_abs(g.column_bias) : 0.0) +
                   (option.residual ? max_abs(g.residual) : 0.0);
  return 1e-6 * (static_cast<double>(g.k) * max_abs(g.a) * max_abs(g.b) + addends);
}

// gemm() over [0, n) cut at `cuts` (sorted, inside (0, n)), one call per piece.
std::vector<float> run_split(const GemmCase& g, const PackedA& packed, const GemmEpilogue& e,
                             const std::vector<int64_t>& cuts) {
  std::vector<float> c = g.fresh_c();
  int64_t begin = 0;
  for (size_t piece = 0; piece <= cuts.size(); ++piece) {
    int64_t end = piece < cuts.size() ? cuts[piece] : g.n;
    gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, begin, end);
    begin = end;
  }
  return c;
}

std::vector<float> run_whole(const GemmCase& g, const PackedA& packed, const GemmEpilogue& e) {
  return run_split(g, packed, e, {});
}

// Checks C against the reference and that the padding past each row, and the spare row below,
// were left alone. Reports the first wrong element only, to keep a failure readable.
void expect_matches_reference(const GemmCase& g, const std::vector<double>& product, const EpilogueOption& option,
                              const std::vector<float>& c) {
  double tol = tolerance(g, option);
  for (int64_t i = 0; i <= g.m; ++i) {
    for (int64_t j = 0; j < g.ldc; ++j) {
      float got = c[i * g.ldc + j];
      if (i == g.m || j >= g.n) {
        ASSERT_EQ(got, kUntouched) << "wrote outside C at (" << i << ", " << j << ")";
        continue;
      }
      double want = expected_element(g, product, option, i, j);
      ASSERT_LE(std::abs(got - want), tol) << "C(" << i << ", " << j << ") = " << got << ", want " << want;
    }
  }
}

std::string describe(const GemmCase& g, const char* epilogue) {
  return "M=" + std::to_string(g.m) + " N=" + std::to_string(g.n) + " K=" + std::to_string(g.k) + " epilogue=" +
         epilogue;
}

bool bitwise_equal(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

struct KernelPath {
  const char* isa;     // the test name's suffix
  const char* kernel;  // what gemm_kernel_name() must say while the path is in use
  bool generic;        // forced with force_generic_kernels
  bool (*cpu_has)();   // whether this CPU runs it
  bool hide_cpu_extensions = false;  // run as on a CPU without AVX-512
};

bool always() { return true; }

void PrintTo(const KernelPath& path, std::ostream* os) { *os << path.kernel; }

// The SIMD path compiled for this CPU family, then the portable one.
std::vector<KernelPath> kernel_paths() {
  std::vector<KernelPath> paths;
#if defined(__x86_64__)
  paths.push_back({"fma3", "f32_gemm_6x16_fma3", false, cpu_has_avx2_fma, true});
  paths.push_back({"avx512", "f32_gemm_12x32_avx512", false, cpu_has_avx512});
#elif defined(__aarch64__)
  paths.push_back({"neon", "f32_gemm_6x16_neon", false, cpu_has_neon});
#endif
  paths.push_back({"generic", "f32_gemm_6x16_generic", true, always});
  return paths;
}

// Each test runs once per path. The fixture checks that the path really is the one in use, so
// that a broken dispatch cannot make both runs test the same kernel.
class GemmKernels : public ::testing::TestWithParam<KernelPath> {
 protected:
  void SetUp() override {
    const KernelPath& path = GetParam();
    if (!path.cpu_has()) GTEST_SKIP() << "this CPU cannot run " << path.kernel;
    force_generic_kernels(path.generic);
    hide_cpu_extensions(path.hide_cpu_extensions);
    ASSERT_STREQ(gemm_kernel_name(), path.kernel);
  }
  void TearDown() override {
    force_generic_kernels(false);
    hide_cpu_extensions(false);
  }
};

const int64_t kRowCounts[] = {1, 5, 6, 7, 13, 64};
const int64_t kColumnCounts[] = {1, 15, 16, 17, 33, 100};
const int64_t kDepths[] = {1, 3, 255, 256, 257, 600};

TEST_P(GemmKernels, OddShapesMatchDoubleReferenceWithEveryEpilogue) {
  for (int64_t m : kRowCounts)
    for (int64_t n : kColumnCounts)
      for (int64_t k : kDepths) {
        GemmCase g(m, n, k);
        PackedA packed = g.packed();
        std::vector<double> product = product_in_double(g);
        for (const EpilogueOption& option : kEpilogues) {
          SCOPED_TRACE(describe(g, option.name));
          expect_matches_reference(g, product, option, run_whole(g, packed, epilogue_for(g, option)));
          if (HasFatalFailure()) return;
        }
      }
}

// Every width of a register tile, and of the part of one that a SIMD vector holds (8 lanes on
// AVX2, 4 on NEON), at every height: each tile edge, whole or partial, with a short K.
TEST_P(GemmKernels, EveryTileWidthAndHeight) {
  for (int64_t m = 1; m <= 7; ++m)
    for (int64_t n = 1; n <= 33; ++n) {
      GemmCase g(m, n, 5);
      PackedA packed = g.packed();
      std::vector<double> product = product_in_double(g);
      for (const EpilogueOption& option : {kEpilogues[0], kEpilogues[7]}) {
        SCOPED_TRACE(describe(g, option.name));
        expect_matches_reference(g, product, option, run_whole(g, packed, epilogue_for(g, option)));
        if (HasFatalFailure()) return;
      }
    }
}

// Cuts that fall inside register tiles, on tile edges, and one column from either end.
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

TEST_P(GemmKernels, ColumnSplitsAreBitwiseIdentical) {
  const EpilogueOption& everything = kEpilogues[7];
  for (int64_t m : kRowCounts)
    for (int64_t n : kColumnCounts)
      for (int64_t k : kDepths) {
        GemmCase g(m, n, k);
        PackedA packed = g.packed();
        GemmEpilogue e = epilogue_for(g, everything);
        std::vector<float> whole = run_whole(g, packed, e);
        for (const std::vector<int64_t>& cuts : odd_splits(n)) {
          std::vector<float> split = run_split(g, packed, e, cuts);
          ASSERT_TRUE(bitwise_equal(whole, split)) << describe(g, everything.name) << ", " << cuts.size() << " cuts from "
                                                   << cuts.front();
        }
      }
}

// Several blocks of columns (192 each) and of K (512 at most, so 1100 is three): the blocking
// loops run more than once, and a split that crosses a column block moves where every later block
// starts.
TEST_P(GemmKernels, WideProductAcrossCacheBlocks) {
  GemmCase g(13, 1000, 1100);
  PackedA packed = g.packed();
  const EpilogueOption& everything = kEpilogues[7];
  GemmEpilogue e = epilogue_for(g, everything);
  std::vector<float> whole = run_whole(g, packed, e);
  expect_matches_reference(g, product_in_double(g), everything, whole);
  for (const std::vector<int64_t>& cuts : std::vector<std::vector<int64_t>>{{191}, {193}, {100, 500, 999}, {1, 777}})
    EXPECT_TRUE(bitwise_equal(whole, run_split(g, packed, e, cuts))) << "cut at " << cuts.front();
}

// Threads running column ranges at once, each packing B into its own scratch buffer.
TEST_P(GemmKernels, ConcurrentColumnRangesMatchOneCall) {
  GemmCase g(29, 700, 600);
  PackedA packed = g.packed();
  GemmEpilogue e = epilogue_for(g, kEpilogues[7]);
  std::vector<float> whole = run_whole(g, packed, e);
  std::vector<float> shared = g.fresh_c();
  const int64_t cuts[] = {0, 100, 333, 517, g.n};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      gemm(packed, g.b.data(), g.ldb, g.n, shared.data(), g.ldc, e, cuts[t], cuts[t + 1]);
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(bitwise_equal(whole, shared));
}

// One column range leaves the columns outside it alone.
TEST_P(GemmKernels, ColumnRangeWritesOnlyItsColumns) {
  GemmCase g(7, 40, 9);
  std::vector<float> c = g.fresh_c();
  gemm(g.packed(), g.b.data(), g.ldb, g.n, c.data(), g.ldc, GemmEpilogue{}, 11, 29);
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      bool inside = i < g.m && j >= 11 && j < 29;
      EXPECT_EQ(c[i * g.ldc + j] != kUntouched, inside) << "(" << i << ", " << j << ")";
    }
}

// Ranges of A's panels (the output-channel chunks of small convolutions): together they give
// C bit for bit, each with its own rows of the bias and residual, and one range writes only its
// rows.
TEST_P(GemmKernels, PanelRangesMatchOneCallAndWriteOnlyTheirRows) {
  GemmCase g(29, 40, 600);  // 5 panels, the last one 5 rows
  PackedA packed = g.packed();
  GemmEpilogue e = epilogue_for(g, kEpilogues[7]);
  std::vector<float> whole = run_whole(g, packed, e);
  std::vector<float> pieces = g.fresh_c();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 3}, {3, 5}})
    gemm(packed, g.b.data(), g.ldb, g.n, pieces.data(), g.ldc, e, 0, g.n, p0, p1);
  EXPECT_TRUE(bitwise_equal(whole, pieces));
  std::vector<float> c = g.fresh_c();
  gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, GemmEpilogue{}, 0, g.n, 2, 3);
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      bool inside = i >= 12 && i < 18 && j < g.n;
      EXPECT_EQ(c[i * g.ldc + j] != kUntouched, inside) << "(" << i << ", " << j << ")";
    }
}

// B packed once (pack_b, in pieces as threads would) then gemm_packed_b over panel ranges: C bit
// for bit as gemm() gives it, with the padding past each row and the spare row untouched. The
// packed buffer starts full of NaN, so a panel tail left unpadded would show.
std::vector<float> run_packed_b(const GemmCase& g, const PackedA& packed, const GemmEpilogue& e, int64_t column_cut,
                                const std::vector<int64_t>& panel_cuts) {
  std::shared_ptr<void> buffer = allocate_aligned(static_cast<size_t>(packed_b_floats(g.k, g.n) + 1) * sizeof(float));
  float* b = static_cast<float*>(buffer.get());
  std::fill(b, b + packed_b_floats(g.k, g.n), NAN);
  pack_b(g.b.data(), g.ldb, g.k, 0, column_cut, b);
  pack_b(g.b.data(), g.ldb, g.k, column_cut, g.n, b);
  std::vector<float> c = g.fresh_c();
  int64_t begin = 0;
  for (size_t piece = 0; piece <= panel_cuts.size(); ++piece) {
    int64_t end = piece < panel_cuts.size() ? panel_cuts[piece] : packed.panel_count();
    gemm_packed_b(packed, b, g.n, c.data(), g.ldc, e, begin, end);
    begin = end;
  }
  return c;
}

// gemm_rows with B's rows scattered (in reverse order, each at its own gap) over a column range:
// C bit for bit as gemm() gives for the same B, the padding and the spare row untouched. 400
// columns with K = 600 take blocks of K (each packed from its own rows' offsets).
TEST_P(GemmKernels, RowsFromOffsetsMatchGemmBitwise) {
  const EpilogueOption& everything = kEpilogues[7];
  for (int64_t m : kRowCounts)
    for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{100}, int64_t{400}})
      for (int64_t k : {0, 1, 3, 257, 600}) {
        GemmCase g(m, n, k);
        PackedA packed = g.packed();
        GemmEpilogue e = epilogue_for(g, everything);
        std::vector<float> whole = run_whole(g, packed, e);
        std::vector<float> scattered(static_cast<size_t>(k * (n + 3) + 1), NAN);
        std::vector<int64_t> offsets(static_cast<size_t>(k));
        for (int64_t r = 0; r < k; ++r) {
          offsets[static_cast<size_t>(r)] = (k - 1 - r) * (n + 3) + r % 3;
          std::copy(g.b.begin() + r * g.ldb, g.b.begin() + r * g.ldb + n, scattered.begin() + offsets[static_cast<size_t>(r)]);
        }
        std::vector<float> c = g.fresh_c();
        const int64_t cut = n / 3;
        gemm_rows(packed, scattered.data(), offsets.data(), n, c.data(), g.ldc, e, 0, cut);
        gemm_rows(packed, scattered.data(), offsets.data(), n, c.data(), g.ldc, e, cut, n);
        ASSERT_TRUE(bitwise_equal(whole, c)) << describe(g, everything.name);
      }
}

// gemm_rows with BColumnRows: each row of B laid out in rows of `width` columns every `pitch`
// values (as a convolution's output pixels in its padded planes), NaN in the gaps, the last row
// against an inaccessible page: C bit for bit as gemm() gives, so no gap and nothing past B is
// read; and packed once by pack_b_rows for gemm_packed_b. Widths under 16 put 2 to 16 rows in a
// panel; from 16, a panel crosses at most one row end.
TEST_P(GemmKernels, RowsOfPixelsMatchGemmBitwise) {
  const EpilogueOption& everything = kEpilogues[7];
  for (int64_t width : {1, 5, 7, 16, 17, 33})
    for (int64_t gap : {1, 2})
      for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{100}, int64_t{400}})
        for (int64_t k : {1, 3, 600}) {
          GemmCase g(13, n, k);
          PackedA packed = g.packed();
          GemmEpilogue e = epilogue_for(g, everything);
          std::vector<float> whole = run_whole(g, packed, e);
          const int64_t pitch = width + gap, rows = (n + width - 1) / width, spread = (rows - 1) * pitch + (n - 1) % width + 1;
          // Row r of B at offset (k - 1 - r) * (spread + 1): the last row of B first, the first
          // one ending the buffer.
          std::vector<float> scattered(static_cast<size_t>(k * (spread + 1) - 1), NAN);
          std::vector<int64_t> offsets(static_cast<size_t>(k));
          for (int64_t r = 0; r < k; ++r) {
            offsets[static_cast<size_t>(r)] = (k - 1 - r) * (spread + 1);
            for (int64_t j = 0; j < n; ++j)
              scattered[static_cast<size_t>(offsets[static_cast<size_t>(r)] + j / width * pitch + j % width)] =
                  g.b[static_cast<size_t>(r * g.ldb + j)];
          }
          test::Guarded<float> guarded(scattered.data(), scattered.size(), true);
          std::vector<float> c = g.fresh_c();
          const int64_t cut = n / 3;
          const BColumnRows columns{width, pitch};
          gemm_rows(packed, guarded.data(), offsets.data(), n, c.data(), g.ldc, e, 0, cut, 0, -1, columns);
          gemm_rows(packed, guarded.data(), offsets.data(), n, c.data(), g.ldc, e, cut, n, 0, -1, columns);
          ASSERT_TRUE(bitwise_equal(whole, c)) << describe(g, everything.name) << ", rows of " << width << " every "
                                               << pitch;
          // The same B packed once (pack_b_rows, two ranges of panels) for gemm_packed_b.
          std::shared_ptr<void> buffer = allocate_aligned(static_cast<size_t>(packed_b_floats(k, n)) * sizeof(float));
          float* packed_b = static_cast<float*>(buffer.get());  // 64-byte aligned, as the AVX2 kernel loads it
          std::fill(packed_b, packed_b + packed_b_floats(k, n), NAN);
          const int64_t panel_cut = std::min<int64_t>(n, 32);
          pack_b_rows(guarded.data(), offsets.data(), k, 0, panel_cut, packed_b, columns);
          pack_b_rows(guarded.data(), offsets.data(), k, panel_cut, n, packed_b, columns);
          c = g.fresh_c();
          gemm_packed_b(packed, packed_b, n, c.data(), g.ldc, e);
          ASSERT_TRUE(bitwise_equal(whole, c)) << describe(g, everything.name) << ", packed once, rows of " << width
                                               << " every " << pitch;
        }
}

TEST_P(GemmKernels, PackedOnceMatchesGemmBitwise) {
  const EpilogueOption& everything = kEpilogues[7];
  for (int64_t m : kRowCounts)
    for (int64_t n : kColumnCounts)
      for (int64_t k : {0, 1, 3, 257, 600}) {
        GemmCase g(m, n, k);
        PackedA packed = g.packed();
        GemmEpilogue e = epilogue_for(g, everything);
        std::vector<float> whole = run_whole(g, packed, e);
        int64_t column_cut = std::min<int64_t>(n, 16);
        std::vector<int64_t> panel_cuts;
        if (packed.panel_count() > 1) panel_cuts.push_back(1);
        if (packed.panel_count() > 3) panel_cuts.push_back(3);
        ASSERT_TRUE(bitwise_equal(whole, run_packed_b(g, packed, e, column_cut, panel_cuts)))
            << describe(g, everything.name);
      }
}

// Several blocks of columns (192) and of K: each block's slice of the shared panels.
TEST_P(GemmKernels, PackedOnceAcrossCacheBlocks) {
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{13, 1000, 1100}, {29, 49, 4608}, {7, 196, 2304}}) {
    GemmCase g(m, n, k);
    PackedA packed = g.packed();
    GemmEpilogue e = epilogue_for(g, kEpilogues[7]);
    std::vector<float> whole = run_whole(g, packed, e);
    expect_matches_reference(g, product_in_double(g), kEpilogues[7], whole);
    EXPECT_TRUE(bitwise_equal(whole, run_packed_b(g, packed, e, 32, {2}))) << describe(g, "everything");
  }
}

// gemm() and pack_b() with B's rows scaled (b_row_scale: a 1x1 convolution's input times its
// squeeze-and-excitation scale): C bit for bit as for a B scaled beforehand, one float product per
// element, over column ranges, blocks of K (600 > one block at 400 columns: each block's rows take
// their own scales) and the packed-once path, with finite scales, 0 and -0 among them (a NaN or
// infinite scale would turn every C element NaN and hide a scale applied to the wrong row). The
// packed panels themselves, with infinite and NaN scales too, element by element: each the
// product of its B value and its row's scale, bit for bit, and the padding lanes of a last panel
// +0 (not 0 x inf).
TEST_P(GemmKernels, RowScaleMatchesScaledB) {
  const EpilogueOption& everything = kEpilogues[7];
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{13, 37, 5}, {7, 400, 600}, {29, 49, 96}, {1, 17, 1}}) {
    GemmCase g(m, n, k);
    std::vector<float> scale = random_values(static_cast<size_t>(k), 99);
    for (float& v : scale) v *= 4.f;  // not within [-1, 1] alone
    if (k > 2) scale[1] = 0.f, scale[2] = -0.f;
    GemmCase scaled = g;
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < g.ldb; ++j) scaled.b[kk * g.ldb + j] = g.b[kk * g.ldb + j] * scale[kk];
    PackedA packed = g.packed();
    GemmEpilogue e = epilogue_for(g, everything);
    std::vector<float> want = run_whole(scaled, packed, e);
    std::vector<float> got = g.fresh_c();
    const int64_t cut = n / 3;
    gemm(packed, g.b.data(), g.ldb, n, got.data(), g.ldc, e, 0, cut, 0, -1, scale.data());
    gemm(packed, g.b.data(), g.ldb, n, got.data(), g.ldc, e, cut, n, 0, -1, scale.data());
    ASSERT_TRUE(bitwise_equal(want, got)) << describe(g, everything.name);
    // pack_b with the scale, then the packed-once product.
    std::shared_ptr<void> buffer = allocate_aligned(static_cast<size_t>(packed_b_floats(k, n)) * sizeof(float));
    float* b = static_cast<float*>(buffer.get());
    // (g.n and g.k: a lambda may not capture structured bindings in C++17)
    auto pack_in_two = [&](const float* scales) {
      pack_b(g.b.data(), g.ldb, g.k, 0, std::min<int64_t>(g.n, 16), b, scales);
      if (g.n > 16) pack_b(g.b.data(), g.ldb, g.k, 16, g.n, b, scales);
    };
    pack_in_two(scale.data());
    std::vector<float> packed_once = g.fresh_c();
    gemm_packed_b(packed, b, n, packed_once.data(), g.ldc, e);
    ASSERT_TRUE(bitwise_equal(want, packed_once)) << describe(g, everything.name) << " (packed once)";
    // The panels with infinite and NaN scales: value by value.
    std::vector<float> specials = scale;
    specials[0] = INFINITY;
    if (k > 3) specials[3] = NAN, specials[k - 1] = -INFINITY;
    pack_in_two(specials.data());
    for (int64_t j = 0; j < (n + 15) / 16 * 16; ++j)
      for (int64_t kk = 0; kk < k; ++kk) {
        const float packed_value = b[(j / 16 * k + kk) * 16 + j % 16];
        const float expected = j < n ? g.b[kk * g.ldb + j] * specials[kk] : 0.f;
        uint32_t got_bits, want_bits;
        std::memcpy(&got_bits, &packed_value, sizeof got_bits);
        std::memcpy(&want_bits, &expected, sizeof want_bits);
        ASSERT_EQ(got_bits, want_bits) << describe(g, everything.name) << ": column " << j << ", row " << kk
                                       << (j < n ? "" : " (padding: must be +0)");
      }
  }
}

// Each lane of the AVX2 and the AVX-512 tiles is the same chain of single-rounding FMAs, k by k
// from the same start, so the two give the same bits (which lets a model's fp32 output be the
// same on both kinds of x86 CPU), whatever the tile widths, the cuts of K and the epilogue
// (whole 12 x 32 tile pairs with all of K in one block, MobileNet's 1x1 layers, run from start
// to store in registers).
TEST(GemmIsaPaths, Avx512AndAvx2GiveTheSameBits) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{13, 1000, 1100}, {7, 45, 33}, {29, 700, 600},
                         {24, 64, 100}, {64, 96, 16}, {36, 200, 512}})
    for (const EpilogueOption& option : kEpilogues) {
      GemmCase g(m, n, k);
      PackedA packed = g.packed();
      GemmEpilogue e = epilogue_for(g, option);
      std::vector<float> wide = run_whole(g, packed, e);
      hide_cpu_extensions(true);
      EXPECT_STREQ(gemm_kernel_name(), "f32_gemm_6x16_fma3");
      std::vector<float> narrow = run_whole(g, packed, e);
      hide_cpu_extensions(false);
      EXPECT_TRUE(bitwise_equal(wide, narrow)) << describe(g, option.name);
    }
}

// A row bias of -0 starts its row from 0 + (-0) = +0 on every path: with that row of A all -0
// and B positive, every product is -0 and the sum's sign shows where it started.
TEST(GemmIsaPaths, NegativeZeroBiasStartsFromPlusZero) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  GemmCase g(24, 64, 40);
  for (float& v : g.b) v = std::fabs(v) + 0.5f;
  for (int64_t k = 0; k < g.k; ++k) g.a[k] = -0.0f;  // row 0
  g.row_bias[0] = -0.0f;
  PackedA packed = g.packed();
  GemmEpilogue e = epilogue_for(g, kEpilogues[1]);  // row bias alone
  std::vector<float> wide = run_whole(g, packed, e);
  hide_cpu_extensions(true);
  std::vector<float> narrow = run_whole(g, packed, e);
  hide_cpu_extensions(false);
  EXPECT_TRUE(bitwise_equal(wide, narrow));
  for (int64_t j = 0; j < g.n; ++j) ASSERT_FALSE(std::signbit(wide[j])) << "column " << j;
}

TEST(GemmArguments, PackedBRangesMustStartAPanel) {
  std::vector<float> b(4 * 40, 1.f), packed(static_cast<size_t>(packed_b_floats(4, 40)));
  EXPECT_THROW(pack_b(b.data(), 40, 4, 5, 40, packed.data()), Error);
  EXPECT_NO_THROW(pack_b(b.data(), 40, 4, 16, 40, packed.data()));
}

// A shortcut added in place (residual is C) must read each residual element before the first
// partial sum overwrites it, also when K takes several blocks.
TEST_P(GemmKernels, ResidualMayBeC) {
  GemmCase g(13, 33, 600);
  g.ldr = g.ldc;
  g.residual = random_values((g.m + 1) * g.ldc, 99);
  PackedA packed = g.packed();
  GemmEpilogue e = epilogue_for(g, kEpilogues[7]);
  std::vector<float> separate = run_whole(g, packed, e);

  std::vector<float> in_place = g.residual;
  e.residual = in_place.data();
  gemm(packed, g.b.data(), g.ldb, g.n, in_place.data(), g.ldc, e, 0, g.n);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j)
      ASSERT_EQ(in_place[i * g.ldc + j], separate[i * g.ldc + j]) << "(" << i << ", " << j << ")";
}

// K = 0: the product is empty and C is the clamped epilogue alone.
TEST_P(GemmKernels, EmptyDepthGivesTheEpilogue) {
  GemmCase g(7, 17, 0);
  const EpilogueOption& everything = kEpilogues[7];
  std::vector<float> c = run_whole(g, g.packed(), epilogue_for(g, everything));
  expect_matches_reference(g, product_in_double(g), everything, c);
}

TEST_P(GemmKernels, NanIsNotClampedAway) {
  GemmCase g(6, 16, 4);
  g.b[2 * g.ldb + 5] = NAN;  // poisons column 5 of every row
  GemmEpilogue relu6;
  relu6.min = 0.0f;
  relu6.max = 6.0f;
  std::vector<float> c = run_whole(g, g.packed(), relu6);
  for (int64_t i = 0; i < g.m; ++i) {
    EXPECT_TRUE(std::isnan(c[i * g.ldc + 5])) << "row " << i;
    EXPECT_FALSE(std::isnan(c[i * g.ldc + 4])) << "row " << i;
  }
}

// pack_a_transposed reads A from its transpose and must build the same panels as pack_a.
TEST_P(GemmKernels, TransposedPackingMatchesRowMajorPacking) {
  for (int64_t m : {1, 7, 13}) {
    GemmCase g(m, 17, 257);
    int64_t ld = m + 2;
    std::vector<float> a_t(g.k * ld, 0.0f);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kk = 0; kk < g.k; ++kk) a_t[kk * ld + i] = g.a[i * g.lda + kk];
    GemmEpilogue e;
    EXPECT_TRUE(bitwise_equal(run_whole(g, g.packed(), e), run_whole(g, pack_a_transposed(a_t.data(), m, g.k, ld), e)))
        << "M=" << m;
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, GemmKernels, ::testing::ValuesIn(kernel_paths()),
                         [](const ::testing::TestParamInfo<KernelPath>& info) { return std::string(info.param.isa); });

TEST(GemmArguments, BadRangesAndStridesAreErrors) {
  GemmCase g(5, 20, 8);
  PackedA packed = g.packed();
  std::vector<float> c = g.fresh_c();
  GemmEpilogue e;
  EXPECT_THROW(gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n + 1), Error);
  EXPECT_THROW(gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 10, 9), Error);
  EXPECT_THROW(gemm(packed, g.b.data(), g.n - 1, g.n, c.data(), g.ldc, e, 0, g.n), Error);
  EXPECT_THROW(gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.n - 1, e, 0, g.n), Error);
  EXPECT_THROW(gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n, 0, packed.panel_count() + 1), Error);
  EXPECT_THROW(gemm(packed, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n, -1, 1), Error);
  EXPECT_THROW(pack_a(g.a.data(), g.m, g.k, g.k - 1), Error);
  EXPECT_THROW(pack_a(g.a.data(), -1, g.k, g.k), Error);
  // Rows of pixels longer than their pitch, or of a negative width.
  std::vector<int64_t> offsets(static_cast<size_t>(g.k), 0);
  EXPECT_THROW(gemm_rows(packed, g.b.data(), offsets.data(), g.n, c.data(), g.ldc, e, 0, g.n, 0, -1, BColumnRows{5, 4}),
               Error);
  EXPECT_THROW(gemm_rows(packed, g.b.data(), offsets.data(), g.n, c.data(), g.ldc, e, 0, g.n, 0, -1, BColumnRows{-1, 4}),
               Error);
  std::vector<float> packed_b(static_cast<size_t>(packed_b_floats(g.k, g.n)));
  EXPECT_THROW(pack_b_rows(g.b.data(), offsets.data(), g.k, 0, g.n, packed_b.data(), BColumnRows{5, 4}), Error);
  EXPECT_THROW(pack_b_rows(g.b.data(), nullptr, g.k, 0, g.n, packed_b.data()), Error);
}

TEST(GemmArguments, PackedAKeepsItsShape) {
  GemmCase g(13, 1, 5);
  PackedA packed = g.packed();
  EXPECT_EQ(packed.rows(), 13);
  EXPECT_EQ(packed.depth(), 5);
  EXPECT_EQ(packed.panel_count(), 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(packed.panel(0)) % 64, 0u);
  // The third panel holds row 12 and five zero rows.
  for (int64_t kk = 0; kk < 5; ++kk) {
    EXPECT_EQ(packed.panel(2)[kk * 6], g.a[12 * g.lda + kk]);
    for (int r = 1; r < 6; ++r) EXPECT_EQ(packed.panel(2)[kk * 6 + r], 0.0f);
  }
}

}  // namespace
}  // namespace kite
