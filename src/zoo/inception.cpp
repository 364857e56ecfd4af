// GoogLeNet / Inception v1 (Szegedy et al. 2014) and Inception v3 (Szegedy et al. 2015), laid out
// as torchvision builds them, without the auxiliary classifiers (they only matter in training).
#include "zoo/zoo_registry.h"

namespace kite::zoo {
namespace {

// torchvision's BasicConv2d: every convolution of both networks is followed by BN and ReLU.
Var conv_bn_relu(GraphBuilder& b, Var x, const ConvSpec& spec) { return b.relu(b.batch_norm(b.conv(x, spec))); }

Var classifier(GraphBuilder& b, Var x, const Common& c) {
  GraphBuilder::Scope s(b, "classifier");
  return b.linear(b.flatten(b.global_avg_pool(x)), c.num_classes);
}

// ---- GoogLeNet ------------------------------------------------------------------------------

// Output channels of one Inception v1 module, as the paper's table 1 lists them.
struct InceptionV1Module {
  const char* name;
  int64_t c1x1, c3x3_reduce, c3x3, c5x5_reduce, c5x5, pool_proj;
};

// Four branches: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max pool -> 1x1. The third branch's kernel is
// the paper's 5x5 with branch3=5x5; torchvision (by a known bug, vision#906) has a 3x3 there, and
// that is the default, so the counts match the widely quoted 1.5G MACs / 6.6M parameters.
Var inception_v1_module(GraphBuilder& b, Var x, const InceptionV1Module& m, int64_t branch3_kernel) {
  GraphBuilder::Scope s(b, m.name);
  Var b1, b2, b3, b4;
  {
    GraphBuilder::Scope branch(b, "branch1x1");
    b1 = conv_bn_relu(b, x, ConvSpec::square(m.c1x1, 1));
  }
  {
    GraphBuilder::Scope branch(b, "branch3x3");
    b2 = conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::square(m.c3x3_reduce, 1)), ConvSpec::square(m.c3x3, 3));
  }
  {
    GraphBuilder::Scope branch(b, "branch5x5");
    b3 = conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::square(m.c5x5_reduce, 1)),
                      ConvSpec::square(m.c5x5, branch3_kernel));
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    b4 = conv_bn_relu(b, b.max_pool(x, 3, 1, 1, /*ceil_mode=*/true), ConvSpec::square(m.pool_proj, 1));
  }
  return b.concat({b1, b2, b3, b4});
}

// The paper's local response normalization (Caffe's GoogLeNet parameters). With BN after every
// convolution it changes little, which is what the lrn=off ablation shows.
Var googlenet_lrn(GraphBuilder& b, Var x, bool lrn) { return lrn ? b.lrn(x, 5, 1e-4f, 0.75f, 1.f) : x; }

// Stem (7x7/2 conv, pool, LRN, 1x1 and 3x3 convs, LRN, pool), nine Inception modules with max
// pools between the groups (all ceil_mode, as torchvision), global average pool, linear.
void build_googlenet(GraphBuilder& b, const Knobs& k, const Common& c) {
  bool lrn = k.flag("lrn");
  int64_t branch3_kernel = k.choice("branch3", {"3x3", "5x5"}) == "5x5" ? 5 : 3;
  int64_t r = k.resolution(32);
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "stem");
    x = conv_bn_relu(b, x, ConvSpec::square(64, 7, 2));
    x = googlenet_lrn(b, b.max_pool(x, 3, 2, 0, /*ceil_mode=*/true), lrn);
    x = conv_bn_relu(b, x, ConvSpec::square(64, 1));
    x = googlenet_lrn(b, conv_bn_relu(b, x, ConvSpec::square(192, 3)), lrn);
    x = b.max_pool(x, 3, 2, 0, /*ceil_mode=*/true);
  }
  const InceptionV1Module modules[9] = {
      {"inception3a", 64, 96, 128, 16, 32, 32},    {"inception3b", 128, 128, 192, 32, 96, 64},
      {"inception4a", 192, 96, 208, 16, 48, 64},   {"inception4b", 160, 112, 224, 24, 64, 64},
      {"inception4c", 128, 128, 256, 24, 64, 64},  {"inception4d", 112, 144, 288, 32, 64, 64},
      {"inception4e", 256, 160, 320, 32, 128, 128}, {"inception5a", 256, 160, 320, 32, 128, 128},
      {"inception5b", 384, 192, 384, 48, 128, 128},
  };
  for (int i = 0; i < 9; ++i) {
    x = inception_v1_module(b, x, modules[i], branch3_kernel);
    // Halve the size before groups 4 and 5; torchvision's last pool is 2x2 (the paper's 3x3).
    if (i == 1) x = b.max_pool(x, 3, 2, 0, /*ceil_mode=*/true);
    if (i == 6) x = b.max_pool(x, 2, 2, 0, /*ceil_mode=*/true);
  }
  b.output(classifier(b, x, c), "logits");
}

