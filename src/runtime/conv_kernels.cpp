// 2-D fp32 convolutions (Conv, FusedConv) on NCHW tensors with constant weights:
//  - depthwise 3x3 / 5x5, stride 1 / 2: direct kernels (kernels/depthwise_conv.h), channels
//    split across threads;
//  - 3x3 stride 1 on feature maps of 13x13 and more: Winograd F(4x4, 3x3)
//    (runtime/winograd_conv_kernel.cpp);
//  - everything else as GEMM per group: weights packed once [OC/g, IC/g*KH*KW]. 1x1 stride-1
//    convolutions read the input as the GEMM's B directly. Others read their taps in place from
//    the input padded once (kernels/im2col_padded.h), each output pixel packed from its place in
//    the padded planes' longer rows (gemm_rows with BColumnRows; kernel "conv_pitched_gemm"); in
//    fp16, im2col panels per thread (kernels/im2col.h; "conv_im2col_gemm"). The product's columns
//    (the pixels) are split across threads in 16-column tiles. On maps too small for that
//    (few_pixel_items: 7x7 maps; 14x14 and 17x17 too from three threads on), B is packed once by
//    all the threads (from the padded planes, or the 1x1's input) and the output channels are
//    split instead (run_shared_b). With
//    KernelChoices::fp16_arithmetic on a CPU that has it, in fp16 (kernels/f16_gemm.h; small maps
//    in output-channel chunks).
// Bias, residual and the clamp of a FusedConv are applied in the kernels' epilogues; its
// activation (SiLU, HardSwish) right after, on each thread's share while it is in cache; its input
// scale (1x1 convolutions only) as the GEMM packs the input (fp16: the input scaled first). Splits are
// static and per-element arithmetic does not depend on them: results are bitwise identical for
// any thread count.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/activation.h"
#include "kernels/depthwise_conv.h"
#include "kernels/f16_gemm.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/im2col_padded.h"
#include "kernels/thread_scratch.h"
#include "ops/activation_functions.h"
#include "ops/op_util.h"
#include "ops/window_geometry.h"
#include "runtime/conv_plan.h"
#include "runtime/node_kernel.h"

