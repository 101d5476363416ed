// Training data beyond Fashion-MNIST (compiler/train/datasets.h, csv_data.h):
// CSV files with headers, class names and quoted fields, directories of
// samples with a labels file, held-out test splits, the errors that name
// the row and column, and augmentation.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/common/npy.h"
#include "compiler/train/datasets.h"
#include "compiler/train/trainer.h"
#include "tests/support/cli.h"

namespace kiln {
namespace {

std::string write_text(const std::string& name, const std::string& text) {
  const std::string path = test::temp_path(name);
  write_file(path, text.data(), text.size());
  return path;
}

TEST(CsvData, HeaderNamesColumnsAndClassNamesAreSorted) {
  const std::string path = write_text("weather.csv",
                                      "date,rain,wind,weather\n"
                                      "2012/01/01,0.5,4.7,sun\n"
                                      "2012/01/02,10.9,4.5,rain\n"
                                      "\n"
                                      "2012/01/03,\"0.8\",2.3,fog\n");
  std::vector<std::string> classes;
  const train::LabelledImages d = train::load_csv(path, {"weather", {"rain", "3"}}, classes);
  EXPECT_EQ(classes, (std::vector<std::string>{"fog", "rain", "sun"}));
  ASSERT_EQ(d.images.sizes(), (c10::IntArrayRef{3, 1, 1, 2}));
  const std::vector<float> values(d.images.data_ptr<float>(), d.images.data_ptr<float>() + 6);
  EXPECT_EQ(values, (std::vector<float>{0.5f, 4.7f, 10.9f, 4.5f, 0.8f, 2.3f}));
  const std::vector<int64_t> labels(d.labels.data_ptr<int64_t>(), d.labels.data_ptr<int64_t>() + 3);
  EXPECT_EQ(labels, (std::vector<int64_t>{2, 1, 0}));
}

TEST(CsvData, WithoutAHeaderTheLastColumnHoldsClassIndices) {
  const std::string path = write_text("plain.csv", "1,2,0\n3,4,2\n");
  std::vector<std::string> classes;
  const train::LabelledImages d = train::load_csv(path, {}, classes);
  EXPECT_TRUE(classes.empty());
  EXPECT_EQ(d.labels[1].item<int64_t>(), 2);
  EXPECT_EQ(d.images[1][0][0][1].item<float>(), 4.0f);
}

TEST(CsvData, BadFieldsAreNamedByRowAndColumn) {
  std::vector<std::string> classes;
  const std::string weather =
      write_text("bad_weather.csv", "date,rain,weather\n2012/01/01,0.5,sun\n");
  EXPECT_EQ(test::error_of([&] { train::load_csv(weather, {}, classes); }, ErrorKind::kBadInput),
            weather +
                ": row 2, column 'date': '2012/01/01' is not a number (--feature-columns chooses "
                "the columns to train on)");
  EXPECT_EQ(test::error_of(
                [&] {
                  train::load_csv(weather, {"kind", {}}, classes);
                },
                ErrorKind::kBadInput),
            weather + ": no column 'kind' (the header names date, rain, weather; or 3 columns)");
  const std::string ragged = write_text("ragged.csv", "1,2,0\n3,0\n");
  EXPECT_EQ(test::error_of([&] { train::load_csv(ragged, {}, classes); }, ErrorKind::kBadInput),
            ragged + ": row 2 has 2 fields, the first row 3");
  const std::string quote = write_text("quote.csv", "1,2,0\n3,\"4,1\n");
  EXPECT_NE(test::error_of([&] { train::load_csv(quote, {}, classes); }, ErrorKind::kBadInput)
                .find(": not CSV after row 1"),
            std::string::npos);
  test::error_of([&] { train::load_csv(test::temp_path("absent.csv"), {}, classes); },
                 ErrorKind::kFileNotFound);
}

TEST(CsvData, TestFileTakesTheTrainingClassesAndRefusesOthers) {
  train::DataOptions options;
  options.data = write_text("train_named.csv", "x,y\n1,a\n2,b\n3,a\n");
  options.test_data = write_text("test_named.csv", "x,y\n4,b\n");
  const train::TrainingData d = train::load_training_data(options);
  EXPECT_EQ(d.classes, 2);
  EXPECT_EQ(d.test.labels[0].item<int64_t>(), 1);
  options.test_data = write_text("test_unknown.csv", "x,y\n4,c\n");
  EXPECT_EQ(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kBadInput),
            options.test_data + ": row 2, column 'y': class 'c' is not one of a, b");
}

TEST(CsvData, InputShapeMustHoldARow) {
  train::DataOptions options;
  options.data = write_text("six.csv", "1,2,3,4,5,6,0\n1,2,3,4,5,6,1\n1,2,3,4,5,6,1\n");
  options.input_shape = {3, 2};
  options.test_fraction = 0.4;
  const train::TrainingData d = train::load_training_data(options);
  EXPECT_EQ(d.shape.height, 3);
  EXPECT_EQ(d.shape.width, 1);
  EXPECT_EQ(d.shape.channels, 2);
  EXPECT_EQ(d.test.images.size(0), 1);
  EXPECT_EQ(d.training.images.size(0), 2);
  options.input_shape = {4, 2};
  EXPECT_EQ(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage),
            "--input-shape 4x1x2 holds 8 values; a sample of " + options.data + " holds 6");
}

