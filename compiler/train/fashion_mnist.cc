#include "compiler/train/fashion_mnist.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdlib>
#include <vector>

#include "compiler/common/error.h"

namespace kiln {
namespace train {
namespace {

std::vector<uint8_t> read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("{}: cannot open; Fashion-MNIST comes from Debian's "
                            "dataset-fashion-mnist package (apt-get install dataset-fashion-mnist)",
                            path));
  }
  std::vector<uint8_t> data;
  uint8_t buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof(buffer))) > 0) data.insert(data.end(), buffer, buffer + n);
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw Error(ErrorKind::kBadModel, fmt::format("{}: not a gzip file", path));
  return data;
}

uint32_t big_endian(const std::vector<uint8_t>& d, size_t at) {
  return uint32_t{d[at]} << 24 | uint32_t{d[at + 1]} << 16 | uint32_t{d[at + 2]} << 8 | d[at + 3];
}

// An IDX file of unsigned bytes: its dimensions, after checking the header.
std::vector<uint32_t> idx_dims(const std::vector<uint8_t>& d, const std::string& path,
                               uint32_t rank) {
  if (d.size() < 4 + 4 * rank || big_endian(d, 0) != (0x0800u | rank)) {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: not an IDX file of rank {}", path, rank));
  }
  std::vector<uint32_t> dims;
  uint64_t count = 1;
  for (uint32_t i = 0; i < rank; ++i) {
    dims.push_back(big_endian(d, 4 + 4 * i));
    count *= dims.back();
  }
  if (d.size() != 4 + 4 * rank + count) {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: {} bytes of data, the header says {}", path,
                                                  d.size() - 4 - 4 * rank, count));
  }
  return dims;
}

}  // namespace

std::string fashion_mnist_dir() {
  const char* dir = std::getenv("KILN_FASHION_MNIST_DIR");
  return dir ? dir : "/usr/share/datasets/fashion-mnist";
}

LabelledImages load_fashion_mnist(const std::string& dir, const std::string& split) {
  const std::string images_path = dir + "/" + split + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + split + "-labels-idx1-ubyte.gz";
  const std::vector<uint8_t> images = read_gzip(images_path);
  const std::vector<uint8_t> labels = read_gzip(labels_path);
  const std::vector<uint32_t> image_dims = idx_dims(images, images_path, 3);
  const std::vector<uint32_t> label_dims = idx_dims(labels, labels_path, 1);
  if (image_dims[0] != label_dims[0]) {
    throw Error(ErrorKind::kBadModel, fmt::format("{}: {} images but {} labels in {}", images_path,
                                                  image_dims[0], label_dims[0], labels_path));
  }
  const int64_t n = image_dims[0], h = image_dims[1], w = image_dims[2];
  LabelledImages out;
  out.images =
      torch::from_blob(const_cast<uint8_t*>(images.data() + 16), {n, h, w, 1}, torch::kUInt8)
          .to(torch::kFloat32)
          .div_(255.0f);
  out.labels = torch::from_blob(const_cast<uint8_t*>(labels.data() + 8), {n}, torch::kUInt8)
                   .to(torch::kInt64);
  return out;
}

}  // namespace train
}  // namespace kiln
