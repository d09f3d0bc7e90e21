/* Protocol engine, written from the behaviour of the reference api/internally_implemented.cpp:
 * same parse order, messages and quirks (80-character command buffer whose last slot is
 * overwritten, W=10 default, db print's extra blank line, "Supplied buffer size" without
 * an m- prefix). Deliberate differences, for memory safety only: bytes written past
 * MAX_DB_INPUT_SIZE and db print past it are dropped instead of overflowing the buffer, and
 * an empty command answers "e-[Unknown command: (null)]" where the reference passes NULL on. */
#include "ee_harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tb_bench_config.h"
#include "tb_board.h"
#include "tb_printf.h"

static char g_cmd_buf[EE_CMD_SIZE + 1u];
static size_t g_cmd_pos;
static uint8_t gp_buff[MAX_DB_INPUT_SIZE];
static size_t g_buff_size;
static size_t g_buff_pos;
static bool g_parser_enabled;

/* strtok with one static cursor, as the C library's (newlib's pulls in malloc for its
 * reentrancy state, which this firmware otherwise never needs). */
static char *tb_strtok(char *str, const char *delims)
{
    static char *cursor;
    if (str != NULL) {
        cursor = str;
    }
    if (cursor == NULL) {
        return NULL;
    }
    while (*cursor != '\0' && strchr(delims, *cursor) != NULL) {
        ++cursor;
    }
    if (*cursor == '\0') {
        cursor = NULL;
        return NULL;
    }
    char *token = cursor;
    while (*cursor != '\0' && strchr(delims, *cursor) == NULL) {
        ++cursor;
    }
    if (*cursor != '\0') {
        *cursor++ = '\0';
    } else {
        cursor = NULL;
    }
    return token;
}

static size_t bounded_strlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') {
        ++n;
    }
    return n;
}

static long ee_hexdec(const char *hex)
{
    long ret = 0;
    while (*hex != '\0' && ret >= 0) {
        char c = *hex++;
        long dec;
        if (c >= '0' && c <= '9') {
            dec = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            dec = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            dec = c - 'A' + 10;
        } else {
            return -1;
        }
        ret = (ret << 4) + dec;
    }
    return ret;
}

size_t ee_get_buffer(uint8_t *buffer, size_t max_len)
{
    size_t stored = g_buff_pos < MAX_DB_INPUT_SIZE ? g_buff_pos : MAX_DB_INPUT_SIZE;
    size_t len = max_len < stored ? max_len : stored;
    if (buffer != NULL) {
        memcpy(buffer, gp_buff, len);
    }
    return max_len < g_buff_pos ? max_len : g_buff_pos;
}

void th_timestamp(void)
{
#if EE_CFG_ENERGY_MODE
    tb_board_timestamp_pin(0);
    tb_board_delay_us(TB_TIMESTAMP_HOLD_US);
    tb_board_timestamp_pin(1);
#else
    th_printf(EE_MSG_TIMESTAMP, (unsigned long)tb_board_time_us());
#endif
}

static void ee_infer(size_t n, size_t n_warmup)
{
    th_load_tensor();
    th_printf("m-warmup-start-%d\r\n", (int)n_warmup);
    while (n_warmup-- > 0u) {
        th_infer();
    }
    th_printf("m-warmup-done\r\n");
    th_printf("m-infer-start-%d\r\n", (int)n);
    th_timestamp();
    while (n-- > 0u) {
        th_infer();
    }
    th_timestamp();
    th_printf("m-infer-done\r\n");
    th_results();
}

static bool ee_buffer_parse(char *command)
{
    if (strncmp(command, "db", EE_CMD_SIZE) != 0) {
        return false;
    }
    char *next = tb_strtok(NULL, EE_CMD_DELIMITER);
    if (next == NULL) {
        th_printf("e-[Command 'db' requires a subcommand]\r\n");
    } else if (strncmp(next, "load", EE_CMD_SIZE) == 0) {
        next = tb_strtok(NULL, EE_CMD_DELIMITER);
        if (next == NULL) {
            th_printf("e-[Command 'db load' requires the # of bytes]\r\n");
        } else {
            g_buff_size = (size_t)atoi(next);
            if (g_buff_size == 0u) {
                th_printf("e-[Command 'db load' must be >0 bytes]\r\n");
            } else {
                g_buff_pos = 0;
                if (g_buff_size > MAX_DB_INPUT_SIZE) {
                    th_printf("Supplied buffer size %d exceeds maximum of %d\n", (int)g_buff_size,
                              (int)MAX_DB_INPUT_SIZE);
                } else {
                    th_printf("m-[Expecting %d bytes]\r\n", (int)g_buff_size);
                }
            }
        }
    } else if (strncmp(next, "print", EE_CMD_SIZE) == 0) {
        const size_t max = 8u;
        size_t i = 0;
        size_t shown = g_buff_size < MAX_DB_INPUT_SIZE ? g_buff_size : MAX_DB_INPUT_SIZE;
        for (; i < shown; ++i) {
            if (i % max == 0u) {
                th_printf("m-buffer-");
            }
            th_printf("%02x", gp_buff[i]);
            if (((i + 1u) % max == 0u) || ((i + 1u) == g_buff_size)) {
                th_printf("\r\n");
            } else {
                th_printf("-");
            }
        }
        if (i % max != 0u) {
            th_printf("\r\n");
        }
    } else {
        size_t numbytes = bounded_strlen(next, EE_CMD_SIZE);
        if ((numbytes & 1u) != 0u) {
            th_printf("e-[Insufficent number of hex digits]\r\n");
            return true;
        }
        char pair[3] = {0, 0, 0};
        for (size_t i = 0; i < numbytes;) {
            pair[0] = next[i++];
            pair[1] = next[i++];
            long value = ee_hexdec(pair);
            if (value < 0) {
                th_printf("e-[Invalid hex digit '%s']\r\n", pair);
                return true;
            }
            if (g_buff_pos < MAX_DB_INPUT_SIZE) {
                gp_buff[g_buff_pos] = (uint8_t)value;
            }
            g_buff_pos++;
            if (g_buff_pos == g_buff_size) {
                th_printf("m-load-done\r\n");
                return true;
            }
        }
    }
    return true;
}

