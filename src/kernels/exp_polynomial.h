// The constants of kite's vectorized expf, shared by every ISA's implementation so that they
// evaluate the same formula: x = n ln2 + r with n = round(x / ln2), ln2 split into a part exact
// in float (kLn2Hi, so n * kLn2Hi is exact for |n| <= 2^8) and the rest; then
// exp(r) ~ 1 + r + r^2 * (c2 + r c3 + ... + r^5 c7), Taylor coefficients (the truncation error
// r^8/8! < 6e-9 on |r| <= ln2/2 is below float rounding).
#pragma once

namespace kite::exp_poly {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
// Inside these bounds 2^n is a normal float; outside, exp gives infinity above and 0 below (the
// true value is then denormal or zero: under 1.2e-38).
constexpr float kMaxInput = 88.3762626647949f;
constexpr float kMinInput = -87.3365447504019f;
constexpr float kC2 = 1.f / 2, kC3 = 1.f / 6, kC4 = 1.f / 24, kC5 = 1.f / 120, kC6 = 1.f / 720, kC7 = 1.f / 5040;

}  // namespace kite::exp_poly
