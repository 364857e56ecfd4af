// int8 3x3 stride-1 convolutions by exact Winograd F(2x2, 3x3) (kernels/q8_winograd.h), cut into
// work items as the fp32 Winograd kernel's (runtime/winograd_conv_kernel.cpp): per image, groups of
// blocks of 16 output tiles times chunks of output channels. Each item transforms its group's
// input (all channels, about 256 KiB so that it stays in L2; one block is more past 512 input
// channels), runs the 16 products per block
// over its chunk's rows and transforms back with bias and requantization.
// Integer arithmetic throughout, so results are bitwise identical to the reference for any cut
// and thread count.
#include <algorithm>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/q8_winograd.h"
#include "kernels/thread_scratch.h"
#include "runtime/q8_conv_plan.h"

namespace kite {
namespace {

class Q8WinogradConvKernel : public NodeKernel {
 public:
  Q8WinogradConvKernel(const Q8ConvPlan& plan, const Tensor& weights)
      : plan_(plan), p_(plan.window), packed_(q8_winograd_weights(weights.data<int8_t>(), plan.out_channels, plan.in_channels)) {}

  std::string name() const override { return std::string("q8_conv_winograd_f23/") + gemm_q8_kernel_name(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const int64_t oc = plan_.out_channels, blocks = q8_winograd_blocks(p_);
    // Blocks per work item: as many as keep their transformed input within kTransformedBytes, so
    // that it is still in the core's L2 when the products read it.
    const int64_t block_bytes = q8_winograd_input_values(p_, 1) * int64_t{sizeof(int16_t)};
    const int64_t group = std::clamp<int64_t>(kTransformedBytes / block_bytes, 1, blocks);
    const int64_t groups = (blocks + group - 1) / group;
    const int64_t panels = packed_[0].panel_count();
    const PanelChunks chunks = panel_chunks(panels, groups, pool.size(), SplitRule::kInt8);
    const int64_t in_image = p_.channels * p_.in_h * p_.in_w, out_image = oc * p_.out_h * p_.out_w;
    const Q8WinogradEpilogue e{plan_.bias.data(), plan_.scale.data(), plan_.y_zero, plan_.qmin, plan_.qmax};
    for (int64_t n = 0; n < plan_.batch; ++n) {
      const uint8_t* x = in[0]->data<uint8_t>() + n * in_image;
      uint8_t* y = out[0].data<uint8_t>() + n * out_image;
      pool.parallel_for(groups * chunks.count, [&](int64_t w0, int64_t w1) {
        int16_t* v = static_cast<int16_t*>(thread_scratch<Q8WinogradInput>(group * block_bytes, kTransformedBytes));
        thread_local std::vector<int32_t> m;  // [16][oc][lanes] int32 products
        m.resize(static_cast<size_t>(kQ8WinogradPoints * oc * kQ8WinogradLanes));
        int64_t last_group = -1;
        for (int64_t w = w0; w < w1; ++w) {
          const int64_t g = w / chunks.count, chunk = w % chunks.count;
          const int64_t p0 = chunks.begin(chunk), p1 = chunks.begin(chunk + 1);
          const int64_t oc0 = p0 * PackedQ8A::kPanelRows, rows = std::min(oc, p1 * PackedQ8A::kPanelRows) - oc0;
          const int64_t b0 = g * group, count = std::min(group, blocks - b0);
          // A thread transforms a group's input once for all the chunks it runs of that group.
          if (g != last_group) q8_winograd_input(p_, x, plan_.x_zero, b0 * kQ8WinogradLanes, count, v);
          last_group = g;
          for (int64_t b = 0; b < count; ++b) {
            for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi)
              gemm_s16_panel(packed_[static_cast<size_t>(xi)], q8_winograd_panel(p_, v, count, xi, b),
                             m.data() + xi * oc * kQ8WinogradLanes, kQ8WinogradLanes, p0, p1);
            q8_winograd_output(p_, m.data() + oc0 * kQ8WinogradLanes, oc * kQ8WinogradLanes, rows, oc0,
                               (b0 + b) * kQ8WinogradLanes, e, y);
          }
        }
      });
    }
  }

 private:
  struct Q8WinogradInput;  // thread_scratch's tag
  static constexpr int64_t kTransformedBytes = 256 * 1024;

  Q8ConvPlan plan_;
  Q8WinogradParams p_;
  std::vector<PackedQ8A> packed_;  // U[xi], one per point of the transformed tile
};

}  // namespace

bool q8_winograd_applies(const Q8ConvPlan& p) {
  // Measured on one Zen3 core against im2col + the 7-bit GEMM (bench/bench_q8.cpp, conv3x3_q8):
  // 0.7x to 0.8x the time on ResNet-50's 56x56, 28x28 and 14x14 layers and GoogLeNet's 28x28 one
  // (0.79x to 0.9x before the pair loop was asm), and 0.66x on 7x7 maps (ResNet-50's 512 -> 512,
  // GoogLeNet's inception 5a), though a 7x7 map wastes 15 of 64 tile outputs: so maps down to 7x7,
  // where fp32's Winograd stops at 13x13. The packed weights take 16 int16 per 9 weights instead
  // of pack_q8_a's then 3 bytes per weight: ResNet-50's peak memory went from 112.7 to 115.6 MiB.
  // With a dot-product instruction the im2col path wins: vpdpbusd does four multiply-adds per
  // lane in one instruction, against the Winograd products' two in vpmaddwd + vpaddd, and needs
  // no transforms (measured on a Sapphire Rapids core with the ymm AVX-VNNI kernel, whole models:
  // ResNet-50 int8 34.1 -> 30.2 ms, GoogLeNet 13.0 -> 11.3 ms, ResNet-50's peak memory 116 -> 110
  // MiB; the zmm AVX512_VNNI kernel only widens the gap), and ARM's SDOT four times those of
  // SMLAL, more than the 2.25 times Winograd saves (not measured: no such CPU here).
  return !gemm_q8_has_dot_product() && is_winograd_shape(p, 7) && p.in_channels <= kQ8WinogradMaxChannels;
}

std::unique_ptr<NodeKernel> make_q8_winograd_conv_kernel(const Q8ConvPlan& p, const Tensor& weights) {
  return std::make_unique<Q8WinogradConvKernel>(p, weights);
}

}  // namespace kite
