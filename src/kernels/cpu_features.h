// Which instruction sets the kernels may use on this CPU. Detected once; tests can force the
// portable kernels so that they run (and are checked) on a machine that has the fast ones too.
//
// Each function says what the CPU executes, whatever force_generic_kernels says: the dispatchers
// check both, so that a test can still ask whether a fast kernel exists to compare against.
#pragma once

namespace kite {

// True when the CPU executes AVX2 and FMA3 and the OS saves ymm registers across context
// switches. Always false when kite was built for a CPU family other than x86-64.
bool cpu_has_avx2_fma();
// True when the CPU executes F16C (fp16 <-> f32 conversions, CPUID.1:ECX bit 29) and the OS saves
// ymm registers. The F16C kernels are compiled with AVX2 too, so dispatchers ask for both.
bool cpu_has_f16c();

// True on every AArch64 build: Advanced SIMD (NEON, with fused multiply-add) is part of the
// ARMv8-A 64-bit architecture, not an option. False when kite was built for any other CPU family.
bool cpu_has_neon();

// True when the CPU executes AVX-VNNI (CPUID.(7, 1):EAX bit 4: the VEX-encoded vpdpbusd and
// vpdpwssd, int8 and int16 dot products accumulated into int32 lanes in one instruction) and
// cpu_has_avx2_fma(). Intel since Alder Lake and Sapphire Rapids, AMD since Zen 5.
bool cpu_has_avx_vnni();
// True when the CPU executes AVX-512F and AVX-512BW (byte and word elements, byte masks) and the
// OS saves zmm and opmask registers (XCR0, which the runtime library checks before it reports
// AVX-512): 16 floats a vector, 32 registers.
bool cpu_has_avx512();
// True when cpu_has_avx512() and the CPU executes AVX512_VNNI (CPUID.(7, 0):ECX bit 11): vpdpbusd
// on zmm, 64 u8 x s8 products a instruction. Intel since Ice Lake and Cascade Lake, AMD since Zen 4.
bool cpu_has_avx512_vnni();
// True when cpu_has_avx512_vnni(), the CPU executes AMX-TILE and AMX-INT8 (CPUID.(7, 0):EDX bits
// 24 and 25: eight tile registers of 16 rows x 64 bytes and tdpbsud, 16 x 16 x 64 s8 x u8
// products an instruction), and Linux let this process use the tile data (arch_prctl
// ARCH_REQ_XCOMP_PERM, asked once; the OS keeps that state out of a process that does not ask).
// Intel since Sapphire Rapids.
bool cpu_has_amx_int8();

// ARMv8.2 extensions, read from the kernel's hardware capabilities (getauxval(AT_HWCAP)), which
// report what both the CPU and the OS support. False on other CPU families and where the OS does
// not report them.
bool cpu_has_arm_dotprod();  // SDOT / UDOT: int8 dot products into int32 lanes (HWCAP_ASIMDDP)
bool cpu_has_arm_fp16();     // fp16 arithmetic on vectors (HWCAP_ASIMDHP)

// When set, the optional extensions above (AVX-512, AVX-VNNI, the ARMv8.2 dot product and fp16)
// report false, as on a CPU with only the baseline vector ISA (AVX2 + FMA, ARMv8.0 NEON), so that tests
// can run those kernels on a CPU that has the extensions. Process-wide; for tests.
void hide_cpu_extensions(bool hide);
// When set, only AVX-512 reports false (cpu_has_avx512, cpu_has_avx512_vnni), as on a CPU with
// AVX-VNNI but not AVX-512 (Alder Lake), so that tests can run the ymm VNNI kernels on a CPU that
// has both. Process-wide; for tests.
void hide_avx512(bool hide);
// When set, only AMX reports false, so that tests can run the AVX512_VNNI kernels on a CPU that
// has AMX. Process-wide; for tests.
void hide_amx(bool hide);

// When set, every kernel dispatcher picks its portable C++ implementation, as on a CPU without
// any of the features above. Process-wide; meant for tests and benchmarks.
void force_generic_kernels(bool force);
bool generic_kernels_forced();

}  // namespace kite
