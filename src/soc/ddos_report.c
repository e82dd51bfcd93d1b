/* ddos_report.c: aggregates attack_end alerts into the report's DDoS section
 * (see ddos_report.h). Attacks are few (hundreds a month at an ISP), so
 * plain arrays with linear search are the simple, adequate shape. */
#include "soc/ddos_report.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

typedef struct ddos_attack {
    char dest[64];
    char vector[40];
    char start[40], end[40];
    kn_time start_ns, end_ns;
    double duration_s;
    double peak_pps, peak_bps;
    uint64_t packets, bytes;
} ddos_attack;

typedef struct day_count { char day[11]; uint64_t n; } day_count;
typedef struct vec_count { char name[40]; uint64_t n; } vec_count;

struct soc_ddos_report {
    ddos_attack *a;
    size_t n, cap;
    day_count *days;
    size_t ndays, capdays;
    vec_count *vecs;
    size_t nvecs, capvecs;
    int largest_pps, largest_bps, longest;   /* indices, -1 = none */
};

soc_ddos_report *soc_ddos_report_new(void)
{
    soc_ddos_report *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->largest_pps = r->largest_bps = r->longest = -1;
    return r;
}

void soc_ddos_report_free(soc_ddos_report *r)
{
    if (!r) return;
    free(r->a);
    free(r->days);
    free(r->vecs);
    free(r);
}

uint64_t soc_ddos_report_count(const soc_ddos_report *r) { return r->n; }

static void copy_str(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need) c *= 2;
    p = realloc(p, c * elem);
    if (!p) abort();
    *cap = c;
    return p;
}

static void count_day(soc_ddos_report *r, const char *day)
{
    size_t i = 0;
    while (i < r->ndays && strcmp(r->days[i].day, day) < 0) i++;
    if (i < r->ndays && strcmp(r->days[i].day, day) == 0) { r->days[i].n++; return; }
    r->days = grow(r->days, &r->capdays, r->ndays + 1, sizeof *r->days);
    memmove(&r->days[i + 1], &r->days[i], (r->ndays - i) * sizeof *r->days);
    copy_str(r->days[i].day, sizeof r->days[i].day, day);
    r->days[i].n = 1;
    r->ndays++;
}

static void count_vector(soc_ddos_report *r, const char *v)
{
    for (size_t i = 0; i < r->nvecs; i++)
        if (strcmp(r->vecs[i].name, v) == 0) { r->vecs[i].n++; return; }
    r->vecs = grow(r->vecs, &r->capvecs, r->nvecs + 1, sizeof *r->vecs);
    copy_str(r->vecs[r->nvecs].name, sizeof r->vecs[r->nvecs].name, v);
    r->vecs[r->nvecs].n = 1;
    r->nvecs++;
}

