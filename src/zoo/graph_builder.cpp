#include "kite/builder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "graph/graph.h"
#include "ops/op.h"
#include "zoo/seeded_random.h"

namespace kite {

ConvSpec ConvSpec::square(int64_t out_channels, int64_t k, int64_t stride, int64_t groups) {
  ConvSpec s;
  s.out_channels = out_channels;
  s.kernel_h = s.kernel_w = k;
  s.stride = stride;
  s.pad_h = s.pad_w = k / 2;
  s.groups = groups;
  return s;
}

ConvSpec ConvSpec::rect(int64_t out_channels, int64_t kh, int64_t kw) {
  ConvSpec s;
  s.out_channels = out_channels;
  s.kernel_h = kh;
  s.kernel_w = kw;
  s.pad_h = kh / 2;
  s.pad_w = kw / 2;
  return s;
}

struct GraphBuilder::Impl {
  Graph graph;
  SeededRandom rng;              // weights only: the same for any batch, resolution or calibration
  SeededRandom calibration_rng;  // the calibration input
  bool calibrate;
  std::vector<Tensor> activations;  // per value, while calibrating: what the fixed input produces
  std::vector<std::string> scopes;
  std::map<std::string, int> names_used;

  Impl(uint64_t seed, Calibration c)
      : rng(seed), calibration_rng(seed ^ 0xC0FFEEull), calibrate(c == Calibration::kOn) {}

  std::string unique_name(const std::string& layer) {
    std::string base;
    for (const std::string& s : scopes) base += s + "/";
    base += layer;
    int n = names_used[base]++;
    return n == 0 ? base : base + "_" + std::to_string(n);
  }

  int constant(const std::string& name, Tensor t) {
    if (calibrate) activations.resize(graph.values.size() + 1);
    int id = graph.add_constant(name, t);
    if (calibrate) activations[static_cast<size_t>(id)] = t;
    return id;
  }

  int constant_ints(const std::string& name, const std::vector<int64_t>& v) {
    return constant(name, Tensor::from_int64s({static_cast<int64_t>(v.size())}, v));
  }

  // Adds a node, infers its output shapes and, while calibrating, computes its outputs.
  // `name` is the node's full, unique name (see unique_name).
  std::vector<int> node(const std::string& op, const std::string& name, std::vector<int> inputs,
                        Attributes attrs = {}, size_t num_outputs = 1) {
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    for (size_t i = 0; i < num_outputs; ++i) {
      Value v;
      v.name = num_outputs == 1 ? n.name : n.name + ":" + std::to_string(i);
      n.outputs.push_back(graph.add_value(v));
    }
    const OpDef* def = find_op(op);
    std::vector<const Value*> in_values;
    for (int v : n.inputs) in_values.push_back(&graph.values[static_cast<size_t>(v)]);
    std::vector<ValueType> types;
    try {
      types = def->infer(n, in_values);
    } catch (const Error& e) {
      fail(Graph::describe(n), ": ", e.what());
    }
    KITE_CHECK(types.size() == num_outputs, Graph::describe(n), ": unexpected output count");
    for (size_t i = 0; i < num_outputs; ++i) {
      Value& v = graph.values[static_cast<size_t>(n.outputs[i])];
      v.dtype = types[i].dtype;
      v.shape = types[i].shape;
      v.shape_known = true;
    }
    if (calibrate) run(n, *def, types);
    graph.nodes.push_back(n);
    return n.outputs;
  }

  void run(const Node& n, const OpDef& def, const std::vector<ValueType>& types) {
    activations.resize(graph.values.size());
    std::vector<const Tensor*> in;
    for (int v : n.inputs) in.push_back(&activations[static_cast<size_t>(v)]);
    std::vector<Tensor> out;
    for (const ValueType& t : types) out.emplace_back(t.dtype, t.shape);
    def.reference(n, in, out);
    for (size_t i = 0; i < out.size(); ++i) activations[static_cast<size_t>(n.outputs[i])] = std::move(out[i]);
  }

