#include "compiler/train/csv_data.h"

#include <csv.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"

namespace kiln {
namespace train {
namespace {

using Row = std::vector<std::string>;

// libcsv's callbacks only collect fields: nothing may throw through its C frames.
struct Rows {
  std::vector<Row> rows;
  Row current;
};

extern "C" void on_field(void* field, size_t length, void* data) {
  static_cast<Rows*>(data)->current.emplace_back(static_cast<const char*>(field), length);
}

extern "C" void on_row_end(int, void* data) {
  Rows* rows = static_cast<Rows*>(data);
  rows->rows.push_back(std::move(rows->current));
  rows->current.clear();
}

std::vector<Row> parse(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    throw Error(ErrorKind::kBadInput, fmt::format("{}: cannot start the CSV parser", path));
  const std::unique_ptr<csv_parser, void (*)(csv_parser*)> owned(&parser, csv_free);
  Rows rows;
  const bool parsed =
      csv_parse(&parser, bytes.data(), bytes.size(), on_field, on_row_end, &rows) == bytes.size() &&
      csv_fini(&parser, on_field, on_row_end, &rows) == 0;
  if (!parsed) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}: not CSV after row {}: {}", path, rows.rows.size(),
                            csv_strerror(csv_error(&parser))));
  }
  // Blank lines give no fields: they are not rows.
  rows.rows.erase(
      std::remove_if(rows.rows.begin(), rows.rows.end(), [](const Row& r) { return r.empty(); }),
      rows.rows.end());
  return rows.rows;
}

bool number(const std::string& text, double* value) {
  const char* begin = text.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(begin, &end);
  while (end && *end == ' ') ++end;
  return end != begin && end && *end == '\0' && errno == 0 && std::isfinite(*value);
}

// A column named by the header or numbered from 1.
size_t column_index(const std::string& name, const Row* header, size_t columns,
                    const std::string& path) {
  if (header) {
    const auto it = std::find(header->begin(), header->end(), name);
    if (it != header->end()) return static_cast<size_t>(it - header->begin());
  }
  double n = 0.0;
  if (number(name, &n) && n >= 1.0 && n <= static_cast<double>(columns) && n == std::floor(n))
    return static_cast<size_t>(n) - 1;
  throw Error(ErrorKind::kBadInput,
              fmt::format("{}: no column '{}' ({}{} columns)", path, name,
                          header ? fmt::format("the header names {}; or ", fmt::join(*header, ", "))
                                 : "no header; give a number from 1 to ",
                          columns));
}

}  // namespace

LabelledImages load_csv(const std::string& path, const CsvColumns& columns,
                        std::vector<std::string>& class_names) {
  const std::vector<Row> rows = parse(path);
  if (rows.empty()) throw Error(ErrorKind::kBadInput, fmt::format("{}: no rows", path));
  double unused = 0.0;
  const bool has_header = std::any_of(rows[0].begin(), rows[0].end(),
                                      [&](const std::string& f) { return !number(f, &unused); });
  const Row* header = has_header ? &rows[0] : nullptr;
  const size_t width = rows[0].size();
  const size_t label =
      columns.label.empty() ? width - 1 : column_index(columns.label, header, width, path);
  std::vector<size_t> features;
  for (const std::string& f : columns.features)
    features.push_back(column_index(f, header, width, path));
  if (columns.features.empty()) {
    for (size_t c = 0; c < width; ++c)
      if (c != label) features.push_back(c);
  }
  if (features.empty())
    throw Error(ErrorKind::kBadInput, fmt::format("{}: no feature columns", path));
  const size_t first = has_header ? 1 : 0;
  const int64_t n = static_cast<int64_t>(rows.size() - first);
  if (n == 0) throw Error(ErrorKind::kBadInput, fmt::format("{}: a header and no rows", path));
  const auto column_name = [&](size_t c) {
    return header ? fmt::format("'{}'", (*header)[c]) : fmt::format("{}", c + 1);
  };

  torch::Tensor samples = torch::empty({n, 1, 1, static_cast<int64_t>(features.size())});
  float* out = samples.data_ptr<float>();
  bool indices = true;
  for (size_t r = first; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (row.size() != width) {
      throw Error(ErrorKind::kBadInput, fmt::format("{}: row {} has {} fields, the first row {}",
                                                    path, r + 1, row.size(), width));
    }
    for (size_t c : features) {
      double value = 0.0;
      if (!number(row[c], &value)) {
        throw Error(ErrorKind::kBadInput,
                    fmt::format("{}: row {}, column {}: '{}' is not a number (--feature-columns "
                                "chooses the columns to train on)",
                                path, r + 1, column_name(c), row[c]));
      }
      *out++ = static_cast<float>(value);
    }
    double value = 0.0;
    indices = indices && number(row[label], &value) && value >= 0.0 && value < 65536.0 &&
              value == std::floor(value);
  }

  torch::Tensor labels = torch::empty({n}, torch::kInt64);
  int64_t* label_out = labels.data_ptr<int64_t>();
  if (indices && class_names.empty()) {
    for (size_t r = first; r < rows.size(); ++r)
      *label_out++ = static_cast<int64_t>(std::strtod(rows[r][label].c_str(), nullptr));
    return {samples, labels};
  }
  if (class_names.empty()) {
    const std::set<std::string> names = [&] {
      std::set<std::string> s;
      for (size_t r = first; r < rows.size(); ++r) s.insert(rows[r][label]);
      return s;
    }();
    class_names.assign(names.begin(), names.end());
  }
  for (size_t r = first; r < rows.size(); ++r) {
    const auto it = std::find(class_names.begin(), class_names.end(), rows[r][label]);
    if (it == class_names.end()) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}: row {}, column {}: class '{}' is not one of {}", path, r + 1,
                              column_name(label), rows[r][label], fmt::join(class_names, ", ")));
    }
    *label_out++ = it - class_names.begin();
  }
  return {samples, labels};
}

}  // namespace train
}  // namespace kiln
