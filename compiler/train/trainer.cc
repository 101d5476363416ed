#include "compiler/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "compiler/common/error.h"

namespace kiln {
namespace train {
namespace {

constexpr double kPi = 3.14159265358979323846;
namespace F = torch::nn::functional;

torch::Tensor distillation_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                const torch::Tensor& teacher, const TrainOptions& options) {
  if (teacher.sizes() != logits.sizes()) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("the teacher gives {} scores per image and the student {}",
                            teacher.size(1), logits.size(1)));
  }
  const double t = options.temperature;
  const torch::Tensor soft =
      F::kl_div(torch::log_softmax(logits / t, 1), torch::softmax(teacher / t, 1),
                F::KLDivFuncOptions().reduction(torch::kBatchMean));
  return options.alpha * F::cross_entropy(logits, labels) + (1.0 - options.alpha) * t * t * soft;
}

// A permutation of [0, n) drawn from `seed` (libtorch's generator, so that
// the same seed gives the same order everywhere kiln runs).
torch::Tensor permutation(int64_t n, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randperm(n, generator, torch::kInt64);
}

}  // namespace

torch::Tensor augment(const torch::Tensor& images, const Augmentation& augmentation,
                      at::Generator& generator) {
  torch::Tensor out = images;
  const int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  if (augmentation.shift > 0) {
    const int64_t s = augmentation.shift;
    // Padding lists the last dimension first: channels, width, height.
    const torch::Tensor padded = F::pad(images, F::PadFuncOptions({0, 0, s, s, s, s}));
    const torch::Tensor offsets = torch::randint(0, 2 * s + 1, {n, 2}, generator, torch::kInt64);
    const auto at = offsets.accessor<int64_t, 2>();
    std::vector<torch::Tensor> shifted;
    for (int64_t i = 0; i < n; ++i)
      shifted.push_back(
          padded[i].slice(0, at[i][0], at[i][0] + h).slice(1, at[i][1], at[i][1] + w));
    out = torch::stack(shifted);
  }
  if (augmentation.flip) {
    const torch::Tensor flipped = torch::rand({n, 1, 1, 1}, generator).lt(0.5);
    out = torch::where(flipped, out.flip({2}), out);
  }
  return out;
}

torch::Tensor predictions(GraphModule& model, const torch::Tensor& images, int64_t batch) {
  torch::NoGradGuard no_grad;
  model.eval();
  const int64_t n = images.size(0);
  std::vector<torch::Tensor> parts;
  for (int64_t at = 0; at < n; at += batch)
    parts.push_back(model.forward(images.slice(0, at, std::min(n, at + batch))).argmax(1));
  return parts.empty() ? torch::empty({0}, torch::kInt64) : torch::cat(parts);
}

double accuracy(const torch::Tensor& predicted, const torch::Tensor& labels) {
  const int64_t n = labels.size(0);
  return n ? static_cast<double>(predicted.eq(labels).sum().item<int64_t>()) /
                 static_cast<double>(n)
           : 0.0;
}

double accuracy(GraphModule& model, const LabelledImages& data, int64_t batch) {
  return accuracy(predictions(model, data.images, batch), data.labels);
}

