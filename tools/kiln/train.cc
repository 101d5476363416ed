// kiln train: trains a built-in architecture, a spec file's model or an
// imported float model with libtorch, optionally distilled and
// quantization-aware, and writes the float or int8 model (tools/kiln/
// train_run.h runs it).
#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/frontends/frontends.h"
#include "tools/kiln/commands.h"
#include "tools/kiln/train_run.h"

namespace kiln {
namespace cli {

train::Augmentation parse_augmentation(const std::string& text) {
  train::Augmentation a;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "flip") {
      a.flip = true;
    } else if (item == "shift") {
      a.shift = 2;
    } else if (item.rfind("shift=", 0) == 0 && item.size() > 6 && item.size() <= 8 &&
               item.find_first_not_of("0123456789", 6) == std::string::npos) {
      a.shift = std::stoi(item.substr(6));
    } else {
      throw Error(ErrorKind::kUsage,
                  fmt::format("--augment '{}': expected shift, shift=N or flip, separated by "
                              "commas",
                              text));
    }
  }
  return a;
}

void add_data_options(CLI::App& cmd, train::DataOptions& data) {
  cmd.add_option("--data", data.data,
                 "fashion-mnist (Debian's dataset-fashion-mnist, or KILN_FASHION_MNIST_DIR), a "
                 "directory of .npy/.bin samples with --labels, or a .csv file (one sample per "
                 "row)")
      ->capture_default_str();
  cmd.add_option("--labels", data.labels,
                 "the samples' classes: one per line in file order, or '<sample> <label>'");
  cmd.add_option("--test-data", data.test_data,
                 "test samples of the same kind (default: --test-fraction of --data)");
  cmd.add_option("--test-labels", data.test_labels, "the test samples' classes");
  cmd.add_option("--test-fraction", data.test_fraction,
                 "without --test-data: the share of --data held out for testing")
      ->capture_default_str();
  cmd.add_option("--label-column", data.csv.label,
                 "CSV: the class column, by header name or number from 1 (default: the last)");
  cmd.add_option_function<std::string>(
      "--feature-columns",
      [&data](const std::string& s) {
        data.csv.features.clear();
        std::stringstream in(s);
        for (std::string item; std::getline(in, item, ',');) data.csv.features.push_back(item);
      },
      "CSV: the columns to train on, by name or number, separated by commas (default: all but "
      "the label)");
  CLI::Option* frontend = cmd.add_option(
      "--frontend", data.frontend.frontend,
      "--data is a directory of recordings (WAV, or int16 .npy [samples] or [samples, axes]), "
      "each turned into rows of features by this front-end as the device's pipeline computes "
      "them: a built-in one (" +
          frontends::describe_builtins() + ") or a front-end model");
  cmd.add_option("--hop", data.frontend.hop,
                 "with --frontend: new int16 values per frame (samples x axes)")
      ->needs(frontend);
  cmd.add_option("--sample-rate", data.frontend.sample_rate,
                 "with --frontend: the WAV clips' rate (kiln does not resample)")
      ->capture_default_str()
      ->needs(frontend);
  cmd.add_option_function<std::string>(
      "--input-shape",
      [&data](const std::string& s) { data.input_shape = parse_widths(s, "--input-shape"); },
      "each sample's shape: FEATURES, TIME,CHANNELS or HEIGHT,WIDTH,CHANNELS (default: a .npy "
      "file's shape or a CSV row's features)");
}

