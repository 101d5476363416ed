#include "compiler/eval/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/dataset.h"
#include "compiler/exec/source_layout.h"
#include "compiler/ir/layout.h"
#include "compiler/run/open_model.h"

namespace kiln {
namespace {

int64_t elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// Real values in a port's type (TFLite's rounding, saturating).
std::vector<uint8_t> from_real(const TensorPort& p, const std::vector<float>& values) {
  const size_t size = kiln_dtype_size(p.dtype);
  std::vector<uint8_t> out(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    if (p.dtype == KILN_DTYPE_FLOAT32) {
      std::memcpy(&out[4 * i], &values[i], 4);
      continue;
    }
    const double level =
        std::round(static_cast<double>(values[i]) / (p.scale > 0 ? p.scale : 1.0f)) + p.zero_point;
    if (p.dtype == KILN_DTYPE_INT8)
      out[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(level, -128.0, 127.0)));
    else if (p.dtype == KILN_DTYPE_UINT8)
      out[i] = static_cast<uint8_t>(std::clamp(level, 0.0, 255.0));
    else
      throw Error(ErrorKind::kUnsupported, fmt::format("converting data for {} input '{}'",
                                                       ir::dtype_name(p.dtype), p.name));
  }
  return out;
}

// One model, ready to run samples in kiln's layout: evaluated as a graph on
// the host (every tensor kept, so layers can be compared), or compiled for
// an emulated core, or a blob.
struct ModelRun {
  ModelRun(const std::string& path, const std::string& target) {
    RunnerOptions options;
    options.target = target;
    options.evaluate_graph = target == "host";
    options.source_layout = false;
    model = open_model(path, options);
  }
  const ir::Graph& graph() const { return model.compiled.graph; }
  Runner& runner() const { return *model.runner; }
  const std::vector<TensorPort>& inputs() const { return model.runner->inputs(); }
  const std::vector<TensorPort>& outputs() const { return model.runner->outputs(); }

  std::vector<std::vector<uint8_t>> run(const std::vector<std::vector<uint8_t>>& inputs) const {
    for (size_t i = 0; i < inputs.size(); ++i) model.runner->set_input(i, inputs[i]);
    model.runner->invoke();
    std::vector<std::vector<uint8_t>> outputs;
    for (size_t o = 0; o < model.runner->outputs().size(); ++o)
      outputs.push_back(model.runner->output(o));
    return outputs;
  }

  OpenedModel model;
};

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Model A's inputs as the data holds them (the source layout).
std::vector<TensorPort> data_inputs(const ModelRun& a) {
  return a.model.has_graph() ? source_input_ports(a.graph()) : a.inputs();
}

// Tensors both graphs compute, by name, in A's op order.
std::vector<std::pair<int, int>> common_layers(const ModelRun& a, const ModelRun& b) {
  std::map<std::string, int> in_b;
  const ir::Graph& gb = b.graph();
  for (size_t t = 0; t < gb.tensors.size(); ++t) {
    if (b.model.evaluator->has_value(static_cast<int>(t)))
      in_b[gb.tensors[t].name] = static_cast<int>(t);
  }
  std::vector<std::pair<int, int>> pairs;
  for (const ir::Op& op : a.graph().ops) {
    for (int t : op.outputs) {
      const ir::Tensor& ta = a.graph().tensors[static_cast<size_t>(t)];
      const auto it = in_b.find(ta.name);
      if (it != in_b.end() && a.model.evaluator->has_value(t) &&
          gb.tensors[static_cast<size_t>(it->second)].elements() == ta.elements()) {
        pairs.push_back({t, it->second});
      }
    }
  }
  return pairs;
}

std::string producer_op(const ir::Graph& g, int tensor) {
  for (const ir::Op& op : g.ops) {
    for (int t : op.outputs) {
      if (t == tensor) return op.type_name;
    }
  }
  return "";
}

}  // namespace

void DifferenceMeter::add(const std::vector<float>& a, const std::vector<float>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double x = a[i], y = b[i], d = x - y;
    count_ += 1;
    sum_sq_ += d * d;
    sum_abs_ += std::fabs(d);
    max_abs_ = std::max(max_abs_, std::fabs(d));
    a_sq_ += x * x;
    b_sq_ += y * y;
    dot_ += x * y;
  }
}