void soc_ddos_report_add(soc_ddos_report *r, const kn_jval *alert)
{
    if (!alert || alert->type != KN_JOBJ) return;
    const char *cat = kn_jstr(kn_jpath(alert, "rule.category"), "");
    const char *action = kn_jstr(kn_jpath(alert, "event.action"), "");
    if (strcmp(cat, "ddos") != 0 || strcmp(action, "attack_end") != 0) return;
    r->a = grow(r->a, &r->cap, r->n + 1, sizeof *r->a);
    ddos_attack *a = &r->a[r->n];
    memset(a, 0, sizeof *a);
    const char *dest = kn_jstr(kn_jpath(alert, "ddos.prefix"), NULL);
    if (!dest) dest = kn_jstr(kn_jpath(alert, "destination.ip"), "");
    copy_str(a->dest, sizeof a->dest, dest);
    copy_str(a->vector, sizeof a->vector, kn_jstr(kn_jpath(alert, "ddos.vector"), "unknown"));
    const char *s = kn_jstr(kn_jpath(alert, "event.start"), NULL);
    const char *e = kn_jstr(kn_jpath(alert, "event.end"), NULL);
    if (!s) s = kn_jstr(kn_jget(alert, "@timestamp"), "");
    if (!e) e = s;
    copy_str(a->start, sizeof a->start, s);
    copy_str(a->end, sizeof a->end, e);
    if (kn_time_parse(&a->start_ns, a->start, -1) != 0) a->start_ns = 0;
    if (kn_time_parse(&a->end_ns, a->end, -1) != 0) a->end_ns = a->start_ns;
    const kn_jval *dur = kn_jpath(alert, "event.duration");
    a->duration_s = dur ? kn_jnum(dur, 0) / 1e9 : (double)(a->end_ns - a->start_ns) / 1e9;
    if (a->duration_s < 0) a->duration_s = 0;
    a->peak_pps = kn_jnum(kn_jpath(alert, "ddos.peak_pps"), 0);
    a->peak_bps = kn_jnum(kn_jpath(alert, "ddos.peak_bps"), 0);
    a->packets = (uint64_t)kn_jint(kn_jpath(alert, "ddos.packets"), 0);
    a->bytes = (uint64_t)kn_jint(kn_jpath(alert, "ddos.bytes"), 0);
    int idx = (int)r->n;
    r->n++;
    char day[11] = "unknown";
    if (a->start_ns) kn_time_format_date(a->start_ns, day);
    count_day(r, day);
    count_vector(r, a->vector);
    if (r->largest_pps < 0 || a->peak_pps > r->a[r->largest_pps].peak_pps) r->largest_pps = idx;
    if (r->largest_bps < 0 || a->peak_bps > r->a[r->largest_bps].peak_bps) r->largest_bps = idx;
    if (r->longest < 0 || a->duration_s > r->a[r->longest].duration_s) r->longest = idx;
}

