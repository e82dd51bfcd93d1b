/* log_input_fuzz.h: the shared body of the soc log-input fuzz targets
 * (fuzz_eve, fuzz_zeek, fuzz_accesslog, fuzz_honeypot): probe, open, every
 * record through every analyzer, close. Each target names its input. */
#ifndef KENSA_FUZZ_LOG_INPUT_FUZZ_H
#define KENSA_FUZZ_LOG_INPUT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/soc.h"

/* Starts *ctx once (*ready set): quiet, every analyzer. 0 if it cannot.
 * One context for the whole run: creating every analyzer per input would
 * make a target ~50x slower; state carried between inputs is flushed by
 * soc_finish each time. */
static int fuzz_ctx_once(soc_ctx *ctx, int *ready)
{
    if (!*ready) {
        soc_options o;
        memset(&o, 0, sizeof o);
        o.quiet = 1;
        if (soc_ctx_init(ctx, &o, NULL) != KN_OK) return 0;
        *ready = 1;
    }
    return 1;
}

static int fuzz_log_input(const soc_input_ops *ops, const uint8_t *data, size_t size)
{
    static soc_ctx ctx;
    static int ready;
    if (!fuzz_ctx_once(&ctx, &ready)) return 0;
    (void)ops->probe(data, size);
    kn_reader *r;
    kn_err e;
    kn_err_clear(&e);
    if (kn_reader_open_mem(&r, data, size, "fuzz", &e) == KN_OK) {
        soc_input *in;
        if (ops->open(&ctx, r, &in, &e) == KN_OK) {
            soc_record rec;
            int n = 0;
            while (n++ < 100000 && ops->next(in, &rec, &e) == 1) soc_feed(&ctx, &rec);
            ops->close(in);
        }
        kn_reader_close(r);
    }
    soc_finish(&ctx);
    kn_buf_reset(&ctx.alert_log);
    return 0;
}

#endif
