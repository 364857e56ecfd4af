// Depthwise convolution on the shapes of MobileNet layers, single-threaded, all channels of one
// image per iteration, bias and ReLU6 fused; and im2col on the shapes of convolutions that need it
// (a network's first layer, a ResNet 3x3):
//   build/bench/kite_bench_conv --benchmark_counters_tabular=true
// Each layer runs with the AVX2 kernel (where the CPU has it), the portable one, and kite's
// reference Conv (the "before"). Depthwise layers are memory-bound, so bytes/s (input, output,
// weights and bias, each counted once) is the number to read; memcpy/... copies the layer's
// input once per iteration, a bandwidth yardstick at the same working-set size. Between
// iterations the data stays in whatever cache level holds it, as it would when the previous layer
// just wrote it.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/depthwise_conv.h"
#include "kernels/im2col.h"
#include "ops/op.h"

namespace {

struct DepthwiseLayer {
  const char* layer;
  int64_t channels, size, kernel, stride;  // square input of size x size, padding (kernel - 1) / 2

  int64_t pad() const { return (kernel - 1) / 2; }
  int64_t out_size() const { return (size + 2 * pad() - kernel) / stride + 1; }
  double bytes() const {
    return 4.0 * channels * (size * size + out_size() * out_size() + kernel * kernel + 1);
  }
  double flops() const { return 2.0 * channels * out_size() * out_size() * kernel * kernel; }
  kite::DepthwiseParams params() const {
    kite::DepthwiseParams p;
    p.channels = channels;
    p.in_h = p.in_w = size;
    p.out_h = p.out_w = out_size();
    p.kernel = kernel;
    p.stride = stride;
    p.pad_top = p.pad_left = pad();
    p.min = 0.f;
    p.max = 6.f;
    return p;
  }
};

// MobileNet v1 and v2 at 224 x 224 (3x3), and the 5x5 depthwise layers of MobileNet v3-large and
// MnasNet.
const DepthwiseLayer kLayers[] = {
    {"v1_dw1", 32, 112, 3, 1},      {"v1_dw2", 64, 112, 3, 2},     {"v1_dw3", 128, 56, 3, 1},
    {"v1_dw4", 128, 56, 3, 2},      {"v1_dw5", 256, 28, 3, 1},     {"v1_dw6", 256, 28, 3, 2},
    {"v1_dw7", 512, 14, 3, 1},      {"v1_dw12", 512, 14, 3, 2},    {"v1_dw13", 1024, 7, 3, 1},
    {"v2_dw_96", 96, 112, 3, 2},    {"v2_dw_144", 144, 56, 3, 1},  {"v2_dw_960", 960, 7, 3, 1},
    {"k5_144ch_56", 144, 56, 5, 1}, {"v3_dw_72", 72, 56, 5, 2},    {"v3_dw_672", 672, 14, 5, 1},
    {"v3_dw_960", 960, 7, 5, 1},
};

kite::Tensor random_tensor(const kite::Shape& shape, uint32_t seed) {
  kite::Tensor t(kite::DType::f32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = uniform(rng);
  return t;
}

struct LayerData {
  kite::Tensor x, w, b, y;

  explicit LayerData(const DepthwiseLayer& l)
      : x(random_tensor({1, l.channels, l.size, l.size}, 1)),
        w(random_tensor({l.channels, 1, l.kernel, l.kernel}, 2)),
        b(random_tensor({l.channels}, 3)),
        y(kite::DType::f32, {1, l.channels, l.out_size(), l.out_size()}) {}
};

void set_counters(benchmark::State& state, const DepthwiseLayer& l, double bytes) {
  state.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1024);
  state.counters["FLOPS"] = benchmark::Counter(l.flops(), benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
}

void BM_depthwise(benchmark::State& state, DepthwiseLayer l, bool generic) {
  if (!generic && !kite::cpu_has_avx2_fma()) {
    state.SkipWithError("this CPU has no AVX2+FMA");
    return;
  }
  kite::force_generic_kernels(generic);
  LayerData d(l);
  kite::DepthwiseParams p = l.params();
  for (auto _ : state) {
    kite::depthwise_conv_f32(p, d.x.data<float>(), d.w.data<float>(), d.b.data<float>(), d.y.data<float>(), 0,
                             l.channels);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::depthwise_kernel_name());
  set_counters(state, l, l.bytes());
  kite::force_generic_kernels(false);
}

// kite's reference Conv (group = channels), without the clamp.
void BM_reference(benchmark::State& state, DepthwiseLayer l) {
  LayerData d(l);
  kite::Node node;
  node.op = "Conv";
  node.attrs.set_int("group", l.channels);
  node.attrs.set_ints("strides", {l.stride, l.stride});
  node.attrs.set_ints("pads", {l.pad(), l.pad(), l.pad(), l.pad()});
  const kite::OpDef* conv = kite::find_op("Conv");
  std::vector<const kite::Tensor*> inputs{&d.x, &d.w, &d.b};
  std::vector<kite::Tensor> outputs{d.y};
  for (auto _ : state) {
    conv->reference(node, inputs, outputs);
    benchmark::ClobberMemory();
  }
  state.SetLabel("reference Conv");
  set_counters(state, l, l.bytes());
}

void BM_memcpy(benchmark::State& state, DepthwiseLayer l) {
  LayerData d(l);
  kite::Tensor copy(kite::DType::f32, d.x.shape());
  for (auto _ : state) {
    std::memcpy(copy.data<float>(), d.x.data<float>(), d.x.nbytes());
    benchmark::ClobberMemory();
  }
  set_counters(state, l, 2.0 * static_cast<double>(d.x.nbytes()));
  state.counters.erase("FLOPS");
}

struct Im2colLayer {
  const char* layer;
  int64_t channels, size, kernel, stride;  // padding (kernel - 1) / 2

  kite::Im2colParams params() const {
    kite::Im2colParams p;
    p.channels = channels;
    p.in_h = p.in_w = size;
    p.out_h = p.out_w = (size + (kernel - 1) / 2 * 2 - kernel) / stride + 1;
    p.kernel_h = p.kernel_w = kernel;
    p.stride_h = p.stride_w = stride;
    p.pad_top = p.pad_left = (kernel - 1) / 2;
    return p;
  }
};

const Im2colLayer kIm2colLayers[] = {
    {"mobilenet_conv1", 3, 224, 3, 2},
    {"resnet50_conv1", 3, 224, 7, 2},
    {"resnet50_conv2_3x3", 64, 56, 3, 1},
    {"resnet50_conv5_3x3", 512, 7, 3, 1},
};

// The whole matrix, one column range; bytes/s counts the input read and the matrix written.
void BM_im2col(benchmark::State& state, Im2colLayer l) {
  kite::Im2colParams p = l.params();
  kite::Tensor x = random_tensor({p.channels, p.in_h, p.in_w}, 1);
  kite::Tensor matrix(kite::DType::f32, {p.rows(), p.columns()});
  for (auto _ : state) {
    kite::im2col_f32(p, x.data<float>(), 0, p.columns(), matrix.data<float>(), p.columns());
    benchmark::ClobberMemory();
  }
  double bytes = static_cast<double>(x.nbytes() + matrix.nbytes());
  state.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1024);
}

void register_benchmarks() {
  for (const DepthwiseLayer& l : kLayers) {
    std::string name = std::string(l.layer) + "/" + std::to_string(l.channels) + "ch_" + std::to_string(l.size) + "x" +
                       std::to_string(l.size) + "_k" + std::to_string(l.kernel) + "s" + std::to_string(l.stride);
    benchmark::RegisterBenchmark(("dwconv_fma3/" + name).c_str(), BM_depthwise, l, false);
    benchmark::RegisterBenchmark(("dwconv_generic/" + name).c_str(), BM_depthwise, l, true);
    benchmark::RegisterBenchmark(("reference/" + name).c_str(), BM_reference, l);
    benchmark::RegisterBenchmark(("memcpy/" + name).c_str(), BM_memcpy, l);
  }
  for (const Im2colLayer& l : kIm2colLayers) {
    std::string name = std::string(l.layer) + "/" + std::to_string(l.channels) + "ch_" + std::to_string(l.size) + "x" +
                       std::to_string(l.size) + "_k" + std::to_string(l.kernel) + "s" + std::to_string(l.stride);
    benchmark::RegisterBenchmark(("im2col/" + name).c_str(), BM_im2col, l);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
