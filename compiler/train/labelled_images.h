// Training data as libtorch tensors: samples in kiln's layout and their
// class indices.
#ifndef KILN_COMPILER_TRAIN_LABELLED_IMAGES_H
#define KILN_COMPILER_TRAIN_LABELLED_IMAGES_H

#include <torch/torch.h>

namespace kiln {
namespace train {

struct LabelledImages {
  torch::Tensor images;  // [N, H, W, C] float (CSV rows: [N, 1, 1, features])
  torch::Tensor labels;  // [N] int64
};

}  // namespace train
}  // namespace kiln

#endif
