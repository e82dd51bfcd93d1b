/* report.c: the observation report (see report.h). One pass over the
 * alerts fills counters per section; each format then renders the same
 * counters. Counters are string -> (count, extra) maps kept in a hash table
 * with their keys in an arena, sorted only when rendered.
 *
 * The HTML has no script at all (nothing to break in a mail client or a
 * locked-down browser) and draws charts as inline SVG rects with <title>
 * tooltips; a print stylesheet keeps sections on their own pages. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/jsonp.h"
#include "soc/ddos_report.h"
#include "soc/logs.h"
#include "soc/report.h"

/* ---- counters ------------------------------------------------------------------------ */

typedef struct ctr_ent { const char *key; uint64_t count, extra; char note[160]; } ctr_ent;

typedef struct ctr {
    kn_htab idx;          /* uint64 hash -> uint32 index */
    ctr_ent *e;
    size_t n, cap;
    kn_arena *a;
} ctr;

static void ctr_init(ctr *c, kn_arena *a)
{
    memset(c, 0, sizeof *c);
    kn_htab_init(&c->idx, sizeof(uint64_t), sizeof(uint32_t), 64);
    c->a = a;
}

static void ctr_free(ctr *c)
{
    kn_htab_free(&c->idx);
    free(c->e);
}

static ctr_ent *ctr_get(ctr *c, const char *key)
{
    if (!key) key = "";
    uint64_t h = kn_hash_bytes(key, strlen(key), 99);
    int created;
    uint32_t *v = kn_htab_put(&c->idx, &h, &created);
    if (!v) return NULL;
    if (!created) return &c->e[*v];
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 32;
        ctr_ent *ne = realloc(c->e, nc * sizeof *ne);
        if (!ne) { kn_htab_del(&c->idx, &h); return NULL; }
        c->e = ne;
        c->cap = nc;
    }
    ctr_ent *e = &c->e[c->n];
    memset(e, 0, sizeof *e);
    e->key = kn_arena_strdup(c->a, key);
    *v = (uint32_t)c->n++;
    return e;
}

static void ctr_add(ctr *c, const char *key, uint64_t n)
{
    ctr_ent *e = ctr_get(c, key);
    if (e) e->count += n;
}

static int by_count(const void *a, const void *b)
{
    const ctr_ent *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const ctr_ent *)a)->key, ((const ctr_ent *)b)->key);
}

/* Sorted copy (caller frees). The index is not touched. */
static ctr_ent *ctr_sorted(const ctr *c, int by_name)
{
    ctr_ent *s = malloc((c->n ? c->n : 1) * sizeof *s);
    if (!s) return NULL;
    if (c->n) {
        memcpy(s, c->e, c->n * sizeof *s);
        qsort(s, c->n, sizeof *s, by_name ? by_key : by_count);
    }
    return s;
}

static uint64_t ctr_total(const ctr *c)
{
    uint64_t t = 0;
    for (size_t i = 0; i < c->n; i++) t += c->e[i].count;
    return t;
}

/* ---- the report's data ------------------------------------------------------------------ */

typedef struct report {
    kn_arena a;
    soc_ddos_report *ddos;
    uint64_t alerts, bad_lines;
    char first[32], last[32];
    /* Elasticsearch */
    ctr es_kinds, es_sources, es_targets, es_paths, es_days, es_cmds, es_leaks, es_exposed, es_scans;
    uint64_t es_alerts;
    /* Emotet */
    ctr em_days, em_hosts, em_c2, em_vectors, em_rules, em_urls;
    uint64_t em_alerts;
    /* IDS */
    ctr ids_cats, ids_sigs;
    uint64_t ids_events;
    /* other */
    ctr other_rules;
} report;

static void report_init(report *r)
{
    memset(r, 0, sizeof *r);
    kn_arena_init(&r->a, 0, 0);
    r->ddos = soc_ddos_report_new();
    ctr *all[] = {&r->es_kinds, &r->es_sources, &r->es_targets, &r->es_paths, &r->es_days, &r->es_cmds, &r->es_leaks,
                  &r->es_exposed, &r->es_scans, &r->em_days, &r->em_hosts, &r->em_c2, &r->em_vectors, &r->em_rules, &r->em_urls,
                  &r->ids_cats, &r->ids_sigs, &r->other_rules};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ctr_init(all[i], &r->a);
}

static void report_free(report *r)
{
    ctr *all[] = {&r->es_kinds, &r->es_sources, &r->es_targets, &r->es_paths, &r->es_days, &r->es_cmds, &r->es_leaks,
                  &r->es_exposed, &r->es_scans, &r->em_days, &r->em_hosts, &r->em_c2, &r->em_vectors, &r->em_rules, &r->em_urls,
                  &r->ids_cats, &r->ids_sigs, &r->other_rules};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ctr_free(all[i]);
    soc_ddos_report_free(r->ddos);
    kn_arena_free(&r->a);
}

