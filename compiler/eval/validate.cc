#include "compiler/eval/validate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/dataset.h"
#include "compiler/eval/graph_evaluator.h"
#include "compiler/eval/host_runner.h"
#include "compiler/passes/passes.h"
#include "compiler/target/cortex_m.h"

namespace kiln {
namespace {

// A model input or output as the runtime sees it (kiln's layout).
struct Port {
  std::string name;
  kiln_dtype dtype;
  std::vector<int32_t> shape;
  float scale = 0.0f;
  int32_t zero_point = 0;
};

Port port_of(const ir::Tensor& t) {
  return {t.name, t.dtype, t.shape, t.quant.present() ? t.quant.scale() : 0.0f, t.quant.zero_point()};
}

Port port_of(const blob::IoRecord& io, size_t index, const char* kind) {
  return {fmt::format("{} {}", kind, index), static_cast<kiln_dtype>(io.dtype),
          std::vector<int32_t>(io.dims, io.dims + io.rank), io.scale, io.zero_point};
}

int64_t elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::vector<float> to_real(const Port& p, const std::vector<uint8_t>& bytes) {
  ir::Tensor t;
  t.dtype = p.dtype;
  if (p.scale > 0.0f) {
    t.quant.scales = {p.scale};
    t.quant.zero_points = {p.zero_point};
  }
  return to_float(t, bytes);
}

// Real values in a port's type (TFLite's rounding, saturating).
std::vector<uint8_t> from_real(const Port& p, const std::vector<float>& values) {
  const size_t size = kiln_dtype_size(p.dtype);
  std::vector<uint8_t> out(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    if (p.dtype == KILN_DTYPE_FLOAT32) {
      std::memcpy(&out[4 * i], &values[i], 4);
      continue;
    }
    const double level = std::round(static_cast<double>(values[i]) / (p.scale > 0 ? p.scale : 1.0f)) + p.zero_point;
    if (p.dtype == KILN_DTYPE_INT8) out[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(level, -128.0, 127.0)));
    else if (p.dtype == KILN_DTYPE_UINT8) out[i] = static_cast<uint8_t>(std::clamp(level, 0.0, 255.0));
    else throw Error(ErrorKind::kUnsupported, fmt::format("converting data for {} input '{}'", ir::dtype_name(p.dtype), p.name));
  }
  return out;
}

// One model, ready to run samples.
class ModelRun {
 public:
  ModelRun(const std::string& path, const std::string& target) : path_(path), target_(target) {
    const std::vector<uint8_t> bytes = read_file(path);
    if (detect_format(bytes) == ModelFormat::kKilnBlob) {
      blob_ = bytes;
    } else {
      graph_ = passes::optimize(import_model(bytes, path));
      if (target == "host") {
        evaluator_ = std::make_unique<GraphEvaluator>(graph_);
      } else {
        blob_ = compile_graph(graph_, {target}).blob;
      }
    }
    if (!evaluator_) {
      host_ = std::make_unique<HostRunner>(blob_);  // the blob's input/output records
      if (target != "host") cortex_m_ = std::make_unique<CortexMRunner>(target);
    }
    for (size_t i = 0; i < num_inputs(); ++i) inputs_.push_back(evaluator_ ? port_of(tensor(graph_.inputs[i])) : port_of(*host_->executor().input_info(static_cast<uint32_t>(i)), i, "input"));
    for (size_t i = 0; i < num_outputs(); ++i) outputs_.push_back(evaluator_ ? port_of(tensor(graph_.outputs[i])) : port_of(*host_->executor().output_info(static_cast<uint32_t>(i)), i, "output"));
  }

  const std::string& path() const { return path_; }
  bool has_graph() const { return !graph_.tensors.empty(); }
  const ir::Graph& graph() const { return graph_; }
  bool layer_by_layer() const { return evaluator_ != nullptr; }
  const GraphEvaluator& evaluator() const { return *evaluator_; }
  const std::vector<Port>& inputs() const { return inputs_; }
  const std::vector<Port>& outputs() const { return outputs_; }

