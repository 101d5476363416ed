// Sensor-style data from a CSV file (RFC 4180, parsed by Debian's libcsv):
// one sample per row, numeric feature columns and a label column holding
// class indices or class names.
#ifndef KILN_COMPILER_TRAIN_CSV_DATA_H
#define KILN_COMPILER_TRAIN_CSV_DATA_H

#include <string>
#include <vector>

#include "compiler/train/labelled_images.h"

namespace kiln {
namespace train {

struct CsvColumns {
  // A header name, or a 1-based column number; empty: the last column.
  std::string label;
  // Header names or 1-based numbers; empty: every column but the label's.
  std::vector<std::string> features;
};

// The rows as samples [N, 1, 1, features] and labels [N]. The first row is
// a header when any of its fields is not a number. Labels that are all
// non-negative integers are class indices; otherwise they are class names,
// numbered in sorted order into `class_names` when it comes in empty, and
// looked up in it when it does not (a test file takes the training file's
// classes). Throws Error(kBadInput) naming the file, row and column of a
// field that is not a number, a row of the wrong length, an unknown column
// or class, and Error(kFileNotFound) for a missing file.
LabelledImages load_csv(const std::string& path, const CsvColumns& columns,
                        std::vector<std::string>& class_names);

}  // namespace train
}  // namespace kiln

#endif
