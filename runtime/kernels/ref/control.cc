// BRANCH changes which op runs next, which only an executor can do
// (kiln/ops/control.h): the kernel itself has nothing to compute.
#include "kiln/ops/control.h"

#include "kiln/kernels.h"

namespace kiln {
namespace ref {

void branch(const void*, const void* const*, void* const*) {}

}  // namespace ref
}  // namespace kiln
