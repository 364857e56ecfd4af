// MobileNet v1 (Howard et al. 2017) and v2 (Sandler et al. 2018).
#include <cmath>

#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

double alpha_knob(const Knobs& k) {
  double alpha = k.number("alpha");
  KITE_CHECK(alpha > 0 && alpha <= 1.5, "knob 'alpha' must be in (0, 1.5]");
  return alpha;
}

Var conv_bn(GraphBuilder& b, Var x, const ConvSpec& spec, Var (GraphBuilder::*activation)(Var)) {
  Var y = b.batch_norm(b.conv(x, spec));
  return activation ? (b.*activation)(y) : y;
}

// MobileNet v1: a 3x3 convolution, then 13 depthwise-separable blocks (3x3 depthwise + BN +
// ReLU, 1x1 pointwise + BN + ReLU); channels as TF-slim's reference (int(c * alpha), at least 8).
void build_mobilenet_v1(GraphBuilder& b, const Knobs& k, const Common& c) {
  double alpha = alpha_knob(k);
  int64_t r = k.resolution(32);
  auto width = [&](int64_t channels) { return std::max<int64_t>(8, static_cast<int64_t>(channels * alpha)); };
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "conv0");
    x = conv_bn(b, x, ConvSpec::square(width(32), 3, 2), &GraphBuilder::relu);
  }
  const int64_t blocks[13][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                                 {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (int i = 0; i < 13; ++i) {
    GraphBuilder::Scope s(b, "block" + std::to_string(i + 1));
    int64_t in = b.channels(x);
    x = conv_bn(b, x, ConvSpec::square(in, 3, blocks[i][1], in), &GraphBuilder::relu);
    x = conv_bn(b, x, ConvSpec::square(width(blocks[i][0]), 1), &GraphBuilder::relu);
  }
  GraphBuilder::Scope s(b, "classifier");
  b.output(b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes), "logits");
}

// MobileNet v2: inverted residual blocks (1x1 expansion by t, 3x3 depthwise, 1x1 linear
// projection), ReLU6, residual where stride is 1 and channels match; channel counts rounded to
// multiples of 8 as torchvision's reference does.
void build_mobilenet_v2(GraphBuilder& b, const Knobs& k, const Common& c) {
  double alpha = alpha_knob(k);
  int64_t r = k.resolution(32);
  double t_knob = k.number("expansion");
  KITE_CHECK(t_knob >= 1 && t_knob <= 12, "knob 'expansion' must be in [1, 12]");
  bool linear_bottleneck = k.choice("bottleneck", {"linear", "relu6"}) == "linear";
  // (expansion, channels, repeats, first stride); the first block never expands.
  const double stages[7][4] = {{1, 16, 1, 1},  {t_knob, 24, 2, 2}, {t_knob, 32, 3, 2},  {t_knob, 64, 4, 2},
                               {t_knob, 96, 3, 1}, {t_knob, 160, 3, 2}, {t_knob, 320, 1, 1}};
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "conv0");
    x = conv_bn(b, x, ConvSpec::square(make_divisible(32 * alpha), 3, 2), &GraphBuilder::relu6);
  }
  int block = 0;
  for (const auto& stage : stages) {
    int64_t out = make_divisible(stage[1] * alpha);
    for (int i = 0; i < static_cast<int>(stage[2]); ++i) {
      GraphBuilder::Scope s(b, "block" + std::to_string(++block));
      int64_t in = b.channels(x), stride = i == 0 ? static_cast<int64_t>(stage[3]) : 1;
      int64_t hidden = static_cast<int64_t>(std::lround(static_cast<double>(in) * stage[0]));
      Var y = x;
      if (hidden != in) y = conv_bn(b, y, ConvSpec::square(hidden, 1), &GraphBuilder::relu6);
      y = conv_bn(b, y, ConvSpec::square(hidden, 3, stride, hidden), &GraphBuilder::relu6);
      y = conv_bn(b, y, ConvSpec::square(out, 1), linear_bottleneck ? nullptr : &GraphBuilder::relu6);
      x = stride == 1 && in == out ? b.add(x, y) : y;
    }
  }
  {
    GraphBuilder::Scope s(b, "conv_last");
    x = conv_bn(b, x, ConvSpec::square(make_divisible(1280 * std::max(1.0, alpha)), 1), &GraphBuilder::relu6);
  }
  GraphBuilder::Scope s(b, "classifier");
  b.output(b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes), "logits");
}

}  // namespace

std::vector<Architecture> mobilenet_architectures() {
  return {
      {"mobilenet_v1", "MobileNet v1: depthwise-separable convolutions",
       {{"alpha", "1.0", "width multiplier, (0, 1.5]"}, {"resolution", "224", "input height and width"}},
       build_mobilenet_v1},
      {"mobilenet_v2", "MobileNet v2: inverted residuals and linear bottlenecks",
       {{"alpha", "1.0", "width multiplier, (0, 1.5]"},
        {"resolution", "224", "input height and width"},
        {"expansion", "6", "expansion factor t of the inverted residuals (1 in the first block)"},
        {"bottleneck", "linear", "linear, or relu6 for an activation on the projection (the ablation)"}},
       build_mobilenet_v2},
  };
}

}  // namespace kite::zoo
