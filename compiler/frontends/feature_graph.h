// A small vocabulary for writing front-ends as graphs of kiln ops: each call
// adds one op and returns its output tensor. Shapes are stated, not inferred,
// so each builder reads as the computation it performs.
#ifndef KILN_COMPILER_FRONTENDS_FEATURE_GRAPH_H
#define KILN_COMPILER_FRONTENDS_FEATURE_GRAPH_H

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/frontends/filters.h"
#include "compiler/ir/builder.h"

namespace kiln {
namespace frontends {

class FeatureGraph {
 public:
  using Shape = std::vector<int32_t>;
  using Matrix = std::vector<std::vector<double>>;

  // The graph's input: one frame of int16 samples, [1, samples].
  int samples(int32_t count);
  void output(int t) { b_.output(t); }
  ir::Graph build() const { return b_.build(); }

  int cast_to_float(int x, Shape shape);
  // x * c, c a float constant of shape `c_shape` broadcast over x.
  int multiply(int x, Shape shape, const std::vector<double>& c, Shape c_shape);
  int add(int x, Shape shape, const std::vector<double>& c, Shape c_shape);
  int add(int x, int y, Shape shape, ir::OpKind kind = ir::OpKind::kAdd);  // x (op) y, same shape
  int square(int x, Shape shape);
  int unary(ir::OpKind kind, int x, Shape shape);  // LOG, SQRT
  // The float real FFT of each row of x ([rows, n]): [rows, (fft / 2 + 1) * 2], (re, im) pairs.
  int rfft(int x, int32_t rows, int32_t fft_length);
  // re^2 + im^2 of each bin of x ([rows, bins * 2]): [rows, bins].
  int energy(int x, int32_t rows, int32_t bins);
  // The mel bands' sums of x (energies [1, bins]): [1, mels].
  int filter_bank(int x, const MelBands& bands, int32_t mels);
  // Reductions over one axis, the axis dropped (MEAN, SUM, REDUCE_MAX).
  int reduce(ir::OpKind kind, int x, int32_t axis, Shape out_shape);
  int reshape(int x, Shape shape);
  int transpose(int x, std::vector<int32_t> perm, Shape out_shape);
  int slice(int x, Shape begin, Shape size);
  int concatenate(const std::vector<int>& xs, int32_t axis, Shape out_shape);
  // x [1, in] times matrix [out][in]: [1, out].
  int matrix_multiply(int x, const Matrix& m);

 private:
  int tensor(Shape shape, kiln_dtype dtype = KILN_DTYPE_FLOAT32);
  int float_constant(const std::vector<double>& values, Shape shape);
  int int32_constant(const std::vector<int32_t>& values);
  int int16_constant(const std::vector<int16_t>& values);
  ir::GraphBuilder b_;
  int next_ = 0;
};

}  // namespace frontends
}  // namespace kiln

#endif  // KILN_COMPILER_FRONTENDS_FEATURE_GRAPH_H
