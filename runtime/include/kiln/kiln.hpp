// A thin C++ wrapper over the C API (kiln/kiln.h): the same calls as methods,
// still no heap and no exceptions.
//
//   kiln::Model model;
//   if (model.init(blob, blob_bytes, arena, sizeof arena) != KILN_OK) ...
//   model.set_input(0, features, sizeof features);
//   model.invoke();
//   const int8_t* scores = static_cast<const int8_t*>(model.output(0));
#ifndef KILN_KILN_HPP
#define KILN_KILN_HPP

#include "kiln/kiln.h"

namespace kiln {

class Model {
 public:
  static kiln_status arena_bytes(const void* blob, size_t blob_bytes, uint32_t* bytes) {
    return kiln_model_arena_bytes(blob, blob_bytes, bytes);
  }
  static kiln_status num_regions(const void* blob, size_t blob_bytes, uint32_t* count) {
    return kiln_model_num_regions(blob, blob_bytes, count);
  }
  static kiln_status region_bytes(const void* blob, size_t blob_bytes, uint32_t index,
                                  uint32_t* bytes) {
    return kiln_model_region_bytes(blob, blob_bytes, index, bytes);
  }
  kiln_status init(const void* blob, size_t blob_bytes, void* arena, size_t arena_bytes) {
    return kiln_model_init(&model_, blob, blob_bytes, arena, arena_bytes);
  }
  kiln_status init(const void* blob, size_t blob_bytes, const kiln_region* regions,
                   uint32_t num_regions) {
    return kiln_model_init_regions(&model_, blob, blob_bytes, regions, num_regions);
  }
  uint32_t num_inputs() const { return kiln_model_num_inputs(&model_); }
  uint32_t num_outputs() const { return kiln_model_num_outputs(&model_); }
  kiln_status input_info(uint32_t index, kiln_tensor_info* info) const { return kiln_model_input_info(&model_, index, info); }
  kiln_status output_info(uint32_t index, kiln_tensor_info* info) const { return kiln_model_output_info(&model_, index, info); }
  void* input(uint32_t index) { return kiln_model_input(&model_, index); }
  const void* output(uint32_t index) const { return kiln_model_output(&model_, index); }
  kiln_status set_input(uint32_t index, const void* data, size_t bytes) {
    return kiln_model_set_input(&model_, index, data, bytes);
  }
  kiln_status get_output(uint32_t index, void* data, size_t bytes) const {
    return kiln_model_get_output(&model_, index, data, bytes);
  }
  kiln_status invoke() { return kiln_model_invoke(&model_); }
  kiln_status reset_state() { return kiln_model_reset_state(&model_); }
  uint32_t state_bytes() const { return kiln_model_state_bytes(&model_); }
  kiln_status set_loop_limit(uint32_t max_iterations) {
    return kiln_model_set_loop_limit(&model_, max_iterations);
  }

 private:
  kiln_model model_ = {};
};

}  // namespace kiln

#endif  // KILN_KILN_HPP
