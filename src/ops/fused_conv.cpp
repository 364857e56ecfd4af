// FusedConv: kite's own operator for a convolution with its epilogue folded in, made by the
// inference passes (passes/fuse_conv.cpp), never read from a file. Inputs: X, W, optional B,
// optional R (a residual added to the output); attributes: Conv's, plus activation_min and
// activation_max (a clamp after the residual: ReLU is [0, inf), ReLU6 [0, 6]) and activation
// ("silu" or "hardswish", applied after the clamp: EfficientNet's and MobileNet v3's
// nonlinearities). Its reference is Conv's reference followed by the add, the clamp and the
// activation's reference, so fused graphs are checked against the same truth as unfused ones.
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
  KITE_CHECK(node.attrs.get_float("activation_min", -INFINITY) <= node.attrs.get_float("activation_max", INFINITY),
             "activation_min is above activation_max");
  fused_activation(node);  // checks the name
  return out;
}

void reference_fused_conv(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  std::vector<const Tensor*> conv_inputs(inputs.begin(), inputs.begin() + std::min<size_t>(inputs.size(), 3));
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

OpDef op_fused_conv() { return {"FusedConv", 2, 4, infer_fused_conv, reference_fused_conv, /*internal=*/true}; }

}  // namespace kite
