// FusedConv: kite's own operator for a convolution with its epilogue folded in, made by the
// inference passes (passes/fuse_conv.cpp), never read from a file. Inputs: X, W, optional B,
// optional R (a residual added to the output), optional S (a scale of X per image and input
// channel, [N or 1, C, 1, 1]: a squeeze-and-excitation product folded into the 1x1 convolution
// that reads it); attributes: Conv's, plus activation_min and activation_max (a clamp after the
// residual: ReLU is [0, inf), ReLU6 [0, 6]) and activation ("silu" or "hardswish", applied after
// the clamp: EfficientNet's and MobileNet v3's nonlinearities). Its reference is X times S, then
// Conv's reference followed by the add, the clamp and the activation's reference, so fused graphs
// are checked against the same truth as unfused ones.
#include <algorithm>
#include <cmath>

#include "ops/activation_functions.h"
#include "ops/conv.h"
#include "ops/op_util.h"

namespace kite {

FusedActivation fused_activation(const Node& node) {
  std::string name = node.attrs.get_string("activation", "");
  if (name.empty()) return FusedActivation::kNone;
  if (name == "silu") return FusedActivation::kSiLU;
  if (name == "hardswish") return FusedActivation::kHardSwish;
  fail("unknown fused activation '", name, "' (silu and hardswish are known)");
}

namespace {

std::vector<ValueType> infer_fused_conv(const Node& node, const std::vector<const Value*>& inputs) {
  std::vector<const Value*> conv_inputs(inputs.begin(), inputs.begin() + std::min<size_t>(inputs.size(), 3));
  std::vector<ValueType> out = conv_infer(node, conv_inputs);
  if (const Value* r = optional_input(inputs, 3))
    KITE_CHECK(r->dtype == DType::f32 && r->shape == out[0].shape, "residual has shape ", shape_to_string(r->shape),
               ", the convolution's output is ", shape_to_string(out[0].shape));
  if (const Value* scale = optional_input(inputs, 4)) {
    const Shape& x = inputs[0]->shape;
    KITE_CHECK(scale->dtype == DType::f32 && x.size() == 4 && scale->shape.size() == 4 &&
                   (scale->shape[0] == 1 || scale->shape[0] == x[0]) && scale->shape[1] == x[1] &&
                   scale->shape[2] == 1 && scale->shape[3] == 1,
               "input scale has shape ", shape_to_string(scale->shape), ", the input is ", shape_to_string(x));
  }
  KITE_CHECK(node.attrs.get_float("activation_min", -INFINITY) <= node.attrs.get_float("activation_max", INFINITY),
             "activation_min is above activation_max");
  fused_activation(node);  // checks the name
  return out;
}

// X times S, per image and channel (the Mul the scale replaced, element by element).
Tensor scaled_input(const Tensor& x, const Tensor& scale) {
  Tensor out = x.clone();
  const int64_t images = x.shape()[0], channels = x.shape()[1], plane = x.shape()[2] * x.shape()[3];
  float* v = out.data<float>();
  const float* s = scale.data<float>();
  for (int64_t n = 0; n < images; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float f = s[(scale.shape()[0] == 1 ? 0 : n) * channels + c];
      for (int64_t i = 0; i < plane; ++i) v[(n * channels + c) * plane + i] *= f;
    }
  return out;
}

void reference_fused_conv(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  std::vector<const Tensor*> conv_inputs(inputs.begin(), inputs.begin() + std::min<size_t>(inputs.size(), 3));
  Tensor scaled;
  if (const Tensor* scale = optional_input(inputs, 4)) {
    scaled = scaled_input(*inputs[0], *scale);
    conv_inputs[0] = &scaled;
  }
  conv_reference(node, conv_inputs, outputs);
  float* y = outputs[0].data<float>();
  if (const Tensor* r = optional_input(inputs, 3)) {
    const float* rd = r->data<float>();
    for (int64_t i = 0; i < outputs[0].numel(); ++i) y[i] += rd[i];
  }
  float lo = node.attrs.get_float("activation_min", -INFINITY), hi = node.attrs.get_float("activation_max", INFINITY);
  for (int64_t i = 0; i < outputs[0].numel(); ++i) y[i] = std::min(std::max(y[i], lo), hi);
  float (*activation)(float) = nullptr;
  switch (fused_activation(node)) {
    case FusedActivation::kNone: return;
    case FusedActivation::kSiLU: activation = silu_reference; break;
    case FusedActivation::kHardSwish: activation = hard_swish_reference; break;
  }
  for (int64_t i = 0; i < outputs[0].numel(); ++i) y[i] = activation(y[i]);
}

}  // namespace

OpDef op_fused_conv() { return {"FusedConv", 2, 5, infer_fused_conv, reference_fused_conv, /*internal=*/true}; }

}  // namespace kite