Difference DifferenceMeter::result() const {
  Difference d;
  if (count_ == 0) return d;
  d.rmse = std::sqrt(sum_sq_ / count_);
  d.mae = sum_abs_ / count_;
  d.max_abs_diff = max_abs_;
  d.l2r = a_sq_ > 0 ? std::sqrt(sum_sq_ / a_sq_) : (sum_sq_ > 0 ? INFINITY : 0.0);
  d.cosine =
      a_sq_ > 0 && b_sq_ > 0 ? dot_ / std::sqrt(a_sq_ * b_sq_) : (a_sq_ == b_sq_ ? 1.0 : 0.0);
  return d;
}

ValidateReport validate_models(const std::string& model_a, const std::string& model_b,
                               const std::string& data_dir, const ValidateOptions& options) {
  ModelRun a(model_a, "host");
  ModelRun b(model_b, options.target_b);
  if (a.inputs().size() != b.inputs().size() || a.outputs().size() != b.outputs().size()) {
    throw Error(
        ErrorKind::kBadInput,
        fmt::format("{} has {} inputs and {} outputs, {} has {} and {}", model_a, a.inputs().size(),
                    a.outputs().size(), model_b, b.inputs().size(), b.outputs().size()));
  }
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    if (elements(a.inputs()[i].shape) != elements(b.inputs()[i].shape)) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("input {}: {} takes {}, {} takes {}", i, model_a,
                              ir::shape_string(a.inputs()[i].shape), model_b,
                              ir::shape_string(b.inputs()[i].shape)));
    }
  }
  for (size_t o = 0; o < a.outputs().size(); ++o) {
    if (elements(a.outputs()[o].shape) != elements(b.outputs()[o].shape)) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("output {}: {} gives {}, {} gives {}", o, model_a,
                              ir::shape_string(a.outputs()[o].shape), model_b,
                              ir::shape_string(b.outputs()[o].shape)));
    }
  }
  const Dataset data = load_dataset(data_dir, data_inputs(a), options.limit, "sample");
  std::vector<int> labels;
  if (!options.labels.empty()) labels = load_labels(options.labels, data);

  ValidateReport report;
  report.samples = data.samples.size();
  report.layers_compared = a.model.evaluator && b.model.evaluator;
  const std::vector<std::pair<int, int>> layers =
      report.layers_compared ? common_layers(a, b) : std::vector<std::pair<int, int>>{};
  std::vector<DifferenceMeter> layer_meters(layers.size());
  DifferenceMeter outputs;
  size_t agree = 0, correct_a = 0, correct_b = 0;
  if (!labels.empty()) {
    const size_t classes = static_cast<size_t>(elements(a.outputs()[0].shape));
    report.confusion_a.assign(classes, std::vector<uint32_t>(classes, 0));
    report.confusion_b = report.confusion_a;
  }
  for (size_t s = 0; s < data.samples.size(); ++s) {
    std::vector<std::vector<uint8_t>> in_a, in_b;
    for (size_t i = 0; i < a.inputs().size(); ++i) {
      const std::vector<uint8_t> kiln_a =
          a.model.has_graph() ? ir::input_to_kiln_layout(a.graph(), i, data.samples[s][i])
                              : data.samples[s][i];
      in_a.push_back(kiln_a);
      const bool same_type = a.inputs()[i].dtype == b.inputs()[i].dtype &&
                             a.inputs()[i].scale == b.inputs()[i].scale &&
                             a.inputs()[i].zero_point == b.inputs()[i].zero_point;
      in_b.push_back(same_type ? kiln_a
                               : from_real(b.inputs()[i], to_float(a.inputs()[i], kiln_a)));
    }
    const std::vector<std::vector<uint8_t>> out_a = a.run(in_a), out_b = b.run(in_b);
    for (size_t o = 0; o < out_a.size(); ++o) {
      const std::vector<float> ra = to_float(a.outputs()[o], out_a[o]),
                               rb = to_float(b.outputs()[o], out_b[o]);
      outputs.add(ra, rb);
      if (o == 0) {
        const size_t pa = argmax(ra), pb = argmax(rb);
        agree += pa == pb;
        if (!labels.empty()) {
          correct_a += static_cast<int>(pa) == labels[s];
          correct_b += static_cast<int>(pb) == labels[s];
          const size_t label = static_cast<size_t>(labels[s]);
          if (label < report.confusion_a.size()) {
            ++report.confusion_a[label][pa];
            ++report.confusion_b[label][pb];
          }
        }
      }
    }
    for (size_t l = 0; l < layers.size(); ++l) {
      layer_meters[l].add(a.model.evaluator->values(layers[l].first),
                          b.model.evaluator->values(layers[l].second));
    }
    if (options.progress) options.progress(s + 1, data.samples.size());
  }
  report.outputs = outputs.result();
  report.top1_agreement = static_cast<double>(agree) / static_cast<double>(report.samples);
  if (!labels.empty()) {
    report.accuracy_a = static_cast<double>(correct_a) / static_cast<double>(report.samples);
    report.accuracy_b = static_cast<double>(correct_b) / static_cast<double>(report.samples);
  }
  for (size_t l = 0; l < layers.size(); ++l) {
    LayerDifference d{a.graph().tensors[static_cast<size_t>(layers[l].first)].name,
                      producer_op(a.graph(), layers[l].first), layer_meters[l].result()};
    if (report.first_divergent_layer.empty() && d.diff.l2r > options.threshold)
      report.first_divergent_layer = d.name;
    report.layers.push_back(std::move(d));
  }
  return report;
}

