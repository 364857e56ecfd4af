// 2-D fp32 MaxPool and AveragePool on NCHW tensors, planes split across threads, by one of three
// kernels: the flat stride-1 one (kernels/f32_pool_stride1.h) for stride 1 with rows as wide as
// the input's; pool_plane_f32 (a whole plane per call, over a padded copy where windows leave the
// input) for short output rows and small windows; the row-by-row one (separable, rows then
// columns, the window clipped to the input) for the rest, and for max pooling's planes that hold
// a NaN. Same semantics as the reference kernels in ops/pooling.cpp (ties, empty windows,
// count_include_pad with ceil_mode), which they are tested against; no dilation (the reference
// handles that).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/f32_pool_stride1.h"
#include "kernels/pool_combine.h"
#include "ops/op_util.h"
#include "ops/window_geometry.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

struct PoolPlan {
  int64_t planes, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left;
  // For the average: the extent that counts toward the divisor, rows [count_top, count_bottom).
  int64_t count_top, count_bottom, count_left, count_right;
};

bool plan_pool(const Graph& g, const Node& n, PoolPlan& p) {
  if (n.outputs.size() != 1 || n.inputs.empty()) return false;
  const Value& x = g.values[static_cast<size_t>(n.inputs[0])];
  if (x.dtype != DType::f32 || x.shape.size() != 4 || !x.shape_known) return false;
  std::vector<int64_t> kernel = n.attrs.get_ints("kernel_shape", {});
  if (kernel.size() != 2) return false;
  WindowGeometry geo = window_geometry(n, {x.shape[2], x.shape[3]}, kernel, n.attrs.get_int("ceil_mode", 0) == 1);
  if (geo.dilations[0] != 1 || geo.dilations[1] != 1) return false;
  p.planes = x.shape[0] * x.shape[1];
  p.in_h = x.shape[2];
  p.in_w = x.shape[3];
  p.out_h = geo.output[0];
  p.out_w = geo.output[1];
  p.kernel_h = kernel[0];
  p.kernel_w = kernel[1];
  p.stride_h = geo.strides[0];
  p.stride_w = geo.strides[1];
  p.pad_top = geo.pad_begin[0];
  p.pad_left = geo.pad_begin[1];
  bool include_pad = n.op == "AveragePool" && n.attrs.get_int("count_include_pad", 0) == 1;
  p.count_top = include_pad ? -geo.pad_begin[0] : 0;
  p.count_bottom = p.in_h + (include_pad ? geo.pad_end[0] : 0);
  p.count_left = include_pad ? -geo.pad_begin[1] : 0;
  p.count_right = p.in_w + (include_pad ? geo.pad_end[1] : 0);
  return true;
}

// [begin, end) of a window starting at `start` with `size` taps, clipped to [lo, hi).
void clip(int64_t start, int64_t size, int64_t lo, int64_t hi, int64_t& begin, int64_t& end) {
  begin = std::max(start, lo);
  end = std::min(start + size, hi);
}

// The reference keeps the first maximum (strictly greater replaces), so a NaN is the result
// only where it is the window's first element, and other NaNs are skipped. Here both passes
// skip NaNs (a NaN so far is replaced by anything), and pool_plane then writes NaN where the
// window's first element is one: the same result, whatever row the NaNs are in.
// The row loops are kernels/pool_combine.h's (NEON on AArch64), which defines the same combines.
struct MaxOp {
  static constexpr PoolCombine kCombine = PoolCombine::kMax;
  static float combine(float best, float v) { return v > best || best != best ? v : best; }
};
struct SumOp {
  static constexpr PoolCombine kCombine = PoolCombine::kSum;
  static float combine(float sum, float v) { return sum + v; }
};

