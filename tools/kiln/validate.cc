// kiln validate: compare two models (or one model on two targets) on data.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "compiler/eval/validate.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {
namespace {

nlohmann::json difference_json(const Difference& d) {
  return {{"rmse", d.rmse}, {"mae", d.mae}, {"l2r", d.l2r}, {"cosine", d.cosine}, {"max_abs_diff", d.max_abs_diff}};
}

nlohmann::json report_json(const ValidateReport& r) {
  nlohmann::json j = difference_json(r.outputs);
  j["samples"] = r.samples;
  j["top1_agreement"] = r.top1_agreement;
  if (r.accuracy_a) j["accuracy_a"] = *r.accuracy_a;
  if (r.accuracy_b) j["accuracy_b"] = *r.accuracy_b;
  j["first_divergent_layer"] = r.first_divergent_layer.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.first_divergent_layer);
  j["layers_compared"] = r.layers_compared;
  j["layers"] = nlohmann::json::array();
  for (const LayerDifference& l : r.layers) {
    nlohmann::json layer = difference_json(l.diff);
    layer["name"] = l.name;
    layer["op"] = l.op;
    j["layers"].push_back(layer);
  }
  return j;
}

void print_text(const ValidateReport& r, double threshold) {
  fmt::print("samples              {}\n", r.samples);
  if (r.accuracy_a) fmt::print("accuracy A / B       {:.2f}% / {:.2f}%\n", 100 * *r.accuracy_a, 100 * *r.accuracy_b);
  fmt::print("top-1 agreement      {:.2f}%\n", 100 * r.top1_agreement);
  fmt::print("outputs              rmse {:.6g}  mae {:.6g}  l2r {:.6g}  cosine {:.6f}  max |a-b| {:.6g}\n", r.outputs.rmse,
             r.outputs.mae, r.outputs.l2r, r.outputs.cosine, r.outputs.max_abs_diff);
  if (!r.layers_compared) {
    fmt::print("layers               not compared (needs two .tflite/.onnx models on the host)\n");
    return;
  }
  fmt::print("\n  {:<44} {:<20} {:>10} {:>10} {:>9}\n", "layer", "op", "rmse", "l2r", "cosine");
  for (const LayerDifference& l : r.layers) {
    fmt::print("  {:<44} {:<20} {:>10.4g} {:>10.4g} {:>9.5f}{}\n", l.name, l.op, l.diff.rmse, l.diff.l2r, l.diff.cosine,
               l.diff.l2r > threshold ? "  <" : "");
  }
  fmt::print("\nfirst divergent layer (l2r > {}): {}\n", threshold,
             r.first_divergent_layer.empty() ? "none" : r.first_divergent_layer);
}

}  // namespace

void register_validate(CLI::App& app) {
  struct Options {
    std::string model_a, model_b, data;
    ValidateOptions validate;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("validate", "compare two models on the same inputs, output by output and layer by layer");
  cmd->add_option("MODEL_A", opts->model_a, "the reference: .tflite, .onnx or .kiln")->required();
  cmd->add_option("MODEL_B", opts->model_b, "the model to check: .tflite, .onnx or .kiln")->required();
  cmd->add_option("--data", opts->data, "directory of input samples in MODEL_A's input type and layout")->required();
  cmd->add_option("--labels", opts->validate.labels, "class labels: one per line in sample order, or '<sample> <label>'");
  cmd->add_option("--target", opts->validate.target_b, "where MODEL_B runs: host, cortex-m4, cortex-m7, cortex-m33, cortex-m55")
      ->capture_default_str();
  cmd->add_option("--threshold", opts->validate.threshold, "relative L2 error at which a layer counts as diverging")
      ->capture_default_str();
  cmd->add_option("--limit", opts->validate.limit, "use only the first N samples (0: all)")->capture_default_str();
  cmd->add_flag("--json", opts->json, "print JSON");
  cmd->callback([opts]() {
    const bool tty = isatty(fileno(stderr));
    opts->validate.progress = [tty](size_t done, size_t total) {
      if (tty) std::fprintf(stderr, "\rkiln: validating %zu/%zu%s", done, total, done == total ? "\n" : "");
    };
    const ValidateReport r = validate_models(opts->model_a, opts->model_b, opts->data, opts->validate);
    if (opts->json) fmt::print("{}\n", report_json(r).dump(2));
    else print_text(r, opts->validate.threshold);
  });
}

}  // namespace cli
}  // namespace kiln
