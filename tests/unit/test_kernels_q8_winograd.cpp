// The int8 Winograd F(2x2, 3x3) kernels (kernels/q8_winograd.h) against a direct convolution
// summed in int64: the same bytes, for small odd shapes where a unit scale makes every int32 sum
// visible in the output (an inexact division by 4 included), and at the largest sums the kernel
// accepts (1024 input channels of extreme inputs and weights), where a wrapped partial sum or a
// lost high bit would show.
// Run with the portable kernels forced too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/q8_winograd.h"
#include "kernels/requantize.h"
#include "kite/error.h"

namespace kite {
namespace {

struct Conv {
  int64_t channels, out_channels, h, w, pad_top, pad_left, pad_bottom, pad_right;
  Im2colParams window() const {
    Im2colParams q;
    q.channels = channels;
    q.in_h = h;
    q.in_w = w;
    q.out_h = h + pad_top + pad_bottom - 2;
    q.out_w = w + pad_left + pad_right - 2;
    q.kernel_h = q.kernel_w = 3;
    q.pad_top = pad_top;
    q.pad_left = pad_left;
    return q;
  }
};

struct Requant {
  float scale;
  int32_t zero_point, qmin, qmax;
};

// The direct sums requantized: what the reference QLinearConv computes.
std::vector<uint8_t> direct(const Conv& c, const std::vector<uint8_t>& x, int32_t x_zero, const std::vector<int8_t>& w,
                            const std::vector<int32_t>& bias, const Requant& rq) {
  const Im2colParams q = c.window();
  std::vector<uint8_t> y(static_cast<size_t>(c.out_channels * q.out_h * q.out_w));
  for (int64_t o = 0; o < c.out_channels; ++o)
    for (int64_t oy = 0; oy < q.out_h; ++oy)
      for (int64_t ox = 0; ox < q.out_w; ++ox) {
        int64_t sum = 0;
        for (int64_t ci = 0; ci < c.channels; ++ci)
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t iy = oy - c.pad_top + ky, ix = ox - c.pad_left + kx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              sum += int64_t{w[static_cast<size_t>(((o * c.channels + ci) * 3 + ky) * 3 + kx)]} *
                     (x[static_cast<size_t>((ci * c.h + iy) * c.w + ix)] - x_zero);
            }
        EXPECT_LT(std::abs(sum), int64_t{1} << 29) << "the test's sums must stay inside the kernel's bound";
        const int32_t acc = static_cast<int32_t>(bias[static_cast<size_t>(o)] + sum);
        y[static_cast<size_t>((o * q.out_h + oy) * q.out_w + ox)] =
            static_cast<uint8_t>(requantize(acc, rq.scale, rq.zero_point, rq.qmin, rq.qmax));
      }
  return y;
}

// The node kernel's sequence on one image: transform the input in groups of `group` blocks, the
// 16 products per block, the output transform.
std::vector<uint8_t> winograd(const Conv& c, const std::vector<uint8_t>& x, int32_t x_zero, const std::vector<int8_t>& w,
                              const std::vector<int32_t>& bias, const Requant& rq, int64_t group) {
  const Q8WinogradParams p(c.window());
  const std::vector<float> scale(static_cast<size_t>(c.out_channels), rq.scale);
  const Q8WinogradEpilogue e{bias.data(), scale.data(), rq.zero_point, rq.qmin, rq.qmax};
  std::vector<PackedQ8A> u = q8_winograd_weights(w.data(), c.out_channels, c.channels);
  const int64_t blocks = q8_winograd_blocks(p), L = kQ8WinogradLanes;
  auto v_storage = allocate_aligned(static_cast<size_t>(q8_winograd_input_values(p, group)) * sizeof(int16_t));
  int16_t* v = static_cast<int16_t*>(v_storage.get());
  std::vector<int32_t> m(static_cast<size_t>(kQ8WinogradPoints * c.out_channels * L));
  std::vector<uint8_t> y(static_cast<size_t>(c.out_channels * p.out_h * p.out_w), 0xcd);
  for (int64_t b0 = 0; b0 < blocks; b0 += group) {
    const int64_t count = std::min(group, blocks - b0);
    q8_winograd_input(p, x.data(), x_zero, b0 * L, count, v);
    for (int64_t b = 0; b < count; ++b) {
      for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi)
        gemm_s16_panel(u[static_cast<size_t>(xi)], q8_winograd_panel(p, v, count, xi, b),
                       m.data() + xi * c.out_channels * L, L, 0, u[0].panel_count());
      q8_winograd_output(p, m.data(), c.out_channels * L, c.out_channels, 0, (b0 + b) * L, e, y.data());
    }
  }
  return y;
}

std::string describe(const Conv& c) {
  return std::to_string(c.channels) + "->" + std::to_string(c.out_channels) + " on " + std::to_string(c.h) + "x" +
         std::to_string(c.w) + " pads " + std::to_string(c.pad_top) + "," + std::to_string(c.pad_left) + "," +
         std::to_string(c.pad_bottom) + "," + std::to_string(c.pad_right);
}

