// A deterministic instruction counter for QEMU: with `-icount shift=10` every
// instruction advances virtual time by 1024 ns, so SysTick (on the core
// clock, its 24-bit wraps counted in its interrupt) measures instructions
// exactly once the ticks per instruction are calibrated on a block of NOPs.
#ifndef KILN_TARGETS_COST_COUNTER_H
#define KILN_TARGETS_COST_COUNTER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void cost_counter_start(void);
// A point in time, to pass to cost_counter_elapsed.
uint64_t cost_counter_now(void);
// Instructions executed since `start`, the counter's own reads excluded.
uint64_t cost_counter_elapsed(uint64_t start);
// Instructions one now()/elapsed() pair costs (subtracted by elapsed).
uint32_t cost_counter_read_overhead(void);
void cost_counter_systick_handler(void);

#ifdef __cplusplus
}
#endif

#endif