void add_run_options(CLI::App& cmd, const std::shared_ptr<TrainCommand>& opts) {
  cmd.add_option("--train-images", opts->train_images,
                 "use the first N training samples only (0: all)")
      ->capture_default_str();
  cmd.add_option("--learning-rate", opts->train.learning_rate, "Adam's initial step size")
      ->capture_default_str();
  cmd.add_option("--alpha", opts->train.alpha,
                 "distillation: the weight of the labels' cross-entropy; the teacher's softened "
                 "outputs get the rest")
      ->capture_default_str();
  cmd.add_option("--temperature", opts->train.temperature,
                 "distillation: how much both outputs are softened")
      ->capture_default_str();
  cmd.add_option_function<std::string>(
      "--augment",
      [opts](const std::string& s) { opts->train.augmentation = parse_augmentation(s); },
      "change each training image every epoch: shift (2 pixels each way) or shift=N, and flip "
      "(left-right), separated by commas");
  cmd.add_option("--channel-multiple", opts->channel_multiple,
                 "pruned layers keep a multiple of this many channels (vector kernels run "
                 "channels in groups: Helium's int8 lanes, the Arm DSP's pairs)")
      ->capture_default_str();
  cmd.add_flag("--int8", opts->int8,
               "write the int8 model (post-training quantization, or quantization-aware with "
               "--qat-epochs)");
  cmd.add_option("--qat-epochs", opts->qat_epochs,
                 "quantization-aware epochs after the float ones (kiln's int8 numerics "
                 "simulated; implies --int8)")
      ->capture_default_str();
  cmd.add_option("--qat-learning-rate", opts->qat_learning_rate,
                 "initial step size of quantization-aware training (default: a tenth of "
                 "--learning-rate)");
  cmd.add_option("--weights", opts->weights,
                 "int8, int4 (levels -7 to 7; kiln stores them in 4 bits) or binary (each "
                 "output channel +a or -a; kiln stores them in 1 bit), simulated by "
                 "quantization-aware training")
      ->check(CLI::IsMember({"int8", "int4", "binary"}))
      ->capture_default_str();
  cmd.add_option("--weights-layers", opts->weights_layers,
                 "NAME,...: the layers --weights int4|binary applies to (the others keep int8 "
                 "weights); default every convolution and fully connected layer");
  cmd.add_option("--activations", opts->activations,
                 "int8, or binary: the layers of --weights binary that read a ReLU's output "
                 "read it in one bit (0 or a step), learned in the quantization-aware epochs; "
                 "kiln runs them fully binary (AND and population counts)")
      ->check(CLI::IsMember({"int8", "binary"}))
      ->capture_default_str();
  cmd.add_option("--target", opts->target, "kernel variants of a .kiln output")
      ->capture_default_str();
  cmd.add_option("--seed", opts->train.seed,
                 "initial weights, validation split and shuffling (same seed and threads: the "
                 "same model, byte for byte)")
      ->capture_default_str();
  cmd.add_option("--threads", opts->threads, "libtorch's threads (0: one per core)")
      ->capture_default_str();
  cmd.add_option("--report", opts->report, "write a JSON report here");
}

void register_train(CLI::App& app) {
  auto opts = std::make_shared<TrainCommand>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "train a built-in architecture, a spec file's model or an imported float model (libtorch) "
      "on Fashion-MNIST, sample directories or CSV, optionally distilled and "
      "quantization-aware, and write the float or int8 model");
  cmd->add_option("--arch", opts->arch,
                  "mlp (fully connected), cnn (LeNet-style), ds-cnn (depthwise separable), "
                  "mobilenet (inverted residual) or resnet (basic blocks)")
      ->capture_default_str();
  cmd->add_option("--widths", opts->widths,
                  "comma-separated: hidden units (mlp, default 256,128,64), channels per "
                  "convolution (cnn, 32,64), channels (ds-cnn, 64) or per stage (mobilenet, "
                  "16,24,32; resnet, 16,32,64)");
  cmd->add_option("--depth", opts->depth,
                  "blocks (ds-cnn, default 4) or blocks per stage (mobilenet 2, resnet 1)");
  cmd->add_option("--expansion", opts->expansion, "mobilenet's expansion factor")
      ->capture_default_str();
  cmd->add_option("--spec", opts->spec,
                  "train the model this file describes instead of a built-in architecture "
                  "(compiler/train/spec.h: one layer per line)");
  cmd->add_option("--model", opts->model,
                  "fine-tune this float model (.tflite or .onnx) instead of a built-in "
                  "architecture; its input must take the data's samples");
  add_data_options(*cmd, opts->data);
  cmd->add_option("-o,--output", opts->output,
                  "the trained model: .tflite or .kiln (int8 with --int8 or --qat-epochs), or a "
                  "float .onnx")
      ->required();
  cmd->add_option("--float-output", opts->float_output,
                  "also write the float model (before quantization-aware training) here, .tflite "
                  "or .onnx");
  cmd->add_option("--prune-channels", opts->prune_channels,
                  "remove this share of each layer's filters before training (structured "
                  "pruning, as kiln compress does)");
  cmd->add_option("--epochs", opts->train.epochs, "passes over the training images")
      ->capture_default_str();
  cmd->add_option("--batch", opts->train.batch, "images per step")->capture_default_str();
  cmd->add_option_function<std::string>(
      "--schedule",
      [opts](const std::string& s) {
        if (s != "cosine" && s != "constant") {
          throw Error(ErrorKind::kUsage,
                      fmt::format("--schedule '{}': expected cosine or constant", s));
        }
        opts->train.cosine_schedule = s == "cosine";
      },
      "the step size over each run: cosine (down to 0) or constant [cosine]");
  cmd->add_option("--calibration-images", opts->calibration_images,
                  "training images whose ranges start the int8 activations' ranges")
      ->capture_default_str();
  cmd->add_option("--teacher", opts->teacher,
                  "distil from this model (.tflite, .onnx or .kiln, float or int8; kiln runs it)");
  cmd->add_option("--samples", opts->samples_dir,
                  "write test images here as the model's input (and labels.txt), for kiln run "
                  "and kiln validate");
  cmd->add_option("--sample-count", opts->sample_count, "how many test images --samples writes")
      ->capture_default_str();
  add_run_options(*cmd, opts);
  cmd->callback([opts]() { run_training(*opts); });
}

}  // namespace cli
}  // namespace kiln