// Samples as .npy uint8 images (scaled to [0, 1]) and their labels.
TEST(SampleDirectory, NpyImagesAndLabelsGiveTheTrainingData) {
  const std::string dir = test::temp_path("npy_samples");
  std::filesystem::create_directories(dir);
  std::string labels;
  for (int i = 0; i < 10; ++i) {
    NpyArray a;
    a.dtype = KILN_DTYPE_UINT8;
    a.shape = {4, 3, 1};
    a.data.assign(12, static_cast<uint8_t>(i * 10));
    const std::vector<uint8_t> bytes = write_npy(a);
    write_file(fmt::format("{}/s{:02d}.npy", dir, i), bytes.data(), bytes.size());
    labels += fmt::format("{}\n", i % 3);
  }
  train::DataOptions options;
  options.data = dir;
  options.labels = write_text("npy_labels.txt", labels);
  options.test_fraction = 0.2;
  const train::TrainingData d = train::load_training_data(options);
  EXPECT_EQ(d.shape.height, 4);
  EXPECT_EQ(d.shape.width, 3);
  EXPECT_EQ(d.classes, 3);
  ASSERT_EQ(d.training.images.size(0), 8);
  ASSERT_EQ(d.test.images.size(0), 2);
  // Every sample keeps its own label: image i holds i * 10 / 255 and label i % 3.
  for (const train::LabelledImages* part : {&d.training, &d.test}) {
    for (int64_t s = 0; s < part->images.size(0); ++s) {
      const int i = static_cast<int>(std::lround(part->images[s][0][0][0].item<float>() * 25.5f));
      EXPECT_FLOAT_EQ(part->images[s][3][2][0].item<float>(), static_cast<float>(i * 10) / 255.0f);
      EXPECT_EQ(part->labels[s].item<int64_t>(), i % 3);
    }
  }
  options.labels.clear();
  EXPECT_EQ(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage),
            "--data " + dir + ": a directory of samples needs its --labels file");
}

TEST(SampleDirectory, RawSamplesNeedTheirShape) {
  const std::string dir = test::temp_path("bin_samples");
  std::filesystem::create_directories(dir);
  const std::vector<float> values(6, 0.5f);
  write_file(dir + "/a.bin", values.data(), values.size() * sizeof(float));
  train::DataOptions options;
  options.data = dir;
  options.labels = write_text("bin_labels.txt", "0\n");
  EXPECT_EQ(test::error_of([&] { train::load_training_data(options); }, ErrorKind::kUsage),
            "--data " + dir + ": raw .bin samples need --input-shape (float32 values)");
}

TEST(Augmentation, ShiftsMoveEachImageWithinItsRangeAndFlipsMirror) {
  torch::Tensor image = torch::zeros({1, 7, 7, 1});
  image[0][3][3][0] = 1.0f;  // one pixel in the middle
  const torch::Tensor batch = image.repeat({64, 1, 1, 1});
  auto generator = at::detail::createCPUGenerator(3);
  const torch::Tensor shifted = train::augment(batch, {2, false}, generator);
  std::set<std::pair<int64_t, int64_t>> places;
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(shifted[i].sum().item<float>(), 1.0f);  // moved, not lost
    const int64_t at = shifted[i].flatten().argmax().item<int64_t>();
    const int64_t y = at / 7, x = at % 7;
    EXPECT_LE(std::abs(y - 3), 2);
    EXPECT_LE(std::abs(x - 3), 2);
    places.insert({y, x});
  }
  EXPECT_GT(places.size(), 15u);  // of 25 offsets
  const torch::Tensor ramp =
      torch::arange(8, torch::kFloat32).view({1, 1, 8, 1}).repeat({32, 1, 1, 1});
  const torch::Tensor flipped = train::augment(ramp, {0, true}, generator);
  int mirrored = 0;
  for (int64_t i = 0; i < 32; ++i) {
    const bool same = flipped[i].equal(ramp[i]);
    EXPECT_TRUE(same || flipped[i].equal(ramp[i].flip({1})));
    mirrored += same ? 0 : 1;
  }
  EXPECT_GT(mirrored, 5);
  EXPECT_LT(mirrored, 27);
  auto again = at::detail::createCPUGenerator(3);
  EXPECT_TRUE(train::augment(batch, {2, false}, again).equal(shifted));
}