namespace {

nlohmann::json difference_json(const Difference& d) {
  return {{"rmse", d.rmse},
          {"mae", d.mae},
          {"l2r", d.l2r},
          {"cosine", d.cosine},
          {"max_abs_diff", d.max_abs_diff}};
}

}  // namespace

nlohmann::json to_json(const ValidateReport& r) {
  nlohmann::json j = difference_json(r.outputs);
  j["samples"] = r.samples;
  j["top1_agreement"] = r.top1_agreement;
  if (r.accuracy_a) j["accuracy_a"] = *r.accuracy_a;
  if (r.accuracy_b) j["accuracy_b"] = *r.accuracy_b;
  if (!r.confusion_a.empty()) {
    j["confusion_a"] = r.confusion_a;
    j["confusion_b"] = r.confusion_b;
  }
  j["first_divergent_layer"] = r.first_divergent_layer.empty()
                                   ? nlohmann::json(nullptr)
                                   : nlohmann::json(r.first_divergent_layer);
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

std::string to_table(const ValidateReport& r, double threshold) {
  std::string s = fmt::format("samples              {}\n", r.samples);
  if (r.accuracy_a)
    s += fmt::format("accuracy A / B       {:.2f}% / {:.2f}%\n", 100 * *r.accuracy_a,
                     100 * *r.accuracy_b);
  s += fmt::format("top-1 agreement      {:.2f}%\n", 100 * r.top1_agreement);
  s += fmt::format(
      "outputs              rmse {:.6g}  mae {:.6g}  l2r {:.6g}  cosine {:.6f}  max |a-b| {:.6g}\n",
      r.outputs.rmse, r.outputs.mae, r.outputs.l2r, r.outputs.cosine, r.outputs.max_abs_diff);
  if (!r.layers_compared)
    return s + "layers               not compared (needs two .tflite/.onnx models on the host)\n";
  s += fmt::format("\n  {:<44} {:<20} {:>10} {:>10} {:>9}\n", "layer", "op", "rmse", "l2r",
                   "cosine");
  for (const LayerDifference& l : r.layers) {
    s += fmt::format("  {:<44} {:<20} {:>10.4g} {:>10.4g} {:>9.5f}{}\n", l.name, l.op, l.diff.rmse,
                     l.diff.l2r, l.diff.cosine, l.diff.l2r > threshold ? "  <" : "");
  }
  return s + fmt::format("\nfirst divergent layer (l2r > {}): {}\n", threshold,
                         r.first_divergent_layer.empty() ? "none" : r.first_divergent_layer);
}

}  // namespace kiln