class ForceGeneric {
 public:
  explicit ForceGeneric(bool on) { force_generic_kernels(on); }
  ~ForceGeneric() { force_generic_kernels(false); }
};

// A unit scale and zero point 128 with sums inside [-128, 127]: each output byte is its exact sum
// plus 128 (the test checks that no sum is clamped). Odd sizes (partial 2x2 tiles), maps from 1x1
// up, odd channel counts, paddings 0 to 2 on any side, and groups of 1 and 2 blocks.
TEST(Q8Winograd, MatchesTheDirectSumOnSmallShapes) {
  std::mt19937 rng(41);
  std::uniform_int_distribution<int> small_x(126, 130), small_w(-2, 2);
  int checked = 0;
  for (int64_t channels : {1, 2, 3})  // |sum| <= 3 * 9 * 2 * 2 + 2 = 110
    for (int64_t out_channels : {1, 6, 7})
      for (int64_t h : {1, 2, 5, 8})
        for (int64_t w : {1, 3, 7, 9})
          for (int64_t pads : {0, 1, 2}) {
            const Conv c{channels, out_channels, h, w, pads, (pads + 1) % 3, (pads + 2) % 3, pads};
            const Im2colParams q = c.window();
            if (q.out_h < 1 || q.out_w < 1) continue;
            std::vector<uint8_t> x(static_cast<size_t>(channels * h * w));
            for (uint8_t& v : x) v = static_cast<uint8_t>(small_x(rng));
            std::vector<int8_t> wt(static_cast<size_t>(out_channels * channels * 9));
            for (int8_t& v : wt) v = static_cast<int8_t>(small_w(rng));
            std::vector<int32_t> bias(static_cast<size_t>(out_channels));
            for (int32_t& b : bias) b = small_w(rng);
            const Requant rq{1.f, 128, 0, 255};
            const std::vector<uint8_t> want = direct(c, x, 128, wt, bias, rq);
            for (uint8_t v : want) ASSERT_TRUE(v > 0 && v < 255) << "a clamped sum would hide its errors";
            for (bool generic : {false, true}) {
              ForceGeneric force(generic);
              for (int64_t group : {1, 2})
                ASSERT_EQ(winograd(c, x, 128, wt, bias, rq, group), want) << describe(c) << ", group " << group;
            }
            ++checked;
          }
  EXPECT_GT(checked, 300);
}

// The largest sums: 1024 channels, inputs at 0 or 255 and weights at -128 or 127: every product
// at its largest with one sign (inputs 0 with zero point 255, weights -128: 9 * 1024 * 128 * 255
// in the middle of the map), then random extremes of both signs; the scale brings the sums into
// the byte range, so an error in their high bits changes the bytes.
TEST(Q8Winograd, IsExactAtTheLargestSumsItAccepts) {
  std::mt19937 rng(42);
  const Conv c{kQ8WinogradMaxChannels, 7, 5, 6, 1, 1, 1, 1};
  for (int pattern = 0; pattern < 2; ++pattern) {
    std::vector<uint8_t> x(static_cast<size_t>(c.channels * c.h * c.w));
    std::vector<int8_t> wt(static_cast<size_t>(c.out_channels * c.channels * 9));
    int32_t x_zero;
    if (pattern == 0) {  // every product at its largest, +255 * 128, all the same sign
      std::fill(x.begin(), x.end(), uint8_t{0});
      std::fill(wt.begin(), wt.end(), int8_t{-128});
      x_zero = 255;
    } else {  // random extremes with a skew, so that the sums stay large
      std::bernoulli_distribution coin(0.8);
      for (uint8_t& v : x) v = coin(rng) ? 255 : 0;
      for (int8_t& v : wt) v = coin(rng) ? int8_t{127} : int8_t{-128};
      x_zero = 0;
    }
    std::vector<int32_t> bias(static_cast<size_t>(c.out_channels), -1000);
    const Requant rq{1.f / (1 << 21), 0, 0, 255};
    const std::vector<uint8_t> want = direct(c, x, x_zero, wt, bias, rq);
    EXPECT_GT(*std::max_element(want.begin(), want.end()), 50) << "the sums should be large: 2^21 times the byte";
    for (bool generic : {false, true}) {
      ForceGeneric force(generic);
      EXPECT_EQ(winograd(c, x, x_zero, wt, bias, rq, 1), want) << "pattern " << pattern;
    }
  }
}

TEST(Q8Winograd, RejectsMoreChannelsThanItsBound) {
  std::vector<int8_t> w(static_cast<size_t>((kQ8WinogradMaxChannels + 1) * 9));
  EXPECT_THROW(q8_winograd_weights(w.data(), 1, kQ8WinogradMaxChannels + 1), Error);
}

}  // namespace
}  // namespace kite
