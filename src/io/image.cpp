#include "io/image.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>

namespace kite {
namespace {

std::string lower_extension(const std::string& path) {
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos) return "";
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Bilinear sample of channel c at fractional pixel (y, x), clamped to the image.
float sample(const uint8_t* pixels, int w, int h, int channels, int c, float y, float x) {
  y = std::clamp(y, 0.f, static_cast<float>(h - 1));
  x = std::clamp(x, 0.f, static_cast<float>(w - 1));
  int y0 = static_cast<int>(y), x0 = static_cast<int>(x);
  int y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  float fy = y - y0, fx = x - x0;
  auto at = [&](int yy, int xx) { return static_cast<float>(pixels[(yy * w + xx) * channels + c]); };
  float top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
  float bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
  return top * (1 - fy) + bottom * fy;
}

}  // namespace

bool is_image_path(const std::string& path) {
  std::string ext = lower_extension(path);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

Tensor load_image(const std::string& path, const ImagePreprocess& p) {
  KITE_CHECK(p.channels == 1 || p.channels == 3, "image input needs a model with 1 or 3 channels, not ", p.channels);
  KITE_CHECK(p.height > 0 && p.width > 0, "image input needs a positive model input size");
  int w = 0, h = 0, file_channels = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &w, &h, &file_channels, static_cast<int>(p.channels)), stbi_image_free);
  KITE_CHECK(pixels, "cannot decode image '", path, "': ", stbi_failure_reason());
  Tensor t(DType::f32, {1, p.channels, p.height, p.width});
  float* out = t.data<float>();
  float sy = static_cast<float>(h) / static_cast<float>(p.height);
  float sx = static_cast<float>(w) / static_cast<float>(p.width);
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t y = 0; y < p.height; ++y)
      for (int64_t x = 0; x < p.width; ++x) {
        float v = sample(pixels.get(), w, h, static_cast<int>(p.channels), static_cast<int>(c),
                         (static_cast<float>(y) + 0.5f) * sy - 0.5f, (static_cast<float>(x) + 0.5f) * sx - 0.5f);
        size_t ci = static_cast<size_t>(c);
        *out++ = (v / 255.f - p.mean[ci]) / p.std[ci];
      }
  return t;
}

}  // namespace kite