static const char *S(const kn_jval *v, const char *path) { return kn_jstr(kn_jpath(v, path), NULL); }

static void day_of(const char *ts, char *day)
{
    if (ts && strlen(ts) >= 10) { memcpy(day, ts, 10); day[10] = 0; }
    else strcpy(day, "unknown");
}

static void add_alert(report *r, const kn_jval *v)
{
    r->alerts++;
    soc_ddos_report_add(r->ddos, v);
    const char *ts = S(v, "@timestamp");
    if (ts && strlen(ts) < sizeof r->first) {
        if (!r->first[0] || strcmp(ts, r->first) < 0) strcpy(r->first, ts);
        if (strcmp(ts, r->last) > 0) strcpy(r->last, ts);
    }
    char day[16];
    day_of(ts, day);
    const char *cat = S(v, "rule.category");
    const char *rule = S(v, "rule.id");
    const char *src = S(v, "source.ip"), *dst = S(v, "destination.ip");
    int64_t dport = kn_jint(kn_jpath(v, "destination.port"), 0);
    if (!cat) return;
    if (!strcmp(cat, "elasticsearch")) {
        r->es_alerts++;
        const char *kind = S(v, "elasticsearch.kind");
        uint64_t req = (uint64_t)kn_jint(kn_jpath(v, "elasticsearch.requests"), 1);
        int derived = kind && (!strcmp(kind, "leak") || !strcmp(kind, "exposure") || !strcmp(kind, "scan"));
        if (!derived) {
            /* request kinds and their days count requests; exposure, leak
             * and scan findings are listed on their own */
            ctr_add(&r->es_kinds, kind, req);
            ctr_add(&r->es_days, day, req);
        }
        if (kind && !strcmp(kind, "scan")) {
            ctr_ent *e = ctr_get(&r->es_scans, src ? src : "?");
            if (e) { e->count += (uint64_t)kn_jint(kn_jpath(v, "elasticsearch.hosts"), 0); e->extra++; }
        } else if (kind && (!strcmp(kind, "leak"))) {
            char k[160];
            snprintf(k, sizeof k, "%s -> %s", dst ? dst : "?", src ? src : "?");
            ctr_ent *e = ctr_get(&r->es_leaks, k);
            if (e) { e->count += (uint64_t)kn_jint(kn_jpath(v, "elasticsearch.bytes"), 0); e->extra++; }
        } else if (kind && !strcmp(kind, "exposure")) {
            char k[80];
            snprintf(k, sizeof k, "%s:%lld", dst ? dst : "?", (long long)dport);
            ctr_add(&r->es_exposed, k, req);
        } else {
            ctr_ent *e = ctr_get(&r->es_sources, src ? src : "?");
            if (e) { e->count += req; e->extra++; }
            if (dst || dport) {
                char k[80];
                snprintf(k, sizeof k, "%s:%lld", dst ? dst : "(not logged)", (long long)dport);
                ctr_add(&r->es_targets, k, req);
            }
            const kn_jval *paths = kn_jpath(v, "elasticsearch.paths");
            if (paths && paths->type == KN_JARR)
                for (uint32_t i = 0; i < paths->len; i++)
                    ctr_add(&r->es_paths, kn_jstr(kn_jget(&paths->u.items[i], "path"), "?"),
                            (uint64_t)kn_jint(kn_jget(&paths->u.items[i], "count"), 1));
            const kn_jval *cmds = kn_jpath(v, "elasticsearch.script.commands");
            if (cmds && cmds->type == KN_JARR)
                for (uint32_t i = 0; i < cmds->len; i++) ctr_add(&r->es_cmds, kn_jstr(&cmds->u.items[i], "?"), 1);
        }
    } else if (!strcmp(cat, "emotet")) {
        r->em_alerts++;
        ctr_add(&r->em_days, day, 1);
        ctr_add(&r->em_rules, rule, 1);
        const char *kind = S(v, "emotet.kind");
        /* the affected host is the client for C2, intel, delivery, spam and
         * IDS findings, and the receiving side for malspam */
        const char *victim = kind && !strcmp(kind, "malspam") ? dst : src;
        if (victim) ctr_add(&r->em_hosts, victim, 1);
        if (kind && (!strcmp(kind, "c2") || !strcmp(kind, "intel") || !strcmp(kind, "ids")) && dst) {
            char k[80];
            snprintf(k, sizeof k, "%s:%lld", dst, (long long)dport);
            ctr_ent *e = ctr_get(&r->em_c2, k);
            if (e) {
                e->count += (uint64_t)kn_jint(kn_jpath(v, "emotet.count"), 1);
                e->extra++;
                if (!e->note[0]) snprintf(e->note, sizeof e->note, "%s", kind);
                else if (!strstr(e->note, kind) && strlen(e->note) + strlen(kind) + 2 < sizeof e->note)
                    strcat(strcat(e->note, ", "), kind);
            }
        }
        if (kind && !strcmp(kind, "delivery")) {
            ctr_add(&r->em_vectors, "web: Office document then executable", 1);
            ctr_add(&r->em_urls, S(v, "emotet.document_url"), 1);
            ctr_add(&r->em_urls, S(v, "emotet.executable_url"), 1);
        } else if (kind && !strcmp(kind, "malspam")) {
            const kn_jval *att = kn_jpath(v, "emotet.attachments");
            int enc = 0, mac = 0;
            if (att && att->type == KN_JARR)
                for (uint32_t i = 0; i < att->len; i++) {
                    const char *a = kn_jstr(&att->u.items[i], "");
                    enc |= strstr(a, "encrypted") != NULL;
                    mac |= strstr(a, "macro") != NULL;
                }
            ctr_add(&r->em_vectors, enc ? "mail: encrypted ZIP" : mac ? "mail: macro document" : "mail: ZIP attachment", 1);
        } else if (kind && !strcmp(kind, "spambot")) {
            ctr_add(&r->em_vectors, "spreading: spam bot", 1);
        }
    } else if (!strcmp(cat, "ids") || (rule && !strncmp(rule, "kensa.ids.", 10))) {
        uint64_t n = (uint64_t)kn_jint(kn_jpath(v, "ids.count"), 1);
        r->ids_events += n;
        ctr_add(&r->ids_cats, S(v, "ids.category"), n);
        ctr_ent *e = ctr_get(&r->ids_sigs, S(v, "ids.signature"));
        if (e) {
            e->count += n;
            if (!e->note[0]) snprintf(e->note, sizeof e->note, "%s", S(v, "ids.category") ? S(v, "ids.category") : "");
        }
    } else if (strcmp(cat, "ddos") != 0) {
        ctr_add(&r->other_rules, rule, 1);
    }
}