TEST(Augmentation, PrecomputedTeacherLogitsAreRefused) {
  train::GraphModule student(train::mlp({4, 4, 1}, {4}, 2, 1));
  train::TrainOptions options;
  options.augmentation.flip = true;
  options.teacher_logits = torch::zeros({8, 2});
  const train::LabelledImages data{torch::rand({8, 4, 4, 1}), torch::zeros({8}, torch::kInt64)};
  EXPECT_NE(test::error_of([&] { train::fit(student, data, options); }, ErrorKind::kBadInput)
                .find("augmented images need a teacher that scores each batch"),
            std::string::npos);
}

// Accelerometer-like windows: 32 steps of 3 axes; at rest (noise), walking
// (a 2-step period... slow sine) or running (fast, larger sine).
std::string sensor_csv(const std::string& name, int rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::uniform_real_distribution<float> phase(0.0f, 6.283f);
  const char* classes[] = {"rest", "walk", "run"};
  std::string text;
  for (int t = 0; t < 32; ++t) text += fmt::format("x{0},y{0},z{0},", t);
  text += "activity\n";
  for (int r = 0; r < rows; ++r) {
    const int c = r % 3;
    const float p = phase(rng), frequency = c == 1 ? 0.4f : 1.3f, amplitude = c == 0 ? 0.0f : c;
    for (int t = 0; t < 32; ++t) {
      for (int axis = 0; axis < 3; ++axis) {
        const float v = amplitude * std::sin(frequency * static_cast<float>(t) + p + axis) +
                        (axis == 2 ? 1.0f : 0.0f) + noise(rng);
        text += fmt::format("{:.3f},", v);
      }
    }
    text += fmt::format("{}\n", classes[c]);
  }
  return write_text(name, text);
}

TEST(TrainCli, TrainsOnSensorWindowsFromCsv) {
  const std::string train_csv = sensor_csv("activity_train.csv", 600, 1);
  const std::string test_csv = sensor_csv("activity_test.csv", 150, 2);
  const std::string model = test::temp_path("activity.tflite");
  const std::string report = test::temp_path("activity.json");
  const test::CliResult r = test::kiln_cli(
      "train --data " + train_csv + " --test-data " + test_csv +
      " --input-shape 32,3 --arch ds-cnn --widths 8 --depth 1 --learning-rate 0.01 --epochs 15 "
      "--qat-epochs 1 "
      "--threads 1 -o " +
      model + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["classes"], (std::vector<std::string>{"rest", "run", "walk"}));
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.95) << r.output;
  EXPECT_GT(j["int8_qat_accuracy"].get<double>(), 0.95) << r.output;
  const test::CliResult a = test::kiln_cli("analyze " + model);
  EXPECT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(a.output.find("[1,32,1,3]"), std::string::npos) << a.output;
}

TEST(TrainCli, CnnThatDoesNotFitTheSamplesIsNamed) {
  const std::string csv = sensor_csv("activity_small.csv", 30, 3);
  const test::CliResult r =
      test::kiln_cli("train --data " + csv + " --input-shape 32,3 --arch cnn -o " +
                     test::temp_path("never_cnn.tflite"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cnn: 2 2x2 max pools do not fit 32x1 samples"), std::string::npos)
      << r.output;
}

// kiln train --samples writes a directory kiln train reads back.
TEST(TrainCli, TrainsOnTheSamplesDirectoryItWrites) {
  const std::string dir = test::temp_path("written_samples");
  std::filesystem::remove_all(dir);
  const test::CliResult w = test::kiln_cli(
      "train --arch mlp --widths 8 --epochs 1 --train-images 500 --threads 1 -o " +
      test::temp_path("writer.tflite") + " --samples " + dir + " --sample-count 400");
  ASSERT_EQ(w.exit_code, 0) << w.output;
  const std::string report = test::temp_path("from_samples.json");
  const test::CliResult r =
      test::kiln_cli("train --data " + dir + " --labels " + dir +
                     "/labels.txt --input-shape 28,28,1 --arch mlp "
                     "--widths 32 --epochs 10 --threads 1 --augment shift=1 -o " +
                     test::temp_path("from_samples.tflite") + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("320 training samples (10% held out for validation), 80 test samples, "
                          "10 classes"),
            std::string::npos)
      << r.output;
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.5) << r.output;
}

}  // namespace
}  // namespace kiln
