/* test.h: the unit-test harness. A test program is a list of functions run
 * by TEST_MAIN; CHECK records a failure with file and line and goes on, so
 * one run shows every broken assertion. The program prints
 * "N passed, M failed" and exits non-zero on any failure. */
#ifndef KENSA_TEST_H
#define KENSA_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond) do { if (cond) t_pass++; else { t_fail++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    if (_a == _b) t_pass++; else { t_fail++; \
    fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *_a = (a), *_b = (b); \
    if (_a && _b && strcmp(_a, _b) == 0) t_pass++; else { t_fail++; \
    fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
            _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)

typedef void (*test_fn)(void);
#define TEST_MAIN(...) int main(void) { test_fn fns[] = {__VA_ARGS__}; \
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) fns[i](); \
    printf("%d passed, %d failed\n", t_pass, t_fail); return t_fail ? 1 : 0; }

#endif