TrainResult fit(GraphModule& model, const LabelledImages& data, const TrainOptions& options) {
  torch::manual_seed(options.seed);
  const int64_t n = data.images.size(0);
  if (options.teacher_logits.defined() &&
      (options.teacher_logits.dim() != 2 || options.teacher_logits.size(0) != n)) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("the teacher's logits are for {} images; training has {}",
                            options.teacher_logits.dim() ? options.teacher_logits.size(0) : 0, n));
  }
  if (options.augmentation.any() && options.teacher_logits.defined()) {
    throw Error(ErrorKind::kBadInput,
                "augmented images need a teacher that scores each batch, not logits computed "
                "before training");
  }
  if (options.augmentation.any() && data.images.dim() != 4) {
    throw Error(ErrorKind::kBadInput, "augmentation needs images [N, height, width, channels]");
  }
  const torch::Tensor order = permutation(n, options.seed);
  const int64_t held_out =
      static_cast<int64_t>(static_cast<double>(n) * options.validation_fraction);
  const torch::Tensor train_index = order.slice(0, held_out, n);
  const torch::Tensor validation_index = order.slice(0, 0, held_out);
  const LabelledImages validation{data.images.index_select(0, validation_index),
                                  data.labels.index_select(0, validation_index)};
  const int64_t train_n = train_index.size(0);
  const size_t batches = static_cast<size_t>((train_n + options.batch - 1) / options.batch);

  torch::optim::Adam optimizer(model.parameters(),
                               torch::optim::AdamOptions(options.learning_rate));
  TrainResult result;
  // Parameters and activation ranges (quantization-aware training moves
  // them too) as an epoch left them.
  struct Saved {
    std::vector<torch::Tensor> parameters;
    ActivationQuantizer quantizer;
  };
  const auto save = [&model] {
    Saved s{{}, model.quantizer()};
    for (const torch::Tensor& p : model.parameters()) s.parameters.push_back(p.detach().clone());
    return s;
  };
  Saved last_good = save(), best = last_good;
  double best_accuracy = -1.0;
  const auto restore = [&model](const Saved& saved) {
    torch::NoGradGuard no_grad;
    auto params = model.parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved.parameters[i]);
    model.quantizer() = saved.quantizer;
  };
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model.train();
    const torch::Tensor shuffled = train_index.index_select(
        0, permutation(train_n, options.seed + static_cast<uint64_t>(epoch)));
    auto augmentation_generator =
        at::detail::createCPUGenerator(options.seed * 7919u + static_cast<uint64_t>(epoch));
    double loss_sum = 0.0;
    int64_t correct = 0, seen = 0;
    for (size_t b = 0; b < batches; ++b) {
      if (options.stop && options.stop->load()) {
        restore(best);
        result.stopped = true;
        return result;
      }
      const int64_t at = static_cast<int64_t>(b) * options.batch;
      const torch::Tensor index = shuffled.slice(0, at, std::min(train_n, at + options.batch));
      torch::Tensor x = data.images.index_select(0, index);
      if (options.augmentation.any()) x = augment(x, options.augmentation, augmentation_generator);
      const torch::Tensor y = data.labels.index_select(0, index);
      if (options.cosine_schedule) {
        const double step = static_cast<double>((epoch - 1) * static_cast<int64_t>(batches) +
                                                static_cast<int64_t>(b));
        const double total = static_cast<double>(options.epochs * static_cast<int64_t>(batches));
        for (torch::optim::OptimizerParamGroup& group : optimizer.param_groups()) {
          static_cast<torch::optim::AdamOptions&>(group.options())
              .lr(options.learning_rate * 0.5 * (1.0 + std::cos(kPi * step / total)));
        }
      }
      optimizer.zero_grad();
      const torch::Tensor logits = model.forward(x);
      torch::Tensor teacher;
      if (options.teacher) {
        torch::NoGradGuard no_grad;
        teacher = options.teacher(x);
      } else if (options.teacher_logits.defined()) {
        teacher = options.teacher_logits.index_select(0, index);
      }
      const torch::Tensor loss = teacher.defined() ? distillation_loss(logits, y, teacher, options)
                                                   : F::cross_entropy(logits, y);
      const double value = loss.item<double>();
      if (!std::isfinite(value)) {
        restore(last_good);
        throw Error(ErrorKind::kBadInput,
                    fmt::format("training diverged: the loss is {} in epoch {}, batch {}; the "
                                "model keeps the parameters of epoch {} (try a lower "
                                "--learning-rate)",
                                value, epoch, b + 1, epoch - 1));
      }
      loss.backward();
      optimizer.step();
      loss_sum += value * static_cast<double>(index.size(0));
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      seen += index.size(0);
      if (options.progress) {
        options.progress(
            {epoch, options.epochs, b + 1, batches, loss_sum / static_cast<double>(seen),
             static_cast<double>(correct) / static_cast<double>(seen),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
      }
    }
    EpochReport r;
    r.epoch = epoch;
    r.loss = loss_sum / static_cast<double>(train_n);
    r.train_accuracy = static_cast<double>(correct) / static_cast<double>(train_n);
    r.validation_accuracy = held_out ? accuracy(model, validation) : 0.0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.epochs.push_back(r);
    last_good = save();
    if (r.validation_accuracy > best_accuracy) {
      best_accuracy = r.validation_accuracy;
      best = last_good;
      result.kept_epoch = epoch;
    }
    if (options.epoch_done) options.epoch_done(r);
  }
  result.kept_epoch = options.epochs;
  return result;
}

}  // namespace train
}  // namespace kiln
