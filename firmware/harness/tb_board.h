/* Board port: the few things the harness needs from a board. One implementation per board in
 * firmware/boards/<board>/. */
#ifndef TB_BOARD_H
#define TB_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, UART, timer and pins; called once before anything else. */
void tb_board_init(void);
/* Next received byte; idles (WFI) until one arrives. Returns -1 if the link is gone (host). */
int tb_board_getchar(void);
void tb_board_write(const char *data, size_t length);
/* Free-running microsecond time since boot (the m-lap-us- source in performance builds). */
uint64_t tb_board_time_us(void);
void tb_board_delay_us(uint32_t us);
/* Timestamp pin (open-drain, idles high; the energy monitor sees the falling edge). */
void tb_board_timestamp_pin(int high);
/* Optional per-inference pin: high while one inference runs (energy builds). */
void tb_board_infer_pin(int high);

#endif