static void parse_alerts(report *r, const char *text, size_t n, const char *src_name, kn_warnings *w)
{
    kn_arena a;
    kn_arena_init(&a, 0, 64u << 20);
    uint64_t line = 0;
    for (size_t p = 0; p < n;) {
        const char *nl = memchr(text + p, '\n', n - p);
        size_t ln = nl ? (size_t)(nl - (text + p)) : n - p;
        const char *s = text + p;
        line++;
        size_t off = p;
        p += ln + 1;
        size_t k = 0;
        while (k < ln && isspace((unsigned char)s[k])) k++;
        if (k == ln) continue;
        kn_jval *v;
        size_t eo;
        kn_arena_reset(&a);
        if (kn_jparse(&a, s, ln, &v, &eo) != KN_OK || v->type != KN_JOBJ) {
            r->bad_lines++;
            kn_warn(w, src_name, (int64_t)(off + (v ? 0 : eo)), "line %llu: not a JSON alert object", (unsigned long long)line);
            continue;
        }
        add_alert(r, v);
    }
    kn_arena_free(&a);
}

/* ---- rendering helpers ------------------------------------------------------------------ */

static void html_esc(kn_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': kn_buf_puts(b, "&lt;"); break;
        case '>': kn_buf_puts(b, "&gt;"); break;
        case '&': kn_buf_puts(b, "&amp;"); break;
        case '"': kn_buf_puts(b, "&quot;"); break;
        default:
            if ((unsigned char)*s < 0x20) kn_buf_putc(b, ' ');
            else kn_buf_putc(b, *s);
        }
    }
}

static void md_esc(kn_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '<' || *s == '>' || *s == '[' || *s == ']') kn_buf_putc(b, '\\');
        kn_buf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
    }
}

static void human_bytes(char *out, size_t cap, uint64_t b)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1024 && i < 4) { v /= 1024; i++; }
    snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

/* Vertical bar chart of (label, value) pairs in order. */
static void svg_bars(kn_buf *b, const char *title, const char *const *labels, const uint64_t *vals, size_t n)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++) if (vals[i] > max) max = vals[i];
    int w = 640, h = 200, left = 40, bottom = 40;
    double bw = n ? (double)(w - left - 10) / (double)n : 0;
    if (bw > 48) bw = 48;   /* a few bars stay bars, not slabs */
    kn_buf_printf(b, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h);
    html_esc(b, title);
    kn_buf_puts(b, "\">");
    kn_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", left, h - bottom, w - 5, h - bottom);
    kn_buf_printf(b, "<text x=\"%d\" y=\"12\" class=\"lbl\">%llu</text>", 2, (unsigned long long)max);
    for (size_t i = 0; i < n; i++) {
        double bh = (double)(h - bottom - 20) * (double)vals[i] / (double)max;
        double x = left + bw * (double)i + 1;
        kn_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\"><title>", x,
                      (double)(h - bottom) - bh, bw > 2 ? bw - 2 : 1, bh);
        html_esc(b, labels[i]);
        kn_buf_printf(b, ": %llu</title></rect>", (unsigned long long)vals[i]);
        if (n <= 16 || i % ((n + 15) / 16) == 0) {
            kn_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"lbl\" transform=\"rotate(45 %.1f %d)\">", x, h - bottom + 12, x, h - bottom + 12);
            /* dates show as MM-DD; other labels are cut to 12 characters */
            size_t ll = strlen(labels[i]);
            char cut[16];
            if (ll == 10 && labels[i][4] == '-') snprintf(cut, sizeof cut, "%s", labels[i] + 5);
            else snprintf(cut, sizeof cut, "%.12s", labels[i]);
            html_esc(b, cut);
            kn_buf_puts(b, "</text>");
        }
    }
    kn_buf_puts(b, "</svg><figcaption>");
    html_esc(b, title);
    kn_buf_puts(b, "</figcaption></figure>\n");
}

