// Reset, vector table and fault reporting for kiln's Cortex-M firmware.
#include <stdint.h>

#include "cost_counter.h"
#include "semihosting.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint32_t __stack_top, __stack_limit;

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);

#define STACK_PAINT 0xA5A5A5A5u

__attribute__((section(".vectors"), used)) void (*const kVectors[16])(void) = {
    (void (*)(void))(&__stack_top),
    Reset_Handler,
    Fault_Handler,  // NMI
    Fault_Handler,  // HardFault
    Fault_Handler,  // MemManage
    Fault_Handler,  // BusFault
    Fault_Handler,  // UsageFault
    Fault_Handler,  // SecureFault (Armv8-M)
    0,
    0,
    0,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    0,
    Default_Handler,  // PendSV
    cost_counter_systick_handler,
};

void Reset_Handler(void) {
  for (uint32_t *src = &__data_load, *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  // Full access to the FPU (CP10, CP11) before any float code runs.
  volatile uint32_t* cpacr = (volatile uint32_t*)0xE000ED88u;
  *cpacr |= 0xFu << 20;
  __asm__ volatile("dsb\n isb" ::: "memory");
  // Paint the stack below this frame so that its peak use can be measured.
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = &__stack_limit; (uintptr_t)p < sp - 256; ++p) *p = STACK_PAINT;
  sh_exit(main());
}

uint32_t stack_peak_bytes(void) {
  const uint32_t* p = &__stack_limit;
  while (p < &__stack_top && *p == STACK_PAINT) ++p;
  return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

static void write_hex(const char* label, uint32_t v) {
  char text[32];
  int n = 0;
  while (label[n]) {
    text[n] = label[n];
    ++n;
  }
  for (int shift = 28; shift >= 0; shift -= 4) text[n++] = "0123456789abcdef"[(v >> shift) & 0xF];
  text[n++] = ' ';
  text[n] = 0;
  sh_write(text);
}

void Fault_Handler(void) {
  const uint32_t* sp;
  __asm__ volatile("mrs %0, msp" : "=r"(sp));
  sh_write("kiln-runner: error: processor fault ");
  write_hex("CFSR=", *(volatile uint32_t*)0xE000ED28u);
  write_hex("HFSR=", *(volatile uint32_t*)0xE000ED2Cu);
  write_hex("PC=", sp[6]);
  sh_write("\n");
  sh_exit(70);
}

void Default_Handler(void) {
  sh_write("kiln-runner: error: unexpected exception\n");
  sh_exit(70);
}
