#include "kernels/cpu_features.h"

#include <atomic>

namespace kite {
namespace {

std::atomic<bool> g_force_generic{false};

bool detect_avx2_fma() {
#if defined(KITE_KERNELS_X86)
  // libgcc's (and compiler-rt's) detection reports AVX2 and FMA only when XGETBV says the OS
  // saves ymm state, so a CPU with AVX2 under an OS without it is not picked.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = detect_avx2_fma();
  return has;
}

void force_generic_kernels(bool force) { g_force_generic.store(force, std::memory_order_relaxed); }

bool generic_kernels_forced() { return g_force_generic.load(std::memory_order_relaxed); }

}  // namespace kite
