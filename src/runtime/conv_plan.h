// What the convolution kernels (runtime/conv_kernels.cpp, runtime/winograd_conv_kernel.cpp)
// know about a Conv / FusedConv node once it is planned.
#pragma once
#include <cmath>
#include <memory>

#include "kernels/activation.h"
#include "kernels/im2col.h"
#include "ops/window_geometry.h"
#include "kite/tensor.h"
#include "runtime/node_kernel.h"

namespace kite {

struct ConvPlan {
  int64_t batch, in_channels, out_channels, groups;
  Im2colParams window;  // one group of one image
  float min = -INFINITY, max = INFINITY;
  bool has_residual = false;
  const float* bias = nullptr;  // points into the graph's constant, which the session keeps alive
  bool has_activation = false;
  ActivationParams activation;
};

// The im2col geometry of one group of one image: `channels` input channels per group, the
// input's spatial size in_h x in_w, the rest from the node's window (ops/window_geometry.h).
Im2colParams im2col_params(const WindowGeometry& geo, int64_t channels, int64_t in_h, int64_t in_w);

// y[0, count) = the plan's activation (SiLU, HardSwish) of itself; nothing if it has none.
void apply_activation(const ConvPlan& p, float* y, int64_t count);

// How many 6-row panels of the weights (output channels) one work item covers: all of them,
// unless several threads would share fewer than a few work items of pixels (7x7, 14x14 maps);
// then 8 (48 channels), each chunk repeating its share of the input's preparation. A GEMM
// element's value does not depend on the cut.
int64_t panels_per_chunk(int64_t panels, int64_t pixel_items, int threads);

// 3x3, stride 1, no dilation, one group: what the Winograd kernel computes.
bool winograd_applies(const ConvPlan& p);
// weights [OC, IC, 3, 3].
std::unique_ptr<NodeKernel> make_winograd_conv_kernel(const ConvPlan& p, const Tensor& weights);

}  // namespace kite
