// Xception (Chollet 2017), layer for layer as the Keras reference (keras.applications.Xception):
// the Inception module taken to its extreme, depthwise-separable convolutions with residual
// connections, in an entry flow, a middle flow of 8 identical blocks and an exit flow.
#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

// Keras's SeparableConv2D (use_bias=False) and its BatchNormalization: a 3x3 depthwise then a
// 1x1 pointwise convolution with nothing between them; the paper found that an activation in
// between hurts.
Var separable_bn(GraphBuilder& b, Var x, int64_t out) {
  int64_t in = b.channels(x);
  x = b.conv(x, ConvSpec::square(in, 3, 1, in));
  return b.batch_norm(b.conv(x, ConvSpec::square(out, 1)));
}

// Two unpadded 3x3 convolutions (32 at stride 2, then 64), each with BN and ReLU.
Var stem(GraphBuilder& b, Var x) {
  GraphBuilder::Scope s(b, "block1");
  x = b.relu(b.batch_norm(b.conv(x, ConvSpec::square(32, 3, 2).no_padding())));
  return b.relu(b.batch_norm(b.conv(x, ConvSpec::square(64, 3).no_padding())));
}

// The downsampling blocks of the entry flow (and the first of the exit flow): two separable
// convolutions, a 3x3 stride-2 max pool, and a 1x1 stride-2 convolution + BN as the shortcut.
// The ReLU sits before each separable convolution, so the shortcut sees the pre-activation sum;
// the first block skips its leading ReLU because the stem already ends in one.
Var downsampling_block(GraphBuilder& b, Var x, const std::string& name, int64_t mid, int64_t out, bool leading_relu) {
  GraphBuilder::Scope s(b, name);
  Var shortcut;
  {
    GraphBuilder::Scope r(b, "shortcut");
    shortcut = b.batch_norm(b.conv(x, ConvSpec::square(out, 1, 2)));
  }
  Var y = leading_relu ? b.relu(x) : x;
  y = b.relu(separable_bn(b, y, mid));
  y = separable_bn(b, y, out);
  // Keras pools with padding 'same'; a symmetric pad of 1 gives the same sizes (ceil(n / 2)).
  return b.add(b.max_pool(y, 3, 2, 1), shortcut);
}

// The middle flow's block: three ReLU + separable convolution + BN, plus the identity.
Var middle_block(GraphBuilder& b, Var x, const std::string& name) {
  GraphBuilder::Scope s(b, name);
  Var y = x;
  for (int i = 0; i < 3; ++i) y = separable_bn(b, b.relu(y), 728);
  return b.add(x, y);
}

void build_xception(GraphBuilder& b, const Knobs& k, const Common& c) {
  // Unpadded stem convolutions take 6 pixels off, then four stride-2 stages: 71 is the smallest
  // input Keras accepts (3x3 at the last stage).
  int64_t r = k.resolution(71);
  Var x = stem(b, b.input("input", {c.batch, 3, r, r}));
  // Entry flow: 147 -> 74 -> 37 -> 19 at 299x299 (Keras's block names, for comparing with it).
  x = downsampling_block(b, x, "block2", 128, 128, /*leading_relu=*/false);
  x = downsampling_block(b, x, "block3", 256, 256, true);
  x = downsampling_block(b, x, "block4", 728, 728, true);
  for (int i = 5; i <= 12; ++i) x = middle_block(b, x, "block" + std::to_string(i));
  // Exit flow: a last downsampling to 10x10, then two separable convolutions with ReLU after.
  x = downsampling_block(b, x, "block13", 728, 1024, true);
  {
    GraphBuilder::Scope s(b, "block14");
    x = b.relu(separable_bn(b, x, 1536));
    x = b.relu(separable_bn(b, x, 2048));
  }
  GraphBuilder::Scope s(b, "classifier");
  b.output(b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes), "logits");
}

}  // namespace

std::vector<Architecture> xception_architectures() {
  return {
      {"xception", "Xception: depthwise-separable convolutions with residual connections",
       {{"resolution", "299", "input height and width, [71, 1024]"}},
       build_xception},
  };
}

}  // namespace kite::zoo
