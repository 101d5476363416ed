// Training a GraphModule on labelled images: Adam on cross-entropy over
// shuffled mini-batches, a validation split held out of the training set,
// deterministic for a seed and a thread count.
#ifndef KILN_COMPILER_TRAIN_TRAINER_H
#define KILN_COMPILER_TRAIN_TRAINER_H

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/train/graph_module.h"
#include "compiler/train/labelled_images.h"

namespace kiln {
namespace train {

struct EpochReport {
  int epoch = 0;
  double loss = 0.0;                 // mean training cross-entropy
  double train_accuracy = 0.0;       // on the batches as they were trained
  double validation_accuracy = 0.0;  // on the held-out split after the epoch
  double seconds = 0.0;
};

// Where an epoch is, after each batch.
struct BatchProgress {
  int epoch = 0, epochs = 0;
  size_t batch = 0, batches = 0;
  double loss = 0.0;      // mean over the epoch's batches so far
  double accuracy = 0.0;  // on the epoch's batches so far
  double seconds = 0.0;   // since the epoch began
};

// Random changes to each training image, new every epoch and drawn from
// the seed. Test and validation images are left as they are.
struct Augmentation {
  int32_t shift = 0;  // up to this many pixels each way, zeros shifted in
  bool flip = false;  // left-right, half of the images
  bool any() const { return shift > 0 || flip; }
};

// `images` ([N, H, W, C]) shifted and flipped as `augmentation` says, with
// offsets and flips drawn from `generator`.
torch::Tensor augment(const torch::Tensor& images, const Augmentation& augmentation,
                      at::Generator& generator);

struct TrainOptions {
  int epochs = 10;
  int64_t batch = 64;
  double learning_rate = 1e-3;
  uint64_t seed = 1;
  double validation_fraction = 0.1;  // of the training images, chosen by the seed
  // The step size falls from learning_rate to 0 along half a cosine over the
  // epochs (per batch); false keeps it constant.
  bool cosine_schedule = true;
  // Knowledge distillation: a teacher's logits for each image of the data
  // fit() gets ([N, classes]). When given, the loss is
  // alpha x cross-entropy + (1 - alpha) x T^2 x KL(teacher || student), the
  // two distributions softened by the temperature T.
  torch::Tensor teacher_logits;
  // Or a teacher that scores each batch as the student sees it: needed when
  // the images are augmented.
  std::function<torch::Tensor(const torch::Tensor& images)> teacher;
  double alpha = 0.5, temperature = 4.0;
  Augmentation augmentation;
  // Called after every batch, and after every epoch with its report.
  std::function<void(const BatchProgress&)> progress;
  std::function<void(const EpochReport&)> epoch_done;
  // Set (by a signal handler) to end training after the current batch.
  const std::atomic<bool>* stop = nullptr;
};

struct TrainResult {
  std::vector<EpochReport> epochs;  // the completed ones
  // Training was stopped: the model holds the parameters of the completed
  // epoch with the best validation accuracy (`kept_epoch`; 0: the initial ones).
  bool stopped = false;
  int kept_epoch = 0;
};

// Trains `model` in place. Throws Error(kBadInput) when the loss stops being
// a number (the parameters are those of the last epoch that ended finite),
// when the teacher's logits do not match the images or the student, and
// when images are augmented for a teacher whose logits were computed before.
TrainResult fit(GraphModule& model, const LabelledImages& data, const TrainOptions& options);

// Top-1 predictions of `model` (in evaluation mode) for each image, in batches.
torch::Tensor predictions(GraphModule& model, const torch::Tensor& images, int64_t batch = 500);

// Top-1 accuracy of `model` on `data`.
double accuracy(GraphModule& model, const LabelledImages& data, int64_t batch = 500);

// The fraction of `predicted` equal to `labels`.
double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels);

}  // namespace train
}  // namespace kiln

#endif
