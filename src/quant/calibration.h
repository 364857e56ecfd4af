// Activation ranges for post-training quantization: what values each tensor takes over a set of
// calibration inputs, and the range [lo, hi] a method keeps from them.
//  - minmax: the smallest and largest value seen (no clipping; outliers widen every step);
//  - percentile: the P-th percentile at each end (P = 99.99 clips the rarest 0.01% of values);
//  - kl: the threshold whose quantized distribution is closest, by Kullback-Leibler divergence,
//    to the observed one (the entropy calibration of TensorRT), applied to |x|.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kite {

enum class CalibrationMethod { kMinMax, kPercentile, kKL };

// "minmax", "percentile" or "kl"; throws kite::Error on anything else.
CalibrationMethod parse_calibration_method(const std::string& name);
const char* calibration_method_name(CalibrationMethod m);

struct Range {
  float lo = 0.f;
  float hi = 0.f;
};

// One tensor's statistics. Two passes over the calibration data: the first finds the extremes,
// the second (needed by percentile and kl only) fills histograms over them.
class TensorStatistics {
 public:
  static constexpr int kBins = 2048;

  void observe_extremes(const float* x, int64_t count);
  void observe_histogram(const float* x, int64_t count);
  Range range(CalibrationMethod method, double percentile) const;

 private:
  Range percentile_range(double percentile) const;
  Range kl_range() const;

  float min_ = 0.f, max_ = 0.f;
  bool seen_ = false;
  std::vector<double> signed_histogram_;  // kBins over [min_, max_]
  std::vector<double> magnitude_histogram_;  // kBins over [0, max(|min_|, |max_|)]
};

}  // namespace kite
