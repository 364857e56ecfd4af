// The AVX-512 loop shared by the fp32 and the int8 6 x 16 microkernels (f32_gemm_6x16_fma3.cpp,
// q8_gemm_avx2.cpp), as inline asm: the files are compiled for AVX2 only, the assembler takes any
// instruction, and the loops run only where the CPU has AVX-512 (kernels/cpu_features.h).
//
// Both tiles have the same geometry: per step of k (one float of k, or one quad of int8 k), A
// gives 6 rows of 4 bytes (24 bytes) and B one panel row of 16 columns (64 bytes: one zmm). A
// zmm tile is then one accumulator per row, 6 in all, too few to hide the multiply-add's latency
// (4 to 5 cycles on two units wants 8 to 10 in flight). So the int8 loop takes two steps at a
// time into two sets of accumulators, even steps into zmm0 .. zmm5 and odd ones into
// zmm6 .. zmm11, and adds the second set into the first at the end: 12 independent chains. A's
// value is broadcast inside the multiply-add ({1to16}), so a row costs one instruction.
//
// The caller names its operands a and b (the packed panels, advanced by the loop), tile (6 rows
// of 64 bytes: the tile's start on entry, its sums on return) and steps (the steps of k, an
// int64_t); op is the multiply-add ("vfmadd231ps", "vpdpbusd"), ODD_STEP and FINISH one of the
// pairs below, add the final addition ("vpaddd"). Each element's sum is the same chain of
// operations in every tile, whatever its width.
//
// The tile is read in halves of 32 bytes, as the caller wrote it: a 64-byte load from two
// 32-byte stores cannot be forwarded from them and waits for both to reach the cache, which made
// products with a short K a third slower.
//
// A macro header (no code of its own), so that each kernel file expands it in its own code.
#pragma once

#define KITE_AVX512_ROW(op, a_offset, b, acc) op " " a_offset "(%[a])%{1to16%}, %%zmm" b ", %%zmm" acc "\n\t"

// The even step of each pair (and a last odd step): B's row in zmm12, into the first set.
#define KITE_AVX512_EVEN_STEP(op)      \
  KITE_AVX512_ROW(op, "0", "12", "0")  \
  KITE_AVX512_ROW(op, "4", "12", "1")  \
  KITE_AVX512_ROW(op, "8", "12", "2")  \
  KITE_AVX512_ROW(op, "12", "12", "3") \
  KITE_AVX512_ROW(op, "16", "12", "4") \
  KITE_AVX512_ROW(op, "20", "12", "5")

// The odd step of each pair, B's row in zmm13: into the second set of accumulators (the sums of
// int8 products, exact in any order), or into the first (fp32, where the order of the additions
// is the result: each element's sum must be one chain from k = 0 up, whatever the tile or the
// cuts of K, so the fp32 tile keeps six chains and runs latency-bound, at about 1.5 times the
// AVX2 tile's rate).
#define KITE_AVX512_ODD_INTO_SECOND_SET(op) \
  KITE_AVX512_ROW(op, "24", "13", "6")      \
  KITE_AVX512_ROW(op, "28", "13", "7")      \
  KITE_AVX512_ROW(op, "32", "13", "8")      \
  KITE_AVX512_ROW(op, "36", "13", "9")      \
  KITE_AVX512_ROW(op, "40", "13", "10")     \
  KITE_AVX512_ROW(op, "44", "13", "11")
#define KITE_AVX512_ADD_SECOND_SET(add) \
  add " %%zmm6, %%zmm0, %%zmm0\n\t"     \
  add " %%zmm7, %%zmm1, %%zmm1\n\t"     \
  add " %%zmm8, %%zmm2, %%zmm2\n\t"     \
  add " %%zmm9, %%zmm3, %%zmm3\n\t"     \
  add " %%zmm10, %%zmm4, %%zmm4\n\t"    \
  add " %%zmm11, %%zmm5, %%zmm5\n\t"
