// The Winograd weight transform (once per model, in double), and the choice of the transforms'
// implementation for this CPU.
#include "kernels/winograd.h"

#include "kernels/cpu_features.h"
#include "kernels/winograd_kernels.h"

namespace kite {
namespace {

struct Transforms {
  void (*input)(const WinogradParams&, const float*, int64_t, float*);
  void (*output)(const WinogradParams&, const float*, int64_t, int64_t, int64_t, int64_t, const float*, const float*,
                 float, float, float*);
  const char* name;
};

Transforms select_transforms() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512())
    return {f32_winograd_input_avx512, f32_winograd_output_avx512, "f32_winograd_avx512"};
  if (!generic_kernels_forced() && cpu_has_avx2_fma())
    return {f32_winograd_input_fma3, f32_winograd_output_fma3, "f32_winograd_fma3"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon())
    return {f32_winograd_input_neon, f32_winograd_output_neon, "f32_winograd_neon"};
#endif
  return {f32_winograd_input_generic, f32_winograd_output_generic, "f32_winograd_generic"};
}

// G of F(4x4, 3x3), interpolation points 0, +-1, +-2 and infinity (Lavin & Gray).
constexpr double kG[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};

}  // namespace

void winograd_weights_f32(const float* weights, int64_t oc, int64_t ic, float* u) {
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t c = 0; c < ic; ++c) {
      const float* g = weights + (o * ic + c) * 9;
      double gg[6][3];  // G g
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 3; ++j) gg[i][j] = kG[i][0] * g[0 * 3 + j] + kG[i][1] * g[1 * 3 + j] + kG[i][2] * g[2 * 3 + j];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j)  // (G g) G^T
          u[((i * 6 + j) * oc + o) * ic + c] =
              static_cast<float>(gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2]);
    }
}

void winograd_input_f32(const WinogradParams& p, const float* x, int64_t t0, float* v) {
  select_transforms().input(p, x, t0, v);
}

void winograd_output_f32(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                         const float* bias, const float* residual, float lo, float hi, float* y) {
  select_transforms().output(p, m, point_stride, rows, oc0, t0, bias, residual, lo, hi, y);
}

const char* winograd_kernel_name() { return select_transforms().name; }

}  // namespace kite
