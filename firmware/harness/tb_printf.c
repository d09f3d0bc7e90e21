#include "tb_printf.h"

#include <stdint.h>

#include "tb_board.h"

static void put_str(const char *s)
{
    const char *e = s;
    while (*e != '\0') {
        ++e;
    }
    tb_board_write(s, (size_t)(e - s));
}

static void put_unsigned(unsigned long long v, unsigned base, int width, char pad)
{
    char buf[24];
    int n = 0;
    do {
        unsigned digit = (unsigned)(v % base);
        buf[n++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
        v /= base;
    } while (v != 0 && n < (int)sizeof buf);
    while (n < width && n < (int)sizeof buf) {
        buf[n++] = pad;
    }
    char out[24];
    for (int i = 0; i < n; ++i) {
        out[i] = buf[n - 1 - i];
    }
    tb_board_write(out, (size_t)n);
}

void th_vprintf(const char *format, va_list args)
{
    const char *run = format;
    for (const char *p = format; *p != '\0'; ++p) {
        if (*p != '%') {
            continue;
        }
        tb_board_write(run, (size_t)(p - run));
        ++p;
        char pad = ' ';
        int width = 0;
        if (*p == '0') {
            pad = '0';
            ++p;
        }
        while (*p >= '0' && *p <= '9') {
            width = width * 10 + (*p++ - '0');
        }
        int is_long = 0;
        while (*p == 'l') {
            ++is_long;
            ++p;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(args, const char *);
            put_str(s != NULL ? s : "(null)");
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            tb_board_write(&c, 1);
            break;
        }
        case 'd':
        case 'i': {
            long long v = is_long > 1 ? va_arg(args, long long)
                          : is_long   ? va_arg(args, long)
                                      : va_arg(args, int);
            if (v < 0) {
                tb_board_write("-", 1);
                put_unsigned((unsigned long long)(-(v + 1)) + 1u, 10, width, pad);
            } else {
                put_unsigned((unsigned long long)v, 10, width, pad);
            }
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = is_long > 1 ? va_arg(args, unsigned long long)
                                   : is_long   ? va_arg(args, unsigned long)
                                               : va_arg(args, unsigned int);
            put_unsigned(v, *p == 'x' ? 16u : 10u, width, pad);
            break;
        }
        case '%':
            tb_board_write("%", 1);
            break;
        case '\0':
            return;
        default:
            break;
        }
        run = p + 1;
    }
    tb_board_write(run, (size_t)(format + __builtin_strlen(format) - run));
}

void th_printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    th_vprintf(format, args);
    va_end(args);
}

void tb_print_fixed3(float value)
{
    /* value * 1000 is exact in double (24 + 10 bits), so rounding it to an integer with ties to
     * even is exactly the correctly rounded decimal that printf("%0.3f") prints. */
    double scaled = (double)value * 1000.0;
    int negative = scaled < 0.0;
    if (negative) {
        scaled = -scaled;
    }
    unsigned long long whole = (unsigned long long)scaled;
    double frac = scaled - (double)whole;
    if (frac > 0.5 || (frac == 0.5 && (whole & 1u) != 0u)) {
        ++whole;
    }
    if (negative && whole != 0u) {
        tb_board_write("-", 1);
    }
    put_unsigned(whole / 1000u, 10, 0, ' ');
    tb_board_write(".", 1);
    put_unsigned(whole % 1000u, 10, 3, '0');
}
