// The x86 activation loops, written once over a vector type's operations (`Ops`) and compiled by
// the AVX2 file (8 lanes, kernels/x86/f32_activation_fma3.cpp) and the AVX-512 one (16,
// kernels/x86/f32_activation_avx512.cpp): the same operations in the same order on each lane, so
// that both give the same bits. Every element takes the same instructions, the tail through a
// masked load and store (no scalar remainder that could round differently). The min/max operand
// orders reproduce the reference's NaN and -0 behaviour (see activation.h).
//
// Everything here has internal linkage (an anonymous namespace): each file that includes it
// compiles its own copy for its own instruction set, and the linker never picks one for the other.
#pragma once
#include <cstdint>

#include "kernels/activation.h"
#include "kernels/exp_polynomial.h"

namespace kite {
namespace {

// e^x as 1 / (1 + e^x) needs it, with no selects: the argument is clamped to [kMinInput,
// kSigmoidTop] with NaN passed through (max and min take the value as second operand). Below the
// bottom the result is 2^-126 or so instead of the true tiny value, and 1 + it rounds to 1 either
// way; from kMaxInput to the top, n = 128 and 2^n is infinity's bit pattern, so the result is
// infinity as it should be (1 / (1 + inf) = 0). Checked against the version with explicit
// selects over all 2^32 floats: the same sigmoid and SiLU bits, NaN where it gave NaN; the selects
// (five more instructions) took a fifth of SiLU's time.
constexpr float kSigmoidTop = 89.0f;  // n = floor(89 log2(e) + 0.5) = 128: infinity

template <class Ops>
typename Ops::V exp_for_sigmoid(typename Ops::V x) {
  using namespace exp_poly;
  using V = typename Ops::V;
  V v = Ops::min(Ops::set1(kSigmoidTop), Ops::max(Ops::set1(kMinInput), x));
  V n = Ops::floor(Ops::fmadd(v, Ops::set1(kLog2e), Ops::set1(0.5f)));
  // r = v - n ln2 in two fused steps (Cody-Waite). The files are compiled without contraction
  // (CMakeLists.txt), so what is fused is what is written here, for both register widths: the
  // same bits. SIMD and portable results may differ in the last bits.
  V r = Ops::fnmadd(n, Ops::set1(kLn2Hi), v);
  r = Ops::fnmadd(n, Ops::set1(kLn2Lo), r);
  V p = Ops::set1(kC7);
  p = Ops::fmadd(p, r, Ops::set1(kC6));
  p = Ops::fmadd(p, r, Ops::set1(kC5));
  p = Ops::fmadd(p, r, Ops::set1(kC4));
  p = Ops::fmadd(p, r, Ops::set1(kC3));
  p = Ops::fmadd(p, r, Ops::set1(kC2));
  p = Ops::fmadd(Ops::mul(p, r), r, Ops::add(r, Ops::set1(1.f)));
  return Ops::mul(p, Ops::exp2_integer(n));
}

template <class Ops>
typename Ops::V sigmoid(typename Ops::V x) {
  typename Ops::V one = Ops::set1(1.f);
  return Ops::div(one, Ops::add(one, exp_for_sigmoid<Ops>(Ops::sub(Ops::set1(0.f), x))));
}

// min(1, max(0, t)) in the reference's operand order: NaN becomes 1, as std::min(1.f, NaN) does.
template <class Ops>
typename Ops::V unit_clamp(typename Ops::V t) {
  return Ops::max(Ops::min(t, Ops::set1(1.f)), Ops::set1(0.f));
}

template <class Ops, typename F>
void apply(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + Ops::kLanes <= n; i += Ops::kLanes) Ops::store(y + i, f(Ops::load(x + i)));
  if (i < n) Ops::store_first(y + i, f(Ops::load_first(x + i, n - i)), n - i);
}

template <class Ops>
void activation(const ActivationParams& p, const float* x, float* y, int64_t n) {
  using V = typename Ops::V;
  const V a = Ops::set1(p.a), b = Ops::set1(p.b), zero = Ops::set1(0.f);
  switch (p.kind) {
    case Activation::kRelu:  // 0 > x ? 0 : x keeps NaN and -0
      return apply<Ops>(x, y, n, [=](V v) { return Ops::max(zero, v); });
    case Activation::kClip:  // b < max(v, a) ? b : that, as std::min(std::max(v, a), b)
      return apply<Ops>(x, y, n, [=](V v) { return Ops::min(b, Ops::max(a, v)); });
    case Activation::kLeakyRelu:
      return apply<Ops>(x, y, n, [=](V v) { return Ops::select_below_zero(v, Ops::mul(a, v), v); });
    case Activation::kHardSigmoid:
      return apply<Ops>(x, y, n, [=](V v) { return unit_clamp<Ops>(Ops::add(Ops::mul(a, v), b)); });
    case Activation::kHardSwish:
      return apply<Ops>(x, y, n, [=](V v) {
        V t = Ops::add(Ops::mul(Ops::set1(1.f / 6.f), v), Ops::set1(0.5f));
        return Ops::mul(v, unit_clamp<Ops>(t));
      });
    case Activation::kSigmoid: return apply<Ops>(x, y, n, [](V v) { return sigmoid<Ops>(v); });
    case Activation::kSiLU: return apply<Ops>(x, y, n, [](V v) { return Ops::mul(v, sigmoid<Ops>(v)); });
  }
}

}  // namespace
}  // namespace kite
