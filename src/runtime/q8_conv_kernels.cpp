// 2-D int8 convolutions (QLinearConv, FusedQLinearConv) on NCHW uint8 tensors with constant int8
// weights (zero point 0), as kite's quantizer writes them and ONNX Runtime's QDQ models hold:
//  - depthwise 3x3 / 5x5, stride 1 / 2: kernels/q8_depthwise_conv.h, channels split across
//    threads;
//  - 3x3 stride-1 on maps where it pays: exact Winograd F(2x2, 3x3), runtime/q8_winograd_conv_kernel.cpp;
//  - everything else as int8 GEMM per group (kernels/q8_gemm.h): 1x1 stride-1 convolutions read
//    the input as B directly; the others read it from a copy padded with the input's zero point
//    (and split into phases for a stride), in place, at the planes' pitch (kernels/
//    im2col_padded.h), or, where a tap would reach past the planes' spill, from uint8 im2col panels
//    built per thread; output pixels split across threads, and output-channel chunks on small
//    maps (runtime/conv_plan.h's panel_chunks).
// Integer sums are exact and requantization is defined once (kernels/requantize.h), so results
// are bitwise identical to the reference (ops/qlinear_conv.cpp) for any thread count.
#include <algorithm>
#include <cmath>

#include "kernels/q8_depthwise_conv.h"
#include "kernels/im2col_padded.h"
#include "kernels/q8_gemm.h"
#include "kernels/q8_im2col.h"
#include "kernels/requantize.h"
#include "kernels/thread_scratch.h"
#include "ops/quant_args.h"
#include "runtime/q8_conv_plan.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