  // Inputs and outputs in kiln's layout.
  std::vector<std::vector<uint8_t>> run(const std::vector<std::vector<uint8_t>>& inputs) {
    std::vector<std::vector<uint8_t>> outputs;
    if (evaluator_) {
      for (size_t i = 0; i < inputs.size(); ++i) evaluator_->set_input(i, inputs[i]);
      evaluator_->invoke();
      for (int t : graph_.outputs) outputs.push_back(evaluator_->bytes(t));
    } else if (!cortex_m_) {
      for (size_t i = 0; i < inputs.size(); ++i) host_->set_input(static_cast<uint32_t>(i), inputs[i]);
      host_->invoke();
      for (uint32_t o = 0; o < num_outputs(); ++o) outputs.push_back(host_->output(o));
    } else {
      // The emulated core reads and writes files.
      std::vector<std::string> in_files, out_files;
      for (size_t i = 0; i < inputs.size(); ++i) {
        in_files.push_back(fmt::format("/tmp/kiln-validate-{}-in{}.bin", getpid(), i));
        write_file(in_files.back(), inputs[i].data(), inputs[i].size());
      }
      for (size_t o = 0; o < num_outputs(); ++o) out_files.push_back(fmt::format("/tmp/kiln-validate-{}-out{}.bin", getpid(), o));
      cortex_m_->run(blob_, in_files, out_files, false);
      for (const std::string& f : out_files) {
        outputs.push_back(read_file(f));
        std::remove(f.c_str());
      }
      for (const std::string& f : in_files) std::remove(f.c_str());
    }
    return outputs;
  }

 private:
  size_t num_inputs() const { return evaluator_ ? graph_.inputs.size() : host_->executor().num_inputs(); }
  size_t num_outputs() const { return evaluator_ ? graph_.outputs.size() : host_->executor().num_outputs(); }
  const ir::Tensor& tensor(int t) const { return graph_.tensors[static_cast<size_t>(t)]; }

