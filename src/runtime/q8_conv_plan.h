// What the int8 convolution kernels (runtime/q8_conv_kernels.cpp, runtime/q8_winograd_conv_kernel.cpp)
// know about a QLinearConv / FusedQLinearConv node once it is planned.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kite/tensor.h"
#include "runtime/conv_plan.h"

namespace kite {

struct Q8ConvPlan : ConvGeometry {
  int32_t x_zero = 0, y_zero = 0, qmin = 0, qmax = 255;
  std::vector<float> scale;    // per output channel
  std::vector<int32_t> bias;   // per output channel (zeros when absent)
};

// 3x3 stride-1 convolutions as is_winograd_shape (runtime/conv_plan.h) takes them but on maps down
// to 7x7, with at most kQ8WinogradMaxChannels input channels, on a CPU without a faster int8
// im2col path (ARM's dot product): what the int8 Winograd kernel computes.
bool q8_winograd_applies(const Q8ConvPlan& p);
// weights [OC, IC, 3, 3], int8.
std::unique_ptr<NodeKernel> make_q8_winograd_conv_kernel(const Q8ConvPlan& p, const Tensor& weights);

}  // namespace kite
