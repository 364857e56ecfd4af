#include "kernels/cpu_features.h"

#include <atomic>

#if defined(KITE_KERNELS_X86)
#include <cpuid.h>
#endif
#if defined(KITE_KERNELS_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(KITE_KERNELS_ARM) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace kite {
namespace {

std::atomic<bool> g_force_generic{false};
// hide_cpu_extensions(): AVX-512, AVX-VNNI and the ARMv8.2 extensions reported absent (tests).
std::atomic<bool> g_hide_cpu_extensions{false};
// hide_avx512(): AVX-512 alone reported absent (tests).
std::atomic<bool> g_hide_avx512{false};
// hide_amx(): AMX alone reported absent (tests).
std::atomic<bool> g_hide_amx{false};

bool avx512_hidden() {
  return g_hide_cpu_extensions.load(std::memory_order_relaxed) || g_hide_avx512.load(std::memory_order_relaxed);
}

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

bool detect_f16c() {
#if defined(KITE_KERNELS_X86)
  // F16C is CPUID.1:ECX bit 29 (read directly: clang's __builtin_cpu_supports does not know
  // "f16c"); its 256-bit forms need the OS to save ymm state, which the runtime library checks
  // (XGETBV) before it reports AVX.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  __builtin_cpu_init();
  return (ecx & (1u << 29)) != 0 && __builtin_cpu_supports("avx");
#else
  return false;
#endif
}

bool detect_avx_vnni() {
#if defined(KITE_KERNELS_X86)
  // CPUID leaf 7, sub-leaf 1, EAX bit 4. Its VEX forms use ymm registers, whose OS support
  // detect_avx2_fma() has checked.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax & (1u << 4)) != 0 && detect_avx2_fma();
#else
  return false;
#endif
}

bool detect_avx512() {
#if defined(KITE_KERNELS_X86)
  // The runtime library reports AVX-512F only where XGETBV says the OS saves the opmask and zmm
  // state as well as ymm's. BW (byte and word elements, byte masks) comes with F on every
  // AVX-512 CPU but the Xeon Phi.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && detect_avx2_fma();
#else
  return false;
#endif
}

bool detect_avx512_vnni() {
#if defined(KITE_KERNELS_X86)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx & (1u << 11)) != 0 && detect_avx512();
#else
  return false;
#endif
}

bool detect_amx_int8() {
#if defined(KITE_KERNELS_X86) && defined(__linux__) && !defined(KITE_NO_AMX)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  if ((edx & (1u << 24)) == 0 || (edx & (1u << 25)) == 0 || !detect_avx512_vnni()) return false;
  // Linux's arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA): 0 once the process may use the
  // tiles; an error where the kernel or the hypervisor does not support them.
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

#if defined(KITE_KERNELS_ARM) && defined(__linux__)
// Bits of AT_HWCAP on arm64 Linux (and Android, which shares the kernel's ABI). Spelled out for C
// libraries whose <sys/auxv.h> does not define them.
#ifndef HWCAP_ASIMDHP
#define HWCAP_ASIMDHP (1 << 10)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

bool hwcap_has(unsigned long bit) { return (getauxval(AT_HWCAP) & bit) != 0; }
#endif

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = detect_avx2_fma();
  return has;
}

bool cpu_has_f16c() {
  static const bool has = detect_f16c();
  return has;
}

bool cpu_has_avx_vnni() {
  static const bool has = detect_avx_vnni();
  return has && !g_hide_cpu_extensions.load(std::memory_order_relaxed);
}

bool cpu_has_avx512() {
  static const bool has = detect_avx512();
  return has && !avx512_hidden();
}

bool cpu_has_avx512_vnni() {
  static const bool has = detect_avx512_vnni();
  return has && !avx512_hidden();
}

bool cpu_has_amx_int8() {
  static const bool has = detect_amx_int8();
  return has && !avx512_hidden() && !g_hide_amx.load(std::memory_order_relaxed);
}

bool cpu_has_neon() {
#if defined(KITE_KERNELS_ARM)
  return true;
#else
  return false;
#endif
}

bool cpu_has_arm_dotprod() {
#if defined(KITE_KERNELS_ARM) && defined(__linux__)
  static const bool has = hwcap_has(HWCAP_ASIMDDP);
  return has && !g_hide_cpu_extensions.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

bool cpu_has_arm_fp16() {
#if defined(KITE_KERNELS_ARM) && defined(__linux__)
  static const bool has = hwcap_has(HWCAP_ASIMDHP);
  return has && !g_hide_cpu_extensions.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void hide_cpu_extensions(bool hide) { g_hide_cpu_extensions.store(hide, std::memory_order_relaxed); }

void hide_avx512(bool hide) { g_hide_avx512.store(hide, std::memory_order_relaxed); }

void hide_amx(bool hide) { g_hide_amx.store(hide, std::memory_order_relaxed); }

void force_generic_kernels(bool force) { g_force_generic.store(force, std::memory_order_relaxed); }

bool generic_kernels_forced() { return g_force_generic.load(std::memory_order_relaxed); }

}  // namespace kite
