// Activation ranges from a calibration set: per-tensor statistics and the
// three ways kiln turns them into an int8 range.
#ifndef KILN_COMPILER_QUANTIZE_CALIBRATION_H
#define KILN_COMPILER_QUANTIZE_CALIBRATION_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

enum class CalibrationMethod {
  kMinMax,      // the observed range (TFLite's converter does this)
  kPercentile,  // the central `percentile` of the values: outliers clip
  kMse,         // the clipping range that minimizes the int8 rounding + clipping error
};

const char* calibration_method_name(CalibrationMethod m);
// "minmax", "percentile" or "mse"; false for anything else.
bool parse_calibration_method(const std::string& name, CalibrationMethod* m);

struct Range {
  float min = 0.0f, max = 0.0f;
};

// One tensor's values over the calibration set: a first pass records the
// range, a second (for percentile and MSE) a histogram over that range.
class TensorStats {
 public:
  static constexpr int kBins = 2048;

  void add_range(const std::vector<float>& values);
  void add_histogram(const std::vector<float>& values);
  bool seen() const { return seen_; }
  Range observed() const { return {min_, max_}; }

  // The range to quantize over, always containing 0.
  Range choose(CalibrationMethod method, double percentile) const;

 private:
  double bin_center(int bin) const;
  Range percentile_range(double percentile) const;
  // Mean squared error of int8-quantizing the histogram's values over [lo, hi].
  double quantization_error(float lo, float hi) const;

  bool seen_ = false;
  float min_ = 0.0f, max_ = 0.0f;
  std::vector<double> histogram_;
};

// int8 scale and zero point for a range (TFLite's asymmetric scheme: the
// range is widened to hold 0 exactly).
struct AffineQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
AffineQuantization affine_int8(Range r);

}  // namespace kiln

#endif
