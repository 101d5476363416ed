// `kiln report`: everything kiln can tell about a model on a core and a
// part, as one JSON document (and, through report_html.h, one
// self-contained HTML page): whether it fits, per-layer instructions and
// estimated cycles, the memory plan over time, flash, accuracy against a
// dataset, the same model on every emulated core, energy and battery life.
#ifndef KILN_COMPILER_REPORT_REPORT_H
#define KILN_COMPILER_REPORT_REPORT_H

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kiln {

struct ReportOptions {
  std::string target = "cortex-m4";  // an emulated core or a target description (.json)
  std::string part;                  // a part (compiler/target/parts.h); empty: the core alone
  std::vector<std::string> inputs;   // the input the inference is measured on (zeros if none)
  // Cores to run the model on side by side (each one's instructions,
  // estimated cycles, memory).
  std::vector<std::string> cores = {"cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"};
  // Accuracy: `data` (a directory as `kiln validate` takes, in the model's
  // input type) and optional labels; the model is compared with `reference`
  // (a float model, say, given the data converted) if given, with itself
  // otherwise.
  std::string data, labels, reference;
  size_t data_limit = 0;
  // Energy: inferences per second and a battery (mAh, volts); 0: not asked.
  double rate_hz = 0;
  double battery_mah = 0, battery_volts = 3.0;
  std::function<void(const std::string& step)> progress;
};

// Throws Error for what it cannot start from (an unknown part or core, a
// model that cannot be read); a model that does not fit the target is
// reported as such, with by how much, not refused.
nlohmann::json build_report(const std::string& model, const ReportOptions& options);

}  // namespace kiln

#endif
