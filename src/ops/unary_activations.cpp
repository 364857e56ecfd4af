// Elementwise f32 activations: Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh and Clip.
// Each is a small functor built once per node from its attributes (and, for Clip, its bound
// inputs); one template applies it to every element.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/activation_functions.h"
#include "ops/op_args.h"
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
  HardSigmoidParams p;
  HardSigmoid(const Node& node, const Inputs&) : p(hard_sigmoid_params(node)) {}
  float operator()(float x) const { return hard_sigmoid(x, p.alpha, p.beta); }
};

struct HardSwish {
  HardSwish(const Node&, const Inputs&) {}
  float operator()(float x) const { return hard_swish_reference(x); }
};

struct Clip {
  ClipBounds bounds;
  // infer_clip has checked that the bounds are f32 scalars; at run time they are all known.
  Clip(const Node& node, const Inputs& inputs) : bounds(*clip_bounds(node, inputs)) {}
  // When lo > hi every element becomes hi, as the ONNX spec says.
  float operator()(float x) const { return std::min(std::max(x, bounds.lo), bounds.hi); }
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

const Tensor* bound_tensor(const Tensor* t) { return t; }
const Tensor* bound_tensor(const Value* v) { return v->constant ? &*v->constant : nullptr; }

template <typename In>
std::optional<ClipBounds> clip_bounds_of(const Node& node, const std::vector<const In*>& inputs) {
  if (node.opset < 11)
    return ClipBounds{node.attrs.get_float("min", std::numeric_limits<float>::lowest()),
                      node.attrs.get_float("max", std::numeric_limits<float>::max())};
  ClipBounds b{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  for (size_t i = 1; i <= 2; ++i) {
    const In* in = optional_input(inputs, i);
    if (!in) continue;
    const Tensor* t = bound_tensor(in);
    if (!t || t->dtype() != DType::f32 || t->numel() != 1) return std::nullopt;
    (i == 1 ? b.lo : b.hi) = t->data<float>()[0];
  }
  return b;
}

}  // namespace

std::optional<ClipBounds> clip_bounds(const Node& node, const std::vector<const Value*>& inputs) {
  return clip_bounds_of(node, inputs);
}
std::optional<ClipBounds> clip_bounds(const Node& node, const std::vector<const Tensor*>& inputs) {
  return clip_bounds_of(node, inputs);
}

HardSigmoidParams hard_sigmoid_params(const Node& node) {
  return {node.attrs.get_float("alpha", 0.2f), node.attrs.get_float("beta", 0.5f)};
}

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