// Pooling is separable: each input row is reduced over the window's columns into
// rows[h][ow], then each output row reduces kernel_h of those. The loops over ow have unit
// stride in the output, so they vectorize (kernels/pool_combine.h); only the clipped border
// columns go one by one. For the maximum, returns whether an element read was a NaN (the
// results are kMax's, which skips NaNs: pool_plane applies the reference's NaN rule after).
// (The sum's order differs from the reference's row-major one: within float rounding.)
template <typename Op, int64_t kStride>
bool reduce_columns(const PoolPlan& p, int64_t stride, const float* x, float* row) {
  int64_t s = kStride ? kStride : stride;
  // Output columns whose window lies inside the row: [first, last).
  int64_t first = std::min(p.out_w, (p.pad_left + s - 1) / s);
  int64_t room = p.in_w - p.kernel_w + p.pad_left;  // the last window start inside, plus pad_left
  int64_t last = room < 0 ? first : std::max(first, std::min(p.out_w, room / s + 1));
  bool nan = false;
  auto clipped = [&](int64_t ow) {
    int64_t w0, w1;
    clip(ow * s - p.pad_left, p.kernel_w, 0, p.in_w, w0, w1);
    float v = w0 < w1 ? x[w0] : (std::is_same_v<Op, SumOp> ? 0.f : -std::numeric_limits<float>::infinity());
    constexpr bool kMax = std::is_same_v<Op, MaxOp>;  // (the sum has no NaN rule)
    nan = nan || (kMax && v != v);
    for (int64_t w = w0 + 1; w < w1; ++w) {
      nan = nan || (kMax && x[w] != x[w]);
      v = Op::combine(v, x[w]);
    }
    row[ow] = v;
  };
  for (int64_t ow = 0; ow < first; ++ow) clipped(ow);
  const float* base = x - p.pad_left;
  if constexpr (std::is_same_v<Op, MaxOp>) {
    if (last > first && pool_window_max_checked_f32(row + first, base + first * s, s, p.kernel_w, 1, last - first))
      nan = true;
  } else {
    pool_window_f32(PoolCombine::kSum, row + first, base + first * s, s, p.kernel_w, 1, last - first);
  }
  for (int64_t ow = last; ow < p.out_w; ++ow) clipped(ow);
  return std::is_same_v<Op, MaxOp> && nan;
}

// 1 / each average's count (count_include_pad or not), out_h x out_w: every kernel sums, then
// multiplies by it (a multiplication costs a fifth of a division, which took a quarter of
// Inception v3's 35x35 average pools). The count is a product of a per-row and a per-column one,
// small integers, so their float product is exact; the result is within a rounding of the
// reference's quotient (whose sums also go in another order). An empty count gives 0 * inf, a
// NaN (its sign bit set on x86, where the reference writes a positive quiet NaN), as the window
// then holds no input either.
std::vector<float> average_reciprocals(const PoolPlan& p) {
  std::vector<float> columns;
  for (int64_t ow = 0; ow < p.out_w; ++ow) {
    int64_t w0, w1;
    clip(ow * p.stride_w - p.pad_left, p.kernel_w, p.count_left, p.count_right, w0, w1);
    columns.push_back(static_cast<float>(std::max<int64_t>(0, w1 - w0)));
  }
  std::vector<float> reciprocals;
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    int64_t h0, h1;
    clip(oh * p.stride_h - p.pad_top, p.kernel_h, p.count_top, p.count_bottom, h0, h1);
    const float rows = static_cast<float>(std::max<int64_t>(0, h1 - h0));
    for (float c : columns) reciprocals.push_back(1.f / (rows * c));
  }
  return reciprocals;
}

template <typename Op>
void pool_plane(const PoolPlan& p, const float* x, float* y, std::vector<float>& rows) {
  rows.resize(static_cast<size_t>(p.in_h * p.out_w));
  // The maximum's rows say whether they read a NaN; where none did in the whole plane, the
  // vertical pass takes the plain maximum (kMaxNoNan) and the NaN pass (a loop with a clip per
  // output, which took most of the time of GoogLeNet's 3x3 stride-1 pooling) is skipped. The check
  // rides on the rows' reduction (AVX-512) or scans each row just before it is reduced, while it is
  // in cache (one scan of the whole plane first made the stride-2 pools slower).
  bool plane_nan = false;
  for (int64_t h = 0; h < p.in_h; ++h) {
    float* r = rows.data() + h * p.out_w;
    const float* xr = x + h * p.in_w;
    bool row_nan;
    if (p.stride_w == 1) row_nan = reduce_columns<Op, 1>(p, 1, xr, r);
    else if (p.stride_w == 2) row_nan = reduce_columns<Op, 2>(p, 2, xr, r);
    else row_nan = reduce_columns<Op, 0>(p, p.stride_w, xr, r);
    plane_nan = plane_nan || row_nan;
  }
  const PoolCombine op = std::is_same_v<Op, MaxOp> && !plane_nan ? PoolCombine::kMaxNoNan : Op::kCombine;
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    int64_t h0, h1;
    int64_t top = oh * p.stride_h - p.pad_top;
    clip(top, p.kernel_h, 0, p.in_h, h0, h1);
    float* yr = y + oh * p.out_w;
    if (h0 >= h1) {  // a window wholly in the padding (ceil_mode): nothing to reduce
      std::fill(yr, yr + p.out_w, std::is_same_v<Op, SumOp> ? 0.f : -std::numeric_limits<float>::infinity());
    } else {
      pool_window_f32(op, yr, rows.data() + h0 * p.out_w, 1, h1 - h0, p.out_w, p.out_w);
    }
    if constexpr (std::is_same_v<Op, MaxOp>) {
      if (h0 < h1 && plane_nan)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          int64_t w0, w1;
          clip(ow * p.stride_w - p.pad_left, p.kernel_w, 0, p.in_w, w0, w1);
          if (w0 < w1 && x[h0 * p.in_w + w0] != x[h0 * p.in_w + w0]) yr[ow] = x[h0 * p.in_w + w0];
        }
    }
  }
}


