// 3x3 stride-1 convolutions by Winograd F(4x4, 3x3) (kernels/winograd.h): per image, the output
// tiles are cut into blocks of kWinogradLanes, the blocks into groups that one GEMM per point
// takes side by side (blocks_per_group), and the output channels into chunks where threads would
// otherwise idle (panels_per_chunk); each (group, chunk) is one work item: transform the group's
// input tiles, run the 36 GEMMs over the chunk's rows (each point's transformed tiles are already
// packed B panels: nothing is repacked), transform back with bias, residual and clamp. No
// element's value depends on the cuts, so results are bitwise identical for any thread count.
#include <algorithm>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/thread_scratch.h"
#include "kernels/winograd.h"
#include "runtime/conv_plan.h"

namespace kite {
namespace {

static_assert(kWinogradLanes == kPackedBPanelColumns, "a block of transformed tiles is one packed B panel");

// How many 16-tile blocks one GEMM takes. Where the transformed weights (36 x oc x ic floats) fit
// in 1 MiB they stay in L2 from block to block, and one block at a time keeps the rest small
// (grouping ResNet-50's 56x56 layers measured 4% slower). Larger weights would stream from
// memory once per block: then as many blocks as keep a group's transformed input (36 x ic x 16
// floats a block) within 1 MiB, so that it and the products stay in a 2 MiB L2 while the weights
// stream past once per group (ResNet-50's 28x28 layers, 128 channels: 3 blocks of their 4 at a
// time, 3.23 -> 2.95 ms for the three, `kite run --profile`).
int64_t blocks_per_group(int64_t oc, int64_t ic, int64_t blocks) {
  constexpr int64_t kL2Share = int64_t{1} << 20;
  constexpr int64_t kFloat = sizeof(float);
  if (kWinogradPoints * oc * ic * kFloat <= kL2Share) return 1;
  const int64_t block_bytes = kWinogradPoints * ic * kWinogradLanes * kFloat;
  return std::max<int64_t>(1, std::min(blocks, kL2Share / block_bytes));
}

class WinogradConvKernel : public NodeKernel {
 public:
  WinogradConvKernel(const ConvPlan& plan, const Tensor& weights) : plan_(plan), p_(plan.window) {
    int64_t oc = plan.out_channels, ic = plan.in_channels;
    std::vector<float> u(static_cast<size_t>(kWinogradPoints * oc * ic));
    winograd_weights_f32(weights.data<float>(), oc, ic, u.data());
    for (int64_t xi = 0; xi < kWinogradPoints; ++xi) packed_.push_back(pack_a(u.data() + xi * oc * ic, oc, ic, ic));
  }

  std::string name() const override {
    return std::string("conv_winograd_f43/") + winograd_kernel_name() + "+" + gemm_kernel_name();
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    int64_t oc = plan_.out_channels, ic = p_.channels;
    int64_t blocks = (p_.tiles() + kWinogradLanes - 1) / kWinogradLanes;
    // Blocks of a group lie side by side as consecutive B panels: one GEMM per point runs them
    // all, so each point's weights stream from memory once per group instead of once per block.
    int64_t group = blocks_per_group(oc, ic, blocks), groups = (blocks + group - 1) / group;
    int64_t width = group * kWinogradLanes;  // the GEMMs' N
    int64_t panels = packed_[0].panel_count(), chunk = panels_per_chunk(panels, groups, pool.size());
    int64_t chunks = (panels + chunk - 1) / chunk;
    int64_t in_image = ic * p_.in_h * p_.in_w, out_plane = p_.out_h * p_.out_w, out_image = oc * out_plane;
    const Tensor* residual = plan_.has_residual ? in[3] : nullptr;
    for (int64_t n = 0; n < plan_.batch; ++n) {
      const float* x = in[0]->data<float>() + n * in_image;
      float* y = out[0].data<float>() + n * out_image;
      const float* r = residual ? residual->data<float>() + n * out_image : nullptr;
      // Work items: (group of blocks, chunk of output channels); a thread transforms a group's
      // input once for all the chunks it runs of that group.
      pool.parallel_for(groups * chunks, [&](int64_t w0, int64_t w1) {
        // v [36][group][ic][lanes]: each point's group x ic x 16 values are `group` B panels as
        // pack_b lays them out (k-major, 16 columns; 64-byte aligned: the AVX2 kernel's loads are
        // aligned). m [36][oc][width].
        struct WinogradInput;  // thread_scratch's tag
        float* v = static_cast<float*>(thread_scratch<WinogradInput>(
            kWinogradPoints * ic * width * static_cast<int64_t>(sizeof(float)), 0));
        thread_local std::vector<float> m;
        m.resize(static_cast<size_t>(kWinogradPoints * oc * width));
        int64_t last_group = -1;
        for (int64_t w = w0; w < w1; ++w) {
          int64_t g = w / chunks, p0 = w % chunks * chunk, p1 = std::min(panels, p0 + chunk);
          int64_t oc0 = p0 * PackedA::kPanelRows, rows = std::min(oc, p1 * PackedA::kPanelRows) - oc0;
          int64_t b0 = g * group, b1 = std::min(blocks, b0 + group);
          if (g != last_group)
            for (int64_t b = b0; b < b1; ++b)
              winograd_input_f32(p_, x, b * kWinogradLanes, v + (b - b0) * ic * kWinogradLanes, ic * width);
          last_group = g;
          const int64_t columns = (b1 - b0) * kWinogradLanes;
          for (int64_t xi = 0; xi < kWinogradPoints; ++xi)
            gemm_packed_b(packed_[static_cast<size_t>(xi)], v + xi * ic * width, columns, m.data() + xi * oc * width,
                          width, GemmEpilogue{}, p0, p1);
          for (int64_t b = b0; b < b1; ++b)
            winograd_output_f32(p_, m.data() + oc0 * width + (b - b0) * kWinogradLanes, oc * width, width, rows, oc0,
                                b * kWinogradLanes, plan_.bias, r, plan_.min, plan_.max, y);
        }
      });
      if (plan_.has_activation)
        pool.parallel_for(oc, [&](int64_t c0, int64_t c1) {
          apply_activation(plan_, y + c0 * out_plane, (c1 - c0) * out_plane);
        });
    }
  }

 private:
  ConvPlan plan_;
  WinogradParams p_;
  std::vector<PackedA> packed_;  // U[xi], one per point of the transformed tile
};

}  // namespace

bool is_winograd_shape(const ConvGeometry& p, int64_t min_map) {
  const Im2colParams& q = p.window;
  // Maps under 14x14 waste much of their 4x4 tiles and hold the largest weights (which Winograd
  // stores 4 times over). Under 64 input channels the GEMMs are too short to pay for the
  // transforms, and the transforms' rounding weighs more: Inception v3's 147x147 layer (32 in)
  // alone moved its output by 5e-5 of its range.
  return p.groups == 1 && q.kernel_h == 3 && q.kernel_w == 3 && q.stride_h == 1 && q.stride_w == 1 &&
         q.dilation_h == 1 && q.dilation_w == 1 && q.out_h >= min_map && q.out_w >= min_map &&
         p.in_channels >= 64 && p.out_channels >= 16;
}

bool winograd_applies(const ConvPlan& p) { return is_winograd_shape(p); }

std::unique_ptr<NodeKernel> make_winograd_conv_kernel(const ConvPlan& p, const Tensor& weights) {
  return std::make_unique<WinogradConvKernel>(p, weights);
}

}  // namespace kite
