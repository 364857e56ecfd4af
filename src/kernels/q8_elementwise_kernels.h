// The implementations behind add_q8 (kernels/q8_elementwise.cpp picks one), one per ISA, each in
// its own file. Same contract as add_q8, with the parameters already checked. Internal to
// src/kernels.
#pragma once
#include <cstdint>

#include "kernels/q8_elementwise.h"

namespace kite {

using Q8AddFn = void (*)(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);

void q8_add_generic(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);
// Only compiled for x86-64 and only called when cpu_has_avx2_fma().
void q8_add_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);
// Only compiled for x86-64 and only called when cpu_has_avx512().
void q8_add_avx512(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);
// Only compiled for AArch64.
void q8_add_neon(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);

}  // namespace kite
