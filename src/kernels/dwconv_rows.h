// The row walk of the depthwise kernels (kernels/x86/f32_dwconv_3x3_5x5_{fma3,avx512}.cpp,
// kernels/arm/f32_dwconv_3x3_5x5_neon.cpp), written once: blocks of output rows, each row cut into interior tiles of one or two registers
// and edge tiles, the last tile and the last block shifted back to end at the row's and the
// plane's end. Not a standalone header: each kernel file includes it inside its own anonymous
// namespace after what the walk calls: dwconv_common.h's min64 and kZeroRow, output_range.h's
// outputs_inside, DepthwiseParams, and for the file's register width kLanes, Filter<K>,
// InteriorLoads<K, S>, EdgeLoads<K, S> and conv_tile<K, S, R, V>. So every name here has internal
// linkage and is compiled for that file's instruction set.

// Rows per tile and registers per interior tile: 8 accumulators, as many as two FMA pipes with a
// latency of 4 cycles need. Measured on Zen3 against 3 x 2, 2 x 3, 6 x 1 and, for 5x5, 4 x 1 and
// 2 x 2: none was faster on the MobileNet shapes.
constexpr int kBlockRows = 4;
constexpr int kWideVectors = 2;

template <int K, int S>
class ChannelConv {
 public:
  explicit ChannelConv(const DepthwiseParams& p)
      : p_(p),
        interior_begin_(outputs_inside(p.in_w, p.out_w, S, -p.pad_left).begin),
        interior_end_(outputs_inside(p.in_w, p.out_w, S, K - 1 - p.pad_left).end) {}

  void run(const float* x_plane, const Filter<K>& f, float* y_plane) const {
    constexpr int R = kBlockRows;
    if (p_.out_h < R) {
      for (int64_t oy = 0; oy < p_.out_h; ++oy) conv_rows<1>(x_plane, oy, f, y_plane);
      return;
    }
    for (int64_t oy = 0; oy < p_.out_h; oy += R) conv_rows<R>(x_plane, min64(oy, p_.out_h - R), f, y_plane);
  }

 private:
  bool is_interior(int64_t ox, int64_t outputs) const {
    return ox >= interior_begin_ && ox + outputs <= interior_end_;
  }

  // Output rows [oy, oy + R).
  template <int R>
  void conv_rows(const float* x_plane, int64_t oy, const Filter<K>& f, float* y_plane) const {
    constexpr int V = kWideVectors;
    const float* rows[(R - 1) * S + K];
    for (int i = 0; i < (R - 1) * S + K; ++i) {
      int64_t iy = oy * S - p_.pad_top + i;
      rows[i] = iy >= 0 && iy < p_.in_h ? x_plane + iy * p_.in_w : kZeroRow;
    }
    float* y = y_plane + oy * p_.out_w;
    for (int64_t ox = 0; ox < p_.out_w;) {
      if (ox + kLanes > p_.out_w && p_.out_w >= kLanes) ox = p_.out_w - kLanes;
      const int64_t x0 = ox * S - p_.pad_left;
      if (is_interior(ox, V * kLanes)) {
        conv_tile<K, S, R, V>(rows, InteriorLoads<K, S>{x0}, f, y + ox, p_.out_w, kLanes);
        ox += V * kLanes;
      } else if (is_interior(ox, kLanes)) {
        conv_tile<K, S, R, 1>(rows, InteriorLoads<K, S>{x0}, f, y + ox, p_.out_w, kLanes);
        ox += kLanes;
      } else {
        int count = static_cast<int>(min64(kLanes, p_.out_w - ox));
        conv_tile<K, S, R, 1>(rows, EdgeLoads<K, S>(x0, p_.in_w), f, y + ox, p_.out_w, count);
        ox += kLanes;
      }
    }
  }

  const DepthwiseParams& p_;
  const int64_t interior_begin_, interior_end_;  // outputs whose every tap lies inside the row
};

template <int K, int S>
void conv_channels(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                   float* output, int64_t c_begin, int64_t c_end) {
  ChannelConv<K, S> conv(p);
  for (int64_t c = c_begin; c < c_end; ++c) {
    Filter<K> f(weights + c * K * K, bias ? bias[c] : 0.f, p.min, p.max);
    conv.run(input + c * p.in_h * p.in_w, f, output + c * p.out_h * p.out_w);
  }
}