// ---- Inception v3 ---------------------------------------------------------------------------
//
// factorize=off undoes the paper's factorizations, each replaced by the kernel it stands for,
// with the same receptive field, stride, output size and output channels:
//   two stacked 3x3 (Mixed_5b-d's 3x3dbl branch, Mixed_6a's stride-2 3x3dbl) -> one 5x5;
//   1x7 then 7x1, or 7x1 then 1x7 (Mixed_6b-e, Mixed_7a) -> one 7x7;
//   the parallel 1x3 and 3x1 whose outputs are concatenated (Mixed_7b-c) -> one 3x3 with the
//   channels of both.
// The intermediate channels of a pair disappear. Mixed_5's own 5x5 branch, the stem and the
// stride-2 3x3s stay as they are.

Var avg_pool_3x3(GraphBuilder& b, Var x) { return b.avg_pool(x, 3, 1, 1, /*count_include_pad=*/true); }

// Two 3x3 convolutions, the second with the given stride and padding (the first pads 1), or the
// single 5x5 they factorize.
Var stacked_3x3(GraphBuilder& b, Var x, int64_t mid, int64_t out, int64_t stride, int64_t pad, bool factorize) {
  if (!factorize) {
    ConvSpec spec = ConvSpec::square(out, 5, stride);
    spec.pad_h = spec.pad_w = 1 + pad;
    return conv_bn_relu(b, x, spec);
  }
  x = conv_bn_relu(b, x, ConvSpec::square(mid, 3));
  ConvSpec second = ConvSpec::square(out, 3, stride);
  second.pad_h = second.pad_w = pad;
  return conv_bn_relu(b, x, second);
}

// A kh x kw convolution followed by its transpose (1x7 then 7x1, or 7x1 then 1x7), or the 7x7.
Var factorized_7x7(GraphBuilder& b, Var x, int64_t mid, int64_t out, int64_t kh, int64_t kw, bool factorize) {
  if (!factorize) return conv_bn_relu(b, x, ConvSpec::square(out, 7));
  return conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::rect(mid, kh, kw)), ConvSpec::rect(out, kw, kh));
}

// Inception v3's expanded filter bank: 1x3 and 3x1 side by side, concatenated; or one 3x3.
Var expanded_3x3(GraphBuilder& b, Var x, int64_t each, bool factorize) {
  if (!factorize) return conv_bn_relu(b, x, ConvSpec::square(2 * each, 3));
  return b.concat({conv_bn_relu(b, x, ConvSpec::rect(each, 1, 3)), conv_bn_relu(b, x, ConvSpec::rect(each, 3, 1))});
}

// Mixed_5b-d (torchvision's InceptionA), at 35x35.
Var inception_a(GraphBuilder& b, Var x, const char* name, int64_t pool_features, bool factorize) {
  GraphBuilder::Scope s(b, name);
  Var b1, b5, b3, bp;
  {
    GraphBuilder::Scope branch(b, "branch1x1");
    b1 = conv_bn_relu(b, x, ConvSpec::square(64, 1));
  }
  {
    GraphBuilder::Scope branch(b, "branch5x5");
    b5 = conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::square(48, 1)), ConvSpec::square(64, 5));
  }
  {
    GraphBuilder::Scope branch(b, "branch3x3dbl");
    b3 = stacked_3x3(b, conv_bn_relu(b, x, ConvSpec::square(64, 1)), 96, 96, 1, 1, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    bp = conv_bn_relu(b, avg_pool_3x3(b, x), ConvSpec::square(pool_features, 1));
  }
  return b.concat({b1, b5, b3, bp});
}

