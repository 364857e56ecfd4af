#include "quant/quantize_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "graph/graph.h"
#include "kernels/requantize.h"
#include "ops/op_args.h"
#include "passes/passes.h"

namespace kite {
namespace {

const Value& value(const Graph& g, int v) { return g.values[static_cast<size_t>(v)]; }

// Tensors that must share one scale and zero point (MaxPool's input and output, a Concat's
// inputs and output, ...), as a union-find over value indices.
struct Groups {
  std::vector<int> parent;
  explicit Groups(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int v) { return parent[static_cast<size_t>(v)] == v ? v : parent[static_cast<size_t>(v)] = find(parent[static_cast<size_t>(v)]); }
  void join(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
};

struct Plan {
  std::vector<bool> quantized;  // per value: gets QuantizeLinear -> DequantizeLinear
  std::vector<int> convs;       // nodes whose weights become int8: convolutions and Gemms
};

bool is_activation_tensor(const Graph& g, int v) {
  return v >= 0 && !value(g, v).constant && value(g, v).dtype == DType::f32 && value(g, v).shape_known;
}

// The tensor that holds an operator's quantized result: its output, or that of the ReLU / Clip
// that alone reads it.
int quantized_output(const Graph& g, const std::vector<int>& readers_count, const std::vector<std::vector<int>>& readers,
                     const Node& n) {
  int out = n.outputs[0];
  if (readers_count[static_cast<size_t>(out)] != 1 || readers[static_cast<size_t>(out)].empty()) return out;
  const Node& next = g.nodes[static_cast<size_t>(readers[static_cast<size_t>(out)][0])];
  if (next.op == "Relu" || (next.op == "Clip" && clip_bounds(next, g.input_values(next)))) return next.outputs[0];
  return out;
}

bool quantizable_conv(const Graph& g, const Node& n) {
  if (n.op != "Conv" || n.inputs.size() < 2 || !is_activation_tensor(g, n.inputs[0])) return false;
  if (value(g, n.inputs[0]).shape.size() != 4 || !value(g, n.inputs[1]).constant) return false;
  return n.inputs.size() < 3 || n.inputs[2] < 0 || value(g, n.inputs[2]).constant;
}

// A fully connected layer A x B^T + C (ONNX's export of a Linear) on an activation, B and C
// constant: its weights become int8, one scale per output (B's rows), and its result stays float
// (the int8 kernel scales its int32 sums to float: FusedQLinearGemm).
bool quantizable_gemm(const Graph& g, const Node& n) {
  if (n.op != "Gemm" || n.inputs.size() < 2 || !is_activation_tensor(g, n.inputs[0])) return false;
  if (value(g, n.inputs[0]).shape.size() != 2 || !value(g, n.inputs[1]).constant || !gemm_is_linear(n)) return false;
  const Tensor& b = *value(g, n.inputs[1]).constant;
  if (b.rank() != 2 || b.dtype() != DType::f32) return false;
  if (n.inputs.size() < 3 || n.inputs[2] < 0) return true;
  const Value& c = value(g, n.inputs[2]);
  return c.constant && c.dtype == DType::f32 && c.constant->numel() == b.dim(0) && !c.shape.empty() &&
         c.shape.back() == b.dim(0);
}

Plan plan_quantization(const Graph& g, const std::set<std::string>& exclude, Groups& groups) {
  Plan p;
  p.quantized.assign(g.values.size(), false);
  std::vector<int> uses = use_counts(g);
  std::vector<std::vector<int>> readers(g.values.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int v : g.nodes[i].inputs)
      if (v >= 0) readers[static_cast<size_t>(v)].push_back(static_cast<int>(i));
  std::vector<bool> is_output(g.values.size(), false);
  for (int v : g.outputs) is_output[static_cast<size_t>(v)] = true;
  auto mark = [&](int v) {
    if (is_activation_tensor(g, v) && !is_output[static_cast<size_t>(v)]) p.quantized[static_cast<size_t>(v)] = true;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (exclude.count(n.name)) continue;
    if (quantizable_conv(g, n)) {
      mark(n.inputs[0]);
      mark(quantized_output(g, uses, readers, n));
      p.convs.push_back(static_cast<int>(i));
    } else if (quantizable_gemm(g, n)) {
      mark(n.inputs[0]);
      p.convs.push_back(static_cast<int>(i));
    } else if (n.op == "Add" && n.inputs.size() == 2 && is_activation_tensor(g, n.inputs[0]) &&
               is_activation_tensor(g, n.inputs[1]) && value(g, n.inputs[0]).shape == value(g, n.inputs[1]).shape) {
      mark(n.inputs[0]);
      mark(n.inputs[1]);
      mark(quantized_output(g, uses, readers, n));
    } else if (n.op == "GlobalAveragePool" && is_activation_tensor(g, n.inputs[0]) &&
               value(g, n.inputs[0]).shape.size() == 4) {
      mark(n.inputs[0]);
      mark(n.outputs[0]);
    } else if ((n.op == "MaxPool" && n.outputs.size() == 1) || n.op == "Concat") {
      size_t data = n.op == "Concat" ? n.inputs.size() : 1;
      bool all = true;
      for (size_t k = 0; k < data; ++k) all = all && is_activation_tensor(g, n.inputs[k]);
      if (!all || is_output[static_cast<size_t>(n.outputs[0])]) continue;
      for (size_t k = 0; k < data; ++k) {
        mark(n.inputs[k]);
        groups.join(n.inputs[k], n.outputs[0]);
      }
      mark(n.outputs[0]);
    } else if ((n.op == "Reshape" || n.op == "Flatten") && p.quantized[static_cast<size_t>(n.inputs[0])]) {
      mark(n.outputs[0]);
      if (p.quantized[static_cast<size_t>(n.outputs[0])]) groups.join(n.inputs[0], n.outputs[0]);
    }
  }
  return p;
}

struct ActivationParams {
  float scale = 1.f;
  uint8_t zero_point = 0;
};

// uint8 parameters that represent [lo, hi] (widened to hold 0, which must be exact: padding).
ActivationParams params_for(Range r) {
  float lo = std::min(r.lo, 0.f), hi = std::max(r.hi, 0.f);
  if (!(hi - lo > 1e-8f)) hi = lo + 1e-8f;
  ActivationParams p;
  p.scale = std::min((hi - lo) / 255.f, std::numeric_limits<float>::max() / 256.f);
  p.zero_point = static_cast<uint8_t>(std::min(std::max(std::nearbyint(-lo / p.scale), 0.f), 255.f));
  return p;
}

// Runs the calibration samples through a traced session and returns each quantized group's range.
std::map<int, Range> calibrate(const Model& model, const Plan& plan, Groups& groups,
                               const std::vector<NamedTensors>& samples, const QuantizeOptions& o) {
  const Graph& g = model.graph();
  std::map<std::string, int> wanted;
  for (size_t v = 0; v < g.values.size(); ++v)
    if (plan.quantized[v]) wanted[g.values[v].name] = static_cast<int>(v);
  SessionOptions so;
  so.trace = true;
  so.threads = o.threads;
  Session session(model, so);
  std::map<int, TensorStatistics> stats;
  bool histograms = o.method != CalibrationMethod::kMinMax;
  int64_t total = static_cast<int64_t>(samples.size()) * (histograms ? 2 : 1), done = 0;
  for (int pass = 0; pass < (histograms ? 2 : 1); ++pass)
    for (const NamedTensors& sample : samples) {
      session.run(sample);
      for (const auto& [name, t] : session.traced_values()) {
        auto it = wanted.find(name);
        if (it == wanted.end() || t.dtype() != DType::f32) continue;
        TensorStatistics& s = stats[it->second];
        if (pass == 0) s.observe_extremes(t.data<float>(), t.numel());
        else s.observe_histogram(t.data<float>(), t.numel());
      }
      if (o.progress) o.progress(++done, total);
    }
  std::map<int, Range> ranges;
  for (const auto& [v, s] : stats) {
    Range r = s.range(o.method, o.percentile);
    int root = groups.find(v);
    auto it = ranges.find(root);
    if (it == ranges.end()) ranges[root] = r;
    else it->second = {std::min(it->second.lo, r.lo), std::max(it->second.hi, r.hi)};
  }
  return ranges;
}

// QuantizeLinear and DequantizeLinear with per-axis parameters need opset 13; nodes of a graph
// share one opset (ONNX files import one), so the new ones take the model's where it is later.
int qdq_opset(const Graph& g) {
  int opset = 13;
  for (const Node& n : g.nodes) opset = std::max(opset, n.opset);
  return opset;
}

Node make_node(const std::string& name, const char* op, std::vector<int> inputs, int output, int opset) {
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  n.opset = opset;
  return n;
}

// Per-output-channel symmetric int8 weights and their scales, in [-limit, limit].
void quantize_weights(const Tensor& w, int32_t limit, Tensor& q, std::vector<float>& scales) {
  int64_t channels = w.dim(0), per = channels ? w.numel() / channels : 0;
  q = Tensor(DType::s8, w.shape());
  scales.assign(static_cast<size_t>(channels), 1.f);
  for (int64_t m = 0; m < channels; ++m) {
    const float* wm = w.data<float>() + m * per;
    float peak = 0.f;
    for (int64_t i = 0; i < per; ++i) peak = std::max(peak, std::fabs(wm[i]));
    // A scale must be positive and finite (the loader refuses others): a subnormal peak would
    // underflow to 0.
    float s = peak > 0.f ? std::max(peak / static_cast<float>(limit), std::numeric_limits<float>::min()) : 1.f;
    scales[static_cast<size_t>(m)] = s;
    for (int64_t i = 0; i < per; ++i)
      q.data<int8_t>()[m * per + i] = static_cast<int8_t>(quantize_value(wm[i], s, 0, -limit, limit));
  }
}

// The int32 bias is b / (x_scale * w_scale[m]); where that exceeds 2^30 (a tiny weight scale after
// folding a near-zero BatchNormalization gamma, say), the channel's weight scale is raised until
// it fits, and its weights quantized again with it: the int32 sums then stay exact.
void widen_scales_for_bias(const Tensor& w, const Tensor& b, float x_scale, int32_t limit, Tensor& q,
                           std::vector<float>& scales) {
  int64_t channels = w.dim(0), per = channels ? w.numel() / channels : 0;
  constexpr double kBiasLimit = 1073741824.0;  // 2^30
  for (int64_t m = 0; m < channels; ++m) {
    double needed = std::fabs(static_cast<double>(b.data<float>()[m])) / (static_cast<double>(x_scale) * kBiasLimit);
    float& s = scales[static_cast<size_t>(m)];
    if (!(static_cast<double>(s) < needed)) continue;
    s = static_cast<float>(needed * 1.0001);
    const float* wm = w.data<float>() + m * per;
    for (int64_t i = 0; i < per; ++i)
      q.data<int8_t>()[m * per + i] = static_cast<int8_t>(quantize_value(wm[i], s, 0, -limit, limit));
  }
}

}  // namespace

std::vector<std::string> quantizable_nodes(const Model& fp32) {
  Graph g = fp32.graph();
  fold_batch_norms(g);
  std::vector<std::string> names;
  for (const Node& n : g.nodes)
    if (quantizable_conv(g, n) || quantizable_gemm(g, n)) names.push_back(n.name);
  return names;
}

Model quantize_model(const Model& fp32, const std::vector<NamedTensors>& samples, const QuantizeOptions& o) {
  KITE_CHECK(!samples.empty(), "quantization needs at least one calibration sample");
  KITE_CHECK(o.percentile >= 50.0 && o.percentile <= 100.0, "the percentile must be in [50, 100], got ", o.percentile);
  KITE_CHECK(o.weight_bits == 7 || o.weight_bits == 8, "weights are quantized to 7 or 8 bits, not ", o.weight_bits);
  Graph folded = fp32.graph();
  fold_batch_norms(folded);
  Model model = Model::from_graph(folded);
  const Graph& g = model.graph();
  std::set<std::string> exclude(o.exclude.begin(), o.exclude.end());
  for (const std::string& name : exclude) {
    bool found = std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.name == name; });
    KITE_CHECK(found, "--exclude: the model has no node named '", name,
               "' (BatchNormalization nodes are folded into their convolution: name the convolution)");
  }
  Groups groups(g.values.size());
  Plan plan = plan_quantization(g, exclude, groups);
  KITE_CHECK(!plan.convs.empty(), "the model has no convolution or fully connected layer kite can quantize");
  std::map<int, Range> ranges = calibrate(model, plan, groups, samples, o);

