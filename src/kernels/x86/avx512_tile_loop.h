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
// It also holds what every zmm asm loop (these, the 12 x 32 int8 one and the fp32 ones in
// f32_gemm_6x16_fma3.cpp) writes alike: moving the tile's rows in and out of zmm registers, and
// the clobber list.
//
// A macro header (no code of its own), so that each kernel file expands it in its own code.
#pragma once

// Tile rows of 64 bytes at %[acc] in and out of zmm registers: zmm r holds row r. A row is read in
// halves of 32 bytes, as the C++ code around writes it (a 64-byte load from two 32-byte stores
// cannot be forwarded from them); zmm16 and up are filled by two inserts, as VEX moves cannot name
// them. `load` and `insert` are the float or the integer forms ("vmovups" / "vinsertf64x4",
// "vmovdqu" / "vinserti64x4"), `store` "vmovups" or "vmovdqu32", so that each kernel keeps its
// domain.
#define KITE_ZMM_ROWS_IN_0_5(load, insert)      \
  load " 0(%[acc]), %%ymm0\n\t"                  \
  insert " $1, 32(%[acc]), %%zmm0, %%zmm0\n\t"   \
  load " 64(%[acc]), %%ymm1\n\t"                 \
  insert " $1, 96(%[acc]), %%zmm1, %%zmm1\n\t"   \
  load " 128(%[acc]), %%ymm2\n\t"                \
  insert " $1, 160(%[acc]), %%zmm2, %%zmm2\n\t"  \
  load " 192(%[acc]), %%ymm3\n\t"                \
  insert " $1, 224(%[acc]), %%zmm3, %%zmm3\n\t"  \
  load " 256(%[acc]), %%ymm4\n\t"                \
  insert " $1, 288(%[acc]), %%zmm4, %%zmm4\n\t"  \
  load " 320(%[acc]), %%ymm5\n\t"                \
  insert " $1, 352(%[acc]), %%zmm5, %%zmm5\n\t"
#define KITE_ZMM_ROWS_IN_6_11(load, insert)       \
  load " 384(%[acc]), %%ymm6\n\t"                  \
  insert " $1, 416(%[acc]), %%zmm6, %%zmm6\n\t"    \
  load " 448(%[acc]), %%ymm7\n\t"                  \
  insert " $1, 480(%[acc]), %%zmm7, %%zmm7\n\t"    \
  load " 512(%[acc]), %%ymm8\n\t"                  \
  insert " $1, 544(%[acc]), %%zmm8, %%zmm8\n\t"    \
  load " 576(%[acc]), %%ymm9\n\t"                  \
  insert " $1, 608(%[acc]), %%zmm9, %%zmm9\n\t"    \
  load " 640(%[acc]), %%ymm10\n\t"                 \
  insert " $1, 672(%[acc]), %%zmm10, %%zmm10\n\t"  \
  load " 704(%[acc]), %%ymm11\n\t"                 \
  insert " $1, 736(%[acc]), %%zmm11, %%zmm11\n\t"
#define KITE_ZMM_ROWS_IN_12_23(load, insert)       \
  load " 768(%[acc]), %%ymm12\n\t"                  \
  insert " $1, 800(%[acc]), %%zmm12, %%zmm12\n\t"   \
  load " 832(%[acc]), %%ymm13\n\t"                  \
  insert " $1, 864(%[acc]), %%zmm13, %%zmm13\n\t"   \
  load " 896(%[acc]), %%ymm14\n\t"                  \
  insert " $1, 928(%[acc]), %%zmm14, %%zmm14\n\t"   \
  load " 960(%[acc]), %%ymm15\n\t"                  \
  insert " $1, 992(%[acc]), %%zmm15, %%zmm15\n\t"   \
  insert " $0, 1024(%[acc]), %%zmm16, %%zmm16\n\t"  \
  insert " $1, 1056(%[acc]), %%zmm16, %%zmm16\n\t"  \
  insert " $0, 1088(%[acc]), %%zmm17, %%zmm17\n\t"  \
  insert " $1, 1120(%[acc]), %%zmm17, %%zmm17\n\t"  \
  insert " $0, 1152(%[acc]), %%zmm18, %%zmm18\n\t"  \
  insert " $1, 1184(%[acc]), %%zmm18, %%zmm18\n\t"  \
  insert " $0, 1216(%[acc]), %%zmm19, %%zmm19\n\t"  \
  insert " $1, 1248(%[acc]), %%zmm19, %%zmm19\n\t"  \
  insert " $0, 1280(%[acc]), %%zmm20, %%zmm20\n\t"  \
  insert " $1, 1312(%[acc]), %%zmm20, %%zmm20\n\t"  \
  insert " $0, 1344(%[acc]), %%zmm21, %%zmm21\n\t"  \
  insert " $1, 1376(%[acc]), %%zmm21, %%zmm21\n\t"  \
  insert " $0, 1408(%[acc]), %%zmm22, %%zmm22\n\t"  \
  insert " $1, 1440(%[acc]), %%zmm22, %%zmm22\n\t"  \
  insert " $0, 1472(%[acc]), %%zmm23, %%zmm23\n\t"  \
  insert " $1, 1504(%[acc]), %%zmm23, %%zmm23\n\t"
