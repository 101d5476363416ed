#include "compiler/frontends/frontends.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "compiler/common/error.h"
#include "compiler/frontends/audio_features.h"
#include "compiler/frontends/feature_graph.h"
#include "compiler/frontends/filters.h"
#include "kiln/ops/signal.h"

namespace kiln {
namespace frontends {
namespace {

struct Parameter {
  const char* name;
  double default_value;  // NaN: derived from others, as `derived` says
  double min, max;
  bool integer;
  const char* derived;
};

// A spec's parameter values, read by name. Unknown names, repeated ones and
// values out of range are refused as the spec is parsed.
class Parameters {
 public:
  Parameters(const std::string& spec, const std::string& name, const std::vector<Parameter>& known)
      : spec_(spec), known_(known) {
    const size_t colon = spec.find(':');
    if (colon == std::string::npos) return;
    const std::string list = spec.substr(colon + 1);
    size_t begin = 0;
    while (begin <= list.size()) {
      const size_t end = std::min(list.find(',', begin), list.size());
      const std::string item = list.substr(begin, end - begin);
      begin = end + 1;
      if (item.empty()) continue;
      const size_t eq = item.find('=');
      const std::string key = item.substr(0, eq);
      const Parameter* p = find(key);
      if (eq == std::string::npos || p == nullptr) {
        std::string names;
        for (const Parameter& k : known_)
          names += fmt::format("{}{}", names.empty() ? "" : ", ", k.name);
        throw Error(ErrorKind::kUsage,
                    fmt::format("front-end '{}': '{}' is not a parameter of {} (key=value; it "
                                "has {})",
                                spec, item, name, names));
      }
      if (values_.count(key) != 0) {
        throw Error(ErrorKind::kUsage, fmt::format("front-end '{}': {} is given twice", spec, key));
      }
      const std::string text = item.substr(eq + 1);
      char* stop = nullptr;
      const double v = std::strtod(text.c_str(), &stop);
      if (text.empty() || *stop != '\0' || !std::isfinite(v) ||
          (p->integer && v != std::floor(v)) || v < p->min || v > p->max) {
        throw Error(ErrorKind::kUsage,
                    fmt::format("front-end '{}': {} = '{}' must be {} in [{}, {}]", spec, key, text,
                                p->integer ? "an integer" : "a number", p->min, p->max));
      }
      values_[key] = v;
    }
  }

  double get(const char* key) const {
    const auto it = values_.find(key);
    if (it != values_.end()) return it->second;
    const Parameter* p = find(key);
    return p != nullptr ? p->default_value : std::nan("");
  }
  int32_t integer(const char* key) const { return static_cast<int32_t>(get(key)); }
  bool given(const char* key) const { return values_.count(key) != 0; }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorKind::kUsage, fmt::format("front-end '{}': {}", spec_, why));
  }

