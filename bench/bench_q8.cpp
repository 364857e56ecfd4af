// The int8 kernels on the shapes of real layers, single-threaded, each next to the fp32 kernel it
// replaces, so that one run shows whether the int8 path pays (counters: OPS = multiply-adds x 2,
// or elements, per second). On a shared machine, interleave repetitions and read the medians:
//   build/bench/kite_bench_q8 --benchmark_repetitions=9 --benchmark_min_time=0.1
//       --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
// GEMM: "q8_wide" has weights in [-127, 127] (int16 pairs, vpmaddwd), "q8_7bit" in [-63, 63]
// (vpmaddubsw, kite quantize --weight-bits 7).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/aligned_alloc.h"
#include "kernels/depthwise_conv.h"
#include "kernels/gemm.h"
#include "kernels/q8_depthwise_conv.h"
#include "kernels/q8_elementwise.h"
#include "kernels/q8_gemm.h"
#include "kernels/q8_im2col.h"
#include "kernels/q8_pooling.h"
#include "kernels/q8_winograd.h"
#include "kernels/requantize.h"

namespace {

struct GemmShape {
  const char* layer;
  int64_t m, k, n;
};

// MobileNet v2's short-K pointwise layers, MobileNet v1's, ResNet-50's 3x3 as im2col (56x56, 7x7
// and 14x14 maps).
const GemmShape kGemms[] = {
    {"mobilenet_v2_expand", 96, 16, 112 * 112}, {"mobilenet_v2_project", 24, 144, 56 * 56},
    {"mobilenet_v1_pw3", 128, 128, 56 * 56},    {"mobilenet_v1_pw7", 512, 512, 14 * 14},
    {"resnet50_conv2_3x3", 64, 576, 56 * 56},   {"resnet50_conv5_3x3", 512, 4608, 7 * 7},
    {"resnet50_conv4_3x3", 256, 2304, 14 * 14},
};

template <typename T>
std::vector<T> random_values(int64_t count, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(count));
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

void set_ops(benchmark::State& state, double ops) {
  state.counters["OPS"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void BM_gemm_f32(benchmark::State& state, GemmShape s) {
  std::vector<float> a = random_values<float>(s.m * s.k, -3, 3, 1), b = random_values<float>(s.k * s.n, -3, 3, 2);
  std::vector<float> c(static_cast<size_t>(s.m * s.n));
  kite::PackedA packed = kite::pack_a(a.data(), s.m, s.k, s.k);
  kite::GemmEpilogue relu;
  relu.min = 0.f;
  for (auto _ : state) {
    kite::gemm(packed, b.data(), s.n, s.n, c.data(), s.n, relu, 0, s.n);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::gemm_kernel_name());
  set_ops(state, 2.0 * s.m * s.k * s.n);
}

// Runs C = A B (requantized, with a bias and a narrowed range) with the next of `weights`' As
// each time: one A keeps its weights in the cache, several copies do not.
void run_gemm_q8(benchmark::State& state, GemmShape s, const std::vector<kite::PackedQ8A>& weights) {
  std::vector<uint8_t> b = random_values<uint8_t>(s.k * s.n, 0, 255, 2), c(static_cast<size_t>(s.m * s.n));
  std::vector<int32_t> bias = random_values<int32_t>(s.m, -1000, 1000, 3);
  std::vector<float> scale(static_cast<size_t>(s.m), 1e-4f);
  kite::Q8GemmEpilogue e;
  e.row_bias = bias.data();
  e.row_scale = scale.data();
  e.b_zero_point = 128;
  e.c_zero_point = 10;
  e.qmin = 10;
  size_t i = 0;
  for (auto _ : state) {
    kite::gemm_q8(weights[i++ % weights.size()], b.data(), s.n, s.n, c.data(), s.n, e, 0, s.n);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::gemm_q8_kernel_name(weights[0]));
  set_ops(state, 2.0 * s.m * s.k * s.n);
}

std::vector<kite::PackedQ8A> random_weights(GemmShape s, int weight_limit, int copies) {
  std::vector<kite::PackedQ8A> packs;
  for (int i = 0; i < copies; ++i) {
    std::vector<int8_t> a = random_values<int8_t>(s.m * s.k, -weight_limit, weight_limit, static_cast<uint32_t>(1 + i));
    packs.push_back(kite::pack_q8_a(a.data(), s.m, s.k, s.k));
  }
  return packs;
}

void BM_gemm_q8(benchmark::State& state, GemmShape s, int weight_limit) {
  run_gemm_q8(state, s, random_weights(s, weight_limit, 1));
}

// The same products with weights that are not in the cache, as in a network whose weights exceed
// it: each run takes the next of 16 copies of A (ResNet-50's 7x7 layers read 2.4 MiB of weights
// for 49 columns).
void BM_gemm_q8_cold(benchmark::State& state, GemmShape s) { run_gemm_q8(state, s, random_weights(s, 127, 16)); }

// 3x3 stride-1 convolutions, one image, one thread: im2col + the 7-bit GEMM (what kite ran
// before the Winograd path) against Winograd F(2x2, 3x3) (input transform, 16 products, output
// transform). Same bytes out; the counter counts the direct convolution's multiply-adds for both.
struct Conv3x3Shape {
  const char* layer;
  int64_t channels, out_channels, size;
};

const Conv3x3Shape kConv3x3[] = {{"resnet50_layer1", 64, 64, 56},
                                 {"resnet50_layer2", 128, 128, 28},
                                 {"resnet50_layer3", 256, 256, 14},
                                 {"googlenet_inception3a", 96, 128, 28},
                                 {"resnet50_layer4", 512, 512, 7},
                                 {"googlenet_inception5a", 160, 320, 7}};

kite::Im2colParams conv3x3_window(Conv3x3Shape s) {
  kite::Im2colParams q;
  q.channels = s.channels;
  q.in_h = q.in_w = q.out_h = q.out_w = s.size;
  q.kernel_h = q.kernel_w = 3;
  q.pad_top = q.pad_left = 1;
  return q;
}

void BM_conv3x3_q8(benchmark::State& state, Conv3x3Shape s, bool winograd) {
  const kite::Im2colParams q = conv3x3_window(s);
  std::vector<int8_t> w = random_values<int8_t>(s.out_channels * q.rows(), -63, 63, 1);
  std::vector<uint8_t> x = random_values<uint8_t>(s.channels * s.size * s.size, 0, 255, 2),
                       y(static_cast<size_t>(s.out_channels * q.columns()));
  std::vector<int32_t> bias = random_values<int32_t>(s.out_channels, -1000, 1000, 3);
  std::vector<float> scale(static_cast<size_t>(s.out_channels), 1e-4f);
  const int32_t x_zero = 128, y_zero = 10;
  if (winograd) {
    // Groups of blocks whose transformed input takes about 256 KiB, as the node kernel cuts them
    // (runtime/q8_winograd_conv_kernel.cpp).
    const kite::Q8WinogradParams p(q);
    const int64_t blocks = kite::q8_winograd_blocks(p);
    const int64_t block_bytes = kite::q8_winograd_input_values(p, 1) * int64_t{sizeof(int16_t)};
    const int64_t group = std::clamp<int64_t>(256 * 1024 / block_bytes, 1, blocks);
    std::vector<kite::PackedQ8A> u = kite::q8_winograd_weights(w.data(), s.out_channels, s.channels);
    auto v = kite::allocate_aligned(static_cast<size_t>(group * block_bytes));
    std::vector<int32_t> m(static_cast<size_t>(kite::kQ8WinogradPoints * s.out_channels * kite::kQ8WinogradLanes));
    const kite::Q8WinogradEpilogue e{bias.data(), scale.data(), y_zero, y_zero, 255};
    int16_t* vp = static_cast<int16_t*>(v.get());
    for (auto _ : state) {
      for (int64_t b0 = 0; b0 < blocks; b0 += group) {
        const int64_t count = std::min(group, blocks - b0);
        kite::q8_winograd_input(p, x.data(), x_zero, b0 * kite::kQ8WinogradLanes, count, vp);
        for (int64_t b = 0; b < count; ++b) {
          for (int64_t xi = 0; xi < kite::kQ8WinogradPoints; ++xi)
            kite::gemm_s16_panel(u[static_cast<size_t>(xi)], kite::q8_winograd_panel(p, vp, count, xi, b),
                                 m.data() + xi * s.out_channels * kite::kQ8WinogradLanes, kite::kQ8WinogradLanes, 0,
                                 u[0].panel_count());
          kite::q8_winograd_output(p, m.data(), s.out_channels * kite::kQ8WinogradLanes, s.out_channels, 0,
                                   (b0 + b) * kite::kQ8WinogradLanes, e, y.data());
        }
      }
      benchmark::ClobberMemory();
    }
    state.SetLabel(std::string("winograd_f23+") + kite::gemm_q8_kernel_name());
  } else {
    kite::PackedQ8A a = kite::pack_q8_a(w.data(), s.out_channels, q.rows(), q.rows());
    kite::Q8GemmEpilogue e;
    e.row_bias = bias.data();
    e.row_scale = scale.data();
    e.b_zero_point = x_zero;
    e.c_zero_point = y_zero;
    e.qmin = y_zero;
    constexpr int64_t kChunk = 256;  // columns per im2col panel, as the node kernel cuts them
    std::vector<uint8_t> panel(static_cast<size_t>(q.rows() * kChunk));
    for (auto _ : state) {
      for (int64_t c0 = 0; c0 < q.columns(); c0 += kChunk) {
        const int64_t width = std::min(kChunk, q.columns() - c0);
        kite::im2col_u8(q, x.data(), static_cast<uint8_t>(x_zero), c0, c0 + width, panel.data(), width);
        kite::gemm_q8(a, panel.data(), width, width, y.data() + c0, q.columns(), e, 0, width);
      }
      benchmark::ClobberMemory();
    }
    state.SetLabel(std::string("im2col+") + kite::gemm_q8_kernel_name(a));
  }
  set_ops(state, 2.0 * s.out_channels * q.rows() * q.columns());
}

struct DepthwiseShape {
  const char* layer;
  int64_t channels, size, stride;
};

const DepthwiseShape kDepthwise[] = {
    {"mobilenet_v2_block2", 144, 56, 1}, {"mobilenet_v2_block13", 960, 14, 1}, {"mobilenet_v2_block14", 576, 14, 2}};

template <typename Params>
Params depthwise_params(DepthwiseShape s) {
  Params p;
  p.channels = s.channels;
  p.in_h = p.in_w = s.size;
  p.out_h = p.out_w = (s.size + 2 - 3) / s.stride + 1;
  p.kernel = 3;
  p.stride = s.stride;
  p.pad_top = p.pad_left = 1;
  return p;
}

void BM_depthwise_f32(benchmark::State& state, DepthwiseShape s) {
  auto p = depthwise_params<kite::DepthwiseParams>(s);
  std::vector<float> x = random_values<float>(s.channels * s.size * s.size, -3, 3, 1);
  std::vector<float> w = random_values<float>(s.channels * 9, -3, 3, 2), b(static_cast<size_t>(s.channels), 0.5f);
  std::vector<float> y(static_cast<size_t>(s.channels * p.out_h * p.out_w));
  p.min = 0.f;
  for (auto _ : state) {
    kite::depthwise_conv_f32(p, x.data(), w.data(), b.data(), y.data(), 0, s.channels);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::depthwise_kernel_name());
  set_ops(state, 2.0 * 9 * y.size());
}

void BM_depthwise_q8(benchmark::State& state, DepthwiseShape s) {
  auto p = depthwise_params<kite::Q8DepthwiseParams>(s);
  p.x_zero_point = 128;
  p.y_zero_point = p.qmin = 10;
  std::vector<uint8_t> x = random_values<uint8_t>(s.channels * s.size * s.size, 0, 255, 1);
  std::vector<int8_t> w = random_values<int8_t>(s.channels * 9, -127, 127, 2);
  std::vector<int32_t> b(static_cast<size_t>(s.channels), 100);
  std::vector<float> scale(static_cast<size_t>(s.channels), 1e-3f);
  std::vector<uint8_t> y(static_cast<size_t>(s.channels * p.out_h * p.out_w));
  for (auto _ : state) {
    kite::depthwise_conv_q8(p, x.data(), w.data(), b.data(), scale.data(), y.data(), 0, s.channels);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::depthwise_q8_kernel_name());
  set_ops(state, 2.0 * 9 * y.size());
}

// A residual Add, a global average pool and a 3x3 stride-2 max pool of ResNet-50's sizes, and the
// network input's QuantizeLinear; elements per second.
constexpr int64_t kAddCount = 256 * 56 * 56;

void BM_add_q8(benchmark::State& state) {
  std::vector<uint8_t> a = random_values<uint8_t>(kAddCount, 0, 255, 1), b = random_values<uint8_t>(kAddCount, 0, 255, 2);
  std::vector<uint8_t> y(static_cast<size_t>(kAddCount));
  kite::Q8AddParams p;
  p.a_zero_point = 100;
  p.b_zero_point = 3;
  p.y_zero_point = 0;
  p.requant = kite::make_add_requant(0.03f, 0.05f, 0.07f);
  for (auto _ : state) {
    kite::add_q8(a.data(), b.data(), y.data(), kAddCount, p);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::add_q8_kernel_name());
  set_ops(state, static_cast<double>(kAddCount));
}

void BM_global_average_pool_q8(benchmark::State& state) {
  constexpr int64_t kChannels = 2048, kPlane = 49;
  std::vector<uint8_t> x = random_values<uint8_t>(kChannels * kPlane, 0, 255, 1), y(kChannels);
  kite::Q8GlobalAveragePoolParams p;
  p.x_zero_point = 0;
  p.y_zero_point = 0;
  p.scale = kite::average_requant_scale(0.05f, 0.02f, kPlane);
  for (auto _ : state) {
    kite::global_average_pool_q8(x.data(), y.data(), kChannels, kPlane, p);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::global_average_pool_q8_kernel_name());
  set_ops(state, static_cast<double>(kChannels * kPlane));
}

struct MaxPoolShape {
  const char* layer;
  int64_t channels, size, kernel, stride;
};

// ResNet's and GoogLeNet's stem pooling (stride 2), GoogLeNet's pooling branches (stride 1, same
// size).
const MaxPoolShape kMaxPools[] = {{"resnet50_stem", 64, 112, 3, 2},
                                  {"googlenet_inception3b", 256, 28, 3, 1},
                                  {"googlenet_inception4b", 512, 14, 3, 1},
                                  {"googlenet_inception5b", 832, 7, 3, 1},
                                  {"googlenet_pool4", 832, 14, 3, 2}};

void BM_max_pool_u8(benchmark::State& state, MaxPoolShape s) {
  kite::Q8PoolParams p;
  p.channels = s.channels;
  p.in_h = p.in_w = s.size;
  p.kernel_h = p.kernel_w = s.kernel;
  p.stride_h = p.stride_w = s.stride;
  p.pad_top = p.pad_left = s.kernel / 2;
  p.out_h = p.out_w = (s.size + 2 * p.pad_left - s.kernel) / s.stride + 1;
  std::vector<uint8_t> x = random_values<uint8_t>(s.channels * s.size * s.size, 0, 255, 1),
                       y(static_cast<size_t>(s.channels * p.out_h * p.out_w));
  for (auto _ : state) {
    kite::max_pool_u8(p, x.data(), y.data(), 0, p.channels);
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::max_pool_u8_kernel_name());
  set_ops(state, static_cast<double>(x.size()));
}

void BM_quantize_u8(benchmark::State& state) {
  constexpr int64_t kCount = 3 * 224 * 224;
  std::vector<float> x = random_values<float>(kCount, -3, 3, 1);
  std::vector<uint8_t> y(kCount);
  for (auto _ : state) {
    kite::quantize_u8_block(x.data(), y.data(), kCount, 0.02f, 128);
    benchmark::ClobberMemory();
  }
  set_ops(state, static_cast<double>(kCount));
}

void register_benchmarks() {
  for (const GemmShape& s : kGemms) {
    std::string name = std::string(s.layer) + "/M" + std::to_string(s.m) + "_K" + std::to_string(s.k) + "_N" +
                       std::to_string(s.n);
    benchmark::RegisterBenchmark(("gemm_f32/" + name).c_str(), BM_gemm_f32, s);
    benchmark::RegisterBenchmark(("gemm_q8_wide/" + name).c_str(), BM_gemm_q8, s, 127);
    benchmark::RegisterBenchmark(("gemm_q8_7bit/" + name).c_str(), BM_gemm_q8, s, 63);
    benchmark::RegisterBenchmark(("gemm_q8_cold/" + name).c_str(), BM_gemm_q8_cold, s);
  }
  for (const Conv3x3Shape& s : kConv3x3) {
    std::string name = std::string(s.layer) + "/C" + std::to_string(s.channels) + "_M" +
                       std::to_string(s.out_channels) + "_" + std::to_string(s.size);
    benchmark::RegisterBenchmark(("conv3x3_q8_im2col/" + name).c_str(), BM_conv3x3_q8, s, false);
    benchmark::RegisterBenchmark(("conv3x3_q8_winograd/" + name).c_str(), BM_conv3x3_q8, s, true);
  }
  for (const DepthwiseShape& s : kDepthwise) {
    std::string name = std::string(s.layer) + "/C" + std::to_string(s.channels) + "_" + std::to_string(s.size) + "_s" +
                       std::to_string(s.stride);
    benchmark::RegisterBenchmark(("depthwise_f32/" + name).c_str(), BM_depthwise_f32, s);
    benchmark::RegisterBenchmark(("depthwise_q8/" + name).c_str(), BM_depthwise_q8, s);
  }
  benchmark::RegisterBenchmark("add_q8/256x56x56", BM_add_q8);
  benchmark::RegisterBenchmark("global_average_pool_q8/2048x7x7", BM_global_average_pool_q8);
  for (const MaxPoolShape& s : kMaxPools) {
    std::string name = std::string(s.layer) + "/" + std::to_string(s.kernel) + "x" + std::to_string(s.kernel) + "s" +
                       std::to_string(s.stride) + "_" + std::to_string(s.channels) + "x" + std::to_string(s.size) + "x" +
                       std::to_string(s.size);
    benchmark::RegisterBenchmark(("max_pool_u8/" + name).c_str(), BM_max_pool_u8, s);
  }
  benchmark::RegisterBenchmark("quantize_u8/3x224x224", BM_quantize_u8);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
