/* Reset handler and vector table for the Cortex-M boards (mps2-an386; the Nucleo port has its
 * own IRQ map). Copies .data, clears .bss, calls main. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void tb_uart0_rx_irq(void);
void tb_timer0_irq(void);
void tb_timer1_irq(void);

static void fault_handler(void)
{
    for (;;) {
    }
}

void reset_handler(void)
{
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

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16 + 32])(void) = {
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
    [16 + 0] = tb_uart0_rx_irq,
    [16 + 8] = tb_timer0_irq,
    [16 + 9] = tb_timer1_irq,
};
