/* Fuzz target: the zeek log input (probe, open, every record, close). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/soc.h"

extern const soc_input_ops soc_input_zeek;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one context for the whole run: creating every analyzer per input
     * would make the target ~50x slower; state carried between inputs is
     * flushed by soc_finish each time and the alert log is emptied */
    static soc_ctx ctx;
    static int ready;
    if (!ready) {
        soc_options o;
        memset(&o, 0, sizeof o);
        o.quiet = 1;
        if (soc_ctx_init(&ctx, &o, NULL) != KN_OK) return 0;
        ready = 1;
    }
    (void)soc_input_zeek.probe(data, size);
    kn_reader *r;
    kn_err e;
    kn_err_clear(&e);
    if (kn_reader_open_mem(&r, data, size, "fuzz", &e) == KN_OK) {
        soc_input *in;
        if (soc_input_zeek.open(&ctx, r, &in, &e) == KN_OK) {
            soc_record rec;
            int n = 0;
            while (n++ < 100000 && soc_input_zeek.next(in, &rec, &e) == 1) soc_feed(&ctx, &rec);
            soc_input_zeek.close(in);
        }
        kn_reader_close(r);
    }
    soc_finish(&ctx);
    kn_buf_reset(&ctx.alert_log);
    return 0;
}
