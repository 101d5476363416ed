// Training a GraphModule on labelled images: Adam on cross-entropy over
// shuffled mini-batches, a validation split held out of the training set,
// deterministic for a seed and a thread count.
#ifndef KILN_COMPILER_TRAIN_TRAINER_H
#define KILN_COMPILER_TRAIN_TRAINER_H

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/train/fashion_mnist.h"
#include "compiler/train/graph_module.h"

namespace kiln {
namespace train {

struct EpochReport {
  int epoch = 0;
  double loss = 0.0;                 // mean training cross-entropy
  double train_accuracy = 0.0;       // on the batches as they were trained
  double validation_accuracy = 0.0;  // on the held-out split after the epoch
  double seconds = 0.0;
};

struct TrainOptions {
  int epochs = 10;
  int64_t batch = 64;
  double learning_rate = 1e-3;
  uint64_t seed = 1;
  double validation_fraction = 0.1;  // of the training images, chosen by the seed
  // Called after every batch with (done, total) batches of the epoch, and
  // after every epoch with its report.
  std::function<void(size_t, size_t)> progress;
  std::function<void(const EpochReport&)> epoch_done;
};

// Trains `model` in place. Throws Error(kBadInput) when the loss stops being
// a number (the parameters are those of the last epoch that ended finite).
std::vector<EpochReport> fit(GraphModule& model, const LabelledImages& data,
                             const TrainOptions& options);

// Top-1 accuracy of `model` on `data`, in batches.
double accuracy(GraphModule& model, const LabelledImages& data, int64_t batch = 500);

}  // namespace train
}  // namespace kiln

#endif
