// Integer convolutions, 2-D, NCHW:
//  - ConvInteger: y (int32) = sum (x - x_zero_point) * (w - w_zero_point[m])
//  - QLinearConv: that sum plus the int32 bias B, requantized to y's scale and zero point
//    (src/kernels/requantize.h) with the scale x_scale * w_scale[m] / y_scale;
//  - FusedQLinearConv, kite's own (made by passes/fuse_qdq.cpp, never read from a file):
//    QLinearConv whose output range is narrowed to [activation_qmin, activation_qmax], the
//    quantized form of a ReLU or ReLU6 that followed the convolution.
// The int8 convolution kernels (runtime/q8_conv_kernels.cpp) are checked against these, bit
// for bit. Conv's own shape inference checks the geometry (group, strides, pads, dilations).
#include <algorithm>
#include <cmath>

#include "kernels/requantize.h"
#include "ops/conv.h"
#include "ops/op_util.h"
#include "ops/quant_args.h"
#include "ops/window_geometry.h"

namespace kite {
namespace {

// The input and weight as float-typed Values, for Conv's shape inference.
std::vector<ValueType> integer_conv_shape(const Node& node, const Value& x, const Value& w) {
  KITE_CHECK(x.dtype == DType::u8 || x.dtype == DType::s8, "x must be uint8 or int8, got ", dtype_name(x.dtype));
  KITE_CHECK(w.dtype == DType::u8 || w.dtype == DType::s8, "w must be uint8 or int8, got ", dtype_name(w.dtype));
  KITE_CHECK(x.shape.size() == 4, "kite runs 2-D integer convolutions (input [N, C, H, W]), got input ",
             shape_to_string(x.shape));
  Value xf, wf;
  xf.shape = x.shape;
  wf.shape = w.shape;
  xf.shape_known = wf.shape_known = true;
  return conv_infer(node, {&xf, &wf});
}

// The exact sums, [N, M, OH, OW], int32 as the kernels keep them.
std::vector<int32_t> integer_conv_sums(const Node& node, const Tensor& x, int32_t x_zero, const Tensor& w,
                                       const QuantParams& w_params, const Shape& y_shape) {
  const Shape& xs = x.shape();
  int64_t batch = xs[0], channels = xs[1], in_h = xs[2], in_w = xs[3];
  int64_t out_channels = y_shape[1], out_h = y_shape[2], out_w = y_shape[3];
  int64_t group = node.attrs.get_int("group", 1);
  int64_t in_per_group = channels / group, out_per_group = out_channels / group;
  WindowGeometry g = window_geometry(node, {in_h, in_w}, weight_kernel_shape(node, w.shape()), false);
  int64_t kh = g.kernel[0], kw = g.kernel[1];
  std::vector<int32_t> sums(static_cast<size_t>(shape_numel(y_shape)));
  size_t out_index = 0;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t m = 0; m < out_channels; ++m) {
      int32_t w_zero = w_params.zero_point_at(m);
      int64_t first = m / out_per_group * in_per_group;
      for (int64_t oy = 0; oy < out_h; ++oy)
        for (int64_t ox = 0; ox < out_w; ++ox) {
          int64_t acc = 0;
          for (int64_t c = 0; c < in_per_group; ++c)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t iy = g.input_position(0, oy, ky), ix = g.input_position(1, ox, kx);
                if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;  // padding is x_zero: adds 0
                int32_t xq = quantized_at(x, ((n * channels + first + c) * in_h + iy) * in_w + ix);
                int32_t wq = quantized_at(w, ((m * in_per_group + c) * kh + ky) * kw + kx);
                acc += static_cast<int64_t>(xq - x_zero) * (wq - w_zero);
              }
          sums[out_index++] = static_cast<int32_t>(acc);
        }
    }
  return sums;
}

std::vector<ValueType> infer_conv_integer(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "x");
  const Value& w = required_input(inputs, 1, "w");
  std::vector<ValueType> out = integer_conv_shape(node, x, w);
  if (const Value* xz = optional_input(inputs, 2))
    KITE_CHECK(xz->dtype == x.dtype && shape_numel(xz->shape) == 1, "x_zero_point must be one ", dtype_name(x.dtype));
  if (const Value* wz = optional_input(inputs, 3))
    KITE_CHECK(wz->dtype == w.dtype && (shape_numel(wz->shape) == 1 || shape_numel(wz->shape) == w.shape[0]),
               "w_zero_point must be one ", dtype_name(w.dtype), " or one per output channel");
  return {{DType::s32, out[0].shape}};
}

