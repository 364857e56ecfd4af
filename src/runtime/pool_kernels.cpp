// 2-D fp32 MaxPool and AveragePool on NCHW tensors: one pass over each output with the window
// clipped to the input, planes split across threads. Same semantics as the reference kernels in
// ops/pooling.cpp (ties, empty windows, count_include_pad with ceil_mode), which they are tested
// against; no dilation (the reference handles that).
#include <algorithm>
#include <cmath>
#include <limits>

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

void max_pool_plane(const PoolPlan& p, const float* x, float* y) {
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    int64_t h0, h1;
    clip(oh * p.stride_h - p.pad_top, p.kernel_h, 0, p.in_h, h0, h1);
    for (int64_t ow = 0; ow < p.out_w; ++ow) {
      int64_t w0, w1;
      clip(ow * p.stride_w - p.pad_left, p.kernel_w, 0, p.in_w, w0, w1);
      float best = -std::numeric_limits<float>::infinity();
      bool seen = false;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) {
          float v = x[h * p.in_w + w];
          if (!seen || v > best) best = v;  // strictly greater: the first maximum wins, as the reference
          seen = true;
        }
      y[oh * p.out_w + ow] = best;
    }
  }
}

void average_pool_plane(const PoolPlan& p, const float* x, float* y) {
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    int64_t h0, h1, ch0, ch1;
    int64_t top = oh * p.stride_h - p.pad_top;
    clip(top, p.kernel_h, 0, p.in_h, h0, h1);
    clip(top, p.kernel_h, p.count_top, p.count_bottom, ch0, ch1);
    for (int64_t ow = 0; ow < p.out_w; ++ow) {
      int64_t w0, w1, cw0, cw1;
      int64_t left = ow * p.stride_w - p.pad_left;
      clip(left, p.kernel_w, 0, p.in_w, w0, w1);
      clip(left, p.kernel_w, p.count_left, p.count_right, cw0, cw1);
      float sum = 0.f;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) sum += x[h * p.in_w + w];
      int64_t count = std::max<int64_t>(0, ch1 - ch0) * std::max<int64_t>(0, cw1 - cw0);
      y[oh * p.out_w + ow] = count ? sum / static_cast<float>(count) : std::numeric_limits<float>::quiet_NaN();
    }
  }
}

class PoolKernel : public NodeKernel {
 public:
  PoolKernel(const PoolPlan& p, bool max) : plan_(p), max_(max) {}
  std::string name() const override { return max_ ? "max_pool_2d" : "average_pool_2d"; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();
    int64_t in_plane = plan_.in_h * plan_.in_w, out_plane = plan_.out_h * plan_.out_w;
    pool.parallel_for(plan_.planes, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        if (max_) max_pool_plane(plan_, x + c * in_plane, y + c * out_plane);
        else average_pool_plane(plan_, x + c * in_plane, y + c * out_plane);
      }
    });
  }

 private:
  PoolPlan plan_;
  bool max_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_pool_kernel(const Graph& g, const Node& n) {
  PoolPlan plan;
  if (!plan_pool(g, n, plan)) return nullptr;
  return std::make_unique<PoolKernel>(plan, n.op == "MaxPool");
}

}  // namespace kite