namespace kite {

void apply_activation(const ConvPlan& p, float* y, int64_t count) {
  if (p.has_activation) activation_f32(p.activation, y, y, count);
}

bool plan_conv_geometry(const Node& n, const Shape& x, const Shape& w, ConvGeometry& p) {
  if (x.size() != 4 || w.size() != 4 || w[0] == 0) return false;
  p.batch = x[0];
  p.in_channels = x[1];
  p.out_channels = w[0];
  p.groups = n.attrs.get_int("group", 1);
  WindowGeometry geo = window_geometry(n, {x[2], x[3]}, weight_kernel_shape(n, w), false);
  if (geo.pad_begin[0] < 0 || geo.pad_begin[1] < 0) return false;
  Im2colParams& q = p.window;
  q.channels = p.in_channels / p.groups;
  q.in_h = x[2];
  q.in_w = x[3];
  q.out_h = geo.output[0];
  q.out_w = geo.output[1];
  q.kernel_h = geo.kernel[0];
  q.kernel_w = geo.kernel[1];
  q.stride_h = geo.strides[0];
  q.stride_w = geo.strides[1];
  q.dilation_h = geo.dilations[0];
  q.dilation_w = geo.dilations[1];
  q.pad_top = geo.pad_begin[0];
  q.pad_left = geo.pad_begin[1];
  return true;
}

bool is_depthwise(const ConvGeometry& p) {
  const Im2colParams& q = p.window;
  return p.groups == p.in_channels && p.out_channels == p.in_channels && q.kernel_h == q.kernel_w &&
         q.stride_h == q.stride_w && q.dilation_h == 1 && q.dilation_w == 1 &&
         depthwise_supported(q.kernel_h, q.stride_h);
}

// Two items per thread, up to eight, for fp32: at two threads the 17x17 and 14x14 maps (5 and 4
// items) ran faster with the pixels split alone (no shared B, no chunks of output channels) in
// the GEMM and Winograd convolutions, than under the rule of eight items int8 keeps (kite bench,
// 2 threads, medians of 3 interleaved runs: Inception v3 44.2 -> 42.3 ms, GoogLeNet 11.4 -> 10.7;
// ResNet-18, ResNet-50, SqueezeNet, the MobileNets and EfficientNet-B0 within the noise). int8 at
// two threads: MobileNet v2 1.65 -> 1.72 ms under the fp32 rule, so it keeps eight. At three
// threads the fp32 rule is six items; from four threads on, both rules are eight.
bool few_pixel_items(int64_t pixel_items, int threads, SplitRule rule) {
  constexpr int64_t kEnoughItems = 8, kItemsPerThread = 2;
  const int64_t enough =
      rule == SplitRule::kInt8 ? kEnoughItems : std::min<int64_t>(kEnoughItems, kItemsPerThread * threads);
  return threads > 1 && pixel_items < enough;
}

// int8: chunks of 8 panels. fp32: chunks spread evenly over the threads: the chunks of 8 left two
// threads with 3 and 2 chunks of a 14x14 Winograd layer's single block, 24 and 11 panels of
// GoogLeNet's 96 -> 208 (kite run --profile, 2 threads: 0.36 -> 0.28 ms; 112 -> 224: 0.39 ->
// 0.33; kite bench, 2 threads, medians of 3: SqueezeNet 3.58 -> 3.39 ms, GoogLeNet 11.34 -> 11.21,
// the others within the noise).
PanelChunks panel_chunks(int64_t panels, int64_t pixel_items, int threads, SplitRule rule) {
  constexpr int64_t kChunkPanels = 8;
  if (panels <= 0 || !few_pixel_items(pixel_items, threads, rule)) return {panels, 1, 0};
  if (rule == SplitRule::kInt8) {
    const int64_t size = std::min(panels, kChunkPanels);
    return {panels, (panels + size - 1) / size, size};
  }
  const int64_t pairs = (panels + 1) / 2;
  return {panels, std::min<int64_t>(pairs, threads / std::gcd<int64_t>(pixel_items, threads)), 0};
}

namespace {

// Everything the fast kernels need, or false when the node is outside what they handle.
bool plan_conv(const Graph& g, const Node& n, ConvPlan& p) {
  auto value = [&](size_t i) -> const Value* {
    return i < n.inputs.size() && n.inputs[i] >= 0 ? &g.values[static_cast<size_t>(n.inputs[i])] : nullptr;
  };
  const Value* x = value(0);
  const Value* w = value(1);
  const Value* b = value(2);
  if (!x || !w || !w->constant || !x->shape_known || x->dtype != DType::f32) return false;
  if (b && !b->constant) return false;
  if (!plan_conv_geometry(n, x->shape, w->shape, p)) return false;
  p.has_residual = value(3) != nullptr;
  p.has_input_scale = value(4) != nullptr;
  p.bias = b ? b->constant->data<float>() : nullptr;
  if (n.op != "FusedConv") return true;  // a plain Conv's other attributes mean nothing here
  p.min = n.attrs.get_float("activation_min", -INFINITY);
  p.max = n.attrs.get_float("activation_max", INFINITY);
  switch (fused_activation(n)) {
    case FusedActivation::kNone: break;
    case FusedActivation::kSiLU: p.has_activation = true, p.activation.kind = Activation::kSiLU; break;
    case FusedActivation::kHardSwish: p.has_activation = true, p.activation.kind = Activation::kHardSwish; break;
  }
  return true;
}

// residual add then clamp, for kernels whose epilogue has no residual.
void add_and_clamp(float* y, const float* r, int64_t count, float lo, float hi) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(y[i] + r[i], lo), hi);
}