/* Horizontal bars (share of total) for a counter's top entries. */
static void svg_hbars(kn_buf *b, const char *title, const ctr *c, size_t top)
{
    ctr_ent *s = ctr_sorted(c, 0);
    if (!s) return;
    size_t n = c->n < top ? c->n : top;
    uint64_t max = n ? s[0].count : 1;
    if (!max) max = 1;
    int w = 640, row = 22, h = (int)n * row + 10, lw = 230;
    kn_buf_printf(b, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h);
    html_esc(b, title);
    kn_buf_puts(b, "\">");
    for (size_t i = 0; i < n; i++) {
        double bw = (double)(w - lw - 80) * (double)s[i].count / (double)max;
        int y = (int)i * row + 5;
        char lab[64];
        snprintf(lab, sizeof lab, "%.40s%s", s[i].key, strlen(s[i].key) > 40 ? "..." : "");
        kn_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">", lw - 6, y + 14);
        html_esc(b, lab);
        kn_buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"bar\"><title>", lw, y + 2, bw < 1 ? 1 : bw, row - 6);
        html_esc(b, s[i].key);
        kn_buf_printf(b, ": %llu</title></rect><text x=\"%.1f\" y=\"%d\" class=\"lbl\">%llu</text>", (unsigned long long)s[i].count,
                      lw + bw + 4, y + 14, (unsigned long long)s[i].count);
    }
    kn_buf_puts(b, "</svg><figcaption>");
    html_esc(b, title);
    kn_buf_puts(b, "</figcaption></figure>\n");
    free(s);
}

typedef enum col_kind { COL_KEY, COL_COUNT, COL_EXTRA, COL_NOTE, COL_BYTES } col_kind;

/* A table of a counter's top entries, in HTML or Markdown. */
static void table(kn_buf *b, int html, const ctr *c, size_t top, int by_name, const char *const *heads,
                  const col_kind *cols, int ncols)
{
    if (!c->n) {
        kn_buf_puts(b, html ? "<p class=\"none\">None observed.</p>\n" : "None observed.\n\n");
        return;
    }
    ctr_ent *s = ctr_sorted(c, by_name);
    if (!s) return;
    size_t n = c->n < top ? c->n : top;
    if (html) {
        kn_buf_puts(b, "<table><thead><tr>");
        for (int i = 0; i < ncols; i++) { kn_buf_puts(b, "<th>"); html_esc(b, heads[i]); kn_buf_puts(b, "</th>"); }
        kn_buf_puts(b, "</tr></thead><tbody>\n");
    } else {
        kn_buf_puts(b, "|");
        for (int i = 0; i < ncols; i++) { kn_buf_puts(b, " "); md_esc(b, heads[i]); kn_buf_puts(b, " |"); }
        kn_buf_puts(b, "\n|");
        for (int i = 0; i < ncols; i++) kn_buf_puts(b, cols[i] == COL_KEY || cols[i] == COL_NOTE ? "---|" : "---:|");
        kn_buf_puts(b, "\n");
    }
    for (size_t r = 0; r < n; r++) {
        kn_buf_puts(b, html ? "<tr>" : "|");
        for (int i = 0; i < ncols; i++) {
            char num[48];
            const char *t = num;
            switch (cols[i]) {
            case COL_KEY: t = s[r].key; break;
            case COL_NOTE: t = s[r].note; break;
            case COL_COUNT: snprintf(num, sizeof num, "%llu", (unsigned long long)s[r].count); break;
            case COL_EXTRA: snprintf(num, sizeof num, "%llu", (unsigned long long)s[r].extra); break;
            case COL_BYTES: human_bytes(num, sizeof num, s[r].count); break;
            }
            int numeric = cols[i] != COL_KEY && cols[i] != COL_NOTE;
            if (html) { kn_buf_puts(b, numeric ? "<td class=\"n\">" : "<td>"); html_esc(b, t); kn_buf_puts(b, "</td>"); }
            else { kn_buf_puts(b, " "); md_esc(b, t); kn_buf_puts(b, " |"); }
        }
        kn_buf_puts(b, html ? "</tr>\n" : "\n");
    }
    if (c->n > n) {
        if (html) kn_buf_printf(b, "<tr><td colspan=\"%d\" class=\"more\">%zu more not shown</td></tr>\n", ncols, c->n - n);
        else kn_buf_printf(b, "\n%zu more not shown.\n", c->n - n);
    }
    kn_buf_puts(b, html ? "</tbody></table>\n" : "\n");
    free(s);
}