  int one(const std::string& op, const std::string& layer, std::vector<int> inputs, Attributes attrs = {}) {
    return node(op, unique_name(layer), std::move(inputs), std::move(attrs))[0];
  }

  Tensor normal_tensor(Shape shape, double stddev) {
    Tensor t(DType::f32, std::move(shape));
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.normal() * stddev);
    return t;
  }

  Tensor uniform_tensor(Shape shape, double lo, double hi) {
    Tensor t(DType::f32, std::move(shape));
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.uniform(lo, hi));
    return t;
  }

  // Per-channel mean and variance of an NCHW activation. Where a map is too small for statistics
  // that carry over to other inputs (14x14 and smaller), all channels share pooled ones: fitting
  // each deep BatchNormalization to the 49 values of one image makes a 150-layer network blow up
  // on any other image. The rule looks at the map, not the batch, so the weights a spec gives do
  // not depend on its batch size.
  void channel_moments(const Tensor& t, std::vector<float>& mean, std::vector<float>& var) const {
    const int64_t kMinMapSize = 256;
    int64_t n = t.dim(0), c = t.dim(1), hw = t.numel() / (n * c);
    const float* p = t.data<float>();
    std::vector<double> sum(static_cast<size_t>(c), 0.0), sq(static_cast<size_t>(c), 0.0);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < hw; ++i) {
          double x = p[(b * c + ch) * hw + i];
          sum[static_cast<size_t>(ch)] += x;
          sq[static_cast<size_t>(ch)] += x * x;
        }
    if (hw < kMinMapSize) {
      double all_sum = 0, all_sq = 0;
      for (int64_t ch = 0; ch < c; ++ch) {
        all_sum += sum[static_cast<size_t>(ch)];
        all_sq += sq[static_cast<size_t>(ch)];
      }
      std::fill(sum.begin(), sum.end(), all_sum / static_cast<double>(c));
      std::fill(sq.begin(), sq.end(), all_sq / static_cast<double>(c));
    }
    mean.assign(static_cast<size_t>(c), 0.f);
    var.assign(static_cast<size_t>(c), 1.f);
    double count = static_cast<double>(n * hw);
    for (size_t ch = 0; ch < static_cast<size_t>(c); ++ch) {
      double m = sum[ch] / count, v = sq[ch] / count - m * m;
      mean[ch] = static_cast<float>(m);
      // A channel that is constant on the calibration input (dead after ReLU) keeps variance 1.
      var[ch] = v > 1e-6 ? static_cast<float>(v) : 1.f;
    }
  }
};

GraphBuilder::GraphBuilder(uint64_t seed, Calibration calibration)
    : impl_(std::make_unique<Impl>(seed, calibration)) {}
GraphBuilder::~GraphBuilder() = default;

GraphBuilder::Scope::Scope(GraphBuilder& b, const std::string& name) : b_(b) { b_.impl_->scopes.push_back(name); }
GraphBuilder::Scope::~Scope() { b_.impl_->scopes.pop_back(); }

Var GraphBuilder::input(const std::string& name, Shape shape) {
  Value v;
  v.name = name;
  v.shape = shape;
  v.shape_known = true;
  int id = impl_->graph.add_value(v);
  impl_->graph.inputs.push_back(id);
  if (impl_->calibrate) {
    // The fixed calibration input: standard normal, like a normalized image.
    impl_->activations.resize(impl_->graph.values.size());
    Tensor x(DType::f32, shape);
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(impl_->calibration_rng.normal());
    impl_->activations[static_cast<size_t>(id)] = x;
  }
  return {id};
}

void GraphBuilder::output(Var v, const std::string& name) {
  impl_->graph.values[static_cast<size_t>(v.id)].name = name;
  impl_->graph.outputs.push_back(v.id);
}

const Shape& GraphBuilder::shape(Var v) const { return impl_->graph.values[static_cast<size_t>(v.id)].shape; }

