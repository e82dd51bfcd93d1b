/* progress.c: see progress.h. */
#include "core/progress.h"

#include <stdio.h>

#include "core/time.h"

static int g_enabled;

void kn_progress_enable(int on) { g_enabled = on; }
int kn_progress_enabled(void) { return g_enabled; }

void kn_progress_start(kn_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->last_draw = 0;
    p->drawn = 0;
}

void kn_progress_update(kn_progress *p, uint64_t done)
{
    if (!g_enabled) return;
    int64_t now = kn_now_monotonic();
    if (p->drawn && now - p->last_draw < 100000000LL) return;
    p->last_draw = now;
    p->drawn = 1;
    if (p->total)
        fprintf(stderr, "\r%s: %5.1f%% (%llu MiB)", p->label, 100.0 * (double)done / (double)p->total,
                (unsigned long long)(done >> 20));
    else
        fprintf(stderr, "\r%s: %llu MiB", p->label, (unsigned long long)(done >> 20));
    fflush(stderr);
}

void kn_progress_end(kn_progress *p)
{
    if (g_enabled && p->drawn) fputs("\r\033[K", stderr);
    p->drawn = 0;
}
