// What the convolution kernels (runtime/conv_kernels.cpp, runtime/winograd_conv_kernel.cpp)
// know about a Conv / FusedConv node once it is planned.
#pragma once
#include <cmath>
#include <memory>

#include "kernels/activation.h"
#include "kernels/im2col.h"
#include "kite/tensor.h"
#include "runtime/node_kernel.h"

namespace kite {

// The shape of a 2-D convolution as the fp32 and the int8 kernels see it.
struct ConvGeometry {
  int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  Im2colParams window;  // one group of one image
};

// The geometry of a Conv-like node over input x [N, C, H, W] with weights w [M, C/g, KH, KW]; false
// where the kernels do not apply (not 4-D, cropping pads, no output channel).
bool plan_conv_geometry(const Node& n, const Shape& x, const Shape& w, ConvGeometry& p);

// One filter per channel, square, same stride both ways, no dilation, 3x3 / 5x5 and stride 1 / 2:
// what the depthwise kernels (fp32 and int8) implement.
bool is_depthwise(const ConvGeometry& p);

// The fields DepthwiseParams and Q8DepthwiseParams share, from the geometry (is_depthwise).
template <typename Params>
Params depthwise_geometry(const ConvGeometry& p) {
  const Im2colParams& q = p.window;
  Params d;
  d.channels = p.in_channels;
  d.in_h = q.in_h;
  d.in_w = q.in_w;
  d.out_h = q.out_h;
  d.out_w = q.out_w;
  d.kernel = q.kernel_h;
  d.stride = q.stride_h;
  d.pad_top = q.pad_top;
  d.pad_left = q.pad_left;
  return d;
}

struct ConvPlan : ConvGeometry {
  float min = -INFINITY, max = INFINITY;
  bool has_residual = false;
  // FusedConv's input 4: x times a scale per image (or for all) and input channel, in 1x1 stride-1
  // convolutions alone (GemmConvKernel).
  bool has_input_scale = false;
  const float* bias = nullptr;  // points into the graph's constant, which the session keeps alive
  bool has_activation = false;
  ActivationParams activation;
};

// y[0, count) = the plan's activation (SiLU, HardSwish) of itself; nothing if it has none.
void apply_activation(const ConvPlan& p, float* y, int64_t count);

// Whether several threads would share fewer than a few work items of output pixels (7x7, 14x14
// maps, batch 1): then the kernels split the output channels instead, or as well. A few: two per
// thread, up to eight, for the fp32 kernels; eight whatever the thread count for int8's (kInt8),
// whose kernels were measured with it (conv_kernels.cpp says what each rule measured).
enum class SplitRule { kFp32, kInt8 };
bool few_pixel_items(int64_t pixel_items, int threads, SplitRule rule = SplitRule::kFp32);

// The weights' 6-row panels (output channels) cut into chunks, one work item each per item of
// pixels: one chunk of all of them, unless several threads would share fewer than a few work items
// of pixels (7x7, 14x14 maps); then, for int8, chunks of 8 panels (48 channels); for fp32, as
// many chunks as make the work items (pixel items x chunks) a multiple of the threads, cut as
// evenly as whole pairs of panels (the GEMM's 12-row tiles) allow. Each chunk repeats its share of
// the input's preparation. A GEMM element's value does not depend on the cut.
struct PanelChunks {
  int64_t panels = 0;
  int64_t count = 1;  // chunks
  int64_t size = 0;   // chunks of `size` panels, the last one shorter; 0: pairs spread evenly
  // Chunk c's panels [begin(c), begin(c + 1)); begin(count) = panels.
  int64_t begin(int64_t c) const {
    if (size > 0) return c * size < panels ? c * size : panels;
    const int64_t pairs = (panels + 1) / 2, p = 2 * (c * pairs / count);
    return p < panels ? p : panels;
  }
};
PanelChunks panel_chunks(int64_t panels, int64_t pixel_items, int threads, SplitRule rule = SplitRule::kFp32);

// 3x3, stride 1, no dilation, one group, on output maps of min_map x min_map or more with 64 or
// more input channels and 16 or more output channels: the layers where the Winograd kernels
// measured faster than im2col + GEMM (fp32 from 13x13, int8 from 7x7).
bool is_winograd_shape(const ConvGeometry& p, int64_t min_map = 13);
// What the fp32 Winograd kernel computes: is_winograd_shape.
bool winograd_applies(const ConvPlan& p);
// weights [OC, IC, 3, 3].
std::unique_ptr<NodeKernel> make_winograd_conv_kernel(const ConvPlan& p, const Tensor& weights);

}  // namespace kite
