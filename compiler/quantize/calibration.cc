#include "compiler/quantize/calibration.h"

#include <algorithm>
#include <cmath>

namespace kiln {

const char* calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kMse: return "mse";
  }
  return "?";
}

bool parse_calibration_method(const std::string& name, CalibrationMethod* m) {
  for (CalibrationMethod c :
       {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse}) {
    if (name == calibration_method_name(c)) {
      *m = c;
      return true;
    }
  }
  return false;
}

void TensorStats::add_range(const std::vector<float>& values) {
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    if (!seen_) {
      min_ = max_ = v;
      seen_ = true;
    }
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
}

void TensorStats::add_histogram(const std::vector<float>& values) {
  if (histogram_.empty()) histogram_.assign(kBins, 0.0);
  const double width = (static_cast<double>(max_) - min_) / kBins;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    const int bin = width > 0 ? static_cast<int>((v - min_) / width) : 0;
    histogram_[static_cast<size_t>(std::clamp(bin, 0, kBins - 1))] += 1.0;
  }
}

double TensorStats::bin_center(int bin) const {
  return min_ + (bin + 0.5) * (static_cast<double>(max_) - min_) / kBins;
}

Range TensorStats::percentile_range(double percentile) const {
  double total = 0.0;
  for (double c : histogram_) total += c;
  const double tail = total * (100.0 - percentile) / 100.0;
  const double width = (static_cast<double>(max_) - min_) / kBins;
  // Cut `tail` from each end, to the bin edge where the cumulative count passes it.
  Range r{min_, max_};
  double below = 0.0;
  for (int b = 0; b < kBins; ++b) {
    below += histogram_[static_cast<size_t>(b)];
    if (below > tail) {
      r.min = static_cast<float>(min_ + b * width);
      break;
    }
  }
  double above = 0.0;
  for (int b = kBins - 1; b >= 0; --b) {
    above += histogram_[static_cast<size_t>(b)];
    if (above > tail) {
      r.max = static_cast<float>(min_ + (b + 1) * width);
      break;
    }
  }
  return r;
}

double TensorStats::quantization_error(float lo, float hi) const {
  const AffineQuantization q = affine_int8({lo, hi});
  double error = 0.0;
  for (int b = 0; b < kBins; ++b) {
    const double count = histogram_[static_cast<size_t>(b)];
    if (count == 0.0) continue;
    const double x = bin_center(b);
    const double level = std::clamp(std::nearbyint(x / q.scale) + q.zero_point, -128.0, 127.0);
    const double back = (level - q.zero_point) * q.scale;
    error += count * (x - back) * (x - back);
  }
  return error;
}

Range TensorStats::choose(CalibrationMethod method, double percentile) const {
  Range r{min_, max_};
  if (method == CalibrationMethod::kPercentile && !histogram_.empty())
    r = percentile_range(percentile);
  if (method == CalibrationMethod::kMse && !histogram_.empty()) {
    // Shrink the observed range toward zero and keep the clip with the
    // smallest expected error.
    double best = quantization_error(min_, max_);
    for (int step = 1; step < 200; ++step) {
      const float f = 1.0f - 0.0045f * static_cast<float>(step);
      const double e = quantization_error(min_ * f, max_ * f);
      if (e < best) {
        best = e;
        r = {min_ * f, max_ * f};
      }
    }
  }
  r.min = std::min(r.min, 0.0f);
  r.max = std::max(r.max, 0.0f);
  return r;
}

AffineQuantization affine_int8(Range r) {
  const double lo = std::min(0.0f, r.min), hi = std::max(0.0f, r.max);
  AffineQuantization q;
  // A tensor that is always 0 still needs a valid scale.
  const double span = hi - lo > 1e-12 ? hi - lo : 1e-6;
  q.scale = static_cast<float>(span / 255.0);
  const double zero_point = -128.0 - lo / q.scale;
  q.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(zero_point), -128.0, 127.0));
  return q;
}

}  // namespace kiln
