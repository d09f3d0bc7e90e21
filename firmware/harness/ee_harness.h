/* The benchmark harness: the firmware side of the EEMBC/MLPerf Tiny serial protocol, with the
 * reference's commands, strings, defaults and limits (shared/docs/benchmark.md §1). */
#ifndef EE_HARNESS_H
#define EE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define EE_FW_VERSION "ULPMark for tinyML Firmware V0.0.1"
#define EE_DEVICE_NAME "dut"
#define TH_VENDOR_NAME_STRING "tinybench"
#define EE_CMD_SIZE 80u
#define EE_CMD_DELIMITER " "
#define EE_CMD_TERMINATOR '%'
#define EE_MSG_READY "m-ready\r\n"
#define EE_MSG_INIT_DONE "m-init-done\r\n"
#define EE_MSG_NAME "m-name-%s-[%s]\r\n"
#define EE_MSG_TIMESTAMP "m-lap-us-%lu\r\n"
#define EE_ERR_CMD "e-[Unknown command: %s]\r\n"

void ee_benchmark_initialize(void);
void ee_serial_callback(char c);
size_t ee_get_buffer(uint8_t *buffer, size_t max_len);

/* Benchmark-specific part (tb_bench.c), as the reference's submitter_implemented.cpp. */
void th_final_initialize(void);
void th_load_tensor(void);
void th_infer(void);
void th_results(void);
void th_timestamp(void);

#endif
