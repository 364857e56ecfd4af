// Image input for classification models: decode, resize, scale to [0, 1], normalize, NCHW.
#pragma once
#include <array>
#include <string>

#include "kite/tensor.h"

namespace kite {

struct ImagePreprocess {
  int64_t height = 224;
  int64_t width = 224;
  int64_t channels = 3;  // 3 (RGB) or 1 (grey)
  // ImageNet statistics, what torchvision's models expect.
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

// True for file names kite decodes as images (.jpg, .jpeg, .png, .bmp).
bool is_image_path(const std::string& path);

// Returns a [1, C, H, W] f32 tensor. Resizing is bilinear with half-pixel centres.
Tensor load_image(const std::string& path, const ImagePreprocess& p);

}  // namespace kite