#define KITE_AVX512_ODD_INTO_FIRST_SET(op) \
  KITE_AVX512_ROW(op, "24", "13", "0")     \
  KITE_AVX512_ROW(op, "28", "13", "1")     \
  KITE_AVX512_ROW(op, "32", "13", "2")     \
  KITE_AVX512_ROW(op, "36", "13", "3")     \
  KITE_AVX512_ROW(op, "40", "13", "4")     \
  KITE_AVX512_ROW(op, "44", "13", "5")
#define KITE_AVX512_NO_SECOND_SET(add) ""

#define KITE_AVX512_TILE_ASM(op, ODD_STEP, FINISH, add)                                                    \
  "vmovdqu 0(%[acc]), %%ymm0\n\t"                                                                          \
  "vinserti64x4 $1, 32(%[acc]), %%zmm0, %%zmm0\n\t"                                                        \
  "vmovdqu 64(%[acc]), %%ymm1\n\t"                                                                         \
  "vinserti64x4 $1, 96(%[acc]), %%zmm1, %%zmm1\n\t"                                                        \
  "vmovdqu 128(%[acc]), %%ymm2\n\t"                                                                        \
  "vinserti64x4 $1, 160(%[acc]), %%zmm2, %%zmm2\n\t"                                                       \
  "vmovdqu 192(%[acc]), %%ymm3\n\t"                                                                        \
  "vinserti64x4 $1, 224(%[acc]), %%zmm3, %%zmm3\n\t"                                                       \
  "vmovdqu 256(%[acc]), %%ymm4\n\t"                                                                        \
  "vinserti64x4 $1, 288(%[acc]), %%zmm4, %%zmm4\n\t"                                                       \
  "vmovdqu 320(%[acc]), %%ymm5\n\t"                                                                        \
  "vinserti64x4 $1, 352(%[acc]), %%zmm5, %%zmm5\n\t"                                                       \
  "vpxord %%zmm6, %%zmm6, %%zmm6\n\t"                                                                      \
  "vpxord %%zmm7, %%zmm7, %%zmm7\n\t"                                                                      \
  "vpxord %%zmm8, %%zmm8, %%zmm8\n\t"                                                                      \
  "vpxord %%zmm9, %%zmm9, %%zmm9\n\t"                                                                      \
  "vpxord %%zmm10, %%zmm10, %%zmm10\n\t"                                                                   \
  "vpxord %%zmm11, %%zmm11, %%zmm11\n\t"                                                                   \
  "mov %[n], %%rcx\n\t"                                                                                    \
  "shr $1, %%rcx\n\t"                                                                                      \
  "jz 2f\n\t"                                                                                              \
  "1:\n\t"                                                                                                 \
  "vmovdqu32 (%[b]), %%zmm12\n\t"                                                                          \
  "vmovdqu32 64(%[b]), %%zmm13\n\t"                                                                        \
  KITE_AVX512_EVEN_STEP(op)                                                                                \
  ODD_STEP(op)                                                                                             \
  "add $48, %[a]\n\t"                                                                                      \
  "add $128, %[b]\n\t"                                                                                     \
  "dec %%rcx\n\t"                                                                                          \
  "jnz 1b\n\t"                                                                                             \
  "2:\n\t"                                                                                                 \
  "test $1, %[n]\n\t"                                                                                      \
  "jz 3f\n\t"                                                                                              \
  "vmovdqu32 (%[b]), %%zmm12\n\t"                                                                          \
  KITE_AVX512_EVEN_STEP(op)                                                                                \
  "3:\n\t"                                                                                                 \
  FINISH(add)                                                                                              \
  "vmovdqu32 %%zmm0, 0(%[acc])\n\t"                                                                        \
  "vmovdqu32 %%zmm1, 64(%[acc])\n\t"                                                                       \
  "vmovdqu32 %%zmm2, 128(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm3, 192(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm4, 256(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm5, 320(%[acc])\n\t"                                                                      \
  "vzeroupper\n\t" /* the upper halves clean again, as the code around expects */                          \
  : [a] "+r"(a), [b] "+r"(b)                                                                               \
  : [acc] "r"(tile), [n] "r"(steps)                                                                        \
  : "cc", "memory", "rcx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15" /* vzeroupper clears every upper half */
