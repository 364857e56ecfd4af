// Winograd F(4x4, 3x3) transforms compiled for this ISA (see kernels/winograd_transforms.h).
#include "kernels/winograd_kernels.h"
#include "kernels/winograd_transforms.h"

namespace kite {

void f32_winograd_input_fma3(const WinogradParams& p, const float* x, int64_t t0, float* v) {
  input_transform(p, x, t0, v);
}

void f32_winograd_output_fma3(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                        const float* bias, const float* residual, float lo, float hi, float* y) {
  output_transform(p, m, point_stride, rows, oc0, t0, bias, residual, lo, hi, y);
}

}  // namespace kite
