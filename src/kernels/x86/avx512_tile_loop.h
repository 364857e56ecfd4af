// The AVX512_VNNI loops of the int8 microkernels (q8_gemm_avx2.cpp), 6 x 16 and, at the end, the
// 12 x 16 one of two A panels, as inline asm: the file is compiled for AVX2 only, the assembler
// takes any instruction, and the loops run only where the CPU has AVX512_VNNI
// (kernels/cpu_features.h).
//
// Per quad of k, A gives 6 rows of 4 bytes (24 bytes) and B one panel row of 16 columns of 4
// bytes (64 bytes: one zmm). A zmm tile is then one accumulator per row, 6 in all, too few to
// hide vpdpbusd's latency (5 cycles on two units wants 10 in flight). So the loop takes two quads
// at a time into two sets of accumulators, even quads into zmm0 .. zmm5 and odd ones into
// zmm6 .. zmm11, and adds the second set into the first at the end (int32 sums, exact in any
// order): 12 independent chains. A's quad is broadcast inside vpdpbusd ({1to16}), so a row costs
// one instruction.
//
// The caller names its operands a and b (the packed panels, advanced by the loop; a2 too for the
// pair), tile (6 rows of 64 bytes, 12 for the pair: the tile's start on entry, its sums on
// return) and steps (the quads of k, an int64_t); op is the multiply-add ("vpdpbusd").
//
// The tile is read in halves of 32 bytes, as the caller wrote it: a 64-byte load from two
// 32-byte stores cannot be forwarded from them and waits for both to reach the cache, which made
// products with a short K a third slower.
//
// A macro header (no code of its own), so that each kernel file expands it in its own code.
#pragma once

// The end of a step of the 12 x 32 loops (two A panels a and a2, two B panels b and b2; the fp32
// one in f32_gemm_6x16_fma3.cpp and the int8 one in q8_gemm_avx2.cpp): each panel on by a step
// (6 rows of 4 bytes; 16 columns of 4 bytes), then the next step while %[n] counts down.
#define KITE_AVX512_NEXT_STEP_2X2 \
  "add $24, %[a]\n\t"            \
  "add $24, %[a2]\n\t"           \
  "add $64, %[b]\n\t"            \
  "add $64, %[b2]\n\t"           \
  "dec %[n]\n\t"                 \
  "jnz 1b\n\t"

#define KITE_AVX512_ROW(op, a_offset, b, acc) op " " a_offset "(%[a])%{1to16%}, %%zmm" b ", %%zmm" acc "\n\t"

// The even step of each pair (and a last odd step): B's row in zmm12, into the first set.
#define KITE_AVX512_EVEN_STEP(op)      \
  KITE_AVX512_ROW(op, "0", "12", "0")  \
  KITE_AVX512_ROW(op, "4", "12", "1")  \
  KITE_AVX512_ROW(op, "8", "12", "2")  \
  KITE_AVX512_ROW(op, "12", "12", "3") \
  KITE_AVX512_ROW(op, "16", "12", "4") \
  KITE_AVX512_ROW(op, "20", "12", "5")

// The odd step of each pair, B's row in zmm13, into the second set of accumulators (the sums of
// int8 products are exact in any order).
#define KITE_AVX512_ODD_INTO_SECOND_SET(op) \
  KITE_AVX512_ROW(op, "24", "13", "6")      \
  KITE_AVX512_ROW(op, "28", "13", "7")      \
  KITE_AVX512_ROW(op, "32", "13", "8")      \
  KITE_AVX512_ROW(op, "36", "13", "9")      \
  KITE_AVX512_ROW(op, "40", "13", "10")     \
  KITE_AVX512_ROW(op, "44", "13", "11")
