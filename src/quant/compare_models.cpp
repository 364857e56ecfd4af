#include "quant/compare_models.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "graph/graph.h"
#include "kernels/requantize.h"
#include "ops/quant_args.h"

namespace kite {
namespace {

NamedTensors traced_run(const Model& m, const NamedTensors& inputs, int threads) {
  SessionOptions o;
  o.trace = true;
  o.threads = threads;
  Session s(m, o);
  s.run(inputs);
  return s.traced_values();
}

// A quantized tensor's float meaning: where a QuantizeLinear of `other` made it from a float
// tensor, that tensor's name and the scale and zero point.
struct QuantizedOf {
  std::string float_name;
  QuantParams params;
};

std::map<std::string, QuantizedOf> quantized_tensors(const Graph& g) {
  std::map<std::string, QuantizedOf> out;
  for (const Node& n : g.nodes) {
    if (n.op != "QuantizeLinear" || n.inputs.size() < 2) continue;
    const Value& scale = g.values[static_cast<size_t>(n.inputs[1])];
    const Value* zp = n.inputs.size() > 2 && n.inputs[2] >= 0 ? &g.values[static_cast<size_t>(n.inputs[2])] : nullptr;
    if (!scale.constant || scale.constant->numel() != 1 || (zp && !zp->constant)) continue;
    out[g.values[static_cast<size_t>(n.outputs[0])].name] = {
        g.values[static_cast<size_t>(n.inputs[0])].name,
        read_quant_params(*scale.constant, zp ? &*zp->constant : nullptr, DType::u8)};
  }
  return out;
}

std::vector<float> as_floats(const Tensor& t, const QuantParams* q) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (!q) out[static_cast<size_t>(i)] = t.data<float>()[i];
    else if (t.dtype() == DType::u8) out[static_cast<size_t>(i)] = dequantize_value(t.data<uint8_t>()[i], q->scale[0], q->zero_point[0]);
    else out[static_cast<size_t>(i)] = dequantize_value(t.data<int8_t>()[i], q->scale[0], q->zero_point[0]);
  }
  return out;
}

TensorError measure(const std::string& name, const Tensor& a, const std::vector<float>& b) {
  TensorError e;
  e.name = name;
  e.shape = a.shape();
  double ab = 0, aa = 0, bb = 0, noise = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.data<float>()[i], y = b[static_cast<size_t>(i)];
    ab += x * y;
    aa += x * x;
    bb += y * y;
    noise += (x - y) * (x - y);
    e.max_abs = std::max(e.max_abs, std::fabs(x - y));
  }
  e.cosine = aa == 0 && bb == 0 ? 1.0 : ab / std::sqrt(aa * bb);
  e.sqnr_db = noise == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(aa / noise);
  // A NaN or infinity in either tensor, or one all zeros: as bad as it gets (and a sortable key).
  if (std::isnan(e.sqnr_db)) e.sqnr_db = -std::numeric_limits<double>::infinity();
  if (std::isnan(e.cosine)) e.cosine = 0.0;
  return e;
}

}  // namespace

std::vector<TensorError> compare_models(const Model& reference, const Model& other, const NamedTensors& inputs,
                                        int threads) {
  NamedTensors a = traced_run(reference, inputs, threads);
  NamedTensors b = traced_run(other, inputs, threads);
  std::map<std::string, const Tensor*> b_by_name;
  for (const auto& [name, t] : b) b_by_name[name] = &t;
  // Float tensors of `other` that were quantized: matched through their quantized form, which
  // is what the int8 kernels compute (the float one may not exist once they are fused).
  std::map<std::string, std::pair<const Tensor*, QuantParams>> through_quantized;
  for (const auto& [qname, q] : quantized_tensors(other.graph())) {
    auto it = b_by_name.find(qname);
    if (it != b_by_name.end()) through_quantized[q.float_name] = {it->second, q.params};
  }
  std::map<std::string, std::string> producer;
  for (const Node& n : reference.graph().nodes)
    for (int v : n.outputs) producer[reference.graph().values[static_cast<size_t>(v)].name] = n.name;
  std::vector<TensorError> errors;
  for (const auto& [name, t] : a) {
    if (t.dtype() != DType::f32 || producer.find(name) == producer.end()) continue;  // inputs are equal
    std::vector<float> b_values;
    auto q = through_quantized.find(name);
    auto same = b_by_name.find(name);
    if (q != through_quantized.end() && q->second.first->shape() == t.shape()) {
      b_values = as_floats(*q->second.first, &q->second.second);
    } else if (same != b_by_name.end() && same->second->dtype() == DType::f32 && same->second->shape() == t.shape()) {
      b_values = as_floats(*same->second, nullptr);
    } else {
      continue;
    }
    TensorError e = measure(name, t, b_values);
    e.producer = producer[name];
    errors.push_back(e);
  }
  KITE_CHECK(!errors.empty(), "the two models share no tensor name: are they the same network?");
  std::stable_sort(errors.begin(), errors.end(), [](const TensorError& x, const TensorError& y) { return x.sqnr_db < y.sqnr_db; });
  return errors;
}

}  // namespace kite