// Mixed_6a (InceptionB): grid reduction 35x35 -> 17x17 by parallel stride-2 branches.
Var inception_b(GraphBuilder& b, Var x, bool factorize) {
  GraphBuilder::Scope s(b, "Mixed_6a");
  Var b3, bd, bp;
  {
    GraphBuilder::Scope branch(b, "branch3x3");
    b3 = conv_bn_relu(b, x, ConvSpec::square(384, 3, 2).no_padding());
  }
  {
    GraphBuilder::Scope branch(b, "branch3x3dbl");
    bd = stacked_3x3(b, conv_bn_relu(b, x, ConvSpec::square(64, 1)), 96, 96, 2, 0, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    bp = b.max_pool(x, 3, 2);
  }
  return b.concat({b3, bd, bp});
}

// Mixed_6b-e (InceptionC), at 17x17: 7x7 receptive fields from 1x7 and 7x1 convolutions.
Var inception_c(GraphBuilder& b, Var x, const char* name, int64_t c7, bool factorize) {
  GraphBuilder::Scope s(b, name);
  Var b1, b7, bd, bp;
  {
    GraphBuilder::Scope branch(b, "branch1x1");
    b1 = conv_bn_relu(b, x, ConvSpec::square(192, 1));
  }
  {
    GraphBuilder::Scope branch(b, "branch7x7");
    b7 = factorized_7x7(b, conv_bn_relu(b, x, ConvSpec::square(c7, 1)), c7, 192, 1, 7, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch7x7dbl");
    bd = conv_bn_relu(b, x, ConvSpec::square(c7, 1));
    bd = factorized_7x7(b, bd, c7, c7, 7, 1, factorize);
    bd = factorized_7x7(b, bd, c7, 192, 7, 1, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    bp = conv_bn_relu(b, avg_pool_3x3(b, x), ConvSpec::square(192, 1));
  }
  return b.concat({b1, b7, bd, bp});
}

// Mixed_7a (InceptionD): grid reduction 17x17 -> 8x8.
Var inception_d(GraphBuilder& b, Var x, bool factorize) {
  GraphBuilder::Scope s(b, "Mixed_7a");
  Var b3, b7, bp;
  {
    GraphBuilder::Scope branch(b, "branch3x3");
    b3 = conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::square(192, 1)), ConvSpec::square(320, 3, 2).no_padding());
  }
  {
    GraphBuilder::Scope branch(b, "branch7x7x3");
    b7 = conv_bn_relu(b, x, ConvSpec::square(192, 1));
    b7 = factorized_7x7(b, b7, 192, 192, 1, 7, factorize);
    b7 = conv_bn_relu(b, b7, ConvSpec::square(192, 3, 2).no_padding());
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    bp = b.max_pool(x, 3, 2);
  }
  return b.concat({b3, b7, bp});
}

// Mixed_7b-c (InceptionE), at 8x8: the expanded filter banks of the coarsest grid.
Var inception_e(GraphBuilder& b, Var x, const char* name, bool factorize) {
  GraphBuilder::Scope s(b, name);
  Var b1, b3, bd, bp;
  {
    GraphBuilder::Scope branch(b, "branch1x1");
    b1 = conv_bn_relu(b, x, ConvSpec::square(320, 1));
  }
  {
    GraphBuilder::Scope branch(b, "branch3x3");
    b3 = expanded_3x3(b, conv_bn_relu(b, x, ConvSpec::square(384, 1)), 384, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch3x3dbl");
    bd = conv_bn_relu(b, conv_bn_relu(b, x, ConvSpec::square(448, 1)), ConvSpec::square(384, 3));
    bd = expanded_3x3(b, bd, 384, factorize);
  }
  {
    GraphBuilder::Scope branch(b, "branch_pool");
    bp = conv_bn_relu(b, avg_pool_3x3(b, x), ConvSpec::square(192, 1));
  }
  return b.concat({b1, b3, bd, bp});
}

// Unpadded stem down to 35x35 (at 299), then 35x35, 17x17 and 8x8 Inception modules with a grid
// reduction between each, global average pool, linear.
void build_inception_v3(GraphBuilder& b, const Knobs& k, const Common& c) {
  bool f = k.flag("factorize");
  // 75 is the smallest input whose unpadded convolutions and pools leave Mixed_7a a 3x3 grid.
  int64_t r = k.resolution(75);
  Var x = b.input("input", {c.batch, 3, r, r});
  {
    GraphBuilder::Scope s(b, "stem");
    x = conv_bn_relu(b, x, ConvSpec::square(32, 3, 2).no_padding());
    x = conv_bn_relu(b, x, ConvSpec::square(32, 3).no_padding());
    x = conv_bn_relu(b, x, ConvSpec::square(64, 3));
    x = b.max_pool(x, 3, 2);
    x = conv_bn_relu(b, x, ConvSpec::square(80, 1));
    x = conv_bn_relu(b, x, ConvSpec::square(192, 3).no_padding());
    x = b.max_pool(x, 3, 2);
  }
  x = inception_a(b, x, "Mixed_5b", 32, f);
  x = inception_a(b, x, "Mixed_5c", 64, f);
  x = inception_a(b, x, "Mixed_5d", 64, f);
  x = inception_b(b, x, f);
  x = inception_c(b, x, "Mixed_6b", 128, f);
  x = inception_c(b, x, "Mixed_6c", 160, f);
  x = inception_c(b, x, "Mixed_6d", 160, f);
  x = inception_c(b, x, "Mixed_6e", 192, f);
  x = inception_d(b, x, f);
  x = inception_e(b, x, "Mixed_7b", f);
  x = inception_e(b, x, "Mixed_7c", f);
  b.output(classifier(b, x, c), "logits");
}

}  // namespace

std::vector<Architecture> inception_architectures() {
  return {
      {"googlenet", "GoogLeNet (Inception v1): multi-branch Inception modules with 1x1 reductions",
       {{"lrn", "off", "on: local response normalization after the stem's first pool and its 3x3 conv, as the paper; off as torchvision"},
        {"branch3", "3x3", "kernel of the third branch: 3x3 as torchvision, or 5x5 as the paper"},
        {"resolution", "224", "input height and width"}},
       build_googlenet},
      {"inception_v3", "Inception v3: factorized convolutions (5x5 -> two 3x3, 7x7 -> 1x7 and 7x1)",
       {{"factorize", "on",
         "on, or off to replace each factorized pair by the kernel it factorizes (two 3x3 -> 5x5, "
         "1x7 and 7x1 -> 7x7, 1x3 and 3x1 -> 3x3)"},
        {"resolution", "299", "input height and width"}},
       build_inception_v3},
  };
}

}  // namespace kite::zoo