static void h2(kn_buf *b, int html, const char *id, const char *t)
{
    if (html) { kn_buf_printf(b, "<section id=\"%s\"><h2>", id); html_esc(b, t); kn_buf_puts(b, "</h2>\n"); }
    else kn_buf_printf(b, "## %s\n\n", t);
}

static void h3(kn_buf *b, int html, const char *t)
{
    if (html) { kn_buf_puts(b, "<h3>"); html_esc(b, t); kn_buf_puts(b, "</h3>\n"); }
    else kn_buf_printf(b, "### %s\n\n", t);
}

static void para(kn_buf *b, int html, const char *t)
{
    if (html) { kn_buf_puts(b, "<p>"); html_esc(b, t); kn_buf_puts(b, "</p>\n"); }
    else kn_buf_printf(b, "%s\n\n", t);
}

static void day_chart(kn_buf *b, const ctr *days, const char *title)
{
    ctr_ent *s = ctr_sorted(days, 1);
    if (!s || !days->n) { free(s); return; }
    size_t n = days->n < 400 ? days->n : 400;
    const char **lab = malloc(n * sizeof *lab);
    uint64_t *val = malloc(n * sizeof *val);
    if (lab && val) {
        for (size_t i = 0; i < n; i++) { lab[i] = s[i].key; val[i] = s[i].count; }
        svg_bars(b, title, lab, val, n);
    }
    free(lab);
    free(val);
    free(s);
}

/* ---- sections ------------------------------------------------------------------------------ */

static void ddos_section(kn_buf *b, int html, const report *r)
{
    if (!html) {
        soc_ddos_report_markdown(r->ddos, b);
        kn_buf_puts(b, "\n");
        return;
    }
    h2(b, 1, "ddos", "DDoS attacks");
    const char *day[400], *vec[32];
    uint64_t att[400], cnt[32];
    size_t nd = soc_ddos_report_days(r->ddos, day, att, 400);
    size_t nv = soc_ddos_report_vectors(r->ddos, vec, cnt, 32);
    char t[96];
    snprintf(t, sizeof t, "%llu attacks.", (unsigned long long)soc_ddos_report_count(r->ddos));
    para(b, 1, t);
    if (nd) svg_bars(b, "DDoS attacks per day", day, att, nd);
    if (nv) svg_bars(b, "Attack vectors", vec, cnt, nv);
    /* the largest and longest attacks: from the DDoS module's JSON, every
     * scalar field it gives, so new fields show without a change here */
    kn_json *j = kn_json_new(NULL);
    soc_ddos_report_json(r->ddos, j);
    kn_json_end_record(j);
    size_t tn;
    const char *txt = kn_json_text(j, &tn);
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    kn_jval *v;
    size_t eo;
    if (kn_jparse(&a, txt, tn, &v, &eo) == KN_OK) {
        static const char *const rows[] = {"largest_by_pps", "largest_by_bps", "longest"};
        const kn_jval *first = NULL;
        for (int i = 0; i < 3 && !first; i++) { const kn_jval *o = kn_jget(v, rows[i]); if (o && o->type == KN_JOBJ) first = o; }
        if (first) {
            kn_buf_puts(b, "<h3>Notable attacks</h3><table><thead><tr><th></th>");
            for (uint32_t k = 0; k < first->len; k++)
                if (first->u.members[k].val.type != KN_JOBJ && first->u.members[k].val.type != KN_JARR) {
                    kn_buf_puts(b, "<th>"); html_esc(b, first->u.members[k].key); kn_buf_puts(b, "</th>");
                }
            kn_buf_puts(b, "</tr></thead><tbody>\n");
            for (int i = 0; i < 3; i++) {
                const kn_jval *o = kn_jget(v, rows[i]);
                if (!o || o->type != KN_JOBJ) continue;
                kn_buf_puts(b, "<tr><th>"); html_esc(b, rows[i]); kn_buf_puts(b, "</th>");
                for (uint32_t k = 0; k < first->len; k++) {
                    const kn_jval *f = &first->u.members[k].val;
                    if (f->type == KN_JOBJ || f->type == KN_JARR) continue;
                    const kn_jval *x = kn_jget(o, first->u.members[k].key);
                    char num[64] = "";
                    if (x && x->type == KN_JSTR) { kn_buf_puts(b, "<td>"); html_esc(b, x->u.str); kn_buf_puts(b, "</td>"); continue; }
                    if (x && x->type == KN_JNUM) {
                        if (x->is_int) snprintf(num, sizeof num, "%lld", (long long)x->i); else snprintf(num, sizeof num, "%.6g", x->num);
                    }
                    kn_buf_printf(b, "<td class=\"n\">%s</td>", num);
                }
                kn_buf_puts(b, "</tr>\n");
            }
            kn_buf_puts(b, "</tbody></table>\n");
        }
    }
    kn_arena_free(&a);
    kn_json_free(j);
    kn_buf_puts(b, "</section>\n");
}

