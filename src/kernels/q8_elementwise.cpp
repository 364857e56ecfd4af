// Checks add_q8's parameters and runs the kernel for this CPU.
#include "kernels/q8_elementwise.h"

#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/q8_elementwise_kernels.h"
#include "kite/error.h"

namespace kite {
namespace {

struct Q8AddKernel {
  Q8AddFn run;
  const char* name;
};

Q8AddKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return {q8_add_avx512, "q8_add_avx512"};
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {q8_add_avx2, "q8_add_avx2"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {q8_add_neon, "q8_add_neon"};
#endif
  return {q8_add_generic, "q8_add_generic"};
}

constexpr int32_t kMaxMultiplier = int32_t{1} << 22;

bool byte_ok(int32_t v) { return v >= 0 && v <= 255; }
bool multiplier_ok(int32_t m) { return m >= -kMaxMultiplier && m <= kMaxMultiplier; }

}  // namespace

void add_q8(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  KITE_CHECK(count >= 0, "add_q8: negative count ", count);
  KITE_CHECK(byte_ok(p.a_zero_point) && byte_ok(p.b_zero_point) && byte_ok(p.y_zero_point), "add_q8: zero points ",
             p.a_zero_point, ", ", p.b_zero_point, ", ", p.y_zero_point, " are not all in [0, 255]");
  KITE_CHECK(byte_ok(p.qmin) && byte_ok(p.qmax) && p.qmin <= p.qmax, "add_q8: bad output range [", p.qmin, ", ", p.qmax,
             "]");
  KITE_CHECK(multiplier_ok(p.requant.a_multiplier) && multiplier_ok(p.requant.b_multiplier), "add_q8: multipliers ",
             p.requant.a_multiplier, ", ", p.requant.b_multiplier, " are outside [-2^22, 2^22]");
  KITE_CHECK(p.requant.scale > 0.f && std::isfinite(p.requant.scale), "add_q8: scale ", p.requant.scale,
             " is not positive and finite");
  if (count > 0) select_kernel().run(a, b, y, count, p);
}

const char* add_q8_kernel_name() { return select_kernel().name; }

}  // namespace kite
