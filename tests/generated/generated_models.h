// The models this build generated with `kiln compile` (see CMakeLists.txt).
#ifndef KILN_TESTS_GENERATED_GENERATED_MODELS_H
#define KILN_TESTS_GENERATED_GENERATED_MODELS_H

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/status.h"

namespace kiln {
namespace test {

struct GeneratedModel {
  const char* test_case;  // folder under testvectors/ (conformance: under tflm_ops/)
  const char* name;       // the generated model's C name
  uint32_t arena_bytes;
  uint32_t num_inputs, num_outputs;
  void* (*input)(void* arena, uint32_t index);
  const void* (*output)(const void* arena, uint32_t index);
  uint32_t (*input_bytes)(uint32_t index);
  uint32_t (*output_bytes)(uint32_t index);
  kiln_status (*invoke)(void* arena);
  kiln_status (*reset)(void* arena);
};

const std::vector<GeneratedModel>& generated_models();
// Conformance cases with loops, branches and state.
const std::vector<GeneratedModel>& generated_conformance_models();

}  // namespace test
}  // namespace kiln

#endif
