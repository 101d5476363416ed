// Fashion-MNIST from Debian's dataset-fashion-mnist: the IDX files (gzip)
// where the package installs them, as float images in [0, 1] ([N, 28, 28, 1],
// kiln's layout) and int64 labels.
#ifndef KILN_COMPILER_TRAIN_FASHION_MNIST_H
#define KILN_COMPILER_TRAIN_FASHION_MNIST_H

#include <string>

#include "compiler/train/labelled_images.h"

namespace kiln {
namespace train {

// The package's directory (KILN_FASHION_MNIST_DIR overrides it).
std::string fashion_mnist_dir();

// `split`: "train" (60,000 images) or "t10k" (10,000). Throws
// Error(kFileNotFound) naming the package when its files are missing, and
// Error(kBadModel) for a file that is not IDX or disagrees with its labels.
LabelledImages load_fashion_mnist(const std::string& dir, const std::string& split);

}  // namespace train
}  // namespace kiln

#endif
