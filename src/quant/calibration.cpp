#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kite/error.h"

namespace kite {

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "kl") return CalibrationMethod::kKL;
  fail("unknown calibration method '", name, "' (minmax, percentile and kl are known)");
}

const char* calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kKL: return "kl";
  }
  return "?";
}

void TensorStatistics::observe_extremes(const float* x, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(x[i])) continue;  // a NaN or infinity says nothing about the range
    if (!seen_) min_ = max_ = x[i], seen_ = true;
    min_ = std::min(min_, x[i]);
    max_ = std::max(max_, x[i]);
  }
}

namespace {

int bin_of(float x, float lo, float width) {
  if (width <= 0.f) return 0;
  int b = static_cast<int>((x - lo) / width);
  return std::min(std::max(b, 0), TensorStatistics::kBins - 1);
}

}  // namespace

void TensorStatistics::observe_histogram(const float* x, int64_t count) {
  if (signed_histogram_.empty()) {
    signed_histogram_.assign(kBins, 0.0);
    magnitude_histogram_.assign(kBins, 0.0);
  }
  float signed_width = (max_ - min_) / kBins;
  float magnitude_width = std::max(std::fabs(min_), std::fabs(max_)) / kBins;
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(x[i])) continue;
    signed_histogram_[static_cast<size_t>(bin_of(x[i], min_, signed_width))] += 1;
    // Exact zeros (half of a ReLU's output) are exact at any threshold: left out, they would
    // make every threshold that merges them with their neighbours look worse than it is.
    if (x[i] != 0.f) magnitude_histogram_[static_cast<size_t>(bin_of(std::fabs(x[i]), 0.f, magnitude_width))] += 1;
  }
}

Range TensorStatistics::range(CalibrationMethod method, double percentile) const {
  if (method == CalibrationMethod::kMinMax || signed_histogram_.empty()) return {min_, max_};
  if (method == CalibrationMethod::kPercentile) return percentile_range(percentile);
  return kl_range();
}

Range TensorStatistics::percentile_range(double percentile) const {
  double total = 0;
  for (double c : signed_histogram_) total += c;
  if (total == 0) return {min_, max_};
  double width = (static_cast<double>(max_) - min_) / kBins;
  double tail = total * (1.0 - percentile / 100.0);
  Range r{min_, max_};
  double seen = 0;
  for (int b = 0; b < kBins; ++b) {  // lowest bin edge with more than `tail` values below it
    seen += signed_histogram_[static_cast<size_t>(b)];
    if (seen > tail) {
      r.lo = static_cast<float>(min_ + b * width);
      break;
    }
  }
  seen = 0;
  for (int b = kBins - 1; b >= 0; --b) {
    seen += signed_histogram_[static_cast<size_t>(b)];
    if (seen > tail) {
      r.hi = static_cast<float>(min_ + (b + 1) * width);
      break;
    }
  }
  // A tensor that is never negative (after a ReLU) keeps 0 as its lower end.
  if (min_ >= 0.f) r.lo = min_;
  return r;
}

namespace {

// KL(P || Q) for the first `bins` bins of `h`, the values beyond folded into the last one, Q being
// P squeezed into `levels` quantization steps and spread back over the bins that were non-empty.
double kl_divergence(const std::vector<double>& h, int bins, int levels) {
  std::vector<double> p(h.begin(), h.begin() + bins);
  for (size_t i = static_cast<size_t>(bins); i < h.size(); ++i) p.back() += h[i];
  std::vector<double> q(static_cast<size_t>(bins), 0.0);
  double per_level = static_cast<double>(bins) / levels;
  for (int l = 0; l < levels; ++l) {
    int start = static_cast<int>(std::floor(l * per_level)), end = static_cast<int>(std::floor((l + 1) * per_level));
    if (l == levels - 1) end = bins;
    double sum = 0;
    int nonzero = 0;
    for (int b = start; b < end; ++b) {
      sum += h[static_cast<size_t>(b)];
      nonzero += h[static_cast<size_t>(b)] > 0;
    }
    for (int b = start; b < end; ++b)
      if (h[static_cast<size_t>(b)] > 0) q[static_cast<size_t>(b)] = sum / nonzero;
  }
  double p_total = 0, q_total = 0;
  for (int b = 0; b < bins; ++b) p_total += p[static_cast<size_t>(b)], q_total += q[static_cast<size_t>(b)];
  if (p_total == 0 || q_total == 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (int b = 0; b < bins; ++b) {
    double pb = p[static_cast<size_t>(b)] / p_total;
    if (pb == 0) continue;
    double qb = std::max(q[static_cast<size_t>(b)] / q_total, 1e-12);  // the folded outliers
    kl += pb * std::log(pb / qb);
  }
  return kl;
}

}  // namespace

Range TensorStatistics::kl_range() const {
  // One-sided tensors use all 256 steps for [0, T]; signed ones have about 128 per side.
  int levels = min_ >= 0.f ? 255 : 127;
  double best = std::numeric_limits<double>::infinity();
  int best_bins = kBins;
  for (int bins = levels; bins <= kBins; bins += 8) {
    double kl = kl_divergence(magnitude_histogram_, bins, levels);
    if (kl < best) best = kl, best_bins = bins;
  }
  float threshold = std::max(std::fabs(min_), std::fabs(max_)) * best_bins / kBins;
  return {std::max(min_, -threshold), std::min(max_, threshold)};
}

}  // namespace kite