static int vec_cmp(const void *x, const void *y)
{
    const vec_count *a = x, *b = y;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Vectors sorted for output; a copy so the const report stays untouched. */
static vec_count *sorted_vectors(const soc_ddos_report *r)
{
    vec_count *v = malloc((r->nvecs + 1) * sizeof *v);
    if (!v) abort();
    if (r->nvecs) memcpy(v, r->vecs, r->nvecs * sizeof *v);
    qsort(v, r->nvecs, sizeof *v, vec_cmp);
    return v;
}

static void attack_json(kn_json *j, const char *key, const soc_ddos_report *r, int idx)
{
    kn_json_key(j, key);
    if (idx < 0) { kn_json_null(j); return; }
    const ddos_attack *a = &r->a[idx];
    kn_json_obj_begin(j);
    kn_json_kstr(j, "destination", a->dest);
    kn_json_kstr(j, "vector", a->vector);
    kn_json_kstr(j, "start", a->start);
    kn_json_kstr(j, "end", a->end);
    kn_json_kdouble(j, "duration_s", a->duration_s);
    kn_json_kdouble(j, "peak_pps", a->peak_pps);
    kn_json_kdouble(j, "peak_bps", a->peak_bps);
    kn_json_kuint(j, "packets", a->packets);
    kn_json_kuint(j, "bytes", a->bytes);
    kn_json_obj_end(j);
}

void soc_ddos_report_json(const soc_ddos_report *r, kn_json *j)
{
    uint64_t pk = 0, by = 0;
    for (size_t i = 0; i < r->n; i++) { pk += r->a[i].packets; by += r->a[i].bytes; }
    kn_json_obj_begin(j);
    kn_json_kuint(j, "attacks", r->n);
    kn_json_kuint(j, "packets", pk);
    kn_json_kuint(j, "bytes", by);
    kn_json_key(j, "per_day");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < r->ndays; i++) {
        kn_json_obj_begin(j);
        kn_json_kstr(j, "day", r->days[i].day);
        kn_json_kuint(j, "attacks", r->days[i].n);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    attack_json(j, "largest_by_pps", r, r->largest_pps);
    attack_json(j, "largest_by_bps", r, r->largest_bps);
    attack_json(j, "longest", r, r->longest);
    vec_count *v = sorted_vectors(r);
    kn_json_key(j, "vectors");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < r->nvecs; i++) {
        kn_json_obj_begin(j);
        kn_json_kstr(j, "vector", v[i].name);
        kn_json_kuint(j, "attacks", v[i].n);
        kn_json_kdouble(j, "share", r->n ? (double)v[i].n / (double)r->n : 0);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    free(v);
    kn_json_obj_end(j);
}

static void human_rate(char *b, size_t n, double v, const char *unit)
{
    if (v >= 1e9) snprintf(b, n, "%.2f G%s", v / 1e9, unit);
    else if (v >= 1e6) snprintf(b, n, "%.2f M%s", v / 1e6, unit);
    else if (v >= 1e3) snprintf(b, n, "%.2f k%s", v / 1e3, unit);
    else snprintf(b, n, "%.0f %s", v, unit);
}

static void attack_md(kn_buf *out, const char *title, const soc_ddos_report *r, int idx)
{
    if (idx < 0) return;
    const ddos_attack *a = &r->a[idx];
    char pps[32], bps[32];
    human_rate(pps, sizeof pps, a->peak_pps, "pps");
    human_rate(bps, sizeof bps, a->peak_bps, "bps");
    kn_buf_printf(out, "| %s | %s | %s | %s | %.0f s | %s | %s |\n", title, a->dest, a->vector, a->start,
                  a->duration_s, pps, bps);
}

void soc_ddos_report_markdown(const soc_ddos_report *r, kn_buf *out)
{
    kn_buf_puts(out, "## DDoS attacks\n\n");
    if (r->n == 0) { kn_buf_puts(out, "No DDoS attack was detected.\n\n"); return; }
    kn_buf_printf(out, "%llu attack%s.\n\n", (unsigned long long)r->n, r->n == 1 ? "" : "s");
    kn_buf_puts(out, "### Attacks per day\n\n| day | attacks |\n|---|---:|\n");
    for (size_t i = 0; i < r->ndays; i++)
        kn_buf_printf(out, "| %s | %llu |\n", r->days[i].day, (unsigned long long)r->days[i].n);
    kn_buf_puts(out, "\n### Notable attacks\n\n| | target | vector | start | duration | peak pps | peak bps |\n"
                     "|---|---|---|---|---:|---:|---:|\n");
    attack_md(out, "largest by pps", r, r->largest_pps);
    attack_md(out, "largest by bps", r, r->largest_bps);
    attack_md(out, "longest", r, r->longest);
    kn_buf_puts(out, "\n### Vector mix\n\n| vector | attacks | share |\n|---|---:|---:|\n");
    vec_count *v = sorted_vectors(r);
    for (size_t i = 0; i < r->nvecs; i++)
        kn_buf_printf(out, "| %s | %llu | %.1f%% |\n", v[i].name, (unsigned long long)v[i].n,
                      100.0 * (double)v[i].n / (double)r->n);
    free(v);
    kn_buf_puts(out, "\n");
}

size_t soc_ddos_report_days(const soc_ddos_report *r, const char **day, uint64_t *attacks, size_t max)
{
    size_t k = 0;
    for (; k < r->ndays && k < max; k++) {
        day[k] = r->days[k].day;
        attacks[k] = r->days[k].n;
    }
    return k;
}

size_t soc_ddos_report_vectors(const soc_ddos_report *r, const char **vector, uint64_t *count, size_t max)
{
    /* Sort in place order is not allowed on a const report: return pointers
     * into r->vecs in sorted order by selection. */
    size_t k = 0;
    unsigned char *used = calloc(r->nvecs + 1, 1);
    if (!used) abort();
    for (; k < r->nvecs && k < max; k++) {
        size_t best = (size_t)-1;
        for (size_t i = 0; i < r->nvecs; i++) {
            if (used[i]) continue;
            if (best == (size_t)-1 || vec_cmp(&r->vecs[i], &r->vecs[best]) < 0) best = i;
        }
        assert(best != (size_t)-1);
        used[best] = 1;
        vector[k] = r->vecs[best].name;
        count[k] = r->vecs[best].n;
    }
    free(used);
    return k;
}