 private:
  const Parameter* find(const std::string& key) const {
    for (const Parameter& p : known_)
      if (key == p.name) return &p;
    return nullptr;
  }
  std::string spec_;
  const std::vector<Parameter>& known_;
  std::map<std::string, double> values_;
};

const double kDerived = std::nan("");

// Parameters: name, default, range, integer, the default's rule if derived.
const std::vector<Parameter> kLogMelParameters = {
    {"rate", 16000, 1000, 192000, true, nullptr},      // Hz
    {"frame", 480, 16, kMaxFftLength, true, nullptr},  // samples
    {"fft", 512, 16, kMaxFftLength, true, nullptr},    // a power of two >= frame
    {"mels", 40, 1, kMaxFftLength, true, nullptr},     // bands
    {"min_hz", 20, 0, 96000, false, nullptr},          // the lowest band's lower edge
    {"max_hz", kDerived, 1, 96000, false, "rate/2"},   // the highest band's upper edge
    {"floor", 1e-6, 1e-30, 1e30, false, nullptr},      // added to the power before the log
};

const std::vector<Parameter> kMfccParameters = [] {
  std::vector<Parameter> p = kLogMelParameters;
  p.push_back({"coefficients", 13, 1, kMaxFftLength, true, nullptr});  // DCT outputs kept
  return p;
}();

const std::vector<Parameter> kSpectralParameters = {
    {"axes", 3, 1, 64, true, nullptr},                   // interleaved axes per sample
    {"frame", 128, 4, kMaxFftLength, true, nullptr},     // samples per axis
    {"fft", kDerived, 4, kMaxFftLength, true, "frame"},  // a power of two >= frame
    {"bands", 8, 1, kMaxFftLength, true, nullptr},       // dividing fft / 2
    {"scale", 1, 1e-30, 1e30, false, nullptr},           // units per count (g per LSB)
};

void check_fft(const Parameters& p, int32_t fft, int32_t frame) {
  if (!signal_rfft_length_ok(fft) || fft < frame) {
    p.fail(fmt::format("fft = {} must be a power of two of at least frame = {}", fft, frame));
  }
}

// log-mel and MFCC: [1, frame] int16 -> [1, mels] or [1, coefficients],
// float32 or int16 (fixed point).
ir::Graph audio_features(const std::string& spec, const char* name, bool mfcc, bool fixed_point) {
  const Parameters p(spec, name, mfcc ? kMfccParameters : kLogMelParameters);
  AudioFeatureParams a;
  a.rate = p.integer("rate");
  a.frame = p.integer("frame");
  a.fft = p.integer("fft");
  a.mels = p.integer("mels");
  const int32_t bins = a.fft / 2 + 1, nyquist = a.rate / 2;
  a.min_hz = p.get("min_hz");
  a.max_hz = p.given("max_hz") ? p.get("max_hz") : nyquist;
  a.floor = p.get("floor");
  check_fft(p, a.fft, a.frame);
  if (a.max_hz > nyquist || a.min_hz >= a.max_hz) {
    p.fail(
        fmt::format("the bands must lie in 0 <= min_hz < max_hz <= rate / 2 = {} Hz; got {} "
                    "to {}",
                    nyquist, a.min_hz, a.max_hz));
  }
  if (a.mels > bins) p.fail(fmt::format("mels = {} exceeds the FFT's {} bins", a.mels, bins));
  if (fixed_point && (a.mels > kMaxSignalChannels || bins > INT16_MAX)) {
    p.fail(fmt::format("the int16 front-end takes at most {} mels", kMaxSignalChannels));
  }
  a.coefficients = mfcc ? p.integer("coefficients") : 0;
  if (a.coefficients > a.mels) {
    p.fail(fmt::format("coefficients = {} exceeds mels = {}", a.coefficients, a.mels));
  }
  return fixed_point ? int16_audio_features(a) : float_audio_features(a);
}

// Motion features: [1, frame * axes] int16 (axes interleaved) ->
// [1, axes * (1 + 2 * bands)] float.
ir::Graph spectral_features(const std::string& spec) {
  const Parameters p(spec, "spectral", kSpectralParameters);
  const int32_t axes = p.integer("axes"), frame = p.integer("frame");
  const int32_t fft = p.given("fft") ? p.integer("fft") : frame, bands = p.integer("bands");
  check_fft(p, fft, frame);
  const int32_t half = fft / 2, bins = half + 1;
  if (half % bands != 0)
    p.fail(fmt::format("bands = {} does not divide fft / 2 = {}", bands, half));
  const int32_t width = half / bands, row = 1 + 2 * bands;

  FeatureGraph g;
  int x = g.cast_to_float(g.samples(frame * axes), {1, frame * axes});
  x = g.transpose(g.reshape(x, {frame, axes}), {1, 0}, {axes, frame});
  x = g.multiply(x, {axes, frame}, {p.get("scale")}, {1});
  const int mean = g.reshape(g.reduce(ir::OpKind::kMean, x, 1, {axes}), {axes, 1});
  const int centered = g.add(x, mean, {axes, frame}, ir::OpKind::kSub);
  int rms = g.reduce(ir::OpKind::kMean, g.square(centered, {axes, frame}), 1, {axes});
  rms = g.reshape(g.unary(ir::OpKind::kSqrt, rms, {axes}), {axes, 1});
  // scipy.signal.periodogram(scaling='spectrum', window='hann'): |X|^2 /
  // (sum w)^2, doubled for the bins that stand for two (not DC, not Nyquist).
  const std::vector<double> window = hann_window(frame);
  double sum = 0;
  for (double w : window) sum += w;
  std::vector<double> scaling(static_cast<size_t>(bins), 2.0 / (sum * sum));
  scaling.front() = scaling.back() = 1.0 / (sum * sum);
  int power =
      g.energy(g.rfft(g.multiply(centered, {axes, frame}, window, {frame}), axes, fft), axes, bins);
  power = g.multiply(power, {axes, bins}, scaling, {bins});
  const int banded = g.reshape(g.slice(power, {0, 1}, {axes, half}), {axes, bands, width});
  const int band_power = g.reduce(ir::OpKind::kSum, banded, 2, {axes, bands});
  const int band_peak = g.reduce(ir::OpKind::kReduceMax, banded, 2, {axes, bands});
  x = g.concatenate({rms, band_power, band_peak}, 1, {axes, row});
  g.output(g.reshape(x, {1, axes * row}));
  return g.build();
}

struct Builtin {
  const char* name;
  const std::vector<Parameter>* parameters;
  std::function<ir::Graph(const std::string&)> build;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> all = {
      {"log-mel", &kLogMelParameters,
       [](const std::string& s) { return audio_features(s, "log-mel", false, false); }},
      {"mfcc", &kMfccParameters,
       [](const std::string& s) { return audio_features(s, "mfcc", true, false); }},
      {"log-mel-int16", &kLogMelParameters,
       [](const std::string& s) { return audio_features(s, "log-mel-int16", false, true); }},
      {"mfcc-int16", &kMfccParameters,
       [](const std::string& s) { return audio_features(s, "mfcc-int16", true, true); }},
      {"spectral", &kSpectralParameters, spectral_features},
  };
  return all;
}

const Builtin* find_builtin(const std::string& spec) {
  const std::string name = spec.substr(0, spec.find(':'));
  for (const Builtin& b : builtins())
    if (name == b.name) return &b;
  return nullptr;
}

}  // namespace

bool is_builtin(const std::string& spec) { return find_builtin(spec) != nullptr; }

ir::Graph build(const std::string& spec) {
  const Builtin* b = find_builtin(spec);
  if (b == nullptr) {
    throw Error(ErrorKind::kUsage,
                fmt::format("'{}' is not a built-in front-end: {}", spec, describe_builtins()));
  }
  return b->build(spec);
}

std::string describe_builtins() {
  std::string s;
  for (const Builtin& b : builtins()) {
    s += fmt::format("{}{}[:", s.empty() ? "" : ", ", b.name);
    const char* separator = "";
    for (const Parameter& p : *b.parameters) {
      if (p.derived)
        s += fmt::format("{}{}={}", separator, p.name, p.derived);
      else
        s += fmt::format("{}{}={}", separator, p.name, p.default_value);
      separator = ",";
    }
    s += "]";
  }
  return s;
}

}  // namespace frontends
}  // namespace kiln
