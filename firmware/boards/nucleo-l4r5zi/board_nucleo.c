/* NUCLEO-L4R5ZI (STM32L4R5ZI, Cortex-M4F), register level, no HAL.
 *
 * NOT RUN ON HARDWARE: this port builds with arm-none-eabi-gcc and follows RM0432, but it has
 * not been flashed to a board here. See docs/firmware.md.
 *
 * - Clock: HSI16 -> PLL (M=1, N=15, R=2) = 120 MHz SYSCLK, voltage range 1 boost, 5 flash wait
 *   states, with the reference manual's AHB /2 step while switching above 80 MHz.
 * - Serial: LPUART1 on PG7 (TX) / PG8 (RX), AF8: the ST-LINK virtual COM port. PG2..PG15 are
 *   powered from VDDIO2, which must be declared valid (PWR_CR2.IOSV). Kernel clock HSI16 so
 *   9600 baud fits BRR. 115200 baud (AD: 921600, as the reference), energy builds 9600.
 * - Time: TIM2 (32 bit) at 1 MHz, wraps counted in its update interrupt.
 * - Pins: timestamp on PF13 (Arduino D7, as the reference's DigitalOut(D7)); per-inference pin
 *   on PE9 (Arduino D6).
 */
#include <stdint.h>

#include "tb_bench_config.h"
#include "tb_board.h"
#include "tb_rx_ring.h"
#include "tb_wrap_timer.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define RCC 0x40021000u
#define RCC_CR (RCC + 0x00u)
#define RCC_CFGR (RCC + 0x08u)
#define RCC_PLLCFGR (RCC + 0x0Cu)
#define RCC_AHB2ENR (RCC + 0x4Cu)
#define RCC_APB1ENR1 (RCC + 0x58u)
#define RCC_APB1ENR2 (RCC + 0x5Cu)
#define RCC_CCIPR (RCC + 0x88u)
#define PWR 0x40007000u
#define PWR_CR2 (PWR + 0x04u)
#define PWR_CR5 (PWR + 0x80u)
#define FLASH_ACR 0x40022000u

#define GPIOE 0x48001000u
#define GPIOF 0x48001400u
#define GPIOG 0x48001800u
#define GPIO_MODER 0x00u
#define GPIO_OSPEEDR 0x08u
#define GPIO_AFRL 0x20u
#define GPIO_AFRH 0x24u
#define GPIO_BSRR 0x18u

#define LPUART1 0x40008000u
#define USART_CR1 0x00u
#define USART_BRR 0x0Cu
#define USART_ISR 0x1Cu
#define USART_ICR 0x20u
#define USART_RDR 0x24u
#define USART_TDR 0x28u

#define TIM2 0x40000000u
#define TIM_CR1 0x00u
#define TIM_DIER 0x0Cu
#define TIM_SR 0x10u
#define TIM_EGR 0x14u
#define TIM_CNT 0x24u
#define TIM_PSC 0x28u
#define TIM_ARR 0x2Cu

#define NVIC_ISER0 0xE000E100u
#define IRQ_TIM2 28u
#define IRQ_LPUART1 70u

#define SYSCLK_HZ 120000000u
#define LPUART_CLK_HZ 16000000u

#if EE_CFG_ENERGY_MODE
#define TB_BAUD 9600u
#elif TB_BENCH_AD
#define TB_BAUD 921600u
#else
#define TB_BAUD 115200u
#endif

static tb_rx_ring g_rx;
static volatile uint32_t g_tim2_wraps;

static void gpio_mode(uint32_t port, uint32_t pin, uint32_t mode)
{
    REG(port + GPIO_MODER) = (REG(port + GPIO_MODER) & ~(3u << (pin * 2u))) | (mode << (pin * 2u));
}

static void gpio_af(uint32_t port, uint32_t pin, uint32_t af)
{
    uint32_t reg = port + (pin < 8u ? GPIO_AFRL : GPIO_AFRH);
    uint32_t shift = (pin % 8u) * 4u;
    REG(reg) = (REG(reg) & ~(0xFu << shift)) | (af << shift);
    gpio_mode(port, pin, 2u);
}

static void gpio_write(uint32_t port, uint32_t pin, int high)
{
    REG(port + GPIO_BSRR) = high ? (1u << pin) : (1u << (pin + 16u));
}

static void clock_init(void)
{
    REG(RCC_APB1ENR1) |= 1u << 28; /* PWREN */
    REG(PWR_CR5) &= ~(1u << 8);    /* R1MODE = 0: range 1 boost, needed above 80 MHz */
    REG(FLASH_ACR) = (REG(FLASH_ACR) & ~0xFu) | 5u | (1u << 8) | (1u << 9) | (1u << 10);
    while ((REG(FLASH_ACR) & 0xFu) != 5u) {
    }
    REG(RCC_CR) |= 1u << 8; /* HSION */
    while ((REG(RCC_CR) & (1u << 10)) == 0u) {
    }
    /* PLLSRC = HSI16 (2), PLLM = /1 (0), PLLN = 15, PLLR = /2 (0), PLLREN. */
    REG(RCC_PLLCFGR) = 2u | (0u << 4) | (15u << 8) | (0u << 25) | (1u << 24);
    REG(RCC_CR) |= 1u << 24; /* PLLON */
    while ((REG(RCC_CR) & (1u << 25)) == 0u) {
    }
    REG(RCC_CFGR) = (REG(RCC_CFGR) & ~(0xFu << 4)) | (8u << 4); /* AHB /2 during the switch */
    REG(RCC_CFGR) = (REG(RCC_CFGR) & ~3u) | 3u;                 /* SW = PLL */
    while ((REG(RCC_CFGR) & (3u << 2)) != (3u << 2)) {
    }
    for (volatile uint32_t i = 0; i < 200u; ++i) { /* >1 us at 60 MHz */
    }
    REG(RCC_CFGR) &= ~(0xFu << 4); /* AHB /1: 120 MHz */
}

