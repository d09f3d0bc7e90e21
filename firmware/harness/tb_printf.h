/* A small printf for the harness: %s %c %d %i %u %x %02x %ld %lu %lx %%. No floats: the few
 * fixed-point results go through tb_format_fixed3(). Keeps newlib's printf out of the image. */
#ifndef TB_PRINTF_H
#define TB_PRINTF_H

#include <stdarg.h>

void th_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void th_vprintf(const char *format, va_list args);
/* Exactly what printf("%0.3f", (double)value) prints (round half to even on exact ties). */
void tb_print_fixed3(float value);

#endif