void reference_conv_integer(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const Tensor& w = *inputs[1];
  QuantParams xq = read_zero_points(optional_input(inputs, 2), x.dtype());
  QuantParams wq = read_zero_points(optional_input(inputs, 3), w.dtype());
  std::vector<int32_t> sums = integer_conv_sums(node, x, xq.zero_point[0], w, wq, outputs[0].shape());
  std::copy(sums.begin(), sums.end(), outputs[0].data<int32_t>());
}

std::vector<ValueType> infer_qlinear_conv(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "x");
  const Value& w = required_input(inputs, 3, "w");
  std::vector<ValueType> out = integer_conv_shape(node, x, w);
  int64_t m = w.shape[0];
  KITE_CHECK(check_quant_params(required_input(inputs, 1, "x_scale"), optional_input(inputs, 2), 1, x.dtype, "x") ==
                 x.dtype, "x_zero_point's type differs from x's");
  KITE_CHECK(check_quant_params(required_input(inputs, 4, "w_scale"), optional_input(inputs, 5), m, w.dtype, "w") ==
                 w.dtype, "w_zero_point's type differs from w's");
  DType y = check_quant_params(required_input(inputs, 6, "y_scale"), optional_input(inputs, 7), 1, DType::u8, "y");
  KITE_CHECK(y == DType::u8 || y == DType::s8, "y must be uint8 or int8, got ", dtype_name(y));
  if (const Value* b = optional_input(inputs, 8)) {
    require_dtype(b->dtype, DType::s32, "B");
    KITE_CHECK(b->shape == Shape{m}, "B has shape ", shape_to_string(b->shape), ", expected [", m, "]");
  }
  fused_output_range(node, y);  // checks the bounds
  return {{y, out[0].shape}};
}

void reference_qlinear_conv(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const Tensor& w = *inputs[3];
  QuantParams xq = read_quant_params(*inputs[1], optional_input(inputs, 2), x.dtype());
  QuantParams wq = read_quant_params(*inputs[4], optional_input(inputs, 5), w.dtype());
  QuantParams yq = read_quant_params(*inputs[6], optional_input(inputs, 7), DType::u8);
  const Tensor* b = optional_input(inputs, 8);
  Tensor& y = outputs[0];
  std::vector<int32_t> sums = integer_conv_sums(node, x, xq.zero_point[0], w, wq, y.shape());
  int64_t channels = y.dim(1), plane = y.dim(2) * y.dim(3);
  auto [lo, hi] = fused_output_range(node, yq.dtype);
  for (size_t i = 0; i < sums.size(); ++i) {
    int64_t m = static_cast<int64_t>(i) / plane % channels;
    // Modulo 2^32, as the kernels sum (a bias near the int32 limits must not be undefined).
    int32_t acc = static_cast<int32_t>(static_cast<uint32_t>(sums[i]) +
                                       static_cast<uint32_t>(b ? b->data<int32_t>()[m] : 0));
    float scale = product_requant_scale(xq.scale[0], wq.scale_at(m), yq.scale[0]);
    KITE_CHECK(std::isfinite(scale) && scale > 0.f, "x_scale * w_scale / y_scale is ", scale, " for output channel ", m,
               ": not a positive finite number");
    store_quantized(y, static_cast<int64_t>(i), requantize(acc, scale, yq.zero_point[0], lo, hi));
  }
}

}  // namespace

OpDef op_conv_integer() { return {"ConvInteger", 2, 4, infer_conv_integer, reference_conv_integer}; }
OpDef op_qlinear_conv() { return {"QLinearConv", 8, 9, infer_qlinear_conv, reference_qlinear_conv}; }
OpDef op_fused_qlinear_conv() {
  return {"FusedQLinearConv", 8, 9, infer_qlinear_conv, reference_qlinear_conv, /*internal=*/true};
}

}  // namespace kite
