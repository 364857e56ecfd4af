// ResNet (He et al. 2015), laid out as torchvision builds it: basic blocks (two 3x3) for depths 18
// and 34, bottlenecks (1x1, 3x3, 1x1 with expansion 4) for 50, 101 and 152.
#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

struct ResNetLayout {
  int64_t depth;
  bool bottleneck;
  int64_t blocks[4];  // per stage, as torchvision's layers argument
};

const ResNetLayout kLayouts[] = {
    {18, false, {2, 2, 2, 2}},  {34, false, {3, 4, 6, 3}},   {50, true, {3, 4, 6, 3}},
    {101, true, {3, 4, 23, 3}}, {152, true, {3, 8, 36, 3}},
};

// The paper's three shortcut options (section 3.3). A adds no parameters; B projects only where
// the shape changes; C projects on every block.
enum class Shortcut { kA, kB, kC };

struct ResNetOptions {
  Shortcut shortcut;
  // True for the original paper's bottleneck, which strides its first 1x1; torchvision ("ResNet
  // v1.5") strides the 3x3 instead, so the 1x1 does not skip three quarters of its input.
  bool stride_on_1x1;
};

const ResNetLayout& depth_knob(const Knobs& k) {
  int64_t depth = k.integer("depth");
  for (const ResNetLayout& layout : kLayouts)
    if (layout.depth == depth) return layout;
  fail("knob 'depth' must be one of 18, 34, 50, 101, 152");
}

ResNetOptions options_knobs(const Knobs& k) {
  ResNetOptions o;
  std::string shortcut = k.choice("shortcut", {"A", "B", "C"});
  o.shortcut = shortcut == "A" ? Shortcut::kA : shortcut == "B" ? Shortcut::kB : Shortcut::kC;
  o.stride_on_1x1 = k.choice("stride_in", {"3x3", "1x1"}) == "1x1";
  return o;
}

Var conv_bn(GraphBuilder& b, Var x, const ConvSpec& spec, bool relu) {
  Var y = b.batch_norm(b.conv(x, spec));
  return relu ? b.relu(y) : y;
}

// What a block's residual is added to: x itself where the block keeps the shape, otherwise x
// brought to the block's output shape (option A without parameters, B and C by a 1x1 projection).
Var shortcut(GraphBuilder& b, Var x, int64_t out, int64_t stride, Shortcut kind) {
  int64_t in = b.channels(x);
  bool same_shape = stride == 1 && in == out;
  if (kind == Shortcut::kC || (kind == Shortcut::kB && !same_shape)) {
    GraphBuilder::Scope s(b, "shortcut");
    return conv_bn(b, x, ConvSpec::square(out, 1, stride), false);
  }
  if (same_shape) return x;
  // Option A: the positions a strided 1x1 would read, then zero channels for the new ones.
  GraphBuilder::Scope s(b, "shortcut");
  Var y = stride > 1 ? b.subsample(x, stride) : x;
  return out > in ? b.pad_channels(y, out - in) : y;
}

Var basic_block(GraphBuilder& b, Var x, int64_t planes, int64_t stride, const ResNetOptions& o) {
  Var y = conv_bn(b, x, ConvSpec::square(planes, 3, stride), true);
  y = conv_bn(b, y, ConvSpec::square(planes, 3), false);
  return b.relu(b.add(y, shortcut(b, x, planes, stride, o.shortcut)));
}

Var bottleneck(GraphBuilder& b, Var x, int64_t planes, int64_t stride, const ResNetOptions& o) {
  int64_t stride_1x1 = o.stride_on_1x1 ? stride : 1, stride_3x3 = o.stride_on_1x1 ? 1 : stride;
  Var y = conv_bn(b, x, ConvSpec::square(planes, 1, stride_1x1), true);
  y = conv_bn(b, y, ConvSpec::square(planes, 3, stride_3x3), true);
  y = conv_bn(b, y, ConvSpec::square(planes * 4, 1), false);
  return b.relu(b.add(y, shortcut(b, x, planes * 4, stride, o.shortcut)));
}

// A 7x7/2 stem and a 3x3/2 max pool, four stages of 64, 128, 256, 512 planes (each after the first
// halving the size in its first block), global average pool and a linear classifier.
void build_resnet(GraphBuilder& b, const Knobs& k, const Common& c) {
  const ResNetLayout& layout = depth_knob(k);
  ResNetOptions o = options_knobs(k);
  int64_t r = k.resolution(32);
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "stem");
    x = conv_bn(b, x, ConvSpec::square(64, 7, 2), true);
    x = b.max_pool(x, 3, 2, 1);
  }
  for (int stage = 0; stage < 4; ++stage) {
    GraphBuilder::Scope s(b, "layer" + std::to_string(stage + 1));
    int64_t planes = int64_t{64} << stage;
    for (int64_t i = 0; i < layout.blocks[stage]; ++i) {
      GraphBuilder::Scope block(b, "block" + std::to_string(i + 1));
      int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      x = layout.bottleneck ? bottleneck(b, x, planes, stride, o) : basic_block(b, x, planes, stride, o);
    }
  }
  GraphBuilder::Scope s(b, "classifier");
  b.output(b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes), "logits");
}

}  // namespace

std::vector<Architecture> resnet_architectures() {
  return {
      {"resnet", "ResNet: residual networks of basic blocks (18, 34) or bottlenecks (50, 101, 152)",
       {{"depth", "50", "18, 34, 50, 101 or 152"},
        {"shortcut", "B",
         "A (identity; zero-padded, subsampled where the shape changes), B (1x1 projection where the "
         "shape changes) or C (1x1 projection on every block)"},
        {"stride_in", "3x3",
         "which bottleneck conv strides: 3x3 (torchvision, ResNet v1.5) or 1x1 (the original paper); "
         "basic blocks stride their first 3x3 either way"},
        {"resolution", "224", "input height and width"}},
       build_resnet},
  };
}

}  // namespace kite::zoo
