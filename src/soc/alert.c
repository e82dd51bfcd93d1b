/* alert.c: the common alert envelope (see alert.h). The context's builder
 * holds one alert at a time; soc_alert_end copies the finished line to the
 * report log and to the output file. */
#include "soc/alert.h"

kn_json *soc_alert_begin(soc_ctx *ctx, const soc_alert_hdr *h)
{
    if (!ctx->alert_json) ctx->alert_json = kn_json_new(NULL);
    kn_json *j = ctx->alert_json;
    char tb[KN_TIME_STRLEN];
    kn_json_obj_begin(j);
    kn_json_kstr(j, "@timestamp", kn_time_format(h->ts, 6, tb));
    kn_json_key(j, "event");
    kn_json_obj_begin(j);
    kn_json_kstr(j, "kind", "alert");
    kn_json_kstr(j, "category", h->category);
    if (h->action) kn_json_kstr(j, "action", h->action);
    kn_json_kint(j, "severity", h->severity);
    if (h->start) kn_json_kstr(j, "start", kn_time_format(h->start, 6, tb));
    if (h->end) kn_json_kstr(j, "end", kn_time_format(h->end, 6, tb));
    if (h->start && h->end) kn_json_kint(j, "duration", h->end - h->start);  /* ECS: nanoseconds */
    kn_json_obj_end(j);
    kn_json_key(j, "rule");
    kn_json_obj_begin(j);
    kn_json_kstr(j, "id", h->rule_id);
    kn_json_kstr(j, "name", h->rule_name);
    kn_json_kstr(j, "category", h->category);
    kn_json_obj_end(j);
    return j;
}

void soc_alert_endpoint(kn_json *j, const char *which, const kn_ip *ip, uint16_t port)
{
    char b[KN_IP_STRLEN];
    kn_json_key(j, which);
    kn_json_obj_begin(j);
    kn_json_kstr(j, "ip", kn_ip_format(ip, b));
    if (port) kn_json_kint(j, "port", port);
    kn_json_obj_end(j);
}

void soc_alert_end(soc_ctx *ctx)
{
    kn_json *j = ctx->alert_json;
    kn_json_obj_end(j);
    kn_json_end_record(j);
    size_t n;
    const char *t = kn_json_text(j, &n);
    kn_buf_append(&ctx->alert_log, t, n);
    if (ctx->alerts_out) fwrite(t, 1, n, ctx->alerts_out);
    ctx->alert_count++;
    kn_json_free(j);
    ctx->alert_json = NULL;
}