// Everything the kernels need, or false when the node is outside what they handle (then its
// reference runs): uint8 input and output, int8 weights with zero point 0, constant parameters.
bool plan_q8_conv(const Graph& g, const Node& n, Q8ConvPlan& p) {
  std::vector<const Value*> in = g.input_values(n);
  const Value* x = in[0];
  const Tensor* w = g.constant_input(n, 3);
  if (!x || !w || x->dtype != DType::u8 || !x->shape_known || w->dtype() != DType::s8) return false;
  for (size_t i : {1, 4, 6})
    if (!g.constant_input(n, i)) return false;
  for (size_t i : {2, 5, 7, 8})
    if (i < in.size() && in[i] && !in[i]->constant) return false;
  QuantParams xq = read_quant_params(*g.constant_input(n, 1), g.constant_input(n, 2), DType::u8);
  QuantParams wq = read_quant_params(*g.constant_input(n, 4), g.constant_input(n, 5), DType::s8);
  QuantParams yq = read_quant_params(*g.constant_input(n, 6), g.constant_input(n, 7), DType::u8);
  if (xq.dtype != DType::u8 || yq.dtype != DType::u8 || wq.dtype != DType::s8) return false;
  for (int32_t z : wq.zero_point)
    if (z != 0) return false;
  if (!plan_conv_geometry(n, x->shape, w->shape(), p)) return false;
  p.x_zero = xq.zero_point[0];
  p.y_zero = yq.zero_point[0];
  std::tie(p.qmin, p.qmax) = fused_output_range(n, DType::u8);
  for (int64_t m = 0; m < p.out_channels; ++m) {
    p.scale.push_back(product_requant_scale(xq.scale[0], wq.scale_at(m), yq.scale[0]));
    if (!(std::isfinite(p.scale.back()) && p.scale.back() > 0.f)) return false;  // the reference says why
  }
  if (p.window.rows() > 65535) return false;  // pack_q8_a's limit on K
  const Tensor* b = g.constant_input(n, 8);
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
    Q8DepthwiseParams d = depthwise_geometry<Q8DepthwiseParams>(plan_);
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
    if (!conv_is_pointwise(plan_.window) && pitched_taps_fit<uint8_t>(plan_.window)) {
      tap_offsets_.resize(static_cast<size_t>(k));
      pitched_tap_offsets(plan_.window, tap_offsets_.data());
    }
  }

  std::string name() const override {
    return std::string(conv_is_pointwise(plan_.window) ? "q8_conv_1x1_gemm/" : "q8_conv_im2col_gemm/") +
           gemm_q8_kernel_name(packed_[0]);
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const Im2colParams& q = plan_.window;
    int64_t m = plan_.out_channels / plan_.groups, columns = q.columns();
    int64_t in_group = q.channels * q.in_h * q.in_w, out_group = m * columns;
    // The pitched product's columns (tap_offsets_), or the pixels.
    int64_t product_columns = tap_offsets_.empty() ? columns : pitched_columns(q);
    int64_t tiles = (product_columns + kTile - 1) / kTile;
    int64_t panels = packed_[0].panel_count();
    const PanelChunks chunks = panel_chunks(panels, tiles * plan_.groups * plan_.batch, pool.size(), SplitRule::kInt8);
    for (int64_t n = 0; n < plan_.batch; ++n)
      for (int64_t gi = 0; gi < plan_.groups; ++gi) {
        int64_t image_group = n * plan_.groups + gi;
        const uint8_t* x = in[0]->data<uint8_t>() + image_group * in_group;
        uint8_t* y = out[0].data<uint8_t>() + image_group * out_group;
        const uint8_t* padded = nullptr;
        if (!tap_offsets_.empty()) {
          // The calling thread's buffer, written and read by all the pool's threads during this
          // call; one for every layer, as large as the largest padded input.
          struct Q8PaddedInput;  // thread_scratch's tag
          auto* planes = static_cast<uint8_t*>(thread_scratch<Q8PaddedInput>(padded_values<uint8_t>(q), 0));
          const uint8_t pad = static_cast<uint8_t>(plan_.x_zero);
          pool.parallel_for(q.channels, [&](int64_t c0, int64_t c1) { pad_input_planes(q, x, pad, c0, c1, planes); });
          padded = planes;
        }
        Q8GemmEpilogue e;
        e.row_bias = plan_.bias.data() + gi * m;
        e.row_scale = plan_.scale.data() + gi * m;
        e.b_zero_point = plan_.x_zero;
        e.c_zero_point = plan_.y_zero;
        e.qmin = plan_.qmin;
        e.qmax = plan_.qmax;
        pool.parallel_for(chunks.count * tiles, [&](int64_t i0, int64_t i1) {
          for (int64_t i = i0; i < i1;) {
            int64_t chunk = i / tiles, t0 = i % tiles, t1 = std::min(tiles, t0 + (i1 - i));
            int64_t p0 = chunks.begin(chunk), p1 = chunks.begin(chunk + 1);
            run_columns(packed_[static_cast<size_t>(gi)], x, padded, y, e, t0 * kTile,
                        std::min(product_columns, t1 * kTile), p0, p1);
            i += t1 - t0;
          }
        });
      }
  }

 private:
  // padded: the input's padded planes (tap_offsets_ holds their offsets), or null to build im2col
  // panels from x.
  void run_columns(const PackedQ8A& a, const uint8_t* x, const uint8_t* padded, uint8_t* y, const Q8GemmEpilogue& e,
                   int64_t begin, int64_t end, int64_t p0, int64_t p1) const {
    const Im2colParams& q = plan_.window;
    int64_t columns = q.columns();
    if (conv_is_pointwise(q)) {
      gemm_q8(a, x, columns, columns, y, columns, e, begin, end, p0, p1);
      return;
    }
    const int64_t kChunk = 256;
    if (padded) {
      // Pitched columns [begin, end) through a buffer of kChunk columns for the rows of panels
      // [p0, p1), then their pixels into y.
      const int64_t row0 = p0 * PackedQ8A::kPanelRows, rows = std::min(a.rows(), p1 * PackedQ8A::kPanelRows) - row0;
      thread_local std::vector<uint8_t> pitched;
      pitched.resize(static_cast<size_t>(a.rows() * kChunk + kPaddedSpillBytes));
      for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
        int64_t c1 = std::min(end, c0 + kChunk), width = c1 - c0;
        gemm_q8_rows(a, padded + c0, tap_offsets_.data(), width, pitched.data(), kChunk, e, 0, width, p0, p1);
        compact_pitched_columns(q, pitched.data() + row0 * kChunk, kChunk, rows, c0, c1, y + row0 * columns, columns);
      }
      return;
    }
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
  // Each im2col row's offset into the padded planes, where the product reads them in place
  // (kernels/im2col_padded.h's pitched columns); empty otherwise.
  std::vector<int64_t> tap_offsets_;
};

bool is_q8_depthwise(const Q8ConvPlan& p) {
  constexpr int32_t kBiasLimit = 1 << 30;  // depthwise_conv_q8's bound
  for (int32_t b : p.bias)
    if (b > kBiasLimit || b < -kBiasLimit) return false;
  return is_depthwise(p);
}

}  // namespace

std::unique_ptr<NodeKernel> make_q8_conv_kernel(const Graph& g, const Node& n) {
  Q8ConvPlan plan;
  if (!plan_q8_conv(g, n, plan)) return nullptr;
  const Tensor& weights = *g.constant_input(n, 3);
  if (is_q8_depthwise(plan)) return std::make_unique<Q8DepthwiseConvKernel>(std::move(plan), weights);
  if (q8_winograd_applies(plan)) return make_q8_winograd_conv_kernel(plan, weights);
  return std::make_unique<Q8GemmConvKernel>(std::move(plan), weights);
}

}  // namespace kite
