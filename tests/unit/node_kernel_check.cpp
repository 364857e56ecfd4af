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
  g.values[static_cast<size_t>(x)].dtype = spec.input_dtype;
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
  // Each output is copied by an Identity node into a graph output, so that the node's own
  // outputs live in the session's arena (graph outputs never do), where stale data from an
  // earlier run would show if a kernel skipped an element.
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
  g.nodes.push_back(node);
  for (int i = 0; i < spec.outputs; ++i)
    g.outputs.push_back(add_node(g, "Identity", "copy" + std::to_string(i), {node.outputs[static_cast<size_t>(i)]}));
  return Model::from_graph(std::move(g));
}

namespace {

Tensor random_input(const TensorInfo& in, uint32_t seed) {
  if (in.dtype == DType::f32) return random_tensor(in.shape, seed);
  Tensor t(in.dtype, in.shape);
  uint32_t state = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 1664525u + 1013904223u;
    static_cast<uint8_t*>(t.raw_mutable())[i] = static_cast<uint8_t>(state >> 24);
  }
  return t;
}

// The outputs of two runs of one session, on two different inputs.
std::vector<std::vector<Tensor>> run_twice(const Model& m, bool optimize, int threads) {
  SessionOptions o;
  o.optimize = optimize;
  o.threads = threads;
  Session s(m, o);
  std::vector<std::vector<Tensor>> runs;
  for (uint32_t seed : {7u, 8u}) {
    NamedTensors inputs;
    for (const TensorInfo& in : m.inputs()) inputs.emplace_back(in.name, random_input(in, seed));
    runs.emplace_back();
    for (auto& [name, t] : s.run(inputs)) runs.back().push_back(t);
  }
  return runs;
}

// The name that ends the planned kernel's name (e.g. "conv_1x1_gemm/f32_gemm_6x16_neon") where
// this CPU has SIMD microkernels; null where only the portable ones exist.
const char* simd_kernel_suffix() {
  if (cpu_has_avx2_fma()) return "_fma3";
  if (cpu_has_neon()) return "_neon";
  return nullptr;
}

// Which kernels a run may use: the fastest this CPU has; without AMX, where it has AMX (the
// AVX512_VNNI kernels); the same without the optional extensions (AVX-512, AVX-VNNI, ARMv8.2's
// dot product and fp16), where it has one; the portable ones.
enum class Kernels { kFastest, kNoAmx, kBaseline, kGeneric };

std::vector<Kernels> kernel_choices() {
  const bool extensions = cpu_has_avx512() || cpu_has_avx_vnni() || cpu_has_arm_dotprod() || cpu_has_arm_fp16();
  std::vector<Kernels> choices = {Kernels::kFastest};
  if (cpu_has_amx_int8()) choices.push_back(Kernels::kNoAmx);
  if (extensions) choices.push_back(Kernels::kBaseline);
  choices.push_back(Kernels::kGeneric);
  return choices;
}

void use_kernels(Kernels k) {
  force_generic_kernels(k == Kernels::kGeneric);
  hide_cpu_extensions(k == Kernels::kBaseline);
  hide_amx(k == Kernels::kNoAmx);
}

const char* describe(Kernels k) {
  return k == Kernels::kGeneric    ? " (generic)"
         : k == Kernels::kBaseline ? " (no optional extensions)"
         : k == Kernels::kNoAmx    ? " (no AMX)"
                                   : "";
}

// A node kernel built on a microkernel (gemm, depthwise) names it after a '/'.
void expect_microkernel_for_this_cpu(const Model& m, bool generic, const std::string& what) {
  std::string kernel = Session(m).plan()[0].kernel;
  size_t slash = kernel.find('/');
  if (slash == std::string::npos) return;
  std::string microkernel = kernel.substr(slash + 1);
  const char* suffix = generic ? "_generic" : simd_kernel_suffix();
  if (!suffix) return;
  // The int8 kernels need AVX2 but no FMA: named _avx2, or _vnni where AVX-VNNI or AVX512_VNNI is
  // in use, _amx where AMX is; fp32 ones _avx512 where AVX-512 is.
  auto ends_with = [&](const char* end) {
    return microkernel.size() > std::strlen(end) &&
           microkernel.compare(microkernel.size() - std::strlen(end), std::string::npos, end) == 0;
  };
  if (!generic && std::strcmp(suffix, "_fma3") == 0 && (ends_with("_avx2") || ((cpu_has_avx_vnni() || cpu_has_avx512_vnni()) && ends_with("_vnni")) ||
                                                         (cpu_has_avx512() && ends_with("_avx512")) ||
                                                         (cpu_has_amx_int8() && ends_with("_amx"))))
    return;
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
  ASSERT_EQ(plan.size(), 1u + static_cast<size_t>(spec.outputs));  // the node and its copies
  EXPECT_NE(plan[0].kernel, "reference") << what << ": no optimized kernel was chosen";
  std::vector<std::vector<Tensor>> want = run_twice(m, false, 1);
  for (Kernels k : kernel_choices()) {
    use_kernels(k);
    const bool generic = k == Kernels::kGeneric;
    expect_microkernel_for_this_cpu(m, generic, what + describe(k));
    std::vector<std::vector<Tensor>> one = run_twice(m, true, 1);
    for (size_t r = 0; r < want.size(); ++r) {
      ASSERT_EQ(one[r].size(), want[r].size());
      for (size_t o = 0; o < want[r].size(); ++o) {
        const Tensor &got = one[r][o], &ref = want[r][o];
        ASSERT_EQ(got.shape(), ref.shape()) << what;
        ASSERT_EQ(got.dtype(), ref.dtype()) << what;
        if (ref.dtype() != DType::f32) {
          EXPECT_EQ(std::memcmp(got.raw(), ref.raw(), ref.nbytes()), 0) << what << describe(k);
          continue;
        }
        float max_ref = 0, max_diff = 0;
        int64_t nan_mismatches = 0;
        for (int64_t i = 0; i < ref.numel(); ++i) {
          float a = got.data<float>()[i], b = ref.data<float>()[i];
          nan_mismatches += std::isnan(a) != std::isnan(b);
          if (std::isnan(b)) continue;
          max_ref = std::max(max_ref, std::fabs(b));
          max_diff = std::max(max_diff, std::fabs(a - b));
        }
        EXPECT_EQ(nan_mismatches, 0) << what << describe(k);
        EXPECT_LE(max_diff, spec.tolerance * (1 + max_ref)) << what << describe(k) << ", run " << r + 1;
      }
    }
    for (int threads : {2, 4}) {
      std::vector<std::vector<Tensor>> many = run_twice(m, true, threads);
      for (size_t r = 0; r < one.size(); ++r)
        for (size_t o = 0; o < one[r].size(); ++o)
          EXPECT_EQ(std::memcmp(one[r][o].raw(), many[r][o].raw(), one[r][o].nbytes()), 0)
              << what << describe(k) << ": " << threads << " threads differ";
    }
  }
  use_kernels(Kernels::kFastest);
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
