/* The receive ring of the Cortex-M boards: the UART's RX interrupt puts bytes in, the main loop
 * (tb_board_getchar) takes them out. One writer each side, so no lock: the interrupt moves only
 * head, the main loop only tail. A byte that finds the ring full is dropped. */
#ifndef TB_RX_RING_H
#define TB_RX_RING_H

#include <stdint.h>

#define TB_RX_RING_SIZE 512u

typedef struct {
    volatile uint8_t data[TB_RX_RING_SIZE];
    volatile uint32_t head;
    volatile uint32_t tail;
} tb_rx_ring;

static inline int tb_rx_ring_empty(const tb_rx_ring *ring) { return ring->tail == ring->head; }

/* From the RX interrupt. */
static inline void tb_rx_ring_put(tb_rx_ring *ring, uint8_t c)
{
    uint32_t next = (ring->head + 1u) % TB_RX_RING_SIZE;
    if (next != ring->tail) {
        ring->data[ring->head] = c;
        ring->head = next;
    }
}

/* From the main loop: the oldest byte, or -1 if the ring is empty. */
static inline int tb_rx_ring_get(tb_rx_ring *ring)
{
    if (tb_rx_ring_empty(ring)) {
        return -1;
    }
    uint8_t c = ring->data[ring->tail];
    ring->tail = (ring->tail + 1u) % TB_RX_RING_SIZE;
    return c;
}

#endif