  std::string path_, target_;
  ir::Graph graph_;
  std::vector<uint8_t> blob_;
  std::unique_ptr<GraphEvaluator> evaluator_;
  std::unique_ptr<HostRunner> host_;
  std::unique_ptr<CortexMRunner> cortex_m_;
  std::vector<Port> inputs_, outputs_;
};

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// The source-layout description of model A's inputs, for reading the data.
std::vector<ModelInput> data_inputs(const ModelRun& a) {
  if (a.has_graph()) return model_inputs(a.graph());
  std::vector<ModelInput> inputs;
  for (const Port& p : a.inputs()) inputs.push_back({p.name, p.dtype, p.shape});
  return inputs;
}

// Tensors both graphs compute, by name, in A's op order.
std::vector<std::pair<int, int>> common_layers(const ModelRun& a, const ModelRun& b) {
  std::map<std::string, int> in_b;
  const ir::Graph& gb = b.graph();
  for (size_t t = 0; t < gb.tensors.size(); ++t) {
    if (b.evaluator().has_value(static_cast<int>(t))) in_b[gb.tensors[t].name] = static_cast<int>(t);
  }
  std::vector<std::pair<int, int>> pairs;
  for (const ir::Op& op : a.graph().ops) {
    for (int t : op.outputs) {
      const ir::Tensor& ta = a.graph().tensors[static_cast<size_t>(t)];
      const auto it = in_b.find(ta.name);
      if (it != in_b.end() && a.evaluator().has_value(t) && gb.tensors[static_cast<size_t>(it->second)].elements() == ta.elements()) {
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
  d.cosine = a_sq_ > 0 && b_sq_ > 0 ? dot_ / std::sqrt(a_sq_ * b_sq_) : (a_sq_ == b_sq_ ? 1.0 : 0.0);
  return d;
}

ValidateReport validate_models(const std::string& model_a, const std::string& model_b, const std::string& data_dir,
                               const ValidateOptions& options) {
  ModelRun a(model_a, "host");
  ModelRun b(model_b, options.target_b);
  if (a.inputs().size() != b.inputs().size() || a.outputs().size() != b.outputs().size()) {
    throw Error(ErrorKind::kBadInput, fmt::format("{} has {} inputs and {} outputs, {} has {} and {}", model_a,
                                                  a.inputs().size(), a.outputs().size(), model_b, b.inputs().size(),
                                                  b.outputs().size()));
  }
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    if (elements(a.inputs()[i].shape) != elements(b.inputs()[i].shape)) {
      throw Error(ErrorKind::kBadInput, fmt::format("input {}: {} takes {}, {} takes {}", i, model_a,
                                                    ir::shape_string(a.inputs()[i].shape), model_b,
                                                    ir::shape_string(b.inputs()[i].shape)));
    }
  }
  for (size_t o = 0; o < a.outputs().size(); ++o) {
    if (elements(a.outputs()[o].shape) != elements(b.outputs()[o].shape)) {
      throw Error(ErrorKind::kBadInput, fmt::format("output {}: {} gives {}, {} gives {}", o, model_a,
                                                    ir::shape_string(a.outputs()[o].shape), model_b,
                                                    ir::shape_string(b.outputs()[o].shape)));
    }
  }
  const Dataset data = load_dataset(data_dir, data_inputs(a), options.limit, "sample");
  std::vector<int> labels;
  if (!options.labels.empty()) labels = load_labels(options.labels, data);

  ValidateReport report;
  report.samples = data.samples.size();
  report.layers_compared = a.layer_by_layer() && b.layer_by_layer();
  const std::vector<std::pair<int, int>> layers = report.layers_compared ? common_layers(a, b) : std::vector<std::pair<int, int>>{};
  std::vector<DifferenceMeter> layer_meters(layers.size());
  DifferenceMeter outputs;
  size_t agree = 0, correct_a = 0, correct_b = 0;
  for (size_t s = 0; s < data.samples.size(); ++s) {
    std::vector<std::vector<uint8_t>> in_a, in_b;
    for (size_t i = 0; i < a.inputs().size(); ++i) {
      const std::vector<uint8_t> kiln_a = a.has_graph() ? input_to_kiln_layout(a.graph(), i, data.samples[s][i]) : data.samples[s][i];
      in_a.push_back(kiln_a);
      const bool same_type = a.inputs()[i].dtype == b.inputs()[i].dtype && a.inputs()[i].scale == b.inputs()[i].scale &&
                             a.inputs()[i].zero_point == b.inputs()[i].zero_point;
      in_b.push_back(same_type ? kiln_a : from_real(b.inputs()[i], to_real(a.inputs()[i], kiln_a)));
    }
    const std::vector<std::vector<uint8_t>> out_a = a.run(in_a), out_b = b.run(in_b);
    for (size_t o = 0; o < out_a.size(); ++o) {
      const std::vector<float> ra = to_real(a.outputs()[o], out_a[o]), rb = to_real(b.outputs()[o], out_b[o]);
      outputs.add(ra, rb);
      if (o == 0) {
        const size_t pa = argmax(ra), pb = argmax(rb);
        agree += pa == pb;
        if (!labels.empty()) {
          correct_a += static_cast<int>(pa) == labels[s];
          correct_b += static_cast<int>(pb) == labels[s];
        }
      }
    }
    for (size_t l = 0; l < layers.size(); ++l) {
      layer_meters[l].add(a.evaluator().values(layers[l].first), b.evaluator().values(layers[l].second));
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
    if (report.first_divergent_layer.empty() && d.diff.l2r > options.threshold) report.first_divergent_layer = d.name;
    report.layers.push_back(std::move(d));
  }
  return report;
}

}  // namespace kiln
