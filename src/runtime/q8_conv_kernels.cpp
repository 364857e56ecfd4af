// 2-D int8 convolutions (QLinearConv, FusedQLinearConv) on NCHW uint8 tensors with constant int8
// weights (zero point 0), as kite's quantizer writes them and ONNX Runtime's QDQ models hold:
//  - depthwise 3x3 / 5x5, stride 1 / 2: kernels/q8_depthwise_conv.h, channels split across
//    threads;
//  - everything else as int8 GEMM per group (kernels/q8_gemm.h): 1x1 stride-1 convolutions read
//    the input as B directly, the others build uint8 im2col panels per thread, padded with the
//    input's zero point; output pixels split across threads, and output-channel chunks on small
//    maps (runtime/conv_plan.h's panels_per_chunk).
// Integer sums are exact and requantization is defined once (kernels/requantize.h), so results
// are bitwise identical to the reference (ops/qlinear_conv.cpp) for any thread count.
#include <algorithm>
#include <cmath>

#include "kernels/q8_depthwise_conv.h"
#include "kernels/q8_gemm.h"
#include "kernels/q8_im2col.h"
#include "kernels/depthwise_conv.h"
#include "kernels/requantize.h"
#include "ops/quant_args.h"
#include "ops/window_geometry.h"
#include "runtime/conv_plan.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

struct Q8ConvPlan {
  int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  Im2colParams window;
  int32_t x_zero = 0, y_zero = 0, qmin = 0, qmax = 255;
  std::vector<float> scale;    // per output channel
  std::vector<int32_t> bias;   // per output channel (zeros when absent)
};

const Value* input_value(const Graph& g, const Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] >= 0 ? &g.values[static_cast<size_t>(n.inputs[i])] : nullptr;
}

const Tensor* constant_input(const Graph& g, const Node& n, size_t i) {
  const Value* v = input_value(g, n, i);
  return v && v->constant ? &*v->constant : nullptr;
}

// Everything the kernels need, or false when the node is outside what they handle (then its
// reference runs): uint8 input and output, int8 weights with zero point 0, constant parameters.
bool plan_q8_conv(const Graph& g, const Node& n, Q8ConvPlan& p) {
  const Value* x = input_value(g, n, 0);
  const Tensor* w = constant_input(g, n, 3);
  if (!x || !w || x->dtype != DType::u8 || !x->shape_known || x->shape.size() != 4 || w->dtype() != DType::s8) return false;
  for (size_t i : {1, 4, 6})
    if (!constant_input(g, n, i)) return false;
  for (size_t i : {2, 5, 7, 8})
    if (input_value(g, n, i) && !constant_input(g, n, i)) return false;
  QuantParams xq = read_quant_params(*constant_input(g, n, 1), constant_input(g, n, 2), DType::u8);
  QuantParams wq = read_quant_params(*constant_input(g, n, 4), constant_input(g, n, 5), DType::s8);
  QuantParams yq = read_quant_params(*constant_input(g, n, 6), constant_input(g, n, 7), DType::u8);
  if (xq.dtype != DType::u8 || yq.dtype != DType::u8 || wq.dtype != DType::s8) return false;
  for (int32_t z : wq.zero_point)
    if (z != 0) return false;
  p.batch = x->shape[0];
  p.in_channels = x->shape[1];
  p.out_channels = w->dim(0);
  p.groups = n.attrs.get_int("group", 1);
  WindowGeometry geo = window_geometry(n, {x->shape[2], x->shape[3]}, weight_kernel_shape(n, w->shape()), false);
  if (geo.pad_begin[0] < 0 || geo.pad_begin[1] < 0 || p.out_channels == 0) return false;
  p.window = im2col_params(geo, p.in_channels / p.groups, x->shape[2], x->shape[3]);
  p.x_zero = xq.zero_point[0];
  p.y_zero = yq.zero_point[0];
  std::tie(p.qmin, p.qmax) = fused_output_range(n, DType::u8);
  for (int64_t m = 0; m < p.out_channels; ++m) {
    p.scale.push_back(product_requant_scale(xq.scale[0], wq.scale_at(m), yq.scale[0]));
    if (!(std::isfinite(p.scale.back()) && p.scale.back() > 0.f)) return false;  // the reference says why
  }
  if (p.window.rows() > 65535) return false;  // pack_q8_a's limit on K
  const Tensor* b = constant_input(g, n, 8);
  p.bias.assign(static_cast<size_t>(p.out_channels), 0);
  if (b) std::copy(b->data<int32_t>(), b->data<int32_t>() + p.out_channels, p.bias.begin());
  return true;
}