#define KITE_ZMM_ROWS_OUT_0_5(store)\
  store " %%zmm0, 0(%[acc])\n\t"    \
  store " %%zmm1, 64(%[acc])\n\t"   \
  store " %%zmm2, 128(%[acc])\n\t"  \
  store " %%zmm3, 192(%[acc])\n\t"  \
  store " %%zmm4, 256(%[acc])\n\t"  \
  store " %%zmm5, 320(%[acc])\n\t"
#define KITE_ZMM_ROWS_OUT_6_11(store)\
  store " %%zmm6, 384(%[acc])\n\t"   \
  store " %%zmm7, 448(%[acc])\n\t"   \
  store " %%zmm8, 512(%[acc])\n\t"   \
  store " %%zmm9, 576(%[acc])\n\t"   \
  store " %%zmm10, 640(%[acc])\n\t"  \
  store " %%zmm11, 704(%[acc])\n\t"
#define KITE_ZMM_ROWS_OUT_12_23(store)\
  store " %%zmm12, 768(%[acc])\n\t"   \
  store " %%zmm13, 832(%[acc])\n\t"   \
  store " %%zmm14, 896(%[acc])\n\t"   \
  store " %%zmm15, 960(%[acc])\n\t"   \
  store " %%zmm16, 1024(%[acc])\n\t"  \
  store " %%zmm17, 1088(%[acc])\n\t"  \
  store " %%zmm18, 1152(%[acc])\n\t"  \
  store " %%zmm19, 1216(%[acc])\n\t"  \
  store " %%zmm20, 1280(%[acc])\n\t"  \
  store " %%zmm21, 1344(%[acc])\n\t"  \
  store " %%zmm22, 1408(%[acc])\n\t"  \
  store " %%zmm23, 1472(%[acc])\n\t"

// What an asm loop over zmm registers changes: the flags, the tile in memory and every vector
// register (vzeroupper, at its end, clears every upper half); in a build that itself targets
// AVX-512 (-march=native), whose code may keep values in zmm16 and up, those too (the 12 x 32
// tiles use zmm16-28). Under AVX2 alone the compiler does not know their names.
#if defined(__AVX512F__)
#define KITE_ZMM_UPPER_CLOBBERS                                                                         \
  , "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", \
      "xmm27", "xmm28"
#else
#define KITE_ZMM_UPPER_CLOBBERS
#endif
#define KITE_ZMM_CLOBBERS                                                                                      \
  "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
      "xmm12", "xmm13", "xmm14", "xmm15" KITE_ZMM_UPPER_CLOBBERS

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
  KITE_ZMM_ROWS_IN_0_5("vmovdqu", "vinserti64x4") \
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
  KITE_ZMM_ROWS_OUT_0_5("vmovdqu32") \
  "vzeroupper\n\t" /* the upper halves clean again, as the code around expects */                          \
  : [a] "+r"(a), [b] "+r"(b)                                                                               \
  : [acc] "r"(tile), [n] "r"(steps)                                                                        \
  : "rcx", KITE_ZMM_CLOBBERS

// Two panels of A (12 rows) against one B panel: a2 is the second panel's quads, tile 12 rows of
// 64 bytes (the first panel's 6, then the second's). Each B vector loaded feeds 12 rows instead of
// 6, which halves the B panel's traffic from L2 per multiply-add (B blocks are re-read from L2 for
// every panel of A), and 12 accumulators are enough chains without a second set.
#define KITE_AVX512_TILE_PAIR_ASM(op)                                                                      \
  KITE_ZMM_ROWS_IN_0_5("vmovdqu", "vinserti64x4") \
  KITE_ZMM_ROWS_IN_6_11("vmovdqu", "vinserti64x4") \
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
  KITE_ZMM_ROWS_OUT_0_5("vmovdqu32") \
  KITE_ZMM_ROWS_OUT_6_11("vmovdqu32") \
  "vzeroupper\n\t"                                                                                         \
  : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b)                                                                \
  : [acc] "r"(tile), [n] "r"(steps)                                                                        \
  : "rcx", KITE_ZMM_CLOBBERS
