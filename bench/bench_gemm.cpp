// The fp32 GEMM on the shapes of real layers, single-threaded, in FLOP/s next to the FMA peak
// measured on the same core (fma_peak), so that "x% of peak" is read off one run. On a machine
// shared with other work, interleave repetitions so that a busy moment does not land on one
// shape only, and read the medians:
//   build/bench/kite_bench_gemm --benchmark_repetitions=12 --benchmark_min_time=0.15
//       --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
// Each layer runs with the AVX2 kernel (where the CPU has it) and with the portable one.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/gemm.h"

namespace {

struct LayerShape {
  const char* layer;
  int64_t m, k, n;  // output channels, input channels x kernel area, output pixels
};

// MobileNet v1 (224 x 224) pointwise convolutions, where most of its MACs are, ResNet-50's first
// and last 3x3 convolutions as im2col products, and its bottlenecks' 1x1 layers.
const LayerShape kLayers[] = {
    {"mobilenet_v1_pw1", 64, 32, 112 * 112},  {"mobilenet_v1_pw2", 128, 64, 56 * 56},
    {"mobilenet_v1_pw3", 128, 128, 56 * 56},  {"mobilenet_v1_pw4", 256, 128, 28 * 28},
    {"mobilenet_v1_pw5", 256, 256, 28 * 28},  {"mobilenet_v1_pw6", 512, 256, 14 * 14},
    {"mobilenet_v1_pw7", 512, 512, 14 * 14},  {"mobilenet_v1_pw12", 1024, 512, 7 * 7},
    {"mobilenet_v1_pw13", 1024, 1024, 7 * 7}, {"resnet50_conv2_3x3", 64, 576, 56 * 56},
    {"resnet50_conv5_3x3", 512, 4608, 7 * 7},
    {"resnet50_layer1_reduce", 64, 256, 56 * 56},   {"resnet50_layer1_expand", 256, 64, 56 * 56},
    {"resnet50_layer3_reduce", 256, 1024, 14 * 14}, {"resnet50_layer3_expand", 1024, 256, 14 * 14},
};

std::shared_ptr<float> random_matrix(int64_t count, uint32_t seed) {
  auto data = std::static_pointer_cast<float>(kite::allocate_aligned(count * sizeof(float)));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < count; ++i) data.get()[i] = uniform(rng);
  return data;
}

// A convolution's product: bias and ReLU fused, the whole column range on one thread.
void BM_gemm(benchmark::State& state, LayerShape shape, bool generic) {
  if (!generic && !kite::cpu_has_avx2_fma()) {
    state.SkipWithError("this CPU has no AVX2+FMA");
    return;
  }
  kite::force_generic_kernels(generic);
  auto a = random_matrix(shape.m * shape.k, 1);
  auto b = random_matrix(shape.k * shape.n, 2);
  auto bias = random_matrix(shape.m, 3);
  auto c = random_matrix(shape.m * shape.n, 4);
  kite::PackedA packed = kite::pack_a(a.get(), shape.m, shape.k, shape.k);
  kite::GemmEpilogue relu;
  relu.row_bias = bias.get();
  relu.min = 0.0f;
  for (auto _ : state) {
    kite::gemm(packed, b.get(), shape.n, shape.n, c.get(), shape.n, relu, 0, shape.n);
    benchmark::DoNotOptimize(c.get());
    benchmark::ClobberMemory();
  }
  state.SetLabel(kite::gemm_kernel_name());
  state.counters["FLOPS"] = benchmark::Counter(2.0 * shape.m * shape.n * shape.k,
                                               benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
  kite::force_generic_kernels(false);
}

// 12 independent chains of FMAs: enough to keep two FMA pipes busy through a 4-cycle latency, so
// this is the core's fp32 peak. Inline assembly, because the benchmark itself is not compiled with
// -mavx2 (only src/kernels/x86 is); the zmm loop names only zmm0-13, so its clobbers need no
// AVX-512 flag either (the assembler takes zmm anyway).
#if defined(__x86_64__)
#define KITE_PEAK_LOOP(reg, zero)                                                             \
  asm volatile(zero " %%" reg "0, %%" reg "0, %%" reg "0\n\t"                                 \
               ".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13\n\t"                                    \
               "vmovaps %%" reg "0, %%" reg "\\r\n\t"                                        \
               ".endr\n\t"                                                                   \
               "1:\n\t"                                                                      \
               ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n\t"                                        \
               "vfmadd231ps %%" reg "12, %%" reg "13, %%" reg "\\r\n\t"                      \
               ".endr\n\t"                                                                   \
               "dec %0\n\t"                                                                  \
               "jnz 1b\n\t"                                                                  \
               "vzeroupper"                                                                  \
               : "+r"(loops)                                                                 \
               :                                                                             \
               : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
                 "xmm10", "xmm11", "xmm12", "xmm13", "cc")
#endif

// lanes = 8: ymm (AVX2 + FMA, the f32_gemm_6x16_fma3 kernel's peak); 16: zmm (AVX-512, the
// f32_gemm_12x32_avx512 kernel's).
void BM_fma_peak(benchmark::State& state, int lanes) {
#if defined(__x86_64__)
  if (lanes == 8 ? !kite::cpu_has_avx2_fma() : !kite::cpu_has_avx512()) {
    state.SkipWithError(lanes == 8 ? "this CPU has no AVX2+FMA" : "this CPU has no AVX-512");
    return;
  }
  constexpr int64_t kLoops = 1 << 20;
  for (auto _ : state) {
    int64_t loops = kLoops;
    if (lanes == 8) KITE_PEAK_LOOP("ymm", "vxorps");
    else KITE_PEAK_LOOP("zmm", "vpxord");
  }
  state.counters["FLOPS"] = benchmark::Counter(kLoops * 12.0 * lanes * 2, benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
#else
  (void)lanes;
  state.SkipWithError("the peak loop is written for x86-64");
#endif
}

void register_benchmarks() {
  benchmark::RegisterBenchmark("fma_peak", BM_fma_peak, 8);
  benchmark::RegisterBenchmark("fma_peak_avx512", BM_fma_peak, 16);
  for (const LayerShape& shape : kLayers) {
    std::string name = std::string(shape.layer) + "/M" + std::to_string(shape.m) + "_K" + std::to_string(shape.k) +
                       "_N" + std::to_string(shape.n);
    benchmark::RegisterBenchmark(("gemm_fma3/" + name).c_str(), BM_gemm, shape, false);
    benchmark::RegisterBenchmark(("gemm_generic/" + name).c_str(), BM_gemm, shape, true);
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
