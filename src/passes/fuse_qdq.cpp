// Turns a QDQ graph (float operators between DequantizeLinear and QuantizeLinear, the form
// quantizers and ONNX Runtime exchange) into int8 operators, so that quantized tensors flow from
// kernel to kernel without a round trip through float. Each rewrite starts at a QuantizeLinear
// with one scale and zero point and looks back at what produces its input (the float operators
// involved must have no other reader), except the fully connected head's, which starts at the
// Gemm: its result stays float. See passes.h for the patterns.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/requantize.h"
#include "ops/op.h"
#include "ops/op_args.h"
#include "ops/op_util.h"
#include "ops/quant_args.h"
#include "passes/passes.h"

namespace kite {
namespace {

struct Context {
  Graph& g;
  std::vector<int> producer;
  std::vector<int> uses;

  const Value& value(int v) const { return g.values[static_cast<size_t>(v)]; }
  // The node producing v when v has exactly one reader, else nullptr.
  Node* sole_producer(int v, const char* op) {
    if (v < 0 || uses[static_cast<size_t>(v)] != 1) return nullptr;
    int p = producer[static_cast<size_t>(v)];
    if (p < 0 || g.nodes[static_cast<size_t>(p)].op != op) return nullptr;
    return &g.nodes[static_cast<size_t>(p)];
  }
  // The DequantizeLinear producing v (any number of readers), else nullptr.
  Node* dequantize_of(int v) {
    if (v < 0) return nullptr;
    int p = producer[static_cast<size_t>(v)];
    if (p < 0 || g.nodes[static_cast<size_t>(p)].op != "DequantizeLinear") return nullptr;
    return &g.nodes[static_cast<size_t>(p)];
  }
  bool constant(int v) const { return v >= 0 && value(v).constant.has_value(); }
};

// A scale (and zero point) given once for the whole tensor, as constants.
bool per_tensor_params(const Context& c, const Node& n) {
  if (n.inputs.size() < 2 || !c.constant(n.inputs[1]) || c.value(n.inputs[1]).constant->numel() != 1) return false;
  return n.inputs.size() < 3 || n.inputs[2] < 0 || c.constant(n.inputs[2]);
}

QuantParams params_of(const Context& c, const Node& q_or_dq, DType default_dtype) {
  const Tensor* zp = q_or_dq.inputs.size() > 2 && q_or_dq.inputs[2] >= 0 ? &*c.value(q_or_dq.inputs[2]).constant : nullptr;
  return read_quant_params(*c.value(q_or_dq.inputs[1]).constant, zp, default_dtype);
}

// An activation DequantizeLinear: a uint8 tensor, one scale and zero point.
bool activation_dequantize(const Context& c, const Node* d) {
  return d && per_tensor_params(c, *d) && c.value(d->inputs[0]).dtype == DType::u8 && !c.constant(d->inputs[0]);
}

bool same_params(const Context& c, const Node& a, const Node& b) {
  QuantParams pa = params_of(c, a, DType::u8), pb = params_of(c, b, DType::u8);
  return pa.dtype == pb.dtype && pa.zero_point == pb.zero_point &&
         std::memcmp(&pa.scale[0], &pb.scale[0], sizeof(float)) == 0;
}

// The quantized output range of a Relu or Clip between the float operator and `q`.
bool clamp_range(const Context& c, const Node& act, const Node& q, int64_t& qmin, int64_t& qmax) {
  QuantParams p = params_of(c, q, DType::u8);
  float lo = 0.f, hi = INFINITY;
  if (act.op == "Clip") {
    std::optional<ClipBounds> b = clip_bounds(act, c.g.input_values(act));
    if (!b) return false;
    lo = b->lo;
    hi = b->hi;
    if (!(lo <= hi)) return false;  // ONNX gives max everywhere; the quantized clamp cannot say that
  } else if (act.op != "Relu") {
    return false;
  }
  // Quantizing is monotonic, so clamping before it equals clamping the quantized value.
  qmin = quantize_value(lo, p.scale[0], p.zero_point[0], quant_min(p.dtype), quant_max(p.dtype));
  qmax = quantize_value(hi, p.scale[0], p.zero_point[0], quant_min(p.dtype), quant_max(p.dtype));
  return true;
}

// What feeds `q` through an optional Relu / Clip: the float operator `op`, and the clamp.
Node* through_activation(Context& c, const Node& q, const char* op, int64_t& qmin, int64_t& qmax, Node*& act) {
  act = nullptr;
  qmin = quant_min(params_of(c, q, DType::u8).dtype);
  qmax = quant_max(params_of(c, q, DType::u8).dtype);
  int v = q.inputs[0];
  if (Node* direct = c.sole_producer(v, op)) return direct;
  int p = c.producer[static_cast<size_t>(v)];
  if (p < 0 || c.uses[static_cast<size_t>(v)] != 1) return nullptr;
  Node& a = c.g.nodes[static_cast<size_t>(p)];
  if (a.inputs.empty() || !clamp_range(c, a, q, qmin, qmax)) return nullptr;
  act = &a;
  return c.sole_producer(a.inputs[0], op);
}


// The int32 bias the convolution adds, in units of x_scale * w_scale[m]: the DequantizeLinear's
// integers when they have that scale, else the float bias divided by it and rounded.
int int32_bias(Context& c, const Node& conv, const QuantParams& x, const QuantParams& w, int64_t channels) {
  if (conv.inputs.size() < 3 || conv.inputs[2] < 0) return -1;
  int b = conv.inputs[2];
  std::vector<float> scales(static_cast<size_t>(channels));
  for (int64_t m = 0; m < channels; ++m) scales[static_cast<size_t>(m)] = x.scale[0] * w.scale_at(m);
  Node* d = c.dequantize_of(b);
  bool zero_point_constant = d && (d->inputs.size() < 3 || d->inputs[2] < 0 || c.constant(d->inputs[2]));
  if (d && !zero_point_constant) return -2;
  if (d && c.constant(d->inputs[0]) && c.value(d->inputs[0]).dtype == DType::s32 && c.constant(d->inputs[1]) &&
      c.value(d->inputs[0]).constant->numel() == channels) {
    QuantParams bq = params_of(c, *d, DType::s32);
    bool exact = true;
    for (int64_t m = 0; m < channels; ++m)
      exact = exact && bq.zero_point_at(m) == 0 && bq.scale_at(m) == scales[static_cast<size_t>(m)];
    if (exact && c.value(d->inputs[0]).constant->numel() == channels) return d->inputs[0];
  }
  Tensor bias_float;
  if (d) {
    if (!c.constant(d->inputs[0]) || !c.constant(d->inputs[1])) return -2;
    std::vector<const Tensor*> ins;
    for (int v : d->inputs) ins.push_back(v < 0 ? nullptr : &*c.value(v).constant);
    std::vector<Tensor> outs{Tensor(DType::f32, c.value(d->inputs[0]).shape)};
    find_op("DequantizeLinear")->reference(*d, ins, outs);
    bias_float = outs[0];
  } else if (c.constant(b) && c.value(b).dtype == DType::f32) {
    bias_float = *c.value(b).constant;
  } else {
    return -2;
  }
  if (bias_float.numel() != channels) return -2;
  Tensor q(DType::s32, {channels});
  for (int64_t m = 0; m < channels; ++m) {
    double v = std::nearbyint(static_cast<double>(bias_float.data<float>()[m]) / scales[static_cast<size_t>(m)]);
    q.data<int32_t>()[m] = static_cast<int32_t>(std::min(std::max(v, -2147483648.0), 2147483647.0));
  }
  return c.g.add_constant(conv.name + ".int32_bias", q);
}

void set_range(Node& n, int64_t qmin, int64_t qmax) {
  n.attrs.set_int("activation_qmin", qmin);
  n.attrs.set_int("activation_qmax", qmax);
}

bool fuse_conv(Context& c, Node& q) {
  int64_t qmin, qmax;
  Node* act;
  Node* conv = through_activation(c, q, "Conv", qmin, qmax, act);
  if (!conv || conv->inputs.size() < 2 || c.value(conv->inputs[0]).shape.size() != 4) return false;
  Node* dx = c.dequantize_of(conv->inputs[0]);
  Node* dw = c.dequantize_of(conv->inputs[1]);
  if (!activation_dequantize(c, dx) || !dw || !c.constant(dw->inputs[0]) || !c.constant(dw->inputs[1])) return false;
  if (c.value(dw->inputs[0]).dtype != DType::s8 || (dw->inputs.size() > 2 && dw->inputs[2] >= 0 && !c.constant(dw->inputs[2])))
    return false;
  int64_t channels = c.value(dw->inputs[0]).shape[0];
  QuantParams wp = params_of(c, *dw, DType::s8);
  if (wp.per_axis() && dw->attrs.get_int("axis", 1) != 0) return false;
  int bias = int32_bias(c, *conv, params_of(c, *dx, DType::u8), wp, channels);
  if (bias == -2) return false;
  Node fused;
  fused.name = conv->name;
  fused.op = "FusedQLinearConv";
  fused.attrs = conv->attrs;
  fused.opset = conv->opset;
  fused.inputs = {dx->inputs[0], dx->inputs[1], dx->inputs.size() > 2 ? dx->inputs[2] : -1,
                  dw->inputs[0], dw->inputs[1], dw->inputs.size() > 2 ? dw->inputs[2] : -1,
                  q.inputs[1],  q.inputs.size() > 2 ? q.inputs[2] : -1};
  if (bias >= 0) fused.inputs.push_back(bias);
  fused.outputs = q.outputs;
  set_range(fused, qmin, qmax);
  conv->op.clear();
  if (act) act->op.clear();
  q = std::move(fused);
  return true;
}

bool fuse_add(Context& c, Node& q) {
  int64_t qmin, qmax;
  Node* act;
  Node* add = through_activation(c, q, "Add", qmin, qmax, act);
  if (!add || add->inputs.size() != 2) return false;
  Node* da = c.dequantize_of(add->inputs[0]);
  Node* db = c.dequantize_of(add->inputs[1]);
  if (!activation_dequantize(c, da) || !activation_dequantize(c, db)) return false;
  if (c.value(da->inputs[0]).shape != c.value(db->inputs[0]).shape) return false;
  Node fused;
  fused.name = add->name;
  fused.op = "FusedQLinearAdd";
  fused.opset = add->opset;
  fused.inputs = {da->inputs[0], da->inputs[1], da->inputs.size() > 2 ? da->inputs[2] : -1,
                  db->inputs[0], db->inputs[1], db->inputs.size() > 2 ? db->inputs[2] : -1,
                  q.inputs[1],  q.inputs.size() > 2 ? q.inputs[2] : -1};
  fused.outputs = q.outputs;
  set_range(fused, qmin, qmax);
  add->op.clear();
  if (act) act->op.clear();
  q = std::move(fused);
  return true;
}

bool fuse_average(Context& c, Node& q) {
  Node* pool = c.sole_producer(q.inputs[0], "GlobalAveragePool");
  if (!pool || c.value(pool->inputs[0]).shape.size() != 4) return false;
  Node* d = c.dequantize_of(pool->inputs[0]);
  if (!activation_dequantize(c, d)) return false;
  Node fused;
  fused.name = pool->name;
  fused.op = "QLinearGlobalAveragePool";
  fused.opset = pool->opset;
  fused.inputs = {d->inputs[0], d->inputs[1], d->inputs.size() > 2 ? d->inputs[2] : -1, q.inputs[1],
                  q.inputs.size() > 2 ? q.inputs[2] : -1};
  fused.outputs = q.outputs;
  pool->op.clear();
  q = std::move(fused);
  return true;
}

// Operators that only move or select values commute with quantization when input and output
// share their scale and zero point: they run on the quantized values as they are.
bool run_quantized(Context& c, Node& q) {
  int p = c.producer[static_cast<size_t>(q.inputs[0])];
  if (p < 0 || c.uses[static_cast<size_t>(q.inputs[0])] != 1) return false;
  Node& op = c.g.nodes[static_cast<size_t>(p)];
  static const char* kMovers[] = {"MaxPool", "Concat", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"};
  if (std::find_if(std::begin(kMovers), std::end(kMovers), [&](const char* m) { return op.op == m; }) ==
      std::end(kMovers))
    return false;
  if (op.outputs.size() != 1) return false;
  // Data inputs: all of Concat's, the first of the others (the rest are shapes or axes).
  size_t data_inputs = op.op == "Concat" ? op.inputs.size() : 1;
  std::vector<int> replaced = op.inputs;
  for (size_t i = 0; i < data_inputs; ++i) {
    Node* d = c.dequantize_of(op.inputs[i]);
    if (!activation_dequantize(c, d) || !same_params(c, *d, q)) return false;
    replaced[i] = d->inputs[0];
  }
  Node moved = op;
  moved.inputs = replaced;
  moved.outputs = q.outputs;
  op.op.clear();
  q = std::move(moved);
  return true;
}

// DequantizeLinear -> Gemm (A x B^T + C, B constant int8 weights [N, K]) with a float result, the
// classifier head of a quantized network: FusedQLinearGemm, whose int32 sums are scaled to float
// once. Nothing quantizes the result, so this starts at the Gemm rather than at a QuantizeLinear.
bool fuse_gemm(Context& c, Node& gemm) {
  if (gemm.op != "Gemm" || gemm.inputs.size() < 2 || !gemm_is_linear(gemm) || c.value(gemm.inputs[0]).shape.size() != 2)
    return false;
  Node* dx = c.dequantize_of(gemm.inputs[0]);
  Node* dw = c.dequantize_of(gemm.inputs[1]);
  if (!activation_dequantize(c, dx) || !dw || !c.constant(dw->inputs[0]) || !c.constant(dw->inputs[1])) return false;
  const Value& w = c.value(dw->inputs[0]);
  if (w.dtype != DType::s8 || w.shape.size() != 2 || (dw->inputs.size() > 2 && dw->inputs[2] >= 0 && !c.constant(dw->inputs[2])))
    return false;
  QuantParams wp = params_of(c, *dw, DType::s8);
  if (wp.per_axis() && dw->attrs.get_int("axis", 1) != 0) return false;
  for (int32_t z : wp.zero_point)
    if (z != 0) return false;  // asymmetric weights: the float Gemm runs them
  // C broadcast along the rows, one value per output: [N] or [1, N] (int32_bias checks the count).
  if (gemm.inputs.size() > 2 && gemm.inputs[2] >= 0) {
    const Shape& cs = c.value(gemm.inputs[2]).shape;
    if (cs.empty() || cs.size() > 2 || cs.back() != w.shape[0]) return false;
  }
  int bias = int32_bias(c, gemm, params_of(c, *dx, DType::u8), wp, w.shape[0]);
  if (bias == -2) return false;
  gemm.op = "FusedQLinearGemm";
  gemm.attrs = Attributes();
  gemm.inputs = {dx->inputs[0], dx->inputs[1], dx->inputs.size() > 2 ? dx->inputs[2] : -1,
                 dw->inputs[0], dw->inputs[1], dw->inputs.size() > 2 ? dw->inputs[2] : -1};
  if (bias >= 0) gemm.inputs.push_back(bias);
  return true;
}

bool fuse_once(Graph& g) {
  Context c{g, producer_of_values(g), use_counts(g)};
  for (Node& n : g.nodes) {
    if (n.op != "QuantizeLinear" || !per_tensor_params(c, n)) continue;
    if (fuse_conv(c, n) || fuse_add(c, n) || fuse_average(c, n) || run_quantized(c, n)) return true;
  }
  for (Node& n : g.nodes)
    if (fuse_gemm(c, n)) return true;
  return false;
}

// DequantizeLinear of a constant that no int8 kernel took: computed once, here.
void expand_constant_dequantize(Graph& g) {
  const OpDef* def = find_op("DequantizeLinear");
  for (Node& n : g.nodes) {
    if (n.op != "DequantizeLinear") continue;
    bool constant = true;
    std::vector<const Tensor*> ins;
    for (int v : n.inputs) {
      if (v >= 0 && !g.values[static_cast<size_t>(v)].constant) constant = false;
      ins.push_back(v < 0 || !constant ? nullptr : &*g.values[static_cast<size_t>(v)].constant);
    }
    if (!constant) continue;
    Value& out = g.values[static_cast<size_t>(n.outputs[0])];
    std::vector<Tensor> outs{Tensor(DType::f32, out.shape)};
    def->reference(n, ins, outs);
    out.constant = outs[0];
    n.op.clear();
  }
  remove_cleared_nodes(g);
}

}  // namespace

void fuse_qdq(Graph& g) {
  bool any = false;
  for (const Node& n : g.nodes) any = any || n.op == "QuantizeLinear" || n.op == "DequantizeLinear";
  if (!any) return;
  while (fuse_once(g)) remove_cleared_nodes(g);
  prune_unused(g);
  expand_constant_dequantize(g);
  prune_unused(g);
}

}  // namespace kite
