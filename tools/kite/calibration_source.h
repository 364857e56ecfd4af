// Calibration inputs for `kite quantize --calib SOURCE` and `--precision int8`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kite/model.h"
#include "kite/session.h"

namespace kite::cli {

// Up to `limit` samples, each a complete input set of `model` (one input), from SOURCE:
//  - an IDX image file (Fashion-MNIST's format, gzipped or not): pixels scaled to [0, 1] and
//    normalized with `mean` and `std`;
//  - a .npy file: a batch [N, ...] whose slices along the first dimension have the input's shape
//    without its batch dimension (or the input's whole shape for N = 1);
//  - a folder of images (.jpg, .png, .bmp), preprocessed as `kite run` does (ImageNet's
//    statistics), in file-name order.
std::vector<NamedTensors> load_calibration_samples(const Model& model, const std::string& source, int64_t limit,
                                                   float mean, float std);

// `count` inputs drawn from a normal distribution (seeded: the same every run). Good enough to
// make an int8 model whose speed can be measured, not one whose accuracy means anything.
std::vector<NamedTensors> random_calibration_samples(const Model& model, int64_t count);

}  // namespace kite::cli