class DepthwiseConvKernel : public NodeKernel {
 public:
  DepthwiseConvKernel(const ConvPlan& plan, const Tensor& weights) : plan_(plan), weights_(weights) {}
  std::string name() const override { return std::string("conv_depthwise/") + depthwise_kernel_name(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const Im2colParams& q = plan_.window;
    DepthwiseParams d = depthwise_geometry<DepthwiseParams>(plan_);
    const Tensor* residual = plan_.has_residual ? in[3] : nullptr;
    if (!residual) {
      d.min = plan_.min;
      d.max = plan_.max;
    }
    int64_t in_image = d.channels * q.in_h * q.in_w, out_plane = q.out_h * q.out_w, out_image = d.channels * out_plane;
    for (int64_t n = 0; n < plan_.batch; ++n) {
      const float* x = in[0]->data<float>() + n * in_image;
      float* y = out[0].data<float>() + n * out_image;
      pool.parallel_for(d.channels, [&](int64_t c0, int64_t c1) {
        depthwise_conv_f32(d, x, weights_.data<float>(), plan_.bias, y, c0, c1);
        if (residual)
          add_and_clamp(y + c0 * out_plane, residual->data<float>() + n * out_image + c0 * out_plane,
                        (c1 - c0) * out_plane, plan_.min, plan_.max);
        apply_activation(plan_, y + c0 * out_plane, (c1 - c0) * out_plane);
      });
    }
  }

 private:
  ConvPlan plan_;
  Tensor weights_;
};

class GemmConvKernel : public NodeKernel {
 public:
  // fp16: multiply and add in fp16 (kernels/f16_gemm.h), where the caller found it available and
  // every weight fits fp16's range (else the layer stays f32).
  GemmConvKernel(const ConvPlan& plan, const Tensor& weights, bool fp16) : plan_(plan), fp16_(fp16) {
    int64_t m = plan.out_channels / plan.groups, k = plan.window.rows();
    for (int64_t gi = 0; gi < plan.groups && fp16_; ++gi) {
      packed_f16_.push_back(pack_f16_a(weights.data<float>() + gi * m * k, m, k, k));
      fp16_ = packed_f16_.back().fits_fp16();
    }
    if (fp16_) return;
    packed_f16_.clear();
    for (int64_t gi = 0; gi < plan.groups; ++gi) packed_.push_back(pack_a(weights.data<float>() + gi * m * k, m, k, k));
    // The taps read in place from the padded planes, each output pixel packed from its own place
    // in their longer rows (gemm_rows' BColumnRows): no im2col matrix, nor columns computed past a
    // row's end and compacted away.
    if (!conv_is_pointwise(plan.window)) {
      tap_offsets_.resize(static_cast<size_t>(k));
      pitched_tap_offsets(plan.window, tap_offsets_.data());
      pixels_ = BColumnRows{plan.window.out_w, padded_planes(plan.window).pitch};
    }
  }

  // The path at one thread (on small maps several threads share one packed B: run_shared_b).
  std::string name() const override {
    const char* path = conv_is_pointwise(plan_.window) ? "conv_1x1_gemm/"
                       : tap_offsets_.empty()          ? "conv_im2col_gemm/"
                                                       : "conv_pitched_gemm/";
    return std::string(path) +
           (fp16_ ? gemm_f16_kernel_name() : gemm_kernel_name());
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const Im2colParams& q = plan_.window;
    int64_t m = plan_.out_channels / plan_.groups, columns = q.columns();
    int64_t in_group = q.channels * q.in_h * q.in_w, out_group = m * columns;
    const Tensor* residual = plan_.has_residual ? in[3] : nullptr;
    // The product's columns are split in tiles of the GEMM's width, so every thread's share is a multiple
    // of it, and two threads' shares of a 28x28 map differ by one tile (cut in 64-pixel items,
    // one of them had a third more work).
    int64_t panels = (m + PackedA::kPanelRows - 1) / PackedA::kPanelRows;
    int64_t pixel_items = (columns + kPixelItem - 1) / kPixelItem * plan_.groups * plan_.batch;
    const PanelChunks chunks = panel_chunks(panels, pixel_items, pool.size());
    const bool share_b = !fp16_ && panels > 1 && few_pixel_items(pixel_items, pool.size());
    int64_t tiles = (columns + kTile - 1) / kTile;
    for (int64_t n = 0; n < plan_.batch; ++n)
      for (int64_t gi = 0; gi < plan_.groups; ++gi) {
        int64_t image_group = n * plan_.groups + gi;
        const float* x = in[0]->data<float>() + image_group * in_group;
        float* y = out[0].data<float>() + image_group * out_group;
        const float* r = residual ? residual->data<float>() + image_group * out_group : nullptr;
        GemmEpilogue e;
        e.row_bias = plan_.bias ? plan_.bias + gi * m : nullptr;
        e.min = plan_.min;
        e.max = plan_.max;
        const float* padded = tap_offsets_.empty() ? nullptr : pad_input(x, pool);
        // The input scale (1x1 convolutions, one group): packed with B in fp32; fp16's product
        // reads x scaled beforehand.
        const float* scale = nullptr;
        if (plan_.has_input_scale) {
          const Tensor& s = *in[4];
          scale = s.data<float>() + (s.shape()[0] == 1 ? 0 : n * q.channels);
          if (fp16_) {
            x = scale_input_channels(x, scale, pool);
            scale = nullptr;
          }
        }
        if (share_b) {
          run_shared_b(static_cast<size_t>(gi), x, padded, y, r, e, scale, pool);
          continue;
        }
        // Work items: (chunk of panels, run of tiles); each thread takes a contiguous range.
        pool.parallel_for(chunks.count * tiles, [&](int64_t i0, int64_t i1) {
          for (int64_t i = i0; i < i1;) {
            int64_t chunk = i / tiles, t0 = i % tiles, t1 = std::min(tiles, t0 + (i1 - i));
            int64_t p0 = chunks.begin(chunk), p1 = chunks.begin(chunk + 1);
            int64_t begin = t0 * kTile, end = std::min(columns, t1 * kTile);
            if (padded) run_pitched(static_cast<size_t>(gi), padded, y, r, e, begin, end, p0, p1);
            else run_columns(static_cast<size_t>(gi), x, y, r, e, begin, end, p0, p1, scale);
            i += t1 - t0;
          }
        });
      }
  }