static void es_section(kn_buf *b, int html, const report *r)
{
    h2(b, html, "es", "Elasticsearch");
    char t[200];
    snprintf(t, sizeof t, "%llu requests in %llu alerts from %zu sources; %zu leaking server/client pairs; %zu exposed servers; %zu scanners.",
             (unsigned long long)ctr_total(&r->es_kinds), (unsigned long long)r->es_alerts, r->es_sources.n, r->es_leaks.n,
             r->es_exposed.n, r->es_scans.n);
    para(b, html, t);
    if (html && r->es_days.n) day_chart(b, &r->es_days, "Elasticsearch requests per day");
    h3(b, html, "Request kinds");
    if (html && r->es_kinds.n) svg_hbars(b, "Requests by kind", &r->es_kinds, 10);
    static const char *const kh[] = {"kind", "requests"};
    static const col_kind kc[] = {COL_KEY, COL_COUNT};
    table(b, html, &r->es_kinds, 20, 0, kh, kc, 2);
    h3(b, html, "Sources");
    static const char *const sh[] = {"source", "requests", "alerts"};
    static const col_kind sc[] = {COL_KEY, COL_COUNT, COL_EXTRA};
    table(b, html, &r->es_sources, 20, 0, sh, sc, 3);
    h3(b, html, "Targets");
    static const char *const th[] = {"target", "requests"};
    table(b, html, &r->es_targets, 20, 0, th, kc, 2);
    h3(b, html, "Top paths");
    static const char *const ph[] = {"path", "requests"};
    table(b, html, &r->es_paths, 20, 0, ph, kc, 2);
    h3(b, html, "Commands in script injection attempts");
    static const char *const ch[] = {"command", "alerts"};
    table(b, html, &r->es_cmds, 20, 0, ch, kc, 2);
    h3(b, html, "Leaks (large responses from internal :9200 to outside)");
    static const char *const lh[] = {"server -> client", "bytes", "alerts"};
    static const col_kind lc[] = {COL_KEY, COL_BYTES, COL_EXTRA};
    table(b, html, &r->es_leaks, 20, 0, lh, lc, 3);
    h3(b, html, "Exposed servers (200 without Authorization to outside)");
    static const char *const eh[] = {"server", "requests"};
    table(b, html, &r->es_exposed, 20, 0, eh, kc, 2);
    h3(b, html, "Scanners of 9200/9300");
    static const char *const nh[] = {"source", "hosts", "alerts"};
    table(b, html, &r->es_scans, 20, 0, nh, sc, 3);
    if (html) kn_buf_puts(b, "</section>\n");
}

static void emotet_section(kn_buf *b, int html, const report *r)
{
    h2(b, html, "emotet", "Emotet");
    char t[200];
    snprintf(t, sizeof t, "%llu detections; %zu affected hosts; %zu C2 endpoints.", (unsigned long long)r->em_alerts,
             r->em_hosts.n, r->em_c2.n);
    para(b, html, t);
    if (html && r->em_days.n) day_chart(b, &r->em_days, "Emotet detections per day");
    h3(b, html, "Detections per day");
    static const char *const dh[] = {"day", "detections"};
    static const col_kind dc[] = {COL_KEY, COL_COUNT};
    table(b, html, &r->em_days, 400, 1, dh, dc, 2);
    h3(b, html, "Detections by rule");
    static const char *const rh[] = {"rule", "alerts"};
    table(b, html, &r->em_rules, 20, 0, rh, dc, 2);
    h3(b, html, "Affected hosts");
    static const char *const hh[] = {"host", "alerts"};
    table(b, html, &r->em_hosts, 50, 0, hh, dc, 2);
    h3(b, html, "C2 endpoints");
    static const char *const ch[] = {"endpoint", "requests", "alerts", "seen as"};
    static const col_kind cc[] = {COL_KEY, COL_COUNT, COL_EXTRA, COL_NOTE};
    table(b, html, &r->em_c2, 50, 0, ch, cc, 4);
    h3(b, html, "Delivery vectors");
    if (html && r->em_vectors.n) svg_hbars(b, "Delivery vectors", &r->em_vectors, 10);
    static const char *const vh[] = {"vector", "alerts"};
    table(b, html, &r->em_vectors, 20, 0, vh, dc, 2);
    h3(b, html, "Delivery URLs");
    static const char *const uh[] = {"URL", "alerts"};
    table(b, html, &r->em_urls, 30, 0, uh, dc, 2);
    if (html) kn_buf_puts(b, "</section>\n");
}

