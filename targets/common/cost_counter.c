#include "cost_counter.h"

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define kReload 0xFFFFFFu
#define kCalibrationInstructions 1024u

static volatile uint32_t g_wraps;
static uint64_t g_ticks_per_block;  // ticks for kCalibrationInstructions instructions
static uint64_t g_read_ticks;       // ticks of one back-to-back read pair

void cost_counter_systick_handler(void) { ++g_wraps; }

static uint64_t ticks(void) {
  uint32_t wraps, value;
  do {
    wraps = g_wraps;
    value = SYST_CVR;
  } while (wraps != g_wraps);
  return (uint64_t)wraps * (kReload + 1u) + (kReload - value);
}

__attribute__((noinline)) static uint64_t time_nops(void) {
  const uint64_t start = ticks();
  __asm__ volatile(".rept 1024\n nop\n .endr" ::: "memory");
  return ticks() - start;
}

__attribute__((noinline)) static uint64_t time_nothing(void) {
  const uint64_t start = ticks();
  __asm__ volatile("" ::: "memory");
  return ticks() - start;
}

void cost_counter_start(void) {
  SYST_RVR = kReload;
  SYST_CVR = 0;
  SYST_CSR = 7;  // enable, interrupt on wrap, core clock
  g_read_ticks = time_nothing();
  g_ticks_per_block = time_nops() - g_read_ticks;
}

static uint64_t to_instructions(uint64_t t) {
  return (t * kCalibrationInstructions + g_ticks_per_block / 2) / g_ticks_per_block;
}

uint64_t cost_counter_now(void) { return ticks(); }

uint64_t cost_counter_elapsed(uint64_t start) {
  const uint64_t t = ticks() - start;
  return to_instructions(t > g_read_ticks ? t - g_read_ticks : 0);
}

uint32_t cost_counter_read_overhead(void) { return (uint32_t)to_instructions(g_read_ticks); }
