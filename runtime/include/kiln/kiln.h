/* kiln's C API: run a .kiln blob with a caller-given arena.
 *
 *   uint32_t arena_bytes;
 *   kiln_model_arena_bytes(blob, blob_bytes, &arena_bytes);   // or the compiler's figure
 *   static uint8_t arena[...] __attribute__((aligned(16)));
 *   kiln_model model;
 *   if (kiln_model_init(&model, blob, blob_bytes, arena, sizeof arena) != KILN_OK) ...
 *   kiln_model_set_input(&model, 0, features, sizeof features);
 *   kiln_model_invoke(&model);
 *   kiln_model_get_output(&model, 0, scores, sizeof scores);
 *
 * A blob planned for a target with several RAM regions (a fast TCM and a
 * larger SRAM: `kiln compile --target cortex-m7`) takes one buffer per region:
 *
 *   uint32_t count, dtcm_bytes, sram_bytes;   // or the compiler's figures
 *   kiln_model_num_regions(blob, blob_bytes, &count);
 *   kiln_model_region_bytes(blob, blob_bytes, 0, &dtcm_bytes);
 *   kiln_model_region_bytes(blob, blob_bytes, 1, &sram_bytes);
 *   const kiln_region regions[] = {{dtcm_arena, sizeof dtcm_arena}, {sram_arena, sizeof
 * sram_arena}}; kiln_model_init_regions(&model, blob, blob_bytes, regions, 2);
 *
 * The blob must stay valid, unmodified and 4-byte aligned while the model is
 * used; init() checks it completely, so no later call reads out of bounds.
 * Nothing here allocates. Models generated with `kiln compile` have their own
 * entry points (NAME_invoke) and need none of this. */
#ifndef KILN_KILN_H
#define KILN_KILN_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/status.h"
#include "kiln/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Storage for one loaded model; treat as opaque. */
typedef struct kiln_model {
  uint64_t opaque[16];
} kiln_model;

typedef struct kiln_tensor_info {
  kiln_dtype dtype;
  uint32_t rank;
  int32_t dims[6];
  float scale; /* 0 when not quantized */
  int32_t zero_point;
  uint32_t bytes;
} kiln_tensor_info;

/* One RAM region's buffer (4-byte aligned). */
typedef struct kiln_region {
  void* data;
  size_t bytes;
} kiln_region;

/* The arena size a blob needs (from its header): its RAM region 0. */
kiln_status kiln_model_arena_bytes(const void* blob, size_t blob_bytes, uint32_t* arena_bytes);
/* Checks the blob and binds it to the arena (4-byte aligned, at least the size above). */
kiln_status kiln_model_init(kiln_model* model, const void* blob, size_t blob_bytes, void* arena,
                            size_t arena_bytes);

/* How many RAM regions a blob's plan uses (1 unless planned for several),
 * and the bytes of region `index` (0: the arena; 0 bytes: not used). */
kiln_status kiln_model_num_regions(const void* blob, size_t blob_bytes, uint32_t* count);
kiln_status kiln_model_region_bytes(const void* blob, size_t blob_bytes, uint32_t index,
                                    uint32_t* bytes);
/* init() with one buffer per RAM region; a missing or small one is
 * KILN_ERR_ARENA_TOO_SMALL. */
kiln_status kiln_model_init_regions(kiln_model* model, const void* blob, size_t blob_bytes,
                                    const kiln_region* regions, uint32_t num_regions);

uint32_t kiln_model_num_inputs(const kiln_model* model);
uint32_t kiln_model_num_outputs(const kiln_model* model);
kiln_status kiln_model_input_info(const kiln_model* model, uint32_t index, kiln_tensor_info* info);
kiln_status kiln_model_output_info(const kiln_model* model, uint32_t index, kiln_tensor_info* info);

/* Where input `index` lives in the arena (write it before every invoke), or null. */
void* kiln_model_input(kiln_model* model, uint32_t index);
/* Where output `index` lives in the arena (valid until the next invoke), or null. */
const void* kiln_model_output(const kiln_model* model, uint32_t index);

/* Copies `bytes` (which must equal the tensor's size) in or out. */
kiln_status kiln_model_set_input(kiln_model* model, uint32_t index, const void* data, size_t bytes);
kiln_status kiln_model_get_output(const kiln_model* model, uint32_t index, void* data,
                                  size_t bytes);

kiln_status kiln_model_invoke(kiln_model* model);
/* 1 if the last invoke wrote the outputs; 0 when a gate ended it early (a
 * streaming pipeline between windows) or before any invoke. */
int kiln_model_outputs_written(const kiln_model* model);
/* Streaming pipelines (`kiln convert --frontend`) take one block of samples
 * as input 0 per invoke. This appends `count` samples of input 0's type to
 * that block, invoking each time it fills; the rest waits for the next call.
 * *new_outputs is the number of those invocations that wrote the outputs
 * (the last one's stay there); 0 means no new scores yet. */
kiln_status kiln_model_append_samples(kiln_model* model, const void* samples, size_t count,
                                      uint32_t* new_outputs);
/* Stateful models (recurrent layers, variables) carry state from one invoke
 * to the next in the first kiln_model_state_bytes() bytes of the arena.
 * init() starts it at its reset value; this puts it back there (e.g. at the
 * start of a new stream). */
kiln_status kiln_model_reset_state(kiln_model* model);
uint32_t kiln_model_state_bytes(const kiln_model* model);
/* Models with loops (a TFLite WHILE) run each loop until its condition
 * fails. This bounds the iterations of one invoke, over all loops; past it,
 * invoke returns KILN_ERR_LOOP_LIMIT. 0 (the default): no bound. */
kiln_status kiln_model_set_loop_limit(kiln_model* model, uint32_t max_iterations);

#ifdef __cplusplus
}
#endif

#endif /* KILN_KILN_H */