static void ids_section(kn_buf *b, int html, const report *r)
{
    h2(b, html, "ids", "IDS alerts by category");
    char t[160];
    snprintf(t, sizeof t, "%llu IDS alerts from %zu signatures.", (unsigned long long)r->ids_events, r->ids_sigs.n);
    para(b, html, t);
    if (html && r->ids_cats.n) svg_hbars(b, "IDS alerts by kensa category", &r->ids_cats, 10);
    static const char *const ch[] = {"category", "alerts"};
    static const col_kind cc[] = {COL_KEY, COL_COUNT};
    table(b, html, &r->ids_cats, 10, 0, ch, cc, 2);
    h3(b, html, "Top signatures");
    static const char *const sh[] = {"signature", "alerts", "category"};
    static const col_kind sc[] = {COL_KEY, COL_COUNT, COL_NOTE};
    table(b, html, &r->ids_sigs, 30, 0, sh, sc, 3);
    if (r->other_rules.n) {
        h3(b, html, "Other alerts");
        table(b, html, &r->other_rules, 20, 0, (const char *const[]){"rule", "alerts"}, cc, 2);
    }
    if (html) kn_buf_puts(b, "</section>\n");
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;max-width:960px;margin:2em auto;padding:0 1em}"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #2b5fa5;padding-bottom:.2em;margin-top:2em}"
    "h3{margin:1.4em 0 .4em;color:#2b5fa5}table{border-collapse:collapse;width:100%;margin:.4em 0 1em}"
    "th,td{border:1px solid #d5dae3;padding:3px 8px;text-align:left;vertical-align:top;word-break:break-all}"
    "th{background:#eef2f8;word-break:normal}td.n{text-align:right;white-space:nowrap;word-break:normal}td.more,p.none{color:#667}"
    "figure{margin:.6em 0}figcaption{font-size:.85em;color:#556}svg{width:100%;height:auto;max-height:320px}"
    ".bar{fill:#2b5fa5}.axis{stroke:#889;stroke-width:1}.lbl{font-size:10px;fill:#334}"
    "pre.md{white-space:pre-wrap;background:#f6f7f9;padding:.6em;border:1px solid #e2e5ea;font-size:12px}"
    "nav a{margin-right:1em}.meta{color:#556}"
    "@media print{body{max-width:none;margin:0}nav{display:none}section{page-break-before:always}"
    "h2{page-break-after:avoid}table,figure{page-break-inside:avoid}.bar{fill:#444}}";

static void render_text(kn_buf *b, int html, const report *r)
{
    char t[256];
    if (html) {
        kn_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                       "<title>kensa observation report</title><style>");
        kn_buf_puts(b, css);
        kn_buf_puts(b, "</style></head><body>\n<h1>Observation report</h1>\n");
        kn_buf_printf(b, "<p class=\"meta\">Period: ");
        html_esc(b, r->first[0] ? r->first : "-");
        kn_buf_puts(b, " to ");
        html_esc(b, r->last[0] ? r->last : "-");
        kn_buf_printf(b, ". %llu alerts. Generated by kensa %s.</p>\n", (unsigned long long)r->alerts, KENSA_VERSION);
        kn_buf_puts(b, "<nav><a href=\"#ddos\">DDoS</a><a href=\"#es\">Elasticsearch</a><a href=\"#emotet\">Emotet</a><a href=\"#ids\">IDS</a></nav>\n");
    } else {
        kn_buf_puts(b, "# Observation report\n\n");
        snprintf(t, sizeof t, "Period: %s to %s. %llu alerts. Generated by kensa %s.", r->first[0] ? r->first : "-",
                 r->last[0] ? r->last : "-", (unsigned long long)r->alerts, KENSA_VERSION);
        para(b, 0, t);
    }
    ddos_section(b, html, r);
    es_section(b, html, r);
    emotet_section(b, html, r);
    ids_section(b, html, r);
    if (r->bad_lines) {
        snprintf(t, sizeof t, "%llu input lines were not alerts and were skipped.", (unsigned long long)r->bad_lines);
        para(b, html, t);
    }
    if (html) kn_buf_puts(b, "</body></html>\n");
}