static bool ee_profile_parse(char *command)
{
    if (strncmp(command, "profile", EE_CMD_SIZE) == 0) {
        th_printf("m-profile-[%s]\r\n", EE_FW_VERSION);
        th_printf("m-model-[%s]\r\n", TH_MODEL_VERSION);
    } else if (strncmp(command, "help", EE_CMD_SIZE) == 0) {
        th_printf("%s\r\n", EE_FW_VERSION);
        th_printf("\r\n");
        th_printf("help         : Print this information\r\n");
        th_printf("name         : Print the name of the device\r\n");
        th_printf("timestsamp   : Generate a timetsamp\r\n");
        th_printf("db SUBCMD    : Manipulate a generic byte buffer\r\n");
        th_printf("  load N     : Allocate N bytes and set load counter\r\n");
        th_printf("  db HH[HH]* : Load 8-bit hex byte(s) until N bytes\r\n");
        th_printf("  print [N=16] [offset=0]\r\n");
        th_printf("             : Print N bytes at offset as hex\r\n");
        th_printf("infer N [W=0]: Load input, execute N inferences after W warmup loops\r\n");
        th_printf("results      : Return the result fp32 vector\r\n");
    } else if (ee_buffer_parse(command)) {
    } else if (strncmp(command, "infer", EE_CMD_SIZE) == 0) {
        size_t n = 1;
        size_t w = 10;
        char *next = tb_strtok(NULL, EE_CMD_DELIMITER);
        if (next != NULL) {
            int i = atoi(next);
            if (i <= 0) {
                th_printf("e-[Inference iterations must be >0]\r\n");
                return true;
            }
            n = (size_t)i;
            next = tb_strtok(NULL, EE_CMD_DELIMITER);
            if (next != NULL) {
                i = atoi(next);
                if (i < 0) {
                    th_printf("e-[Inference warmup must be >=0]\r\n");
                    return true;
                }
                w = (size_t)i;
            }
        }
        ee_infer(n, w);
    } else if (strncmp(command, "results", EE_CMD_SIZE) == 0) {
        th_results();
    } else {
        return false;
    }
    return true;
}

static void ee_serial_command_parser_callback(char *command)
{
    if (!g_parser_enabled) {
        return;
    }
    char *tok = tb_strtok(command, EE_CMD_DELIMITER);
    if (tok == NULL) {
        th_printf(EE_ERR_CMD, "(null)");
    } else if (strncmp(tok, "name", EE_CMD_SIZE) == 0) {
        th_printf(EE_MSG_NAME, EE_DEVICE_NAME, TH_VENDOR_NAME_STRING);
    } else if (strncmp(tok, "timestamp", EE_CMD_SIZE) == 0) {
        th_timestamp();
    } else if (ee_profile_parse(tok)) {
    } else {
        th_printf(EE_ERR_CMD, tok);
    }
    th_printf(EE_MSG_READY);
}

void ee_serial_callback(char c)
{
    if (c == EE_CMD_TERMINATOR) {
        g_cmd_buf[g_cmd_pos] = '\0';
        ee_serial_command_parser_callback(g_cmd_buf);
        g_cmd_pos = 0;
    } else {
        g_cmd_buf[g_cmd_pos] = c;
        g_cmd_pos = g_cmd_pos >= EE_CMD_SIZE ? EE_CMD_SIZE : g_cmd_pos + 1u;
    }
}

void ee_benchmark_initialize(void)
{
#if EE_CFG_ENERGY_MODE
    th_printf("m-timestamp-mode-energy\r\n");
#else
    th_printf("m-timestamp-mode-performance\r\n");
#endif
    /* As the reference: one timestamp at boot, so the open-drain pin idles high. */
    th_timestamp();
    th_final_initialize();
    th_printf(EE_MSG_INIT_DONE);
    g_parser_enabled = true;
    th_printf(EE_MSG_READY);
}
