// Elementwise f32 activations: Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh and Clip.
// Each is a small functor built once per node from its attributes (and, for Clip, its bound
// inputs); one template applies it to every element.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/activation_functions.h"
#include "ops/op_util.h"

namespace kite {
namespace {

using Inputs = std::vector<const Tensor*>;

struct Relu {
  Relu(const Node&, const Inputs&) {}
  // Written as a comparison so that NaN passes through, as numpy's maximum does.
  float operator()(float x) const { return x < 0.f ? 0.f : x; }
};

struct LeakyRelu {
  float alpha;
  LeakyRelu(const Node& node, const Inputs&) : alpha(node.attrs.get_float("alpha", 0.01f)) {}
  float operator()(float x) const { return x < 0.f ? alpha * x : x; }
};

struct Sigmoid {
  Sigmoid(const Node&, const Inputs&) {}
  float operator()(float x) const { return sigmoid_reference(x); }
};

struct Tanh {
  Tanh(const Node&, const Inputs&) {}
  float operator()(float x) const { return static_cast<float>(std::tanh(static_cast<double>(x))); }
};

float hard_sigmoid(float x, float alpha, float beta) { return std::max(0.f, std::min(1.f, alpha * x + beta)); }

struct HardSigmoid {
  float alpha, beta;
  HardSigmoid(const Node& node, const Inputs&)
      : alpha(node.attrs.get_float("alpha", 0.2f)), beta(node.attrs.get_float("beta", 0.5f)) {}
  float operator()(float x) const { return hard_sigmoid(x, alpha, beta); }
};

struct HardSwish {
  HardSwish(const Node&, const Inputs&) {}
  float operator()(float x) const { return hard_swish_reference(x); }
};

// Clip's bounds: attributes before opset 11 (defaulting to the float range, as the opset 6
// schema says), optional scalar inputs 1 and 2 from opset 11 on, where an absent bound does not clip.
struct Clip {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  Clip(const Node& node, const Inputs& inputs) {
    if (node.opset < 11) {
      lo = node.attrs.get_float("min", std::numeric_limits<float>::lowest());
      hi = node.attrs.get_float("max", std::numeric_limits<float>::max());
      return;
    }
    if (const Tensor* t = optional_input(inputs, 1)) lo = t->data<float>()[0];
    if (const Tensor* t = optional_input(inputs, 2)) hi = t->data<float>()[0];
  }
  // When lo > hi every element becomes hi, as the ONNX spec says.
  float operator()(float x) const { return std::min(std::max(x, lo), hi); }
};

std::vector<ValueType> infer_f32_unary(const Node&, const std::vector<const Value*>& inputs) {
  require_dtype(inputs[0]->dtype, DType::f32, "input");
  return {{DType::f32, inputs[0]->shape}};
}

std::vector<ValueType> infer_clip(const Node& node, const std::vector<const Value*>& inputs) {
  const char* bound_names[] = {"", "min", "max"};
  for (size_t i = 1; i <= 2; ++i) {
    const Value* bound = optional_input(inputs, i);
    if (!bound) continue;
    KITE_CHECK(node.opset >= 11, "Clip takes its bounds as attributes before opset 11, got input ", i);
    require_dtype(bound->dtype, DType::f32, bound_names[i]);
    KITE_CHECK(shape_numel(bound->shape) == 1, bound_names[i], " must be a scalar, got shape ",
               shape_to_string(bound->shape));
  }
  return infer_f32_unary(node, inputs);
}

template <typename Fn>
void reference_unary(const Node& node, const Inputs& inputs, std::vector<Tensor>& outputs) {
  const Fn fn(node, inputs);
  const float* x = inputs[0]->data<float>();
  float* y = outputs[0].data<float>();
  for (int64_t i = 0; i < inputs[0]->numel(); ++i) y[i] = fn(x[i]);
}

}  // namespace

float sigmoid_reference(float x) { return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x)))); }
float hard_swish_reference(float x) { return x * hard_sigmoid(x, 1.f / 6.f, 0.5f); }
float silu_reference(float x) { return x * sigmoid_reference(x); }

OpDef op_relu() { return {"Relu", 1, 1, infer_f32_unary, reference_unary<Relu>}; }
OpDef op_leaky_relu() { return {"LeakyRelu", 1, 1, infer_f32_unary, reference_unary<LeakyRelu>}; }
OpDef op_sigmoid() { return {"Sigmoid", 1, 1, infer_f32_unary, reference_unary<Sigmoid>}; }
OpDef op_hard_sigmoid() { return {"HardSigmoid", 1, 1, infer_f32_unary, reference_unary<HardSigmoid>}; }
OpDef op_hard_swish() { return {"HardSwish", 1, 1, infer_f32_unary, reference_unary<HardSwish>}; }
OpDef op_tanh() { return {"Tanh", 1, 1, infer_f32_unary, reference_unary<Tanh>}; }
OpDef op_clip() { return {"Clip", 1, 3, infer_clip, reference_unary<Clip>}; }

}  // namespace kite
