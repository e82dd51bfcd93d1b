/* ids_triage.c: maps every IDS alert (Suricata EVE alert, Zeek notice) to
 * one of kensa's categories and counts them per signature. The rules, in
 * order (case-insensitive substring tests on the signature, then the
 * IDS's own category):
 *   emotet         signature names Emotet, Heodo, Geodo or Feodo;
 *   elasticsearch  signature names Elasticsearch, CVE-2015-1427 or
 *                  CVE-2014-3120;
 *   ddos           signature has the word "DOS ", or "DDoS", "flood", "amplification"
 *                  or "reflect"; or the category is "Attempted Denial of
 *                  Service" / "Denial of Service";
 *   scan           signature has "SCAN", "sweep" or Zeek's "Scan::"; or the
 *                  category is "Detection of a Network Scan";
 *   other          everything else.
 * At the end one alert per signature (rule.id kensa.ids.triage,
 * rule.category "ids") carries the mapped category in ids.category and the
 * count. The table is bounded (IDS_MAX_SIGS signatures; beyond that, counts
 * go to one "(more signatures)" row per category). */
#include <stdlib.h>

#include "core/hash.h"
#include "soc/detect.h"

#define IDS_MAX_SIGS 20000

static const char *const cats[] = {"emotet", "elasticsearch", "ddos", "scan", "other"};

typedef struct ids_sig {
    char signature[256], ids_category[96], source[16];
    int64_t sid;
    int severity, cat;
    uint64_t count;
    kn_time first, last;
    kn_ip src, dst;
    uint16_t dport;
} ids_sig;

typedef struct ids_state {
    kn_htab sigs;     /* uint64 hash -> ids_sig* */
} ids_state;

int soc_ids_category(soc_str sig, soc_str category);

/* "DOS " as a word (ET DOS ...), not the end of "MS-DOS " */
static int word_dos(soc_str sig)
{
    for (soc_str rest = sig; rest.n;) {
        const char *m = soc_str_icontains(rest, "DOS ");
        if (!m) return 0;
        if (m == sig.p || m[-1] == ' ') return 1;
        rest = soc_s(m + 1, (size_t)(sig.p + sig.n - m - 1));
    }
    return 0;
}

int soc_ids_category(soc_str sig, soc_str cat)
{
    if (soc_str_icontains(sig, "emotet") || soc_str_icontains(sig, "heodo") || soc_str_icontains(sig, "geodo") ||
        soc_str_icontains(sig, "feodo"))
        return 0;
    if (soc_str_icontains(sig, "elasticsearch") || soc_str_icontains(sig, "CVE-2015-1427") || soc_str_icontains(sig, "CVE-2014-3120"))
        return 1;
    if (word_dos(sig) || soc_str_icontains(sig, "DDoS") || soc_str_icontains(sig, "flood") ||
        soc_str_icontains(sig, "amplification") || soc_str_icontains(sig, "reflect") ||
        soc_str_ieq(cat, "Attempted Denial of Service") || soc_str_ieq(cat, "Denial of Service"))
        return 2;
    if (soc_str_icontains(sig, "SCAN") || soc_str_icontains(sig, "sweep") || soc_str_icontains(sig, "Scan::") ||
        soc_str_ieq(cat, "Detection of a Network Scan"))
        return 3;
    return 4;
}

static void *ids_create(soc_ctx *ctx)
{
    ids_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (kn_htab_init(&s->sigs, sizeof(uint64_t), sizeof(ids_sig *), 256) < 0) { free(s); return NULL; }
    return s;
}

static void ids_on_event(void *self, soc_ctx *ctx, const soc_event *ev)
{
    ids_state *s = self;
    if (!s || ev->kind != SOC_EV_ALERT) return;
    /* the category (a dozen substring searches) is needed only for a new
     * group: the group keeps the first alert's (3.7k instructions an alert
     * when computed for every one; callgrind) */
    int cat = -1;
    uint64_t h = kn_hash_bytes(ev->alert.signature.p ? ev->alert.signature.p : "", ev->alert.signature.n,
                               (uint64_t)ev->alert.signature_id);
    if (s->sigs.count >= IDS_MAX_SIGS && !kn_htab_get(&s->sigs, &h)) {
        cat = soc_ids_category(ev->alert.signature, ev->alert.category);
        h = (uint64_t)cat;   /* overflow row */
    }
    int created;
    ids_sig **slot = kn_htab_put(&s->sigs, &h, &created);
    if (!slot) return;
    if (created) {
        if (cat < 0) cat = soc_ids_category(ev->alert.signature, ev->alert.category);
        ids_sig *g = calloc(1, sizeof *g);
        if (!g) { kn_htab_del(&s->sigs, &h); return; }
        if (h == (uint64_t)cat && s->sigs.count > IDS_MAX_SIGS) snprintf(g->signature, sizeof g->signature, "(more signatures)");
        else soc_copy(g->signature, sizeof g->signature, ev->alert.signature);
        soc_copy(g->ids_category, sizeof g->ids_category, ev->alert.category);
        soc_copy(g->source, sizeof g->source, soc_cs(ev->source));
        g->sid = ev->alert.signature_id;
        g->severity = ev->alert.severity;
        g->cat = cat;
        g->first = g->last = ev->ts;
        g->src = ev->src;
        g->dst = ev->dst;
        g->dport = ev->dport;
        *slot = g;
    }
    ids_sig *g = *slot;
    g->count++;
    if (ev->ts < g->first) g->first = ev->ts;
    if (ev->ts > g->last) g->last = ev->ts;
}

static void ids_finish(void *self, soc_ctx *ctx)
{
    ids_state *s = self;
    if (!s) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->sigs, &it, &k, &v)) {
        ids_sig *g = *(ids_sig **)v;
        int sev = g->severity >= 1 && g->severity <= 3 ? g->severity : 4;
        soc_alert_hdr h = {g->first, "kensa.ids.triage", "IDS alerts by signature", "ids", sev, cats[g->cat], g->first, g->last};
        kn_json *j = soc_alert_begin(ctx, &h);
        if (g->src.family) soc_alert_endpoint(j, "source", &g->src, 0);
        if (g->dst.family) soc_alert_endpoint(j, "destination", &g->dst, g->dport);
        kn_json_key(j, "rule_source");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "name", g->signature);
        kn_json_obj_end(j);
        kn_json_key(j, "ids");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "category", cats[g->cat]);
        kn_json_kstr(j, "signature", g->signature);
        if (g->sid >= 0) kn_json_kint(j, "signature_id", g->sid);
        kn_json_kstr(j, "ids_category", g->ids_category);
        kn_json_kuint(j, "count", g->count);
        kn_json_obj_end(j);
        soc_alert_evidence_begin(j, g->source, NULL, 0);
        kn_json_kstr(j, "note", "first source/destination shown; count covers every alert of this signature");
        soc_alert_evidence_end(j);
        soc_alert_end(ctx);
        free(g);
        kn_htab_del_at(&s->sigs, &it);
    }
}

static void ids_destroy(void *self)
{
    ids_state *s = self;
    if (!s) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->sigs, &it, &k, &v)) free(*(ids_sig **)v);
    kn_htab_free(&s->sigs);
    free(s);
}

const soc_analyzer_ops soc_analyzer_ids = {"ids-triage", ids_create, NULL, NULL, ids_on_event, NULL, ids_finish, ids_destroy,
                                           1u << SOC_EV_ALERT, NULL};