static void json_ctr(kn_json *j, const char *key, const ctr *c, size_t top, const char *count_name, const char *extra_name,
                     const char *note_name)
{
    ctr_ent *s = ctr_sorted(c, 0);
    kn_json_key(j, key);
    kn_json_arr_begin(j);
    for (size_t i = 0; s && i < c->n && i < top; i++) {
        kn_json_obj_begin(j);
        kn_json_kstr(j, "key", s[i].key);
        kn_json_kuint(j, count_name, s[i].count);
        if (extra_name) kn_json_kuint(j, extra_name, s[i].extra);
        if (note_name && s[i].note[0]) kn_json_kstr(j, note_name, s[i].note);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    free(s);
}

static void json_days(kn_json *j, const char *key, const ctr *c)
{
    ctr_ent *s = ctr_sorted(c, 1);
    kn_json_key(j, key);
    kn_json_obj_begin(j);
    for (size_t i = 0; s && i < c->n; i++) kn_json_kuint(j, s[i].key, s[i].count);
    kn_json_obj_end(j);
    free(s);
}

static void render_json(kn_buf *out, const report *r)
{
    kn_json *j = kn_json_new(NULL);
    kn_json_set_pretty(j, 2);
    kn_json_obj_begin(j);
    kn_json_kstr(j, "period_start", r->first);
    kn_json_kstr(j, "period_end", r->last);
    kn_json_kuint(j, "alerts", r->alerts);
    kn_json_kuint(j, "bad_lines", r->bad_lines);
    kn_json_key(j, "ddos");
    soc_ddos_report_json(r->ddos, j);
    kn_json_key(j, "elasticsearch");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "alerts", r->es_alerts);
    kn_json_kuint(j, "requests", ctr_total(&r->es_kinds));
    kn_json_kuint(j, "distinct_sources", r->es_sources.n);
    json_ctr(j, "kinds", &r->es_kinds, 100, "requests", NULL, NULL);
    json_days(j, "per_day", &r->es_days);
    json_ctr(j, "sources", &r->es_sources, 1000000, "requests", "alerts", NULL);
    json_ctr(j, "targets", &r->es_targets, 1000, "requests", NULL, NULL);
    json_ctr(j, "top_paths", &r->es_paths, 50, "requests", NULL, NULL);
    json_ctr(j, "commands", &r->es_cmds, 100, "alerts", NULL, NULL);
    json_ctr(j, "leaks", &r->es_leaks, 1000, "bytes", "alerts", NULL);
    json_ctr(j, "exposed", &r->es_exposed, 1000, "requests", NULL, NULL);
    json_ctr(j, "scanners", &r->es_scans, 1000, "hosts", "alerts", NULL);
    kn_json_obj_end(j);
    kn_json_key(j, "emotet");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "detections", r->em_alerts);
    json_days(j, "per_day", &r->em_days);
    json_ctr(j, "rules", &r->em_rules, 100, "alerts", NULL, NULL);
    json_ctr(j, "affected_hosts", &r->em_hosts, 100000, "alerts", NULL, NULL);
    json_ctr(j, "c2_endpoints", &r->em_c2, 100000, "requests", "alerts", "seen_as");
    json_ctr(j, "delivery_vectors", &r->em_vectors, 100, "alerts", NULL, NULL);
    json_ctr(j, "delivery_urls", &r->em_urls, 1000, "alerts", NULL, NULL);
    kn_json_obj_end(j);
    kn_json_key(j, "ids");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "alerts", r->ids_events);
    json_ctr(j, "categories", &r->ids_cats, 100, "alerts", NULL, NULL);
    json_ctr(j, "signatures", &r->ids_sigs, 100000, "alerts", NULL, "category");
    kn_json_obj_end(j);
    json_ctr(j, "other", &r->other_rules, 100, "alerts", NULL, NULL);
    kn_json_obj_end(j);
    kn_json_end_record(j);
    size_t n;
    const char *t = kn_json_text(j, &n);
    kn_buf_append(out, t, n);
    kn_json_free(j);
}

int soc_report_format_of(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot) return -1;
    if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")) return SOC_REPORT_HTML;
    if (!strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown")) return SOC_REPORT_MD;
    if (!strcasecmp(dot, ".json")) return SOC_REPORT_JSON;
    return -1;
}

kn_status soc_report_write(const char *alerts, size_t n, const char *src_name, const char *path, kn_err *e)
{
    int fmt = soc_report_format_of(path);
    if (fmt < 0) return kn_err_set(e, KN_ERR_USAGE, path, KN_NO_OFFSET, "report name must end in .html, .md or .json");
    return soc_report_write_as(alerts, n, src_name, path, (soc_report_format)fmt, e);
}

kn_status soc_report_write_as(const char *alerts, size_t n, const char *src_name, const char *path, soc_report_format fmt,
                              kn_err *e)
{
    report r;
    report_init(&r);
    kn_warnings w;
    kn_warnings_init(&w, 5, 0);
    parse_alerts(&r, alerts, n, src_name, &w);
    kn_buf out = KN_BUF_INIT;
    if (fmt == SOC_REPORT_JSON) render_json(&out, &r);
    else render_text(&out, fmt == SOC_REPORT_HTML, &r);
    report_free(&r);
    kn_warnings_summary(&w, "alert");
    int to_stdout = !strcmp(path, "-");
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f) { kn_buf_free(&out); return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "cannot create report: %s", strerror(errno)); }
    size_t wr = fwrite(out.data ? out.data : "", 1, out.len, f);
    int bad = (to_stdout ? fflush(f) != 0 : fclose(f) != 0) || wr != out.len;
    kn_buf_free(&out);
    if (bad) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "cannot write report");
    return w.count ? kn_err_set(e, KN_ERR_FORMAT, src_name, KN_NO_OFFSET, "%llu lines were not alerts (report written without them)",
                                (unsigned long long)w.count)
                   : KN_OK;
}