class Q8DepthwiseConvKernel : public NodeKernel {
 public:
  Q8DepthwiseConvKernel(Q8ConvPlan plan, const Tensor& weights) : plan_(std::move(plan)), weights_(weights) {}
  std::string name() const override { return std::string("q8_conv_depthwise/") + depthwise_q8_kernel_name(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const Im2colParams& q = plan_.window;
    Q8DepthwiseParams d;
    d.channels = plan_.in_channels;
    d.in_h = q.in_h;
    d.in_w = q.in_w;
    d.out_h = q.out_h;
    d.out_w = q.out_w;
    d.kernel = q.kernel_h;
    d.stride = q.stride_h;
    d.pad_top = q.pad_top;
    d.pad_left = q.pad_left;
    d.x_zero_point = plan_.x_zero;
    d.y_zero_point = plan_.y_zero;
    d.qmin = plan_.qmin;
    d.qmax = plan_.qmax;
    int64_t in_image = d.channels * q.in_h * q.in_w, out_image = d.channels * q.out_h * q.out_w;
    for (int64_t n = 0; n < plan_.batch; ++n) {
      const uint8_t* x = in[0]->data<uint8_t>() + n * in_image;
      uint8_t* y = out[0].data<uint8_t>() + n * out_image;
      pool.parallel_for(d.channels, [&](int64_t c0, int64_t c1) {
        depthwise_conv_q8(d, x, weights_.data<int8_t>(), plan_.bias.data(), plan_.scale.data(), y, c0, c1);
      });
    }
  }

 private:
  Q8ConvPlan plan_;
  Tensor weights_;
};

class Q8GemmConvKernel : public NodeKernel {
 public:
  Q8GemmConvKernel(Q8ConvPlan plan, const Tensor& weights) : plan_(std::move(plan)) {
    int64_t m = plan_.out_channels / plan_.groups, k = plan_.window.rows();
    for (int64_t gi = 0; gi < plan_.groups; ++gi) packed_.push_back(pack_q8_a(weights.data<int8_t>() + gi * m * k, m, k, k));
  }

  std::string name() const override {
    return std::string(conv_is_pointwise(plan_.window) ? "q8_conv_1x1_gemm/" : "q8_conv_im2col_gemm/") +
           gemm_q8_kernel_name(packed_[0]);
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const Im2colParams& q = plan_.window;
    int64_t m = plan_.out_channels / plan_.groups, columns = q.columns();
    int64_t in_group = q.channels * q.in_h * q.in_w, out_group = m * columns;
    int64_t tiles = (columns + kTile - 1) / kTile;
    int64_t panels = packed_[0].panel_count();
    int64_t chunk_panels = panels_per_chunk(panels, tiles * plan_.groups * plan_.batch, pool.size());
    int64_t chunks = (panels + chunk_panels - 1) / chunk_panels;
    for (int64_t n = 0; n < plan_.batch; ++n)
      for (int64_t gi = 0; gi < plan_.groups; ++gi) {
        int64_t image_group = n * plan_.groups + gi;
        const uint8_t* x = in[0]->data<uint8_t>() + image_group * in_group;
        uint8_t* y = out[0].data<uint8_t>() + image_group * out_group;
        Q8GemmEpilogue e;
        e.row_bias = plan_.bias.data() + gi * m;
        e.row_scale = plan_.scale.data() + gi * m;
        e.b_zero_point = plan_.x_zero;
        e.c_zero_point = plan_.y_zero;
        e.qmin = plan_.qmin;
        e.qmax = plan_.qmax;
        pool.parallel_for(chunks * tiles, [&](int64_t i0, int64_t i1) {
          for (int64_t i = i0; i < i1;) {
            int64_t chunk = i / tiles, t0 = i % tiles, t1 = std::min(tiles, t0 + (i1 - i));
            int64_t p0 = chunk * chunk_panels, p1 = std::min(panels, p0 + chunk_panels);
            run_columns(packed_[static_cast<size_t>(gi)], x, y, e, t0 * kTile, std::min(columns, t1 * kTile), p0, p1);
            i += t1 - t0;
          }
        });
      }
  }

 private:
  void run_columns(const PackedQ8A& a, const uint8_t* x, uint8_t* y, const Q8GemmEpilogue& e, int64_t begin, int64_t end,
                   int64_t p0, int64_t p1) const {
    const Im2colParams& q = plan_.window;
    int64_t columns = q.columns();
    if (conv_is_pointwise(q)) {
      gemm_q8(a, x, columns, columns, y, columns, e, begin, end, p0, p1);
      return;
    }
    const int64_t kChunk = 256;
    thread_local std::vector<uint8_t> panel;
    panel.resize(static_cast<size_t>(q.rows() * kChunk));
    for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
      int64_t c1 = std::min(end, c0 + kChunk), width = c1 - c0;
      im2col_u8(q, x, static_cast<uint8_t>(plan_.x_zero), c0, c1, panel.data(), width);
      gemm_q8(a, panel.data(), width, width, y + c0, columns, e, 0, width, p0, p1);
    }
  }

  static constexpr int64_t kTile = 64;

  Q8ConvPlan plan_;
  std::vector<PackedQ8A> packed_;
};

bool is_q8_depthwise(const Q8ConvPlan& p) {
  const Im2colParams& q = p.window;
  constexpr int32_t kBiasLimit = 1 << 30;  // depthwise_conv_q8's bound
  for (int32_t b : p.bias)
    if (b > kBiasLimit || b < -kBiasLimit) return false;
  return p.groups == p.in_channels && p.out_channels == p.in_channels && q.kernel_h == q.kernel_w &&
         q.stride_h == q.stride_w && q.dilation_h == 1 && q.dilation_w == 1 && depthwise_supported(q.kernel_h, q.stride_h);
}

}  // namespace

std::unique_ptr<NodeKernel> make_q8_conv_kernel(const Graph& g, const Node& n) {
  Q8ConvPlan plan;
  if (!plan_q8_conv(g, n, plan)) return nullptr;
  const Tensor& weights = *g.values[static_cast<size_t>(n.inputs[3])].constant;
  if (is_q8_depthwise(plan)) return std::make_unique<Q8DepthwiseConvKernel>(std::move(plan), weights);
  return std::make_unique<Q8GemmConvKernel>(std::move(plan), weights);
}

}  // namespace kite
