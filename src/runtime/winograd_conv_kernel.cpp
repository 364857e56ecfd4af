// 3x3 stride-1 convolutions by Winograd F(4x4, 3x3) (kernels/winograd.h): per image, the output
// tiles are cut into blocks of kWinogradLanes, and the output channels into chunks where threads
// would otherwise idle (panel_chunks); each (block, chunk) is one work item: transform the
// block's input tiles, run the 36 GEMMs over the chunk's rows (each point's transformed tiles are
// already a packed B panel: nothing is repacked), transform back with bias,
// residual and clamp. No element's value depends on the cut, so results are bitwise identical
// for any thread count.
#include <algorithm>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/thread_scratch.h"
#include "kernels/winograd.h"
#include "runtime/conv_plan.h"

namespace kite {
namespace {

static_assert(kWinogradLanes == kPackedBPanelColumns, "a block of transformed tiles is one packed B panel");

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
    int64_t panels = packed_[0].panel_count();
    const PanelChunks chunks = panel_chunks(panels, blocks, pool.size());
    int64_t in_image = ic * p_.in_h * p_.in_w, out_plane = p_.out_h * p_.out_w, out_image = oc * out_plane;
    const Tensor* residual = plan_.has_residual ? in[3] : nullptr;
    for (int64_t n = 0; n < plan_.batch; ++n) {
      const float* x = in[0]->data<float>() + n * in_image;
      float* y = out[0].data<float>() + n * out_image;
      const float* r = residual ? residual->data<float>() + n * out_image : nullptr;
      // Work items: (block of tiles, chunk of output channels); a thread transforms a block's
      // input once for all the chunks it runs of that block.
      pool.parallel_for(blocks * chunks.count, [&](int64_t w0, int64_t w1) {
        // v [36][ic][lanes]: each point's ic x 16 block is one B panel as pack_b lays it out (k-major,
        // 16 columns), so the GEMMs read it as it is (64-byte aligned: the AVX2 kernel's loads
        // are aligned). m [36][oc][lanes].
        struct WinogradInput;  // thread_scratch's tag
        float* v = static_cast<float*>(thread_scratch<WinogradInput>(
            kWinogradPoints * ic * kWinogradLanes * static_cast<int64_t>(sizeof(float)), 0));
        thread_local std::vector<float> m;
        m.resize(static_cast<size_t>(kWinogradPoints * oc * kWinogradLanes));
        int64_t last_block = -1;
        for (int64_t w = w0; w < w1; ++w) {
          int64_t block = w / chunks.count, chunk = w % chunks.count;
          int64_t p0 = chunks.begin(chunk), p1 = chunks.begin(chunk + 1);
          int64_t oc0 = p0 * PackedA::kPanelRows, rows = std::min(oc, p1 * PackedA::kPanelRows) - oc0;
          int64_t t0 = block * kWinogradLanes;
          if (block != last_block) winograd_input_f32(p_, x, t0, v);
          last_block = block;
          for (int64_t xi = 0; xi < kWinogradPoints; ++xi)
            gemm_packed_b(packed_[static_cast<size_t>(xi)], v + xi * ic * kWinogradLanes, kWinogradLanes,
                          m.data() + xi * oc * kWinogradLanes, kWinogradLanes, GemmEpilogue{}, p0, p1);
          winograd_output_f32(p_, m.data() + oc0 * kWinogradLanes, oc * kWinogradLanes, rows, oc0, t0, plan_.bias, r,
                              plan_.min, plan_.max, y);
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
  // Square maps under 13x13 have fewer 4x4 tiles than a block has lanes (13x13 and 14x14 fill its
  // 16: SqueezeNet's 64 -> 256 layers on 13x13 took 0.40 ms by im2col, 0.25 by Winograd; the test
  // is per side, measured on square maps only) and hold the largest weights (which Winograd
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