Var GraphBuilder::conv(Var x, const ConvSpec& s) {
  int64_t in_channels = channels(x);
  KITE_CHECK(s.groups > 0 && in_channels % s.groups == 0 && s.out_channels % s.groups == 0, "conv: ", in_channels,
             " -> ", s.out_channels, " channels cannot be split into ", s.groups, " groups");
  std::string name = impl_->unique_name("conv");
  int64_t fan_in = in_channels / s.groups * s.kernel_h * s.kernel_w;
  // He initialization: keeps the variance of a ReLU network's activations from layer to layer.
  std::vector<int> inputs{x.id, impl_->constant(name + ".weight",
                                                impl_->normal_tensor({s.out_channels, in_channels / s.groups, s.kernel_h, s.kernel_w},
                                                                     std::sqrt(2.0 / static_cast<double>(fan_in))))};
  if (s.bias) inputs.push_back(impl_->constant(name + ".bias", impl_->uniform_tensor({s.out_channels}, -0.1, 0.1)));
  Attributes a;
  a.set_ints("kernel_shape", {s.kernel_h, s.kernel_w});
  a.set_ints("strides", {s.stride, s.stride});
  a.set_ints("pads", {s.pad_h, s.pad_w, s.pad_h, s.pad_w});
  a.set_int("group", s.groups);
  return {impl_->node("Conv", name, inputs, a)[0]};
}

Var GraphBuilder::batch_norm(Var x) {
  int64_t c = channels(x);
  std::string name = impl_->unique_name("bn");
  std::vector<float> mean(static_cast<size_t>(c), 0.f), var(static_cast<size_t>(c), 1.f);
  if (impl_->calibrate) impl_->channel_moments(impl_->activations[static_cast<size_t>(x.id)], mean, var);
  Tensor gamma = impl_->uniform_tensor({c}, 0.75, 1.25);
  Tensor beta = impl_->uniform_tensor({c}, -0.1, 0.1);
  std::vector<int> inputs{x.id, impl_->constant(name + ".weight", gamma), impl_->constant(name + ".bias", beta),
                          impl_->constant(name + ".running_mean", Tensor::from_floats({c}, mean)),
                          impl_->constant(name + ".running_var", Tensor::from_floats({c}, var))};
  return {impl_->node("BatchNormalization", name, inputs)[0]};
}

Var GraphBuilder::linear(Var x, int64_t out_features) {
  int64_t in_features = shape(x).back();
  std::string name = impl_->unique_name("fc");
  std::vector<int> inputs{
      x.id,
      impl_->constant(name + ".weight", impl_->normal_tensor({out_features, in_features}, 1.0 / std::sqrt(static_cast<double>(in_features)))),
      impl_->constant(name + ".bias", impl_->uniform_tensor({out_features}, -0.1, 0.1))};
  Attributes a;
  a.set_int("transB", 1);
  return {impl_->node("Gemm", name, inputs, a)[0]};
}

Var GraphBuilder::relu(Var x) { return {impl_->one("Relu", "relu", {x.id})}; }

Var GraphBuilder::relu6(Var x) {
  int lo = impl_->constant(impl_->unique_name("relu6.min"), Tensor::from_floats({}, {0.f}));
  int hi = impl_->constant(impl_->unique_name("relu6.max"), Tensor::from_floats({}, {6.f}));
  return {impl_->one("Clip", "relu6", {x.id, lo, hi})};
}

Var GraphBuilder::sigmoid(Var x) { return {impl_->one("Sigmoid", "sigmoid", {x.id})}; }
Var GraphBuilder::hard_swish(Var x) { return {impl_->one("HardSwish", "hard_swish", {x.id})}; }

Var GraphBuilder::max_pool(Var x, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  Attributes a;
  a.set_ints("kernel_shape", {kernel, kernel});
  a.set_ints("strides", {stride, stride});
  a.set_ints("pads", {pad, pad, pad, pad});
  a.set_int("ceil_mode", ceil_mode ? 1 : 0);
  return {impl_->one("MaxPool", "max_pool", {x.id}, a)};
}

