#include "compiler/exec/runner.h"

#include <fmt/format.h>

#include "compiler/common/error.h"
#include "compiler/ir/graph.h"

namespace kiln {

uint64_t TensorPort::bytes() const {
  uint64_t n = kiln_dtype_size(dtype);
  for (int32_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

void Runner::set_input(size_t i, const std::vector<uint8_t>& bytes) {
  if (i >= inputs().size()) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("model has {} inputs, not {}", inputs().size(), i + 1));
  }
  const TensorPort& port = inputs()[i];
  if (bytes.size() != port.bytes()) {
    throw Error(ErrorKind::kBadInput,
                fmt::format("input {} is {} bytes but the model's input {} {} {} needs {} bytes", i,
                            bytes.size(), i, ir::dtype_name(port.dtype),
                            ir::shape_string(port.shape), port.bytes()));
  }
  write_input(i, bytes);
}

}  // namespace kiln
