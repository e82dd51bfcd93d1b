/* varargs.c: variadic functions. On x86-64 the prologue of a variadic
 * function tests %al and conditionally spills the vector registers, an
 * unusual first block; on i386 arguments walk the stack. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "progs.h"

static NOINLINE long sum_ints(int count, ...)
{
    va_list ap;
    long s = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static NOINLINE double mean(int count, ...)
{
    va_list ap;
    double s = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        s += va_arg(ap, double);
    va_end(ap);
    return count ? s / count : 0;
}

/* A small formatter: %d, %s, %c and %% into buf. */
static NOINLINE int format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    size_t o = 0;
    va_start(ap, fmt);
    for (const char *p = fmt; *p && o + 1 < cap; p++) {
        if (*p != '%') { buf[o++] = *p; continue; }
        switch (*++p) {
        case 'd': {
            char t[16];
            int k = snprintf(t, sizeof t, "%d", va_arg(ap, int));
            for (int i = 0; i < k && o + 1 < cap; i++)
                buf[o++] = t[i];
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s && o + 1 < cap)
                buf[o++] = *s++;
            break;
        }
        case 'c': buf[o++] = (char)va_arg(ap, int); break;
        case '%': buf[o++] = '%'; break;
        case 0: p--; break;
        default: buf[o++] = '?'; break;
        }
    }
    va_end(ap);
    buf[o] = 0;
    return (int)o;
}

static NOINLINE int vlog(char *buf, size_t cap, const char *fmt, va_list ap)
{
    return vsnprintf(buf, cap, fmt, ap);
}

static NOINLINE int logf_(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vlog(buf, cap, fmt, ap);
    va_end(ap);
    return r;
}

int prog_varargs(int n)
{
    char buf[128];
    long acc = sum_ints(5, n, 2, 3, 4, 5) + sum_ints(2, n, n);
    acc += (long)mean(3, 1.5, (double)n, 2.5);
    acc += format(buf, sizeof buf, "n=%d name=%s c=%c %%", n, "kensa", 'k');
    acc += logf_(buf, sizeof buf, "%s:%d", "x", n);
    return (int)acc + (int)strlen(buf);
}
