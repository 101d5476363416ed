#include "compiler/frontends/feature_graph.h"

namespace kiln {
namespace frontends {

int FeatureGraph::tensor(Shape shape, kiln_dtype dtype) {
  return b_.tensor("t" + std::to_string(next_++), dtype, std::move(shape));
}

int FeatureGraph::float_constant(const std::vector<double>& values, Shape shape) {
  const std::vector<float> f(values.begin(), values.end());
  return b_.constant("c" + std::to_string(next_++), KILN_DTYPE_FLOAT32, std::move(shape), f);
}

int FeatureGraph::int32_constant(const std::vector<int32_t>& values) {
  return b_.constant("c" + std::to_string(next_++), KILN_DTYPE_INT32,
                     {static_cast<int32_t>(values.size())}, values);
}

int FeatureGraph::int16_constant(const std::vector<int16_t>& values) {
  return b_.constant("c" + std::to_string(next_++), KILN_DTYPE_INT16,
                     {static_cast<int32_t>(values.size())}, values);
}

int FeatureGraph::samples(int32_t count) {
  return b_.input("samples", KILN_DTYPE_INT16, {1, count});
}

int FeatureGraph::cast_to_float(int x, Shape shape) {
  const int y = tensor(std::move(shape));
  b_.op(ir::OpKind::kCast, {x}, {y});
  return y;
}

int FeatureGraph::multiply(int x, Shape shape, const std::vector<double>& c, Shape c_shape) {
  const int y = tensor(std::move(shape));
  b_.op(ir::OpKind::kMul, {x, float_constant(c, std::move(c_shape))}, {y});
  return y;
}

int FeatureGraph::add(int x, Shape shape, const std::vector<double>& c, Shape c_shape) {
  const int y = tensor(std::move(shape));
  b_.op(ir::OpKind::kAdd, {x, float_constant(c, std::move(c_shape))}, {y});
  return y;
}

int FeatureGraph::add(int x, int y, Shape shape, ir::OpKind kind) {
  const int z = tensor(std::move(shape));
  b_.op(kind, {x, y}, {z});
  return z;
}

int FeatureGraph::square(int x, Shape shape) {
  return add(x, x, std::move(shape), ir::OpKind::kMul);
}

int FeatureGraph::unary(ir::OpKind kind, int x, Shape shape) {
  const int y = tensor(std::move(shape));
  b_.op(kind, {x}, {y});
  return y;
}

int FeatureGraph::rfft(int x, int32_t rows, int32_t fft_length) {
  constexpr int64_t kTfliteFloat32 = 0;
  const int y = tensor({rows, (fft_length / 2 + 1) * 2});
  b_.op(ir::OpKind::kSignalRfft, {x}, {y}).attrs.custom_options = {kTfliteFloat32, fft_length};
  return y;
}

int FeatureGraph::energy(int x, int32_t rows, int32_t bins) {
  const int y = tensor({rows, bins});
  b_.op(ir::OpKind::kSignalEnergy, {x}, {y}).attrs.custom_options = {0, bins};
  return y;
}

int FeatureGraph::filter_bank(int x, const MelBands& bands, int32_t mels) {
  const int32_t weights = static_cast<int32_t>(bands.weights.size());
  const int y = tensor({1, mels});
  b_.op(ir::OpKind::kSignalFilterBank,
        {x, float_constant(bands.weights, {weights}), float_constant(bands.unweights, {weights}),
         int16_constant(bands.freq_starts), int16_constant(bands.weight_starts),
         int16_constant(bands.widths)},
        {y})
      .attrs.custom_options = {mels};
  return y;
}

int FeatureGraph::reduce(ir::OpKind kind, int x, int32_t axis, Shape out_shape) {
  const int y = tensor(std::move(out_shape));
  b_.op(kind, {x, int32_constant({axis})}, {y});
  return y;
}

int FeatureGraph::reshape(int x, Shape shape) {
  const int y = tensor(std::move(shape));
  b_.op(ir::OpKind::kReshape, {x}, {y});
  return y;
}

int FeatureGraph::transpose(int x, std::vector<int32_t> perm, Shape out_shape) {
  const int y = tensor(std::move(out_shape));
  b_.op(ir::OpKind::kTranspose, {x}, {y}).attrs.perm = std::move(perm);
  return y;
}

int FeatureGraph::slice(int x, Shape begin, Shape size) {
  const int y = tensor(size);
  b_.op(ir::OpKind::kSlice, {x, int32_constant(begin), int32_constant(size)}, {y});
  return y;
}

int FeatureGraph::concatenate(const std::vector<int>& xs, int32_t axis, Shape out_shape) {
  const int y = tensor(std::move(out_shape));
  b_.op(ir::OpKind::kConcatenation, xs, {y}).attrs.axis = axis;
  return y;
}

int FeatureGraph::matrix_multiply(int x, const Matrix& m) {
  const int32_t rows = static_cast<int32_t>(m.size());
  const int32_t columns = rows > 0 ? static_cast<int32_t>(m[0].size()) : 0;
  std::vector<double> flat;
  for (const std::vector<double>& row : m) flat.insert(flat.end(), row.begin(), row.end());
  const int y = tensor({1, rows});
  b_.op(ir::OpKind::kFullyConnected, {x, float_constant(flat, {rows, columns})}, {y});
  return y;
}

}  // namespace frontends
}  // namespace kiln
