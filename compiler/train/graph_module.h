// A float kiln graph as a libtorch module. Training runs the graph itself,
// so a model is described once, whether it is a built-in architecture or an
// imported .tflite/.onnx: every constant weight and bias becomes a
// parameter, forward() runs the ops in order with libtorch's functions on
// channels-last values (kiln's layout), and trained() puts the parameters
// back into a copy of the graph, ready for kiln's export and quantization.
#ifndef KILN_COMPILER_TRAIN_GRAPH_MODULE_H
#define KILN_COMPILER_TRAIN_GRAPH_MODULE_H

#include <torch/torch.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/train/fake_quantization.h"

namespace kiln {
namespace train {

class GraphModule : public torch::nn::Module {
 public:
  // Throws Error(kUnsupported) naming the first op training cannot run.
  explicit GraphModule(const ir::Graph& graph);

  // The first output for a batch of the first input ([N, ...], the input's
  // shape with any batch size). A final SOFTMAX is left out: the result is
  // its logits, as cross-entropy takes them.
  torch::Tensor forward(const torch::Tensor& input);

  // The graph with the trained parameters.
  ir::Graph trained() const;

  // Quantization-aware training: off until its mode is set. The graph must
  // then be as passes::optimize leaves it (activations fused), so that the
  // tensors it quantizes are those of the int8 model.
  ActivationQuantizer& quantizer() { return quantizer_; }
  const ActivationQuantizer& quantizer() const { return quantizer_; }
  // The largest weight level quantization-aware training simulates (127:
  // int8; 7: int4), as QuantizeOptions::weight_levels.
  void set_weight_levels(int32_t levels) { weight_levels_ = levels; }
  int32_t weight_levels() const { return weight_levels_; }
  // Binary weights (fake_binarize_weights) in place of weight levels, as
  // QuantizeOptions::binary_weights.
  void set_binary_weights(bool binary) { binary_weights_ = binary; }
  bool binary_weights() const { return binary_weights_; }
  // The layers (output tensor names) the weight levels or binary weights
  // apply to, as QuantizeOptions::weight_layers; empty: every layer.
  void set_weight_layers(std::set<std::string> layers) { weight_layers_ = std::move(layers); }
  const std::set<std::string>& weight_layers() const { return weight_layers_; }
  // Layers (output tensor names) whose int8 weights quantization-aware
  // training shares among this many values each (fake_cluster_weights), as
  // cluster_weights then stores them.
  void set_weight_clusters(std::map<std::string, int32_t> clusters) {
    weight_clusters_ = std::move(clusters);
  }
  // Masks the filter tensors `filters` where the same tensors of `pruned`
  // (this module's graph with those filters pruned: fully connected or 1x1
  // convolution ones, whose element order kiln and libtorch share) are zero:
  // forward() and trained() use each filter times its mask, so no gradient
  // revives a pruned weight. A later call replaces the masks.
  void mask_zeros(const ir::Graph& pruned, const std::vector<int>& filters);

 private:
  // A parameter as the ops use it (masked by mask_zeros).
  torch::Tensor parameter(int tensor) const;
  // `inputs`: the op's values, weights and bias included.
  torch::Tensor run_op(const ir::Op& op, const std::vector<torch::Tensor>& inputs) const;
  // Fake-quantizes a weighted op's weights and bias in `inputs`.
  void quantize_parameters(const ir::Op& op, std::vector<torch::Tensor>& inputs);

  ir::Graph graph_;
  // Parameters by tensor index, in libtorch's layout (convolution filters
  // [out, in, h, w]).
  std::map<int, torch::Tensor> parameters_;
  std::map<int, ir::OpKind> filters_;   // the op of each filter parameter
  std::map<int, torch::Tensor> masks_;  // mask_zeros: 1 where a weight may be nonzero
  ActivationQuantizer quantizer_;
  int32_t weight_levels_ = 127;
  bool binary_weights_ = false;
  std::set<std::string> weight_layers_;
  std::map<std::string, int32_t> weight_clusters_;
};

// The op kinds GraphModule runs.
bool trainable_op(ir::OpKind kind);

}  // namespace train
}  // namespace kiln

#endif