static void tb_lpuart1_irq(void)
{
    if ((REG(LPUART1 + USART_ISR) & (1u << 3)) != 0u) {
        REG(LPUART1 + USART_ICR) = 1u << 3; /* overrun: clear, the byte is lost */
    }
    while ((REG(LPUART1 + USART_ISR) & (1u << 5)) != 0u) {
        tb_rx_ring_put(&g_rx, (uint8_t)REG(LPUART1 + USART_RDR));
    }
}

static void tb_tim2_irq(void)
{
    REG(TIM2 + TIM_SR) = 0u;
    g_tim2_wraps++;
}

/* STM32L4R5's 95 interrupt lines, right after the core vectors of boards/cortex_m_startup.c. */
__attribute__((section(".isr_vector.irq"), used)) static void (*const irq_vectors[95])(void) = {
    [IRQ_TIM2] = tb_tim2_irq,
    [IRQ_LPUART1] = tb_lpuart1_irq,
};

void tb_board_init(void)
{
    clock_init();
    REG(RCC_AHB2ENR) |= (1u << 4) | (1u << 5) | (1u << 6); /* GPIOE, GPIOF, GPIOG */
    REG(PWR_CR2) |= 1u << 9;                                /* IOSV: VDDIO2 valid (port G) */

    gpio_mode(GPIOF, 13u, 1u); /* timestamp pin, output, idles high */
    gpio_write(GPIOF, 13u, 1);
    gpio_mode(GPIOE, 9u, 1u); /* per-inference pin, output, low */
    gpio_write(GPIOE, 9u, 0);

    REG(RCC_CCIPR) = (REG(RCC_CCIPR) & ~(3u << 10)) | (2u << 10); /* LPUART1SEL = HSI16 */
    REG(RCC_APB1ENR2) |= 1u;                                       /* LPUART1EN */
    gpio_af(GPIOG, 7u, 8u);
    gpio_af(GPIOG, 8u, 8u);
    REG(LPUART1 + USART_BRR) = (uint32_t)(((uint64_t)LPUART_CLK_HZ * 256u + TB_BAUD / 2u) / TB_BAUD);
    REG(LPUART1 + USART_CR1) = (1u << 5) | (1u << 3) | (1u << 2) | 1u; /* RXNEIE TE RE UE */

    REG(RCC_APB1ENR1) |= 1u; /* TIM2EN; APB1 = 120 MHz, so PSC 119 gives 1 MHz */
    REG(TIM2 + TIM_PSC) = SYSCLK_HZ / 1000000u - 1u;
    REG(TIM2 + TIM_ARR) = 0xFFFFFFFFu;
    REG(TIM2 + TIM_EGR) = 1u; /* load PSC */
    REG(TIM2 + TIM_SR) = 0u;
    REG(TIM2 + TIM_DIER) = 1u; /* update interrupt: count wraps */
    REG(TIM2 + TIM_CR1) = 1u;

    REG(NVIC_ISER0 + 4u * (IRQ_TIM2 / 32u)) = 1u << (IRQ_TIM2 % 32u);
    REG(NVIC_ISER0 + 4u * (IRQ_LPUART1 / 32u)) = 1u << (IRQ_LPUART1 % 32u);
    __asm volatile("cpsie i" ::: "memory");
}

int tb_board_getchar(void)
{
    for (;;) {
        __asm volatile("cpsid i" ::: "memory");
        int c = tb_rx_ring_get(&g_rx);
        if (c >= 0) {
            __asm volatile("cpsie i" ::: "memory");
            return c;
        }
        /* On silicon a pending interrupt wakes WFI with PRIMASK set, so there is no race. */
        __asm volatile("wfi\n cpsie i" ::: "memory");
    }
}

void tb_board_write(const char *data, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        while ((REG(LPUART1 + USART_ISR) & (1u << 7)) == 0u) { /* TXE */
        }
        REG(LPUART1 + USART_TDR) = (uint8_t)data[i];
    }
}

/* TIM2 counts up at 1 MHz; TIM_SR bit 0 (UIF) is its pending wrap. */
uint64_t tb_board_time_us(void)
{
    return tb_wrap_timer_read(&g_tim2_wraps, &REG(TIM2 + TIM_CNT), &REG(TIM2 + TIM_SR), 0);
}

void tb_board_delay_us(uint32_t us)
{
    uint64_t end = tb_board_time_us() + us;
    while (tb_board_time_us() < end) {
    }
}

void tb_board_timestamp_pin(int high) { gpio_write(GPIOF, 13u, high); }

void tb_board_infer_pin(int high) { gpio_write(GPIOE, 9u, high); }