// Stride-1 pooling with rows as wide as the input's takes the flat kernel (the maximum on NaN-free
// planes only).
bool flat_pool(const PoolPlan& p, Stride1Window& w) {
  w.in_h = p.in_h;
  w.width = p.in_w;
  w.out_h = p.out_h;
  w.kernel_h = p.kernel_h;
  w.kernel_w = p.kernel_w;
  w.pad_top = p.pad_top;
  w.pad_left = p.pad_left;
  return p.stride_h == 1 && p.stride_w == 1 && p.out_w == p.in_w && f32_pool_stride1_applies(w);
}

// Output rows this short or shorter take pool_plane_f32 (one call per plane, every window's taps
// at once), the longer ones the row-by-row kernel (pool_plane): there a plane's calls per row
// weigh little, and it shares each row's reduction between the windows that overlap it, where
// pool_plane_f32 reads every tap of every window. 3x3 stride-2 max pools, one-node models, kite
// bench medians: 768 x 17x17 0.21 -> 0.07 ms, 288 x 35x35 0.21 -> 0.13, 192 x 56x56 (28 wide)
// 0.33 -> 0.29, but 192 x 71x71 (35 wide) 0.39 -> 0.49 and 64 x 112x112 0.30 -> 0.39.
// Windows of up to 9 taps only (3x3, 2x2): the row-by-row kernel's work grows as kernel_h +
// kernel_w, pool_plane_f32's as their product.
constexpr int64_t kPlaneKernelMaxWidth = 32;
constexpr int64_t kPlaneKernelMaxTaps = 9;

// pool_plane_f32 over the plane itself where every window lies inside it, or else over a copy
// padded with the combine's nothing (-inf, or 0 for the sum) as far as the windows reach (the
// padding and ceil_mode's last windows).
struct PlaneWindows {
  PoolPlaneWindow window;
  bool padded;
  int64_t rows, columns;  // of the padded copy
};

PlaneWindows plane_windows(const PoolPlan& p) {
  PlaneWindows w;
  w.rows = (p.out_h - 1) * p.stride_h + p.kernel_h;
  w.columns = (p.out_w - 1) * p.stride_w + p.kernel_w;
  w.padded = p.pad_top > 0 || p.pad_left > 0 || w.rows > p.in_h || w.columns > p.in_w;
  w.window = {p.out_h, p.out_w, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, w.padded ? w.columns : p.in_w};
  return w;
}

// x's plane into rows x columns, x's element (r, c) at (r + pad_top, c + pad_left), `nothing` around.
void pad_plane(const PoolPlan& p, const PlaneWindows& w, const float* x, float nothing, float* padded) {
  for (int64_t r = 0; r < w.rows; ++r) {
    float* out = padded + r * w.columns;
    const int64_t ih = r - p.pad_top;
    if (ih < 0 || ih >= p.in_h) {
      std::fill(out, out + w.columns, nothing);
      continue;
    }
    const int64_t left = std::min(p.pad_left, w.columns);
    const int64_t inside = std::max<int64_t>(0, std::min(p.in_w, w.columns - left));
    std::fill(out, out + left, nothing);
    std::memcpy(out + left, x + ih * p.in_w, static_cast<size_t>(inside) * sizeof(float));
    std::fill(out + left + inside, out + w.columns, nothing);
  }
}

