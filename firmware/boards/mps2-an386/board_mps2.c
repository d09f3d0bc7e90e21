/* mps2-an386 (Cortex-M4) under QEMU: CMSDK UART0 for the protocol (RX interrupt, WFI when idle),
 * CMSDK timer0 (25 MHz) for time, and UART1 as the "pin wire": every timestamp-pin and
 * per-inference-pin edge is sent there as a text record stamped with the timer tick, so the
 * host sees the pins in the board's own (virtual, -icount) time. QEMU 7.2 has no GPIO model
 * for this machine (instruments.md §8). Record format: docs/reference/emulated-board-pins.md. */
#include <stdint.h>

#include "tb_board.h"
#include "tb_rx_ring.h"
#include "tb_wrap_timer.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define UART0_BASE 0x40004000u
#define UART1_BASE 0x40005000u
#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_INT 0x0Cu
#define UART_BAUDDIV 0x10u
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
#define UART_CTRL_TX_EN 1u
#define UART_CTRL_RX_EN 2u
#define UART_CTRL_RX_INT_EN 8u
#define UART_INT_RX 2u

#define TIMER0_BASE 0x40000000u
#define TIMER_CTRL 0x00u
#define TIMER_VALUE 0x04u
#define TIMER_RELOAD 0x08u
#define TIMER_INT 0x0Cu
#define TIMER_CTRL_EN 1u
#define TIMER_CTRL_IRQ_EN 8u
#define TIMER1_BASE 0x40001000u
#define TICK_HZ 25000000u
#define TB_IDLE_POLL_US 5000u

#define NVIC_ISER0 0xE000E100u
#define IRQ_UART0_RX 0
#define IRQ_TIMER0 8
#define IRQ_TIMER1 9

static tb_rx_ring g_rx;
static volatile uint32_t g_timer_wraps;

static void drain_uart0(void)
{
    while ((REG(UART0_BASE + UART_STATE) & UART_STATE_RXFULL) != 0u) {
        tb_rx_ring_put(&g_rx, (uint8_t)REG(UART0_BASE + UART_DATA));
    }
}

static void tb_uart0_rx_irq(void)
{
    /* Clear first, then drain: a byte arriving after the drain raises the interrupt again
     * instead of being cleared away unseen. */
    REG(UART0_BASE + UART_INT) = UART_INT_RX;
    drain_uart0();
}

static void tb_timer0_irq(void)
{
    REG(TIMER0_BASE + TIMER_INT) = 1u;
    g_timer_wraps++;
}

static void uart_putc(uint32_t base, char c)
{
    while ((REG(base + UART_STATE) & UART_STATE_TXFULL) != 0u) {
    }
    REG(base + UART_DATA) = (uint8_t)c;
}

static void tb_timer1_irq(void) { REG(TIMER1_BASE + TIMER_INT) = 1u; }

/* QEMU's AN386 interrupt lines, right after the core vectors of boards/cortex_m_startup.c. */
__attribute__((section(".isr_vector.irq"), used)) static void (*const irq_vectors[32])(void) = {
    [IRQ_UART0_RX] = tb_uart0_rx_irq,
    [IRQ_TIMER0] = tb_timer0_irq,
    [IRQ_TIMER1] = tb_timer1_irq,
};

/* Timer0 counts down from 0xFFFFFFFF; TIMER_INT bit 0 is its pending wrap. */
static uint64_t ticks(void)
{
    return tb_wrap_timer_read(&g_timer_wraps, &REG(TIMER0_BASE + TIMER_VALUE),
                              &REG(TIMER0_BASE + TIMER_INT), 1);
}

static void pin_record(char pin, int level)
{
    uint64_t t = ticks();
    char buf[24];
    int n = 0;
    do {
        uint32_t d = (uint32_t)(t & 0xFu);
        buf[n++] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
        t >>= 4;
    } while (t != 0u);
    uart_putc(UART1_BASE, pin);
    uart_putc(UART1_BASE, level ? '1' : '0');
    uart_putc(UART1_BASE, ' ');
    while (n > 0) {
        uart_putc(UART1_BASE, buf[--n]);
    }
    uart_putc(UART1_BASE, '\n');
}

void tb_board_init(void)
{
    REG(UART0_BASE + UART_BAUDDIV) = 16u;
    REG(UART0_BASE + UART_CTRL) = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INT_EN;
    REG(UART1_BASE + UART_BAUDDIV) = 16u;
    REG(UART1_BASE + UART_CTRL) = UART_CTRL_TX_EN;
    REG(TIMER0_BASE + TIMER_RELOAD) = 0xFFFFFFFFu;
    REG(TIMER0_BASE + TIMER_VALUE) = 0xFFFFFFFFu;
    REG(TIMER0_BASE + TIMER_CTRL) = TIMER_CTRL_EN | TIMER_CTRL_IRQ_EN;
    REG(TIMER1_BASE + TIMER_RELOAD) = TB_IDLE_POLL_US * (TICK_HZ / 1000000u);
    REG(NVIC_ISER0) = (1u << IRQ_UART0_RX) | (1u << IRQ_TIMER0) | (1u << IRQ_TIMER1);
    static const char header[] = "# tinybench-pins v1 tick_hz=25000000\n";
    for (const char *p = header; *p != '\0'; ++p) {
        uart_putc(UART1_BASE, *p);
    }
    __asm volatile("cpsie i" ::: "memory");
}

int tb_board_getchar(void)
{
    for (;;) {
        __asm volatile("cpsid i" ::: "memory");
        drain_uart0(); /* belt and braces: a byte the interrupt missed is still in DATA */
        __asm volatile("cpsie i" ::: "memory");
        int c = tb_rx_ring_get(&g_rx);
        if (c >= 0) {
            return c;
        }
        /* Sleep until an interrupt. A byte that lands between the check and the WFI is picked
         * up at the next interrupt at the latest: timer1 ticks every TB_IDLE_POLL_US while
         * idle only, so no tick ever lands inside a timed region. */
        REG(TIMER1_BASE + TIMER_VALUE) = TB_IDLE_POLL_US * (TICK_HZ / 1000000u);
        REG(TIMER1_BASE + TIMER_CTRL) = TIMER_CTRL_EN | TIMER_CTRL_IRQ_EN;
        if (tb_rx_ring_empty(&g_rx)) {
            __asm volatile("wfi" ::: "memory");
        }
        REG(TIMER1_BASE + TIMER_CTRL) = 0u;
    }
}

void tb_board_write(const char *data, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        uart_putc(UART0_BASE, data[i]);
    }
}

uint64_t tb_board_time_us(void) { return ticks() / (TICK_HZ / 1000000u); }

void tb_board_delay_us(uint32_t us)
{
    uint64_t end = ticks() + (uint64_t)us * (TICK_HZ / 1000000u);
    while (ticks() < end) {
    }
}

void tb_board_timestamp_pin(int high) { pin_record('t', high); }

void tb_board_infer_pin(int high)
{
#if EE_CFG_ENERGY_MODE
    pin_record('i', high);
#else
    (void)high; /* performance builds keep the timed region free of pin traffic */
#endif
}
