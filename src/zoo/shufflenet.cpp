// ShuffleNet v1 (Zhang et al. 2017) and v2 (Ma et al. 2018).
#include <algorithm>
#include <cmath>

#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

Var conv_bn(GraphBuilder& b, Var x, const ConvSpec& spec, bool relu) {
  Var y = b.batch_norm(b.conv(x, spec));
  return relu ? b.relu(y) : y;
}

Var depthwise_bn(GraphBuilder& b, Var x, int64_t stride) {
  int64_t c = b.channels(x);
  return conv_bn(b, x, ConvSpec::square(c, 3, stride, c), /*relu=*/false);
}

// Both versions start the same: 3x3 stride-2 convolution to 24 channels + BN + ReLU, then a
// 3x3 stride-2 max pool, a quarter of the resolution before the first stage.
Var stem(GraphBuilder& b, Var x) {
  GraphBuilder::Scope s(b, "conv1");
  return b.max_pool(conv_bn(b, x, ConvSpec::square(24, 3, 2), true), 3, 2, 1);
}

Var classifier(GraphBuilder& b, Var x, const Common& c) {
  GraphBuilder::Scope s(b, "classifier");
  return b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes);
}

// ---- ShuffleNet v1 ----

// Table 1 of the paper: the stage output channels at scale 1 for each group count, chosen so
// that every group count costs about the same 140 MFLOPs.
const int64_t kV1Groups[5] = {1, 2, 3, 4, 8};
const int64_t kV1Channels[5][3] = {{144, 288, 576}, {200, 400, 800}, {240, 480, 960}, {272, 544, 1088}, {384, 768, 1536}};

// A v1 unit. The bottleneck (a quarter of the stage's output channels) is reached by a grouped
// 1x1 convolution, mixed by the channel shuffle, filtered by a 3x3 depthwise convolution (no
// ReLU after it, as in the paper) and expanded by another grouped 1x1. A stride-1 unit adds its
// input; a stride-2 unit concatenates a 3x3 average pool of its input instead, so its last 1x1
// only makes the missing out - in channels. The very first unit (of stage 2) does not group
// its first 1x1: its input, the stem's 24 channels, is too narrow to be worth splitting.
Var v1_unit(GraphBuilder& b, Var x, int64_t out, int64_t groups, int64_t stride, bool group_first_conv) {
  int64_t in = b.channels(x), bottleneck = out / 4;
  Var y = conv_bn(b, x, ConvSpec::square(bottleneck, 1, 1, group_first_conv ? groups : 1), true);
  if (groups > 1) y = b.channel_shuffle(y, groups);
  y = depthwise_bn(b, y, stride);
  y = conv_bn(b, y, ConvSpec::square(stride == 1 ? out : out - in, 1, 1, groups), false);
  if (stride == 1) return b.relu(b.add(x, y));
  // PyTorch's AvgPool2d counts the padding (the reference code's default); the pooled input is
  // already non-negative, so the ReLU after the concatenation only acts on the new channels.
  Var shortcut = b.avg_pool(x, 3, 2, 1, /*count_include_pad=*/true);
  return b.concat({shortcut, b.relu(y)});
}

// The row of table 1 for the 'groups' knob.
int v1_groups_knob(const Knobs& k) {
  int64_t g = k.integer("groups");
  for (int i = 0; i < 5; ++i)
    if (kV1Groups[i] == g) return i;
  fail("knob 'groups' must be one of 1, 2, 3, 4, 8");
}

// ShuffleNet v1 (Zhang et al. 2017, table 1): stem, three stages of [4, 8, 4] units (the first
// of each at stride 2), global pool, fully connected. At groups=3 and scale 1 the paper gives
// 137 MFLOPs (multiply-adds) and the reference code (megvii-model/ShuffleNet-Series) about 1.9M
// parameters. Scaled widths are rounded to multiples of 4 * groups, so the bottleneck splits
// evenly into groups; the stem stays at 24 channels as in table 1.
void build_shufflenet_v1(GraphBuilder& b, const Knobs& k, const Common& c) {
  int g_index = v1_groups_knob(k);
  int64_t groups = kV1Groups[g_index];
  double scale = k.number("scale");
  KITE_CHECK(scale >= 0.25 && scale <= 2.0, "knob 'scale' must be in [0.25, 2.0]");
  // A stride-2 stem, a stride-2 pool and three stride-2 stages: 32 keeps the last map 1x1.
  int64_t r = k.resolution(32);
  Var x = stem(b, b.input("input", {c.batch, 3, r, r}));
  const int repeats[3] = {4, 8, 4};
  for (int stage = 0; stage < 3; ++stage) {
    int64_t multiple = 4 * groups;
    int64_t out = std::max<int64_t>(multiple, std::llround(kV1Channels[g_index][stage] * scale / multiple) * multiple);
    for (int i = 0; i < repeats[stage]; ++i) {
      GraphBuilder::Scope s(b, "stage" + std::to_string(stage + 2) + "/unit" + std::to_string(i + 1));
      x = v1_unit(b, x, out, groups, i == 0 ? 2 : 1, /*group_first_conv=*/stage > 0 || i > 0);
    }
  }
  b.output(classifier(b, x, c), "logits");
}

