// The C API: a kiln::Executor constructed in the caller's kiln_model storage.
#include <stddef.h>
#include <string.h>

#include <new>

#include "kiln/executor.h"
#include "kiln/kiln.h"

namespace {

static_assert(sizeof(kiln::Executor) <= sizeof(kiln_model),
              "kiln_model storage is too small for the executor");
static_assert(alignof(kiln::Executor) <= alignof(kiln_model),
              "kiln_model storage is under-aligned");

static_assert(sizeof(kiln_region) == sizeof(kiln::RegionBuffer) &&
                  offsetof(kiln_region, data) == offsetof(kiln::RegionBuffer, data) &&
                  offsetof(kiln_region, bytes) == offsetof(kiln::RegionBuffer, bytes),
              "kiln_region is kiln::RegionBuffer");

kiln::Executor* executor(kiln_model* m) { return reinterpret_cast<kiln::Executor*>(m); }
const kiln::Executor* executor(const kiln_model* m) {
  return reinterpret_cast<const kiln::Executor*>(m);
}

kiln_status fill_info(const kiln::Executor& ex, const kiln::blob::IoRecord* io,
                      kiln_tensor_info* info) {
  if (io == nullptr || info == nullptr) return KILN_ERR_BAD_ARGUMENT;
  info->dtype = static_cast<kiln_dtype>(io->dtype);
  info->rank = io->rank;
  for (int d = 0; d < kiln::blob::kMaxRank; ++d) info->dims[d] = d < io->rank ? io->dims[d] : 1;
  info->scale = io->scale;
  info->zero_point = io->zero_point;
  info->bytes = ex.tensor_bytes(io->tensor);
  return KILN_OK;
}

}  // namespace

extern "C" {

kiln_status kiln_model_arena_bytes(const void* blob, size_t blob_bytes, uint32_t* arena_bytes) {
  return kiln::Executor::required_arena_bytes(blob, blob_bytes, arena_bytes);
}

kiln_status kiln_model_init(kiln_model* model, const void* blob, size_t blob_bytes, void* arena,
                            size_t arena_bytes) {
  if (model == nullptr) return KILN_ERR_BAD_ARGUMENT;
  kiln::Executor* ex = new (model) kiln::Executor();
  return ex->init(blob, blob_bytes, arena, arena_bytes);
}

kiln_status kiln_model_num_regions(const void* blob, size_t blob_bytes, uint32_t* count) {
  return kiln::Executor::required_regions(blob, blob_bytes, count);
}

kiln_status kiln_model_region_bytes(const void* blob, size_t blob_bytes, uint32_t index,
                                    uint32_t* bytes) {
  return kiln::Executor::required_region_bytes(blob, blob_bytes, index, bytes);
}

kiln_status kiln_model_init_regions(kiln_model* model, const void* blob, size_t blob_bytes,
                                    const kiln_region* regions, uint32_t num_regions) {
  if (model == nullptr) return KILN_ERR_BAD_ARGUMENT;
  kiln::Executor* ex = new (model) kiln::Executor();
  return ex->init(blob, blob_bytes, reinterpret_cast<const kiln::RegionBuffer*>(regions),
                  num_regions);
}

uint32_t kiln_model_num_inputs(const kiln_model* model) {
  return model ? executor(model)->num_inputs() : 0;
}
uint32_t kiln_model_num_outputs(const kiln_model* model) {
  return model ? executor(model)->num_outputs() : 0;
}

kiln_status kiln_model_input_info(const kiln_model* model, uint32_t index, kiln_tensor_info* info) {
  if (model == nullptr) return KILN_ERR_BAD_ARGUMENT;
  return fill_info(*executor(model), executor(model)->input_info(index), info);
}

kiln_status kiln_model_output_info(const kiln_model* model, uint32_t index,
                                   kiln_tensor_info* info) {
  if (model == nullptr) return KILN_ERR_BAD_ARGUMENT;
  return fill_info(*executor(model), executor(model)->output_info(index), info);
}

void* kiln_model_input(kiln_model* model, uint32_t index) {
  return model ? executor(model)->input_data(index) : nullptr;
}

const void* kiln_model_output(const kiln_model* model, uint32_t index) {
  return model ? executor(model)->output_data(index) : nullptr;
}

kiln_status kiln_model_set_input(kiln_model* model, uint32_t index, const void* data,
                                 size_t bytes) {
  kiln_tensor_info info;
  const kiln_status st = kiln_model_input_info(model, index, &info);
  if (st != KILN_OK) return st;
  if (data == nullptr) return KILN_ERR_BAD_ARGUMENT;
  if (bytes != info.bytes) return KILN_ERR_SIZE_MISMATCH;
  memcpy(executor(model)->input_data(index), data, bytes);
  return KILN_OK;
}

kiln_status kiln_model_get_output(const kiln_model* model, uint32_t index, void* data,
                                  size_t bytes) {
  kiln_tensor_info info;
  const kiln_status st = kiln_model_output_info(model, index, &info);
  if (st != KILN_OK) return st;
  if (data == nullptr) return KILN_ERR_BAD_ARGUMENT;
  if (bytes != info.bytes) return KILN_ERR_SIZE_MISMATCH;
  memcpy(data, executor(model)->output_data(index), bytes);
  return KILN_OK;
}

kiln_status kiln_model_invoke(kiln_model* model) {
  return model ? executor(model)->invoke() : KILN_ERR_BAD_ARGUMENT;
}

int kiln_model_outputs_written(const kiln_model* model) {
  return model != nullptr && executor(model)->outputs_written() ? 1 : 0;
}

kiln_status kiln_model_append_samples(kiln_model* model, const void* samples, size_t count,
                                      uint32_t* new_outputs) {
  return model ? executor(model)->append_samples(samples, count, new_outputs)
               : KILN_ERR_BAD_ARGUMENT;
}

kiln_status kiln_model_reset_state(kiln_model* model) {
  return model ? executor(model)->reset_state() : KILN_ERR_BAD_ARGUMENT;
}

uint32_t kiln_model_state_bytes(const kiln_model* model) {
  return model ? executor(model)->state_bytes() : 0;
}

kiln_status kiln_model_set_loop_limit(kiln_model* model, uint32_t max_iterations) {
  if (model == nullptr) return KILN_ERR_BAD_ARGUMENT;
  executor(model)->set_loop_limit(max_iterations);
  return KILN_OK;
}

}  // extern "C"
