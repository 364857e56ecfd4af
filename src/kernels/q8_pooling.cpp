// Checks the pooling kernels' parameters and runs the kernels for this CPU.
#include "kernels/q8_pooling.h"

#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/q8_pool_kernels.h"
#include "kite/error.h"

namespace kite {
namespace {

struct AveragePoolKernel {
  Q8AveragePoolFn run;
  const char* name;
};

AveragePoolKernel select_average_pool() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {q8_avgpool_avx2, "q8_avgpool_avx2"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {q8_avgpool_neon, "q8_avgpool_neon"};
#endif
  return {q8_avgpool_generic, "q8_avgpool_generic"};
}

struct MaxPoolKernel {
  U8MaxPoolFn run;
  const char* name;
};

MaxPoolKernel select_max_pool() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {u8_maxpool_avx2, "u8_maxpool_avx2"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {u8_maxpool_neon, "u8_maxpool_neon"};
#endif
  return {u8_maxpool_generic, "u8_maxpool_generic"};
}

// Keeps |sum of (x - x_zero_point)| <= 255 * 2^23 inside an int32.
constexpr int64_t kMaxPlane = int64_t{1} << 23;
// Keeps window positions (up to about stride * out + kernel) far inside 64-bit integers.
constexpr int64_t kMaxDim = int64_t{1} << 28;

bool byte_ok(int32_t v) { return v >= 0 && v <= 255; }
bool dim_ok(int64_t d) { return d > 0 && d <= kMaxDim; }

}  // namespace

void global_average_pool_q8(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                            const Q8GlobalAveragePoolParams& p) {
  KITE_CHECK(channels >= 0, "global_average_pool_q8: negative channel count ", channels);
  KITE_CHECK(plane >= 1 && plane <= kMaxPlane, "global_average_pool_q8: plane of ", plane,
             " elements is not in [1, 2^23]");
  KITE_CHECK(byte_ok(p.x_zero_point) && byte_ok(p.y_zero_point), "global_average_pool_q8: zero points ", p.x_zero_point,
             ", ", p.y_zero_point, " are not in [0, 255]");
  KITE_CHECK(byte_ok(p.qmin) && byte_ok(p.qmax) && p.qmin <= p.qmax, "global_average_pool_q8: bad output range [",
             p.qmin, ", ", p.qmax, "]");
  KITE_CHECK(p.scale > 0.f && std::isfinite(p.scale), "global_average_pool_q8: scale ", p.scale,
             " is not positive and finite");
  if (channels > 0) select_average_pool().run(x, y, channels, plane, p);
}

const char* global_average_pool_q8_kernel_name() { return select_average_pool().name; }

void max_pool_u8(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end) {
  KITE_CHECK(p.channels > 0 && dim_ok(p.in_h) && dim_ok(p.in_w) && dim_ok(p.out_h) && dim_ok(p.out_w),
             "max_pool_u8: bad sizes: ", p.channels, " channels, input ", p.in_h, "x", p.in_w, ", output ", p.out_h,
             "x", p.out_w);
  KITE_CHECK(dim_ok(p.kernel_h) && dim_ok(p.kernel_w) && dim_ok(p.stride_h) && dim_ok(p.stride_w),
             "max_pool_u8: bad kernel ", p.kernel_h, "x", p.kernel_w, " or stride ", p.stride_h, "x", p.stride_w);
  KITE_CHECK(p.pad_top >= 0 && p.pad_left >= 0 && p.pad_top <= kMaxDim && p.pad_left <= kMaxDim,
             "max_pool_u8: bad padding ", p.pad_top, ", ", p.pad_left);
  KITE_CHECK(0 <= c_begin && c_begin <= c_end && c_end <= p.channels, "max_pool_u8: channel range [", c_begin, ", ",
             c_end, ") is not inside [0, ", p.channels, ")");
  select_max_pool().run(p, x, y, c_begin, c_end);
}

const char* max_pool_u8_kernel_name() { return select_max_pool().name; }

}  // namespace kite
