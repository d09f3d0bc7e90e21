/* Firmware entry: bring the board up, print the banner, then feed received bytes to the
 * harness. The board's RX interrupt buffers bytes while a command runs. */
#include "ee_harness.h"
#include "tb_board.h"

int main(void)
{
    tb_board_init();
    ee_benchmark_initialize();
    for (;;) {
        int c = tb_board_getchar();
        if (c < 0) {
            break;
        }
        ee_serial_callback((char)c);
    }
    return 0;
}