Var GraphBuilder::avg_pool(Var x, int64_t kernel, int64_t stride, int64_t pad, bool count_include_pad) {
  Attributes a;
  a.set_ints("kernel_shape", {kernel, kernel});
  a.set_ints("strides", {stride, stride});
  a.set_ints("pads", {pad, pad, pad, pad});
  a.set_int("count_include_pad", count_include_pad ? 1 : 0);
  return {impl_->one("AveragePool", "avg_pool", {x.id}, a)};
}

Var GraphBuilder::global_avg_pool(Var x) { return {impl_->one("GlobalAveragePool", "global_avg_pool", {x.id})}; }

Var GraphBuilder::lrn(Var x, int64_t size, float alpha, float beta, float bias) {
  Attributes a;
  a.set_int("size", size);
  a.set_float("alpha", alpha);
  a.set_float("beta", beta);
  a.set_float("bias", bias);
  return {impl_->one("LRN", "lrn", {x.id}, a)};
}

Var GraphBuilder::add(Var a, Var b) { return {impl_->one("Add", "add", {a.id, b.id})}; }

Var GraphBuilder::concat(const std::vector<Var>& parts) {
  std::vector<int> ids;
  for (Var v : parts) ids.push_back(v.id);
  Attributes a;
  a.set_int("axis", 1);
  return {impl_->one("Concat", "concat", ids, a)};
}

std::vector<Var> GraphBuilder::split(Var x, const std::vector<int64_t>& channel_sizes) {
  Attributes a;
  a.set_int("axis", 1);
  int sizes = impl_->constant_ints(impl_->unique_name("split.sizes"), channel_sizes);
  std::vector<Var> out;
  for (int id : impl_->node("Split", impl_->unique_name("split"), {x.id, sizes}, a, channel_sizes.size()))
    out.push_back({id});
  return out;
}

Var GraphBuilder::channel_shuffle(Var x, int64_t groups) {
  Shape s = shape(x);
  KITE_CHECK(groups > 0 && s.size() == 4 && s[1] % groups == 0, "channel_shuffle: ", s[1], " channels in ", groups, " groups");
  int grouped = impl_->constant_ints(impl_->unique_name("shuffle.grouped_shape"), {s[0], groups, s[1] / groups, s[2], s[3]});
  int flat = impl_->constant_ints(impl_->unique_name("shuffle.shape"), {s[0], s[1], s[2], s[3]});
  int r = impl_->one("Reshape", "shuffle_reshape", {x.id, grouped});
  Attributes perm;
  perm.set_ints("perm", {0, 2, 1, 3, 4});
  int t = impl_->one("Transpose", "shuffle_transpose", {r}, perm);
  return {impl_->one("Reshape", "shuffle_flatten", {t, flat})};
}

Var GraphBuilder::flatten(Var x) { return {impl_->one("Flatten", "flatten", {x.id})}; }

Var GraphBuilder::subsample(Var x, int64_t stride) {
  const Shape& s = shape(x);
  int starts = impl_->constant_ints(impl_->unique_name("subsample.starts"), {0, 0});
  int ends = impl_->constant_ints(impl_->unique_name("subsample.ends"), {s[2], s[3]});
  int axes = impl_->constant_ints(impl_->unique_name("subsample.axes"), {2, 3});
  int steps = impl_->constant_ints(impl_->unique_name("subsample.steps"), {stride, stride});
  return {impl_->one("Slice", "subsample", {x.id, starts, ends, axes, steps})};
}

Var GraphBuilder::pad_channels(Var x, int64_t extra) {
  int pads = impl_->constant_ints(impl_->unique_name("pad_channels.pads"), {0, 0, 0, 0, 0, extra, 0, 0});
  return {impl_->one("Pad", "pad_channels", {x.id, pads})};
}

Model GraphBuilder::build() { return Model::from_graph(std::move(impl_->graph)); }

}  // namespace kite
