/* Reset handler and vector table for the NUCLEO-L4R5ZI (STM32L4R5: 95 interrupts). */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void tb_tim2_irq(void);
void tb_lpuart1_irq(void);

static void fault_handler(void)
{
    for (;;) {
    }
}

void reset_handler(void)
{
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* FPU on before any float code */
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

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16 + 95])(void) = {
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
    [16 + 28] = tb_tim2_irq,
    [16 + 70] = tb_lpuart1_irq,
};
