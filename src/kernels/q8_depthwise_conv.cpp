// Checks depthwise_conv_q8's parameters and runs the kernel for this CPU.
#include "kernels/q8_depthwise_conv.h"

#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/depthwise_conv.h"
#include "kernels/q8_dwconv_kernels.h"
#include "kernels/thread_scratch.h"
#include "kite/error.h"

namespace kite {
namespace {

struct Q8DepthwiseKernel {
  Q8DepthwiseFn run;
  const char* name;
};

#if defined(KITE_KERNELS_X86)
// The AVX-512 kernel's padded planes, per thread (kernels/thread_scratch.h): a 112 x 112 plane is
// 13 KiB, kept between calls.
struct Q8DepthwisePlanes;  // thread_scratch's tag
void run_avx512(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  auto* scratch = static_cast<uint8_t*>(thread_scratch<Q8DepthwisePlanes>(q8_dwconv_avx512_scratch_bytes(p), 64 * 1024));
  q8_dwconv_avx512(p, input, weights, bias, scale, output, c_begin, c_end, scratch);
}
#endif

Q8DepthwiseKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512_vnni()) return {run_avx512, "q8_dwconv_avx512_vnni"};
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {q8_dwconv_avx2, "q8_dwconv_avx2"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {q8_dwconv_neon, "q8_dwconv_neon"};
#endif
  return {q8_dwconv_generic, "q8_dwconv_generic"};
}

// As for depthwise_conv_f32: positions stay far inside 32-bit integers.
constexpr int64_t kMaxDim = int64_t{1} << 28;
// Keeps bias + 25 taps inside an int32 (see the header).
constexpr int32_t kMaxBias = int32_t{1} << 30;

bool dim_ok(int64_t d) { return d > 0 && d <= kMaxDim; }
bool byte_ok(int32_t v) { return v >= 0 && v <= 255; }

}  // namespace

void depthwise_conv_q8(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                       const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  KITE_CHECK(depthwise_supported(p.kernel, p.stride), "depthwise_conv_q8: kernel ", p.kernel, " stride ", p.stride,
             " is not supported");
  KITE_CHECK(dim_ok(p.in_h) && dim_ok(p.in_w) && dim_ok(p.out_h) && dim_ok(p.out_w) && p.channels > 0,
             "depthwise_conv_q8: bad sizes: ", p.channels, " channels, input ", p.in_h, "x", p.in_w, ", output ",
             p.out_h, "x", p.out_w);
  KITE_CHECK(p.pad_top >= 0 && p.pad_left >= 0 && p.pad_top <= kMaxDim && p.pad_left <= kMaxDim,
             "depthwise_conv_q8: bad padding ", p.pad_top, ", ", p.pad_left);
  KITE_CHECK(0 <= c_begin && c_begin <= c_end && c_end <= p.channels, "depthwise_conv_q8: channel range [", c_begin,
             ", ", c_end, ") is not inside [0, ", p.channels, ")");
  KITE_CHECK(byte_ok(p.x_zero_point) && byte_ok(p.y_zero_point), "depthwise_conv_q8: zero points ", p.x_zero_point,
             ", ", p.y_zero_point, " are not in [0, 255]");
  KITE_CHECK(byte_ok(p.qmin) && byte_ok(p.qmax) && p.qmin <= p.qmax, "depthwise_conv_q8: bad output range [", p.qmin,
             ", ", p.qmax, "]");
  for (int64_t c = c_begin; c < c_end; ++c) {
    KITE_CHECK(!bias || (bias[c] >= -kMaxBias && bias[c] <= kMaxBias), "depthwise_conv_q8: channel ", c, "'s bias ",
               bias[c], " is outside [-2^30, 2^30]");
    KITE_CHECK(scale[c] > 0.f && std::isfinite(scale[c]), "depthwise_conv_q8: channel ", c, "'s scale ", scale[c],
               " is not positive and finite");
  }
  select_kernel().run(p, input, weights, bias, scale, output, c_begin, c_end);
}

const char* depthwise_q8_kernel_name() { return select_kernel().name; }

}  // namespace kite
