/* Runs the generated demo_kws model once: input file in, output file out. */
#include <stdint.h>

#include "demo_kws.h"
#include "io.h"

/* The model's whole working memory, sized at compile time. */
static uint8_t arena[DEMO_KWS_ARENA_BYTES] __attribute__((aligned(16)));

int main(int argc, char** argv) {
  const char *input = 0, *output = 0;
  if (get_args(argc, argv, &input, &output) != 0) return 1;
  if (read_exact(input, demo_kws_input(arena, 0), DEMO_KWS_INPUT0_BYTES) != 0) return 2;
  if (demo_kws_invoke(arena) != KILN_OK) return 3;
  if (write_all(output, demo_kws_output(arena, 0), DEMO_KWS_OUTPUT0_BYTES) != 0) return 2;
  return 0;
}
