/* Fuzz target: the SMTP dialogue parser (commands, DATA, dot-unstuffing)
 * and the MIME parser with attachment classification. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/logs.h"
#include "soc/proto.h"

static size_t sink;
static void emit(void *arg, soc_event *ev)
{
    (void)arg;
    sink += ev->smtp.subject.n + (size_t)ev->smtp.n_attach;
    for (int i = 0; i < ev->smtp.n_attach; i++) sink += ev->smtp.attach[i].is_macro_doc + ev->smtp.attach[i].is_encrypted_zip;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soc_event tmpl;
    soc_event_init(&tmpl, SOC_EV_SMTP, "fuzz", "fuzz", 0);
    soc_smtp_conn *c = soc_smtp_conn_new();
    if (!c) return 0;
    const char *why;
    size_t used = soc_smtp_feed(c, data, size, 0, &tmpl, emit, NULL, &why);
    (void)used;
    soc_smtp_conn_free(c);
    /* the message parser on its own, as if the whole input were one message */
    soc_event ev = tmpl;
    kn_buf sc = KN_BUF_INIT;
    soc_mime_parse((const char *)data, size, &ev, &sc);
    emit(NULL, &ev);
    kn_buf_free(&sc);
    return 0;
}
