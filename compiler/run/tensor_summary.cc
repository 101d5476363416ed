#include "compiler/run/tensor_summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "compiler/ir/graph.h"

namespace kiln {

std::string tensor_summary(const TensorPort& port, const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size() / std::max<uint32_t>(1, kiln_dtype_size(port.dtype));
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) {
    switch (port.dtype) {
      case KILN_DTYPE_INT8: values[i] = static_cast<int8_t>(bytes[i]); break;
      case KILN_DTYPE_FLOAT32: {
        float f;
        std::memcpy(&f, &bytes[4 * i], 4);
        values[i] = f;
        break;
      }
      default: values[i] = 0; break;
    }
  }
  const size_t argmax =
      static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin());
  const std::vector<double> head(
      values.begin(), values.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(n, 8)));
  return fmt::format("{} {} argmax={} values=[{}{}]", ir::dtype_name(port.dtype),
                     ir::shape_string(port.shape), argmax, fmt::join(head, ", "),
                     n > 8 ? ", ..." : "");
}

}  // namespace kiln