// ---- ShuffleNet v2 ----

// A v2 unit. At stride 1 the channels split in half: one half passes untouched, the other goes
// through 1x1 + 3x3 depthwise + 1x1 (equal widths: the paper's guideline G1). At stride 2 both
// branches see the whole input and each makes half the output. The concatenation is shuffled
// so the halves mix in the next unit. Layout as torchvision's InvertedResidual.
Var v2_unit(GraphBuilder& b, Var x, int64_t out, int64_t stride) {
  int64_t half = out / 2;
  Var passed, y = x;
  if (stride == 1) {
    std::vector<Var> halves = b.split(x, {b.channels(x) / 2, b.channels(x) - b.channels(x) / 2});
    passed = halves[0];
    y = halves[1];
  } else {
    GraphBuilder::Scope s(b, "branch1");
    passed = conv_bn(b, depthwise_bn(b, x, 2), ConvSpec::square(half, 1), true);
  }
  GraphBuilder::Scope s(b, "branch2");
  y = conv_bn(b, y, ConvSpec::square(half, 1), true);
  y = conv_bn(b, depthwise_bn(b, y, stride), ConvSpec::square(half, 1), true);
  return b.channel_shuffle(b.concat({passed, y}), 2);
}

// torchvision's stages_out_channels for each scale: stages 2-4, then conv5.
struct V2Widths {
  double scale;
  int64_t stages[3], conv5;
};
const V2Widths kV2Widths[4] = {
    {0.5, {48, 96, 192}, 1024}, {1.0, {116, 232, 464}, 1024}, {1.5, {176, 352, 704}, 1024}, {2.0, {244, 488, 976}, 2048}};

const V2Widths& v2_scale_knob(const Knobs& k) {
  double scale = k.number("scale");
  for (const V2Widths& w : kV2Widths)
    if (std::fabs(w.scale - scale) < 1e-9) return w;
  fail("knob 'scale' must be one of 0.5, 1.0, 1.5, 2.0 (the widths the paper defines)");
}

// ShuffleNet v2 (Ma et al. 2018) as torchvision's shufflenet_v2_x*: stem, three stages of
// [4, 8, 4] units (the first of each at stride 2), a 1x1 conv5 + BN + ReLU, global pool, fully
// connected. At scale 1: 2,278,604 parameters, as torchvision's shufflenet_v2_x1_0.
void build_shufflenet_v2(GraphBuilder& b, const Knobs& k, const Common& c) {
  const V2Widths& widths = v2_scale_knob(k);
  // A stride-2 stem, a stride-2 pool and three stride-2 stages: 32 keeps the last map 1x1.
  int64_t r = k.resolution(32);
  Var x = stem(b, b.input("input", {c.batch, 3, r, r}));
  const int repeats[3] = {4, 8, 4};
  for (int stage = 0; stage < 3; ++stage)
    for (int i = 0; i < repeats[stage]; ++i) {
      GraphBuilder::Scope s(b, "stage" + std::to_string(stage + 2) + "/unit" + std::to_string(i + 1));
      x = v2_unit(b, x, widths.stages[stage], i == 0 ? 2 : 1);
    }
  {
    GraphBuilder::Scope s(b, "conv5");
    x = conv_bn(b, x, ConvSpec::square(widths.conv5, 1), true);
  }
  b.output(classifier(b, x, c), "logits");
}

}  // namespace

std::vector<Architecture> shufflenet_architectures() {
  return {
      {"shufflenet_v1", "ShuffleNet v1: grouped 1x1 convolutions and channel shuffle",
       {{"groups", "3", "groups of the 1x1 convolutions: 1, 2, 3, 4 or 8"},
        {"scale", "1.0", "width multiplier of the stages, [0.25, 2.0]"},
        {"resolution", "224", "input height and width, [32, 1024]"}},
       build_shufflenet_v1},
      {"shufflenet_v2", "ShuffleNet v2: channel split, equal-width branches and channel shuffle",
       {{"scale", "1.0", "width multiplier: 0.5, 1.0, 1.5 or 2.0"},
        {"resolution", "224", "input height and width, [32, 1024]"}},
       build_shufflenet_v2},
  };
}

}  // namespace kite::zoo
