/* buf.c: growable byte buffer; see buf.h. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kn_buf_reserve(kn_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) { fputs("kensa: out of memory\n", stderr); abort(); }
    b->data = p;
    b->cap = cap;
}

void kn_buf_append(kn_buf *b, const void *p, size_t n)
{
    kn_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void kn_buf_putc(kn_buf *b, char c)
{
    kn_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void kn_buf_puts(kn_buf *b, const char *s) { kn_buf_append(b, s, strlen(s)); }

void kn_buf_vprintf(kn_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) { va_end(ap2); return; }
    if ((size_t)n < sizeof tmp) {
        kn_buf_append(b, tmp, (size_t)n);
    } else {
        kn_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void kn_buf_printf(kn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kn_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void kn_buf_reset(kn_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void kn_buf_free(kn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