 private:
  // The group's input x copied into padded planes (kernels/im2col_padded.h), the channels split
  // across the threads: the calling thread's buffer, written and read by all the pool's threads
  // during this call; one for every layer, as large as the largest padded input.
  const float* pad_input(const float* x, ThreadPool& pool) const {
    const Im2colParams& q = plan_.window;
    struct PaddedInput {};  // thread_scratch's tag
    auto* planes = static_cast<float*>(
        thread_scratch<PaddedInput>(padded_values<float>(q) * static_cast<int64_t>(sizeof(float)), 0));
    pool.parallel_for(q.channels, [&](int64_t c0, int64_t c1) { pad_input_planes(q, x, 0.f, c0, c1, planes); });
    return planes;
  }

  // Few output pixels (7x7, 14x14 maps) and several threads: B (the taps from the padded planes,
  // or the input of a 1x1) is packed once, its 16-column panels split across the threads, then
  // the threads split the weights' panels and all read the one packed B. Cutting the output
  // channels into chunks instead would repeat the packing per chunk (ResNet-18's 7x7 layers ran
  // slower on two threads than on one).
  // padded: x in its padded planes, for all but 1x1 stride-1 convolutions (which read x).
  void run_shared_b(size_t gi, const float* x, const float* padded, float* y, const float* r, GemmEpilogue e,
                    const float* scale, ThreadPool& pool) const {
    const Im2colParams& q = plan_.window;
    const PackedA& a = packed_[gi];
    const int64_t k = a.depth(), columns = q.columns();
    const int64_t column_panels = (columns + kPackedBPanelColumns - 1) / kPackedBPanelColumns;
    struct SharedPackedB {};
    // The calling thread's buffer, written and read by all the pool's threads during this call.
    float* packed_b = static_cast<float*>(thread_scratch<SharedPackedB>(
        packed_b_floats(k, columns) * static_cast<int64_t>(sizeof(float)), 0));
    pool.parallel_for(column_panels, [&](int64_t j0, int64_t j1) {
      const int64_t c0 = j0 * kPackedBPanelColumns, c1 = std::min(columns, j1 * kPackedBPanelColumns);
      if (padded) pack_b_rows(padded, tap_offsets_.data(), k, c0, c1, packed_b, pixels_);
      else pack_b(x, columns, k, c0, c1, packed_b, scale);
    });
    e.residual = r;
    e.ldr = columns;
    pool.parallel_for(a.panel_count(), [&](int64_t p0, int64_t p1) {
      gemm_packed_b(a, packed_b, columns, y, columns, e, p0, p1);
      int64_t row1 = std::min(a.rows(), p1 * PackedA::kPanelRows);
      for (int64_t i = p0 * PackedA::kPanelRows; i < row1; ++i) apply_activation(plan_, y + i * columns, columns);
    });
  }

  // C = group gi's weights times B, as gemm() takes them (B's rows scaled: fp32 only).
  void multiply(size_t gi, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc, const GemmEpilogue& e,
                int64_t n_begin, int64_t n_end, int64_t p0, int64_t p1, const float* b_row_scale = nullptr) const {
    if (fp16_) gemm_f16(packed_f16_[gi], b, ldb, n, c, ldc, e, n_begin, n_end, p0, p1);
    else gemm(packed_[gi], b, ldb, n, c, ldc, e, n_begin, n_end, p0, p1, b_row_scale);
  }