#define KITE_AVX512_ADD_SECOND_SET     \
  "vpaddd %%zmm6, %%zmm0, %%zmm0\n\t"  \
  "vpaddd %%zmm7, %%zmm1, %%zmm1\n\t"  \
  "vpaddd %%zmm8, %%zmm2, %%zmm2\n\t"  \
  "vpaddd %%zmm9, %%zmm3, %%zmm3\n\t"  \
  "vpaddd %%zmm10, %%zmm4, %%zmm4\n\t" \
  "vpaddd %%zmm11, %%zmm5, %%zmm5\n\t"

#define KITE_AVX512_TILE_ASM(op)                                                                           \
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
  KITE_AVX512_ODD_INTO_SECOND_SET(op)                                                                      \
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
  KITE_AVX512_ADD_SECOND_SET                                                                               \
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

// Two panels of A (12 rows) against one B panel: a2 is the second panel's quads, tile 12 rows of
// 64 bytes (the first panel's 6, then the second's). Each B vector loaded feeds 12 rows instead of
// 6, which halves the B panel's traffic from L2 per multiply-add (B blocks are re-read from L2 for
// every panel of A), and 12 accumulators are enough chains without a second set.
#define KITE_AVX512_TILE_PAIR_ASM(op)                                                                      \
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
  "vmovdqu 384(%[acc]), %%ymm6\n\t"                                                                        \
  "vinserti64x4 $1, 416(%[acc]), %%zmm6, %%zmm6\n\t"                                                       \
  "vmovdqu 448(%[acc]), %%ymm7\n\t"                                                                        \
  "vinserti64x4 $1, 480(%[acc]), %%zmm7, %%zmm7\n\t"                                                       \
  "vmovdqu 512(%[acc]), %%ymm8\n\t"                                                                        \
  "vinserti64x4 $1, 544(%[acc]), %%zmm8, %%zmm8\n\t"                                                       \
  "vmovdqu 576(%[acc]), %%ymm9\n\t"                                                                        \
  "vinserti64x4 $1, 608(%[acc]), %%zmm9, %%zmm9\n\t"                                                       \
  "vmovdqu 640(%[acc]), %%ymm10\n\t"                                                                       \
  "vinserti64x4 $1, 672(%[acc]), %%zmm10, %%zmm10\n\t"                                                     \
  "vmovdqu 704(%[acc]), %%ymm11\n\t"                                                                       \
  "vinserti64x4 $1, 736(%[acc]), %%zmm11, %%zmm11\n\t"                                                     \
  "mov %[n], %%rcx\n\t"                                                                                    \
  "shr $1, %%rcx\n\t"                                                                                      \
  "jz 2f\n\t"                                                                                              \
  "1:\n\t"                                                                                                 \
  "vmovdqu32 (%[b]), %%zmm12\n\t"                                                                          \
  "vmovdqu32 64(%[b]), %%zmm13\n\t"                                                                        \
  op " 0(%[a])%{1to16%}, %%zmm12, %%zmm0\n\t"                                                              \
  op " 4(%[a])%{1to16%}, %%zmm12, %%zmm1\n\t"                                                              \
  op " 8(%[a])%{1to16%}, %%zmm12, %%zmm2\n\t"                                                              \
  op " 12(%[a])%{1to16%}, %%zmm12, %%zmm3\n\t"                                                             \
  op " 16(%[a])%{1to16%}, %%zmm12, %%zmm4\n\t"                                                             \
  op " 20(%[a])%{1to16%}, %%zmm12, %%zmm5\n\t"                                                             \
  op " 0(%[a2])%{1to16%}, %%zmm12, %%zmm6\n\t"                                                             \
  op " 4(%[a2])%{1to16%}, %%zmm12, %%zmm7\n\t"                                                             \
  op " 8(%[a2])%{1to16%}, %%zmm12, %%zmm8\n\t"                                                             \
  op " 12(%[a2])%{1to16%}, %%zmm12, %%zmm9\n\t"                                                            \
  op " 16(%[a2])%{1to16%}, %%zmm12, %%zmm10\n\t"                                                           \
  op " 20(%[a2])%{1to16%}, %%zmm12, %%zmm11\n\t"                                                           \
  op " 24(%[a])%{1to16%}, %%zmm13, %%zmm0\n\t"                                                             \
  op " 28(%[a])%{1to16%}, %%zmm13, %%zmm1\n\t"                                                             \
  op " 32(%[a])%{1to16%}, %%zmm13, %%zmm2\n\t"                                                             \
  op " 36(%[a])%{1to16%}, %%zmm13, %%zmm3\n\t"                                                             \
  op " 40(%[a])%{1to16%}, %%zmm13, %%zmm4\n\t"                                                             \
  op " 44(%[a])%{1to16%}, %%zmm13, %%zmm5\n\t"                                                             \
  op " 24(%[a2])%{1to16%}, %%zmm13, %%zmm6\n\t"                                                            \
  op " 28(%[a2])%{1to16%}, %%zmm13, %%zmm7\n\t"                                                            \
  op " 32(%[a2])%{1to16%}, %%zmm13, %%zmm8\n\t"                                                            \
  op " 36(%[a2])%{1to16%}, %%zmm13, %%zmm9\n\t"                                                            \
  op " 40(%[a2])%{1to16%}, %%zmm13, %%zmm10\n\t"                                                           \
  op " 44(%[a2])%{1to16%}, %%zmm13, %%zmm11\n\t"                                                           \
  "add $48, %[a]\n\t"                                                                                      \
  "add $48, %[a2]\n\t"                                                                                     \
  "add $128, %[b]\n\t"                                                                                     \
  "dec %%rcx\n\t"                                                                                          \
  "jnz 1b\n\t"                                                                                             \
  "2:\n\t"                                                                                                 \
  "test $1, %[n]\n\t"                                                                                      \
  "jz 3f\n\t"                                                                                              \
  "vmovdqu32 (%[b]), %%zmm12\n\t"                                                                          \
  op " 0(%[a])%{1to16%}, %%zmm12, %%zmm0\n\t"                                                              \
  op " 4(%[a])%{1to16%}, %%zmm12, %%zmm1\n\t"                                                              \
  op " 8(%[a])%{1to16%}, %%zmm12, %%zmm2\n\t"                                                              \
  op " 12(%[a])%{1to16%}, %%zmm12, %%zmm3\n\t"                                                             \
  op " 16(%[a])%{1to16%}, %%zmm12, %%zmm4\n\t"                                                             \
  op " 20(%[a])%{1to16%}, %%zmm12, %%zmm5\n\t"                                                             \
  op " 0(%[a2])%{1to16%}, %%zmm12, %%zmm6\n\t"                                                             \
  op " 4(%[a2])%{1to16%}, %%zmm12, %%zmm7\n\t"                                                             \
  op " 8(%[a2])%{1to16%}, %%zmm12, %%zmm8\n\t"                                                             \
  op " 12(%[a2])%{1to16%}, %%zmm12, %%zmm9\n\t"                                                            \
  op " 16(%[a2])%{1to16%}, %%zmm12, %%zmm10\n\t"                                                           \
  op " 20(%[a2])%{1to16%}, %%zmm12, %%zmm11\n\t"                                                           \
  "3:\n\t"                                                                                                 \
  "vmovdqu32 %%zmm0, 0(%[acc])\n\t"                                                                        \
  "vmovdqu32 %%zmm1, 64(%[acc])\n\t"                                                                       \
  "vmovdqu32 %%zmm2, 128(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm3, 192(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm4, 256(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm5, 320(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm6, 384(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm7, 448(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm8, 512(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm9, 576(%[acc])\n\t"                                                                      \
  "vmovdqu32 %%zmm10, 640(%[acc])\n\t"                                                                     \
  "vmovdqu32 %%zmm11, 704(%[acc])\n\t"                                                                     \
  "vzeroupper\n\t"                                                                                         \
  : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b)                                                                \
  : [acc] "r"(tile), [n] "r"(steps)                                                                        \
  : "cc", "memory", "rcx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15" /* vzeroupper clears every upper half */
