/* Host (POSIX) board: the harness on stdin/stdout, which the launcher connects to a pty.
 * For fast tests of the harness and kernels; time is CLOCK_MONOTONIC, pins are no-ops. */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "tb_board.h"

static uint64_t g_boot_us;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void tb_board_init(void) { g_boot_us = now_us(); }

int tb_board_getchar(void)
{
    unsigned char c;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == 1) {
            return c;
        }
        if (n == 0 || (n < 0 && errno != EINTR)) {
            return -1; /* the pty was closed: the host run is over */
        }
    }
}

void tb_board_write(const char *data, size_t length)
{
    while (length > 0u) {
        ssize_t n = write(STDOUT_FILENO, data, length);
        if (n <= 0) {
            return;
        }
        data += n;
        length -= (size_t)n;
    }
}

uint64_t tb_board_time_us(void) { return now_us() - g_boot_us; }

void tb_board_delay_us(uint32_t us)
{
    uint64_t end = now_us() + us;
    while (now_us() < end) {
    }
}

void tb_board_timestamp_pin(int high) { (void)high; }

void tb_board_infer_pin(int high) { (void)high; }
