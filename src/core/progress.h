/* progress.h: a progress line on stderr for long work. Shown only when
 * stderr is a terminal and --quiet was not given (kn_progress_enable), and
 * redrawn at most 10 times a second so it costs nothing on hot loops. */
#ifndef KENSA_CORE_PROGRESS_H
#define KENSA_CORE_PROGRESS_H

#include <stdint.h>

/* Global switch, set once by the CLI from --quiet and isatty(2). */
void kn_progress_enable(int on);
int kn_progress_enabled(void);

typedef struct kn_progress {
    const char *label;
    uint64_t total;     /* 0 = unknown */
    int64_t last_draw;
    int drawn;
} kn_progress;

void kn_progress_start(kn_progress *p, const char *label, uint64_t total);
void kn_progress_update(kn_progress *p, uint64_t done);
void kn_progress_end(kn_progress *p);

#endif
