/* noreturn.c: wrappers around exit and abort, a varargs fatal-error helper
 * and error paths that end in them. The call to a non-returning function is
 * the last instruction of its block and the next bytes often belong to the
 * next function: a disassembler that assumes calls return runs off the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "progs.h"

static NOINLINE __attribute__((noreturn)) void die(int code)
{
    fflush(stdout);
    exit(code);
}

static NOINLINE __attribute__((noreturn)) void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static NOINLINE __attribute__((noreturn)) void check_failed(const char *what, int line)
{
    fatal("check failed: %s at line %d", what, line);
}

#define CHECKED(c) ((c) ? (void)0 : check_failed(#c, __LINE__))

static NOINLINE int safe_div(int a, int b)
{
    if (b == 0)
        die(3);
    return a / b;
}

static NOINLINE int lookup(const int *table, int len, int i)
{
    CHECKED(i >= 0);
    CHECKED(i < len);
    return table[i];
}

static NOINLINE int parse_digit(char c)
{
    if (c < '0' || c > '9')
        fatal("not a digit: %c", c);
    return c - '0';
}

/* Non-returning without the attribute: the analysis must find it. */
static NOINLINE void quit_now(int code)
{
    fprintf(stderr, "quitting %d\n", code);
    exit(code);
}

static NOINLINE int guarded(int v)
{
    if (v < -1000)
        quit_now(4);
    if (v > 1000000)
        __builtin_unreachable();
    return v * 2;
}

int prog_noreturn(int n)
{
    static const int table[8] = { 1, 1, 2, 3, 5, 8, 13, 21 };
    int acc = 0;
    for (int i = 0; i < 8; i++)
        acc += safe_div(lookup(table, 8, i) * 100, i + 1);
    acc += parse_digit((char)('0' + (n % 10 + 10) % 10));
    acc += guarded(n);
    if (n == -12345)
        fatal("impossible %d", n);
    return acc;
}
