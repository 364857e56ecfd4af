// Checks depthwise_conv_f32's parameters and runs the kernel for this CPU.
#include "kernels/depthwise_conv.h"

#include "kernels/cpu_features.h"
#include "kernels/dwconv_kernels.h"
#include "kite/error.h"

namespace kite {
namespace {

struct DepthwiseKernel {
  DepthwiseFn run;
  const char* name;
};

DepthwiseKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return {f32_dwconv_3x3_5x5_avx512, "f32_dwconv_3x3_5x5_avx512"};
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {f32_dwconv_3x3_5x5_fma3, "f32_dwconv_3x3_5x5_fma3"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {f32_dwconv_3x3_5x5_neon, "f32_dwconv_3x3_5x5_neon"};
#endif
  return {f32_dwconv_generic, "f32_dwconv_generic"};
}

// The AVX2 kernel computes input positions (up to about stride * out_w + pad_left) in 32-bit
// integers; no real plane comes near this bound.
constexpr int64_t kMaxDim = int64_t{1} << 28;

bool dim_ok(int64_t d) { return d > 0 && d <= kMaxDim; }

}  // namespace

bool depthwise_supported(int64_t kernel, int64_t stride, int64_t dilation) {
  return (kernel == 3 || kernel == 5) && (stride == 1 || stride == 2) && dilation == 1;
}

void depthwise_conv_f32(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                        float* output, int64_t c_begin, int64_t c_end) {
  KITE_CHECK(depthwise_supported(p.kernel, p.stride), "depthwise_conv_f32: kernel ", p.kernel, " stride ", p.stride,
             " is not supported");
  KITE_CHECK(dim_ok(p.in_h) && dim_ok(p.in_w) && dim_ok(p.out_h) && dim_ok(p.out_w) && p.channels > 0,
             "depthwise_conv_f32: bad sizes: ", p.channels, " channels, input ", p.in_h, "x", p.in_w, ", output ",
             p.out_h, "x", p.out_w);
  KITE_CHECK(p.pad_top >= 0 && p.pad_left >= 0 && p.pad_top <= kMaxDim && p.pad_left <= kMaxDim,
             "depthwise_conv_f32: bad padding ", p.pad_top, ", ", p.pad_left);
  KITE_CHECK(0 <= c_begin && c_begin <= c_end && c_end <= p.channels, "depthwise_conv_f32: channel range [",
             c_begin, ", ", c_end, ") is not inside [0, ", p.channels, ")");
  select_kernel().run(p, input, weights, bias, output, c_begin, c_end);
}

const char* depthwise_kernel_name() { return select_kernel().name; }

}  // namespace kite