class PoolKernel : public NodeKernel {
 public:
  PoolKernel(const PoolPlan& p, bool max) : plan_(p), max_(max), planes_(plane_windows(p)) {
    flat_ = flat_pool(p, window_);
    whole_planes_ = !flat_ && p.out_w <= kPlaneKernelMaxWidth && p.kernel_h * p.kernel_w <= kPlaneKernelMaxTaps;
    if (!max) reciprocals_ = average_reciprocals(p);
  }
  std::string name() const override {
    return std::string(max_ ? "max_pool_2d/" : "average_pool_2d/") + (flat_ ? "f32_pool_stride1+" : "") +
           (whole_planes_ ? "pool_plane_f32+" : "") + pool_window_kernel_name();
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();
    const int64_t in_plane = plan_.in_h * plan_.in_w, out_plane = plan_.out_h * plan_.out_w;
    const int64_t chunk = flat_ ? f32_pool_stride1_chunk_planes(window_) : 1;
    const PoolCombine op = max_ ? PoolCombine::kMaxNoNan : PoolCombine::kSum;
    pool.parallel_for(plan_.planes, [&](int64_t begin, int64_t end) {
      thread_local std::vector<float> rows, padded;
      thread_local Stride1Scratch flat;
      // Sums into averages, planes [c0, c1).
      auto average = [&](int64_t c0, int64_t c1) {
        for (int64_t plane = c0; plane < c1; ++plane)
          for (int64_t i = 0; i < out_plane; ++i) y[plane * out_plane + i] *= reciprocals_[static_cast<size_t>(i)];
      };
      if (!flat_ && !whole_planes_) {  // the row-by-row kernel, which checks for NaNs row by row
        for (int64_t c = begin; c < end; ++c) {
          if (max_) pool_plane<MaxOp>(plan_, x + c * in_plane, y + c * out_plane, rows);
          else pool_plane<SumOp>(plan_, x + c * in_plane, y + c * out_plane, rows);
        }
        if (!max_) average(begin, end);
        return;
      }
      for (int64_t c = begin; c < end;) {
        // The maximum's planes without a NaN, or any planes for the sum, from c on: a chunk of
        // them at most (so that the planes scanned are still in cache for the passes).
        const int64_t run_limit = std::min(end, c + chunk);
        int64_t run_end = c;
        bool nan_plane = false;  // the plane at run_end holds a NaN
        while (run_end < run_limit && !nan_plane) {
          nan_plane = max_ && f32_has_nan(x + run_end * in_plane, in_plane);
          if (!nan_plane) ++run_end;
        }
        if (run_end > c) {
          if (flat_) {
            f32_pool_stride1(op, window_, run_end - c, x + c * in_plane, y + c * out_plane, flat);
          } else {  // chunk is 1: the plane c
            const float* source = x + c * in_plane;
            if (planes_.padded) {
              padded.resize(static_cast<size_t>(planes_.rows * planes_.columns));
              pad_plane(plan_, planes_, source, max_ ? -std::numeric_limits<float>::infinity() : 0.f, padded.data());
              source = padded.data();
            }
            pool_plane_f32(op, planes_.window, source, y + c * out_plane);
          }
          if (!max_) average(c, run_end);
          c = run_end;
        }
        if (nan_plane) {  // the row-by-row kernel, which follows the reference's NaN rule
          pool_plane<MaxOp>(plan_, x + c * in_plane, y + c * out_plane, rows);
          ++c;
        }
      }
    });
  }

 private:
  PoolPlan plan_;
  bool max_;
  PlaneWindows planes_;
  bool flat_ = false;          // flat_pool
  bool whole_planes_ = false;  // pool_plane_f32 (kPlaneKernelMaxWidth, kPlaneKernelMaxTaps)
  Stride1Window window_;
  std::vector<float> reciprocals_;  // AveragePool: out_h x out_w
};

}  // namespace

std::unique_ptr<NodeKernel> make_pool_kernel(const Graph& g, const Node& n) {
  PoolPlan plan;
  if (!plan_pool(g, n, plan)) return nullptr;
  return std::make_unique<PoolKernel>(plan, n.op == "MaxPool");
}

}  // namespace kite