  // x's channels times their scales, into the calling thread's buffer (fp16's products, which
  // take no scale), the channels split across the threads.
  const float* scale_input_channels(const float* x, const float* scale, ThreadPool& pool) const {
    const Im2colParams& q = plan_.window;
    const int64_t plane = q.in_h * q.in_w;
    struct ScaledInput {};  // thread_scratch's tag
    auto* out = static_cast<float*>(
        thread_scratch<ScaledInput>(q.channels * plane * static_cast<int64_t>(sizeof(float)), 0));
    pool.parallel_for(q.channels, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t i = 0; i < plane; ++i) out[c * plane + i] = x[c * plane + i] * scale[c];
    });
    return out;
  }

  // Output pixels [begin, end) of group gi of one image; scale: of B's rows (1x1 convolutions).
  void run_columns(size_t gi, const float* x, float* y, const float* r, GemmEpilogue e, int64_t begin,
                   int64_t end, int64_t p0, int64_t p1, const float* scale) const {
    static_assert(PackedA::kPanelRows == PackedF16A::kPanelRows, "both products split rows alike");
    int64_t m = plan_.out_channels / plan_.groups;
    int64_t row0 = p0 * PackedA::kPanelRows, row1 = std::min(m, p1 * PackedA::kPanelRows);
    const Im2colParams& q = plan_.window;
    int64_t columns = q.columns();
    if (conv_is_pointwise(q)) {
      e.residual = r;
      e.ldr = columns;
      multiply(gi, x, columns, columns, y, columns, e, begin, end, p0, p1, scale);
      for (int64_t i = row0; i < row1; ++i) apply_activation(plan_, y + i * columns + begin, end - begin);
      return;
    }
    // im2col a chunk at a time, so the matrix stays in cache whatever the layer's size.
    const int64_t kChunk = 256;
    thread_local std::vector<float> panel;
    panel.resize(static_cast<size_t>(q.rows() * kChunk));
    for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
      int64_t c1 = std::min(end, c0 + kChunk), width = c1 - c0;
      im2col_f32(q, x, c0, c1, panel.data(), width);
      e.residual = r ? r + c0 : nullptr;
      e.ldr = columns;
      multiply(gi, panel.data(), width, width, y + c0, columns, e, 0, width, p0, p1);
      for (int64_t i = row0; i < row1; ++i) apply_activation(plan_, y + i * columns + c0, width);
    }
  }

  // Output pixels [begin, end) of group gi, its taps read in place from the padded planes
  // (kernels/im2col_padded.h): pixel (oy, ox) of a tap is at oy * pitch + ox from its offset on.
  void run_pitched(size_t gi, const float* padded, float* y, const float* r, GemmEpilogue e, int64_t begin,
                   int64_t end, int64_t p0, int64_t p1) const {
    const Im2colParams& q = plan_.window;
    const PackedA& a = packed_[gi];
    const int64_t columns = q.columns();
    e.residual = r;
    e.ldr = columns;
    const int64_t row1 = std::min(a.rows(), p1 * PackedA::kPanelRows);
    // A block of the GEMM's columns at a time, so that the activation finds its outputs in cache.
    for (int64_t c0 = begin; c0 < end; c0 += kGemmColumnBlock) {
      const int64_t c1 = std::min(end, c0 + kGemmColumnBlock);
      gemm_rows(a, padded, tap_offsets_.data(), columns, y, columns, e, c0, c1, p0, p1, pixels_);
      for (int64_t i = p0 * PackedA::kPanelRows; i < row1; ++i) apply_activation(plan_, y + i * columns + c0, c1 - c0);
    }
  }

  static constexpr int64_t kTile = 16;       // product columns per work item: the GEMM tile's width
  static constexpr int64_t kPixelItem = 64;  // the pixels few_pixel_items counts in

  ConvPlan plan_;
  bool fp16_;
  std::vector<PackedA> packed_;         // per group, unless fp16_
  std::vector<PackedF16A> packed_f16_;  // per group, if fp16_
  // Each im2col row's offset into the padded planes, where the product reads the taps in place
  // (kernels/im2col_padded.h); empty for 1x1 stride-1 convolutions and in fp16.
  std::vector<int64_t> tap_offsets_;
  BColumnRows pixels_;  // where an output pixel's taps lie along the padded planes' rows
};

}  // namespace

std::unique_ptr<NodeKernel> make_conv_kernel(const Graph& g, const Node& n, const KernelChoices& choices) {
  ConvPlan plan;
  if (!plan_conv(g, n, plan)) return nullptr;
  // (an input scale only where the fusion put it: 1x1 stride-1 convolutions, one group)
  if (plan.has_input_scale && (!conv_is_pointwise(plan.window) || plan.groups != 1)) return nullptr;
  const Tensor& weights = *g.values[static_cast<size_t>(n.inputs[1])].constant;
  if (is_depthwise(plan)) return std::make_unique<DepthwiseConvKernel>(plan, weights);
  if (winograd_applies(plan)) return make_winograd_conv_kernel(plan, weights);
  return std::make_unique<GemmConvKernel>(plan, weights, choices.fp16_arithmetic && f16_gemm_available());
}

}  // namespace kite
