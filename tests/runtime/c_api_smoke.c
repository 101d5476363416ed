/* The C API used from C: compiled as C, called from c_api_test.cc. */
#include <string.h>

#include "kiln/kiln.h"

int kiln_c_api_run(const void* blob, size_t blob_bytes, void* arena, size_t arena_bytes,
                   const void* input, size_t input_bytes, void* output, size_t output_bytes) {
  kiln_model model;
  kiln_tensor_info info;
  uint32_t needed = 0;
  if (kiln_model_arena_bytes(blob, blob_bytes, &needed) != KILN_OK || needed > arena_bytes)
    return 1;
  if (kiln_model_init(&model, blob, blob_bytes, arena, arena_bytes) != KILN_OK) return 2;
  if (kiln_model_num_inputs(&model) != 1 || kiln_model_num_outputs(&model) != 1) return 3;
  if (kiln_model_input_info(&model, 0, &info) != KILN_OK || info.bytes != input_bytes) return 4;
  if (kiln_model_set_input(&model, 0, input, input_bytes + 1) != KILN_ERR_SIZE_MISMATCH) return 5;
  if (kiln_model_set_input(&model, 0, input, input_bytes) != KILN_OK) return 6;
  if (kiln_model_invoke(&model) != KILN_OK) return 7;
  if (kiln_model_get_output(&model, 0, output, output_bytes) != KILN_OK) return 8;
  if (memcmp(output, kiln_model_output(&model, 0), output_bytes) != 0) return 9;
  if (kiln_model_input(&model, 1) != NULL ||
      kiln_model_input_info(&model, 1, &info) != KILN_ERR_BAD_ARGUMENT)
    return 10;
  return 0;
}