  Graph q = g;
  const int opset = qdq_opset(g);
  std::map<int, ActivationParams> params;  // per quantized value
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (!plan.quantized[v]) continue;
    auto it = ranges.find(groups.find(static_cast<int>(v)));
    if (it == ranges.end()) continue;  // never computed by the samples (a branch not taken)
    ActivationParams a = params_for(it->second);
    params[static_cast<int>(v)] = a;
    const std::string& name = g.values[v].name;
    int scale = q.add_constant(name + "/scale", Tensor::from_floats({}, {a.scale}));
    Tensor zp_tensor(DType::u8, {});
    zp_tensor.data<uint8_t>()[0] = a.zero_point;
    int zp = q.add_constant(name + "/zero_point", zp_tensor);
    Value qv;
    qv.name = name + "/quantized";
    qv.dtype = DType::u8;
    int quantized = q.add_value(qv);
    Value dv;
    dv.name = name + "/dequantized";
    int deq = q.add_value(dv);
    // Readers of v read the dequantized value from now on.
    for (Node& n : q.nodes)
      for (int& in : n.inputs)
        if (in == static_cast<int>(v)) in = deq;
    q.nodes.push_back(make_node(name + "/QuantizeLinear", "QuantizeLinear", {static_cast<int>(v), scale, zp}, quantized, opset));
    q.nodes.push_back(make_node(name + "/DequantizeLinear", "DequantizeLinear", {quantized, scale, zp}, deq, opset));
  }
  std::vector<Node> weight_nodes;  // appended after the loop, which holds references into q.nodes
  for (int c : plan.convs) {
    Node& conv = q.nodes[static_cast<size_t>(c)];
    int x = g.nodes[static_cast<size_t>(c)].inputs[0];
    if (!params.count(x)) continue;
    const Tensor& w = *value(g, conv.inputs[1]).constant;
    int bias = conv.inputs.size() > 2 ? conv.inputs[2] : -1;
    Tensor wq;
    std::vector<float> w_scales;
    int32_t limit = o.weight_bits == 7 ? 63 : 127;
    quantize_weights(w, limit, wq, w_scales);
    int64_t channels = w.dim(0);
    if (bias >= 0) widen_scales_for_bias(w, *value(g, bias).constant, params[x].scale, limit, wq, w_scales);
    int wq_v = q.add_constant(conv.name + "/weight_quantized", wq);
    int ws_v = q.add_constant(conv.name + "/weight_scale", Tensor::from_floats({channels}, w_scales));
    int wz_v = q.add_constant(conv.name + "/weight_zero_point", Tensor(DType::s8, {channels}));
    Value wd;
    wd.name = conv.name + "/weight_dequantized";
    int wd_v = q.add_value(wd);
    Node dw = make_node(conv.name + "/weight/DequantizeLinear", "DequantizeLinear", {wq_v, ws_v, wz_v}, wd_v, opset);
    dw.attrs.set_int("axis", 0);
    conv.inputs[1] = wd_v;
    if (bias >= 0) {
      const Tensor& b = *value(g, bias).constant;
      float xs = params[x].scale;
      std::vector<float> b_scales(static_cast<size_t>(channels));
      Tensor bq(DType::s32, {channels});
      for (int64_t m = 0; m < channels; ++m) {
        float s = xs * w_scales[static_cast<size_t>(m)];
        b_scales[static_cast<size_t>(m)] = s;
        double r = std::nearbyint(static_cast<double>(b.data<float>()[m]) / s);
        bq.data<int32_t>()[m] = static_cast<int32_t>(std::min(std::max(r, -2147483647.0), 2147483647.0));
      }
      int bq_v = q.add_constant(conv.name + "/bias_quantized", bq);
      int bs_v = q.add_constant(conv.name + "/bias_scale", Tensor::from_floats({channels}, b_scales));
      int bz_v = q.add_constant(conv.name + "/bias_zero_point", Tensor(DType::s32, {channels}));
      Value bd;
      bd.name = conv.name + "/bias_dequantized";
      int bd_v = q.add_value(bd);
      Node db = make_node(conv.name + "/bias/DequantizeLinear", "DequantizeLinear", {bq_v, bs_v, bz_v}, bd_v, opset);
      db.attrs.set_int("axis", 0);
      weight_nodes.push_back(db);
      conv.inputs[2] = bd_v;
    }
    weight_nodes.push_back(dw);
  }
  q.nodes.insert(q.nodes.end(), weight_nodes.begin(), weight_nodes.end());
  sort_topologically(q);
  prune_unused(q);
  return Model::from_graph(q);
}

}  // namespace kite
