/* Reset handler and core vectors of the Cortex-M boards (mps2-an386, nucleo-l4r5zi): turns the
 * FPU on, copies .data, clears .bss, calls main. Each board's file puts its own interrupt
 * vectors in section .isr_vector.irq, which common.ld places right after these 16. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

static void fault_handler(void)
{
    for (;;) {
    }
}

void reset_handler(void)
{
    /* Every Cortex-M board builds with -mfloat-abi=hard (Makefile ARCH): FPU on (CPACR: CP10,
     * CP11 full access) before any float code. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n isb" ::: "memory");
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    main();
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) static void (*const core_vectors[16])(void) = {
    (void (*)(void))(&_estack),
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVC */
    fault_handler, /* DebugMon */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick */
};
