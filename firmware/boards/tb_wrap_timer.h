/* 64-bit time of the Cortex-M boards: a free-running 32-bit hardware counter plus the count of
 * its wraps, which the counter's wrap interrupt keeps. */
#ifndef TB_WRAP_TIMER_H
#define TB_WRAP_TIMER_H

#include <stdint.h>

/* Read with interrupts masked. If the counter wrapped and its interrupt is not taken yet (bit 0
 * of ``flags`` set), the wrap is counted here and the counter read again, so time never steps
 * back. A down-counter's value is turned into elapsed counts. */
static inline uint64_t tb_wrap_timer_read(const volatile uint32_t *wraps,
                                          const volatile uint32_t *counter,
                                          const volatile uint32_t *flags, int counts_down)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    uint32_t wrap_count = *wraps;
    uint32_t count = *counter;
    if ((*flags & 1u) != 0u) {
        wrap_count++;
        count = *counter;
    }
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
    if (counts_down) {
        count = 0xFFFFFFFFu - count;
    }
    return ((uint64_t)wrap_count << 32) | (uint64_t)count;
}

#endif
