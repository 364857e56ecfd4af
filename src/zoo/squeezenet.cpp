// SqueezeNet (Iandola et al. 2016), v1.0 and v1.1, layer for layer as torchvision's
// squeezenet1_0 / squeezenet1_1: convolutions with bias and no BatchNorm, so the parameter
// counts equal torchvision's (1,248,424 and 1,235,496 at 1000 classes).
//
// Without BatchNorm, calibration has nothing to normalize: activations keep the scale that the
// He-initialized weights give them. He initialization preserves the second moment through each
// convolution + ReLU, so the logits stay near unit scale anyway (on a standard normal input:
// std 1.3 for v1.1, 1.8 for v1.0; all non-negative, since the classifier ends in a ReLU).
#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

Var conv_relu(GraphBuilder& b, Var x, ConvSpec spec) { return b.relu(b.conv(x, spec.with_bias())); }

// torchvision pools with ceil_mode=True, so odd sizes keep their last row and column.
Var pool(GraphBuilder& b, Var x) { return b.max_pool(x, 3, 2, 0, /*ceil_mode=*/true); }

// The fire module: a 1x1 "squeeze" to few channels, then 1x1 and 3x3 "expand" convolutions
// side by side, concatenated; the squeeze is what keeps the 3x3 filters cheap.
Var fire(GraphBuilder& b, Var x, int index, int64_t squeeze, int64_t expand) {
  GraphBuilder::Scope s(b, "fire" + std::to_string(index));
  Var y = conv_relu(b, x, ConvSpec::square(squeeze, 1));
  return b.concat({conv_relu(b, y, ConvSpec::square(expand, 1)), conv_relu(b, y, ConvSpec::square(expand, 3))});
}

// What differs between the versions: the stem, and which fire modules (numbered fire2..fire9
// as in the paper) a max pool follows.
struct Layout {
  int64_t stem_channels, stem_kernel;
  std::vector<int> pool_after;
};

void build_squeezenet(GraphBuilder& b, const Knobs& k, const Common& c) {
  bool v10 = k.choice("version", {"1.0", "1.1"}) == "1.0";
  // Unpadded stem, then three 3x3 stride-2 pools: 64 keeps every map at least 3x3.
  int64_t r = k.resolution(64);
  // v1.1 moves the pools earlier and shrinks the stem to 64 3x3 filters: 2.4x fewer MACs at
  // the same accuracy and almost the same parameters.
  Layout layout = v10 ? Layout{96, 7, {4, 8}} : Layout{64, 3, {3, 5}};
  const int64_t fires[8][2] = {{16, 64}, {16, 64}, {32, 128}, {32, 128}, {48, 192}, {48, 192}, {64, 256}, {64, 256}};
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "conv1");
    x = pool(b, conv_relu(b, x, ConvSpec::square(layout.stem_channels, layout.stem_kernel, 2).no_padding()));
  }
  for (int i = 2; i <= 9; ++i) {
    x = fire(b, x, i, fires[i - 2][0], fires[i - 2][1]);
    for (int after : layout.pool_after)
      if (after == i) x = pool(b, x);
  }
  // The classifier is a 1x1 convolution to the classes, ReLU and global average pooling (no
  // fully connected layer); torchvision's dropout before it does nothing at inference.
  GraphBuilder::Scope s(b, "classifier");
  x = conv_relu(b, x, ConvSpec::square(c.num_classes, 1));
  b.output(b.flatten(b.global_avg_pool(x)), "logits");
}

}  // namespace

std::vector<Architecture> squeezenet_architectures() {
  return {
      {"squeezenet", "SqueezeNet: fire modules (1x1 squeeze, 1x1 + 3x3 expand), no BatchNorm",
       {{"version", "1.1", "1.0 (the paper's) or 1.1 (2.4x fewer MACs, same accuracy)"},
        {"resolution", "224", "input height and width, [64, 1024]"}},
       build_squeezenet},
  };
}

}  // namespace kite::zoo
