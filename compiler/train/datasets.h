// Where kiln train's samples come from: Fashion-MNIST, a directory of
// samples with a labels file (the form kiln quantize and kiln validate
// read), or a CSV file. Each gives training and test samples in kiln's
// layout, their shape and the number of classes.
#ifndef KILN_COMPILER_TRAIN_DATASETS_H
#define KILN_COMPILER_TRAIN_DATASETS_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/train/architectures.h"
#include "compiler/train/csv_data.h"
#include "compiler/train/labelled_images.h"
#include "compiler/train/recordings.h"

namespace kiln {
namespace train {

struct DataOptions {
  // "fashion-mnist", a directory of .npy/.bin samples, or a .csv file;
  // with a front-end, a directory of recordings (compiler/train/recordings.h).
  std::string data = "fashion-mnist";
  FrontendData frontend;
  std::string labels;  // a directory's labels file (eval/dataset.h's form)
  // Test samples of the same kind; empty: `test_fraction` of `data`, chosen
  // by `seed`, is held out for testing.
  std::string test_data, test_labels;
  double test_fraction = 0.2;
  uint64_t seed = 1;
  CsvColumns csv;
  // The shape each sample is given ([features], [time, channels] or
  // [height, width, channels]); empty: a .npy file's own shape, or a CSV
  // row's features. Raw .bin samples (float32) need it.
  std::vector<int32_t> input_shape;
};

struct TrainingData {
  LabelledImages training, test;
  ImageShape shape;
  int32_t classes = 0;
  std::vector<std::string> class_names;  // a CSV file's, by class index
  std::string description;               // e.g. "Fashion-MNIST"
};

// Throws Error(kUsage) for options that do not fit the data, and the
// loaders' errors (kFileNotFound naming Fashion-MNIST's Debian package,
// kBadInput naming the file and line of a bad sample or label).
TrainingData load_training_data(const DataOptions& options);

}  // namespace train
}  // namespace kiln

#endif
