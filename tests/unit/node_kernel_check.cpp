#include "node_kernel_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "graph_fixtures.h"
#include "kernels/cpu_features.h"
#include "op_test_util.h"

namespace kite::test {

Model one_node_model(const OneNode& spec) {
  Graph g;
  int x = add_input(g, "x", spec.input);
  std::vector<int> inputs{x};
  for (size_t i = 0; i < spec.constants.size(); ++i)
    inputs.push_back(spec.constants[i].empty() ? -1 : g.add_constant("c" + std::to_string(i), spec.constants[i]));
  if (spec.residual) {
    // The residual's shape is the output's: infer it with a plain Conv first.
    Graph probe = g;
    Node conv;
    conv.op = "Conv";
    conv.name = "probe";
    conv.inputs = std::vector<int>(inputs.begin(), inputs.begin() + 3);
    conv.attrs = spec.attrs;
    conv.attrs.erase("activation_min");
    conv.attrs.erase("activation_max");
    Value out;
    out.name = "probe_out";
    conv.outputs = {probe.add_value(out)};
    probe.nodes.push_back(conv);
    probe.outputs = conv.outputs;
    Model m = Model::from_graph(probe);
    inputs.push_back(add_input(g, "residual", m.outputs()[0].shape));
  }
  if (spec.outputs == 1) {
    g.outputs.push_back(add_node(g, spec.op, "node", inputs, spec.attrs));
    return Model::from_graph(std::move(g));
  }
  Node node;
  node.op = spec.op;
  node.name = "node";
  node.inputs = inputs;
  node.attrs = spec.attrs;
  for (int i = 0; i < spec.outputs; ++i) {
    Value out;
    out.name = "node:" + std::to_string(i);
    node.outputs.push_back(g.add_value(out));
  }
  g.outputs = node.outputs;
  g.nodes.push_back(node);
  return Model::from_graph(std::move(g));
}

namespace {

std::vector<Tensor> run(const Model& m, bool optimize, int threads) {
  SessionOptions o;
  o.optimize = optimize;
  o.threads = threads;
  Session s(m, o);
  NamedTensors inputs;
  for (const TensorInfo& in : m.inputs()) inputs.emplace_back(in.name, random_tensor(in.shape, 7));
  std::vector<Tensor> outputs;
  for (auto& [name, t] : s.run(inputs)) outputs.push_back(t);
  return outputs;
}

// The name that ends the planned kernel's name (e.g. "conv_1x1_gemm/f32_gemm_6x16_neon") where
// this CPU has SIMD microkernels; null where only the portable ones exist.
const char* simd_kernel_suffix() {
  if (cpu_has_avx2_fma()) return "_fma3";
  if (cpu_has_neon()) return "_neon";
  return nullptr;
}

// A node kernel built on a microkernel (gemm, depthwise) names it after a '/'.
void expect_microkernel_for_this_cpu(const Model& m, bool generic, const std::string& what) {
  std::string kernel = Session(m).plan()[0].kernel;
  size_t slash = kernel.find('/');
  if (slash == std::string::npos) return;
  std::string microkernel = kernel.substr(slash + 1);
  const char* suffix = generic ? "_generic" : simd_kernel_suffix();
  if (!suffix) return;
  EXPECT_TRUE(microkernel.size() >= std::strlen(suffix) &&
              microkernel.compare(microkernel.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      << what << ": planned " << kernel << (generic ? " with the portable kernels forced" : "");
}

}  // namespace

// f32 sums of up to K products: |fast - reference| <= 1e-5 * (1 + max|reference|) covers the
// reassociation of the GEMM and FMA's single rounding for the K (<= 600) used here.
void expect_matches_reference(const OneNode& spec, const std::string& what) {
  Model m = one_node_model(spec);
  std::vector<Session::PlannedNode> plan = Session(m).plan();
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].kernel, "reference") << what << ": no optimized kernel was chosen";
  std::vector<Tensor> want = run(m, false, 1);
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    expect_microkernel_for_this_cpu(m, generic, what);
    std::vector<Tensor> one = run(m, true, 1);
    ASSERT_EQ(one.size(), want.size());
    for (size_t o = 0; o < want.size(); ++o) {
      ASSERT_EQ(one[o].shape(), want[o].shape()) << what;
      ASSERT_EQ(one[o].dtype(), want[o].dtype()) << what;
      if (want[o].dtype() == DType::f32) {
        float max_ref = 0, max_diff = 0;
        for (int64_t i = 0; i < want[o].numel(); ++i) {
          max_ref = std::max(max_ref, std::fabs(want[o].data<float>()[i]));
          max_diff = std::max(max_diff, std::fabs(one[o].data<float>()[i] - want[o].data<float>()[i]));
        }
        EXPECT_LE(max_diff, spec.tolerance * (1 + max_ref)) << what << (generic ? " (generic)" : "");
      } else {
        EXPECT_EQ(std::memcmp(one[o].raw(), want[o].raw(), want[o].nbytes()), 0) << what;
      }
    }
    for (int threads : {2, 4}) {
      std::vector<Tensor> many = run(m, true, threads);
      for (size_t o = 0; o < one.size(); ++o)
        EXPECT_EQ(std::memcmp(one[o].raw(), many[o].raw(), one[o].nbytes()), 0)
            << what << ": " << threads << " threads differ";
    }
  }
  force_generic_kernels(false);
}

Attributes conv_attrs(int64_t k, int64_t stride, std::vector<int64_t> pads, int64_t group, int64_t dilation) {
  Attributes a;
  a.set_ints("kernel_shape", {k, k});
  a.set_ints("strides", {stride, stride});
  a.set_ints("pads", pads);
  a.set_int("group", group);
  a.set_ints("dilations", {dilation, dilation});
  return a;
}

}  // namespace kite::test
