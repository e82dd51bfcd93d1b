/* buf.h: a growable byte buffer (string builder). The JSON writer, report
 * writers and decoders build output in one of these. Invariant: data is
 * always NUL-terminated at data[len] once anything was appended, so text
 * built here can be used as a C string. Allocation failure aborts: output
 * buffers are small and a half-written record is worse than a clear stop. */
#ifndef KENSA_CORE_BUF_H
#define KENSA_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kn_buf {
    char *data;
    size_t len, cap;
} kn_buf;

#define KN_BUF_INIT {0, 0, 0}

void kn_buf_reserve(kn_buf *b, size_t extra);
void kn_buf_append(kn_buf *b, const void *p, size_t n);
void kn_buf_putc(kn_buf *b, char c);
void kn_buf_puts(kn_buf *b, const char *s);
void kn_buf_printf(kn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kn_buf_vprintf(kn_buf *b, const char *fmt, va_list ap);
void kn_buf_reset(kn_buf *b);   /* len = 0, keeps memory */
void kn_buf_free(kn_buf *b);

#endif
