// Folds what follows a convolution into it, for inference: BatchNormalization into its weights
// and bias, a residual Add into its epilogue, ReLU / ReLU6 / Clip into its output clamp, and
// HardSwish or SiLU (also as exported before opset 14: x * HardSigmoid(x), x * Sigmoid(x)) into
// its activation. Each rewrite only applies where the convolution's output has no other reader
// (besides the Sigmoid of the SiLU pattern). And what comes before one: a per-channel product
// x * s (s [N or 1, C, 1, 1], a squeeze-and-excitation scale) read by a 1x1 convolution alone
// becomes that convolution's input scale, which its GEMM applies as it packs x.
#include <cmath>

#include "ops/op_args.h"
#include "ops/op_util.h"
#include "ops/window_geometry.h"
#include "passes/passes.h"

namespace kite {
namespace {

bool is_conv(const Node& n) { return n.op == "Conv" || n.op == "FusedConv"; }

Value& value(Graph& g, int v) { return g.values[static_cast<size_t>(v)]; }

// The node producing `v` if it is a 2-D convolution whose output only `v`'s reader uses.
Node* sole_conv_producer(Graph& g, const std::vector<int>& producer, const std::vector<int>& uses, int v) {
  if (v < 0) return nullptr;
  int p = producer[static_cast<size_t>(v)];
  if (p < 0 || uses[static_cast<size_t>(v)] != 1) return nullptr;
  Node& n = g.nodes[static_cast<size_t>(p)];
  if (!is_conv(n) || value(g, n.inputs[0]).shape.size() != 4) return nullptr;
  return &n;
}

void make_fused(Node& conv) {
  if (conv.op == "Conv") conv.op = "FusedConv";
}

// The node `n` disappears: its output becomes the convolution's.
void absorb(Node& conv, Node& n) {
  conv.outputs[0] = n.outputs[0];
  n.op.clear();  // marks it removed
}

// Whether anything is applied after the convolution's sum and residual: later rewrites must
// come before it, so they cannot be folded in once it is there.
bool has_activation(const Node& conv) {
  return conv.attrs.has("activation_min") || conv.attrs.has("activation_max") || conv.attrs.has("activation");
}

bool has_residual(const Node& conv) { return conv.inputs.size() > 3 && conv.inputs[3] >= 0; }

bool fold_batch_norm(Graph& g, Node& conv, const Node& bn) {
  if (has_residual(conv) || has_activation(conv)) return false;
  for (size_t i = 1; i < 5; ++i)
    if (!value(g, bn.inputs[i]).constant) return false;
  const Value& w = value(g, conv.inputs[1]);
  bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
  if (!w.constant || (has_bias && !value(g, conv.inputs[2]).constant)) return false;
  std::vector<float> scale = tensor_floats(*value(g, bn.inputs[1]).constant);
  std::vector<float> shift = tensor_floats(*value(g, bn.inputs[2]).constant);
  std::vector<float> mean = tensor_floats(*value(g, bn.inputs[3]).constant);
  std::vector<float> var = tensor_floats(*value(g, bn.inputs[4]).constant);
  float epsilon = bn.attrs.get_float("epsilon", 1e-5f);
  int64_t out_channels = w.shape[0], per_channel = w.constant->numel() / out_channels;
  Tensor weights = w.constant->clone();
  Tensor bias(DType::f32, {out_channels});
  const float* old_bias = has_bias ? value(g, conv.inputs[2]).constant->data<float>() : nullptr;
  for (int64_t m = 0; m < out_channels; ++m) {
    size_t c = static_cast<size_t>(m);
    float factor = scale[c] / std::sqrt(var[c] + epsilon);
    float* wm = weights.data<float>() + m * per_channel;
    for (int64_t i = 0; i < per_channel; ++i) wm[i] *= factor;
    bias.data<float>()[m] = ((old_bias ? old_bias[m] : 0.f) - mean[c]) * factor + shift[c];
  }
  if (conv.inputs.size() < 3) conv.inputs.resize(3, -1);  // (an input scale, input 4, stays)
  conv.inputs[1] = g.add_constant(conv.name + ".folded_weight", weights);
  conv.inputs[2] = g.add_constant(conv.name + ".folded_bias", bias);
  return true;
}

bool fuse_residual(Graph& g, Node& conv, const Node& add, int other) {
  if (has_residual(conv) || has_activation(conv)) return false;
  const Value& r = value(g, other);
  if (r.shape != value(g, conv.outputs[0]).shape || r.dtype != DType::f32) return false;
  if (conv.inputs.size() < 4) conv.inputs.resize(4, -1);
  conv.inputs[3] = other;
  (void)add;
  return true;
}

// mul = x * s with s of shape [N or 1, C, 1, 1] against x [N, C, H, W] (either order): the
// convolution that alone reads the product, if it is a 1x1, stride-1, unpadded, ungrouped one
// without an input scale yet, gets x as its input and s as its scale (FusedConv's input 4).
bool fuse_input_scale(Graph& g, const std::vector<int>& uses, Node& mul) {
  const int product = mul.outputs[0];
  if (uses[static_cast<size_t>(product)] != 1) return false;
  Node* conv = nullptr;
  for (Node& n : g.nodes)
    if (!n.op.empty() && is_conv(n) && !n.inputs.empty() && n.inputs[0] == product) conv = &n;
  if (!conv || (conv->inputs.size() > 4 && conv->inputs[4] >= 0)) return false;
  const Value &w = value(g, conv->inputs[1]), &in = value(g, product);
  if (w.shape.size() != 4 || w.shape[2] != 1 || w.shape[3] != 1 || conv->attrs.get_int("group", 1) != 1 ||
      in.shape.size() != 4 || !in.shape_known)
    return false;
  const WindowGeometry geo = window_geometry(*conv, {in.shape[2], in.shape[3]}, {1, 1}, false);
  for (size_t d = 0; d < 2; ++d)
    if (geo.strides[d] != 1 || geo.pad_begin[d] != 0 || geo.pad_end[d] != 0) return false;
  for (int side = 0; side < 2; ++side) {
    const int x = mul.inputs[static_cast<size_t>(side)], scale = mul.inputs[static_cast<size_t>(1 - side)];
    const Value &xv = value(g, x), &sv = value(g, scale);
    if (xv.dtype != DType::f32 || sv.dtype != DType::f32 || xv.shape.size() != 4 || sv.shape.size() != 4) continue;
    if (xv.shape != value(g, product).shape) continue;
    if ((sv.shape[0] != 1 && sv.shape[0] != xv.shape[0]) || sv.shape[1] != xv.shape[1] || sv.shape[2] != 1 ||
        sv.shape[3] != 1)
      continue;
    conv->inputs[0] = x;
    if (conv->inputs.size() < 5) conv->inputs.resize(5, -1);
    conv->inputs[4] = scale;
    make_fused(*conv);
    mul.op.clear();
    return true;
  }
  return false;
}

// The clamp an activation node applies, if it is one kite can fuse.
bool activation_bounds(const Graph& g, const Node& n, float& lo, float& hi) {
  if (n.op == "Relu") {
    lo = 0.f;
    hi = INFINITY;
    return true;
  }
  if (n.op != "Clip") return false;
  std::optional<ClipBounds> bounds = clip_bounds(n, g.input_values(n));
  if (!bounds) return false;
  lo = bounds->lo;
  hi = bounds->hi;
  return true;
}

bool fuse_activation(Node& conv, float lo, float hi) {
  if (has_activation(conv)) return false;  // one clamp per convolution, before any activation
  if (std::isfinite(lo)) conv.attrs.set_float("activation_min", lo);
  if (std::isfinite(hi)) conv.attrs.set_float("activation_max", hi);
  return true;
}

// x * Sigmoid(x) or x * HardSigmoid(x) with HardSwish's constants: which activation, and the node
// computing the factor, if `mul` is one; x is `mul.inputs[1 - factor_side]`.
const char* activation_product(Graph& g, const std::vector<int>& producer, const std::vector<int>& uses,
                               const Node& mul, int factor_side, Node*& factor) {
  int f = mul.inputs[static_cast<size_t>(factor_side)], x = mul.inputs[static_cast<size_t>(1 - factor_side)];
  if (f < 0 || x < 0 || producer[static_cast<size_t>(f)] < 0 || uses[static_cast<size_t>(f)] != 1) return nullptr;
  factor = &g.nodes[static_cast<size_t>(producer[static_cast<size_t>(f)])];
  if (factor->inputs.empty() || factor->inputs[0] != x) return nullptr;
  if (factor->op == "Sigmoid") return "silu";
  if (factor->op == "HardSigmoid") {
    HardSigmoidParams p = hard_sigmoid_params(*factor);
    if (p.alpha == 1.f / 6.f && p.beta == 0.5f) return "hardswish";
  }
  return nullptr;
}

// The convolution producing `x` when x's only readers are `mul` and the factor node.
Node* conv_read_by_product(Graph& g, const std::vector<int>& producer, const std::vector<int>& uses, int x) {
  int p = producer[static_cast<size_t>(x)];
  if (p < 0 || uses[static_cast<size_t>(x)] != 2) return nullptr;
  Node& n = g.nodes[static_cast<size_t>(p)];
  if (!is_conv(n) || value(g, n.inputs[0]).shape.size() != 4) return nullptr;
  return &n;
}

bool fuse_nonlinear(Node& conv, const char* name) {
  if (conv.attrs.has("activation")) return false;
  conv.attrs.set_string("activation", name);
  return true;
}

// One sweep over the nodes in order; returns whether anything changed.
bool fuse_once(Graph& g, bool batch_norm_only) {
  std::vector<int> producer = producer_of_values(g);
  std::vector<int> uses = use_counts(g);
  bool changed = false;
  for (Node& n : g.nodes) {
    if (n.op.empty() || n.inputs.empty()) continue;
    float lo, hi;
    if (n.op == "BatchNormalization" && n.outputs.size() == 1) {
      Node* conv = sole_conv_producer(g, producer, uses, n.inputs[0]);
      if (conv && fold_batch_norm(g, *conv, n)) {
        if (!batch_norm_only) make_fused(*conv);
        absorb(*conv, n);
        changed = true;
      }
    } else if (batch_norm_only) {
      continue;
    } else if (n.op == "Add" && n.inputs.size() == 2) {
      for (int side = 0; side < 2; ++side) {
        Node* conv = sole_conv_producer(g, producer, uses, n.inputs[static_cast<size_t>(side)]);
        if (conv && fuse_residual(g, *conv, n, n.inputs[static_cast<size_t>(1 - side)])) {
          make_fused(*conv);
          absorb(*conv, n);
          changed = true;
          break;
        }
      }
    } else if (n.op == "HardSwish") {
      Node* conv = sole_conv_producer(g, producer, uses, n.inputs[0]);
      if (conv && fuse_nonlinear(*conv, "hardswish")) {
        make_fused(*conv);
        absorb(*conv, n);
        changed = true;
      }
    } else if (n.op == "Mul" && n.inputs.size() == 2) {
      for (int side = 0; side < 2 && !changed; ++side) {
        Node* factor = nullptr;
        const char* name = activation_product(g, producer, uses, n, side, factor);
        Node* conv = name ? conv_read_by_product(g, producer, uses, n.inputs[static_cast<size_t>(1 - side)]) : nullptr;
        if (conv && fuse_nonlinear(*conv, name)) {
          make_fused(*conv);
          absorb(*conv, n);
          factor->op.clear();
          changed = true;
        }
      }
      if (!changed && fuse_input_scale(g, uses, n)) changed = true;
    } else if (activation_bounds(g, n, lo, hi)) {
      Node* conv = sole_conv_producer(g, producer, uses, n.inputs[0]);
      if (conv && fuse_activation(*conv, lo, hi)) {
        make_fused(*conv);
        absorb(*conv, n);
        changed = true;
      }
    }
    if (changed) break;  // producers and uses changed: recompute them
  }
  remove_cleared_nodes(g);
  return changed;
}

}  // namespace

void fuse_conv_epilogues(Graph& g) {
  while (fuse_once(g, /*batch_norm_only=*/false)) {
  }
  // A fused residual may be computed after the convolution that now reads it.
  sort_topologically(g);
  prune_unused(g);
}

}  // namespace kite

namespace kite {

void fold_batch_norms(Graph& g) {
  while (fuse_once(g, /*batch_norm_only=*/true)) {
  }
  prune_unused(g);
}

}  // namespace kite
