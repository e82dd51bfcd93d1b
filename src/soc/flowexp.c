/* flowexp.c: NetFlow v5/v9, IPFIX and sFlow v5 datagram decoding (see
 * flowexp.h). Hand-written because Debian packages no C library for these
 * formats (nfdump and pmacct ship decoders inside their daemons only).
 * Every length comes from the datagram, so each one is checked against the
 * bytes left before use; loops advance by at least 4 bytes or stop. */
#include "soc/flowexp.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "soc/decode.h"

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}
/* kn_ip_from_v4 inlined: an out-of-line call per address on the decode path */
static inline void ip_v4(kn_ip *ip, const uint8_t *be)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(ip->b, v4mapped, 12);
    memcpy(ip->b + 12, be, 4);
    ip->family = 4;
    ip->pad[0] = ip->pad[1] = ip->pad[2] = 0;
}
static inline uint64_t beN(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    switch (n) {   /* the common widths without a byte loop */
    case 1: return p[0];
    case 2: return be16(p);
    case 4: return be32(p);
    case 8: return (uint64_t)be32(p) << 32 | be32(p + 4);
    }
    if (n > 8) { p += n - 8; n = 8; }
    for (unsigned i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

typedef struct tkey {
    kn_ip exporter;
    uint32_t domain;
    uint16_t tid;
    uint16_t ver;
} tkey;

/* What a field means to kensa, resolved once when the template arrives so
 * the per-record loop switches on a small dense code instead of testing
 * the enterprise number and a sparse element id for every field of every
 * record (perf: decode_record was the top of the NetFlow v9 bench). */
enum fkind {
    FK_IGNORE = 0,
    FK_BYTES, FK_BYTES_TOTAL, FK_PKTS, FK_PKTS_TOTAL, FK_PROTO, FK_TOS, FK_FLAGS, FK_SPORT, FK_DPORT,
    FK_SRC4, FK_DST4, FK_SRC6, FK_DST6, FK_SRC_MASK, FK_DST_MASK, FK_IN_IF, FK_OUT_IF,
    FK_LAST_SW, FK_FIRST_SW, FK_START_S, FK_END_S, FK_START_MS, FK_END_MS, FK_START_NTP, FK_END_NTP,
    FK_DELTA_START, FK_DELTA_END, FK_RATE, FK_SAMPLER_ID, FK_PKT_INTERVAL, FK_PKT_SPACE, FK_SAMP_SIZE,
    FK_SAMP_POP, FK_IP_VERSION, FK_FRAME, FK_FRAME_SIZE, FK_IPHDR, FK_REV_BYTES, FK_REV_PKTS, FK_REV_FLAGS,
};

typedef struct tfield {
    uint16_t type, len;
    uint32_t pen;
    uint32_t off;              /* offset in the record (fixed-length templates) */
    uint8_t kind;              /* enum fkind */
    uint8_t word;              /* plan: 1..8 bytes wide and 8 bytes from off lie in the record */
} tfield;

/* f[0..nfields) are the template's fields in order; for fixed-length
 * templates f[nfields..nfields+nplan) is the decode plan: only the fields
 * kensa uses (kind != FK_IGNORE, len > 0), in template order (so a field
 * repeated in a template still lets the last one win), with offsets. */
/* The straight-line plan ("fast plan") of a fixed-length data template
 * whose used fields each appear once: every numeric field is one 8-byte
 * big-endian load from a fixed start inside the record, a shift and a mask
 * (mask 0 and start 0 for a field the template lacks, which reads as 0,
 * as the general loop leaves it). The general loop's switch on each
 * field's kind, field by field, was a third of `soc flows --top` (perf,
 * 4.5 M NetFlow v9 records, 13 fields); with the plan the fields decode
 * without branches on the record. */
enum fslot {
    FS_BYTES, FS_PKTS, FS_PROTO, FS_TOS, FS_FLAGS, FS_SPORT, FS_DPORT, FS_SRC_MASK, FS_DST_MASK, FS_IN_IF,
    FS_OUT_IF, FS_FIRST_SW, FS_LAST_SW, FS_START, FS_END, FS_DELTA_START, FS_DELTA_END, FS_RATE, FS_SAMPLER_ID,
    FS_REV_BYTES, FS_REV_PKTS, FS_REV_FLAGS, FS_IP_VERSION, NFS
};
typedef struct fnum { uint64_t mask; uint16_t start; uint8_t shift; uint8_t present; } fnum;
typedef struct fastplan {
    fnum at[NFS];
    uint8_t start_kind, end_kind;   /* FK_START_S/MS/NTP, FK_END_S/MS/NTP or 0 */
    uint8_t src_kind, dst_kind;     /* FK_SRC4/FK_SRC6 ... or 0 */
    uint16_t src_off, dst_off;
    uint8_t addr_ver;               /* ip_version the last address field sets (0: none) */
    uint8_t ipver_wins;             /* an IP version field after the address fields */
    uint8_t has_rev;
} fastplan;

typedef struct tmpl {
    uint16_t nfields;
    uint16_t nplan;
    uint8_t is_options;
    uint8_t varlen;
    uint8_t fast;              /* fp holds a straight-line plan */
    uint32_t min_len;          /* record length with variable fields at 1 byte */
    fastplan fp;
    tfield f[];
} tmpl;

static uint8_t field_kind(uint32_t pen, uint16_t type)
{
    if (pen == 29305) {   /* RFC 5103 reverse direction of a biflow */
        switch (type) {
        case 1: case 85: return FK_REV_BYTES;
        case 2: case 86: return FK_REV_PKTS;
        case 6: return FK_REV_FLAGS;
        }
        return FK_IGNORE;
    }
    if (pen != 0) return FK_IGNORE;
    switch (type) {
    case 1: return FK_BYTES;
    case 85: return FK_BYTES_TOTAL;
    case 2: return FK_PKTS;
    case 86: return FK_PKTS_TOTAL;
    case 4: return FK_PROTO;
    case 5: return FK_TOS;
    case 6: return FK_FLAGS;
    case 7: return FK_SPORT;
    case 11: return FK_DPORT;
    case 8: return FK_SRC4;
    case 12: return FK_DST4;
    case 27: return FK_SRC6;
    case 28: return FK_DST6;
    case 9: case 29: return FK_SRC_MASK;
    case 13: case 30: return FK_DST_MASK;
    case 10: return FK_IN_IF;
    case 14: return FK_OUT_IF;
    case 21: return FK_LAST_SW;
    case 22: return FK_FIRST_SW;
    case 150: return FK_START_S;
    case 151: return FK_END_S;
    case 152: return FK_START_MS;
    case 153: return FK_END_MS;
    case 154: case 156: return FK_START_NTP;
    case 155: case 157: return FK_END_NTP;
    case 158: return FK_DELTA_START;
    case 159: return FK_DELTA_END;
    case 34: case 50: return FK_RATE;
    case 48: case 302: case 141: return FK_SAMPLER_ID;
    case 305: return FK_PKT_INTERVAL;
    case 306: return FK_PKT_SPACE;
    case 309: return FK_SAMP_SIZE;
    case 310: return FK_SAMP_POP;
    case 60: return FK_IP_VERSION;
    case 315: return FK_FRAME;
    case 312: return FK_FRAME_SIZE;
    case 313: return FK_IPHDR;
    }
    return FK_IGNORE;
}

typedef struct held {
    struct held *next;
    kn_time ts;
    uint32_t unix_secs, sysuptime;
    uint32_t len;
    uint8_t data[];
} held;

typedef struct skey { kn_ip exporter; uint32_t domain; uint32_t pad; } skey;
#define MAX_SAMPLERS 32
typedef struct samp {
    uint32_t rate;             /* from options data without a sampler id */
    uint32_t n;
    struct { uint32_t id, rate; } s[MAX_SAMPLERS];
} samp;

struct soc_flowexp {
    kn_warnings *warn;
    const soc_options *opt;
    kn_htab templates;         /* tkey -> tmpl* */
    kn_htab heldtab;           /* tkey -> held* (list, oldest first) */
    kn_htab samplers;          /* skey -> samp */
    size_t held_bytes;
    soc_fx_stats st;
    int generic_only;          /* KENSA_FLOWEXP=generic: no fast plans (tests compare both paths) */
    /* One-entry caches of the last data set's template and of the
     * exporter's sampling rate: an exporter sends the same template over
     * and over, and the two hash lookups per data set were 4% of
     * `soc flows --top` (perf, kn_hash_bytes). Cleared on any template or
     * rate change. */
    int tcache_valid, rcache_valid;
    tkey tcache_key;
    tmpl *tcache_t;
    skey rcache_key;
    uint32_t rcache_rate;
};

soc_flowexp *soc_flowexp_new(kn_warnings *warn, const soc_options *opt)
{
    soc_flowexp *fx = calloc(1, sizeof *fx);
    if (!fx) return NULL;
    fx->warn = warn;
    fx->opt = opt;
    const char *mode = getenv("KENSA_FLOWEXP");
    fx->generic_only = mode && strcmp(mode, "generic") == 0;
    if (kn_htab_init(&fx->templates, sizeof(tkey), sizeof(tmpl *), 64) ||
        kn_htab_init(&fx->heldtab, sizeof(tkey), sizeof(held *), 16) ||
        kn_htab_init(&fx->samplers, sizeof(skey), sizeof(samp), 16)) {
        soc_flowexp_free(fx);
        return NULL;
    }
    fx->templates.max_count = SOC_FX_MAX_TEMPLATES;
    fx->samplers.max_count = 65536;
    return fx;
}

void soc_flowexp_free(soc_flowexp *fx)
{
    if (!fx) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&fx->templates, &it, &k, &v)) free(*(tmpl **)v);
    it = 0;
    while (kn_htab_next(&fx->heldtab, &it, &k, &v)) {
        held *h = *(held **)v;
        while (h) { held *n = h->next; free(h); h = n; }
    }
    kn_htab_free(&fx->templates);
    kn_htab_free(&fx->heldtab);
    kn_htab_free(&fx->samplers);
    free(fx);
}

void soc_flowexp_stats(const soc_flowexp *fx, soc_fx_stats *st)
{
    *st = fx->st;
    st->templates_cached = fx->templates.count;
}

void soc_flowexp_finish(soc_flowexp *fx)
{
    size_t it = 0, sets = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&fx->heldtab, &it, &k, &v))
        for (held *h = *(held **)v; h; h = h->next) sets++;
    if (sets)
        kn_warn(fx->warn, NULL, KN_NO_OFFSET, "%zu flow data set(s) never decoded: their template never arrived", sets);
}

/* ---- probing ------------------------------------------------------------------ */

soc_fx_proto soc_flowexp_probe(const uint8_t *d, size_t n)
{
    if (n < 16) return SOC_FX_NONE;
    uint16_t ver = be16(d);
    if (ver == 5) {
        uint16_t count = be16(d + 2);
        if (count >= 1 && count <= 30 && n == 24 + 48 * (size_t)count) return SOC_FX_NFV5;
        return SOC_FX_NONE;
    }
    if (ver == 9) {
        if (n < 24) return SOC_FX_NONE;
        uint16_t sid = be16(d + 20), slen = be16(d + 22);
        if ((sid <= 1 || sid >= 256) && slen >= 4 && 20 + (size_t)slen <= n) return SOC_FX_NFV9;
        return SOC_FX_NONE;
    }
    if (ver == 10) {
        if (be16(d + 2) != n || n < 20) return SOC_FX_NONE;
        uint16_t sid = be16(d + 16), slen = be16(d + 18);
        if ((sid == 2 || sid == 3 || sid >= 256) && slen >= 4 && 16 + (size_t)slen <= n) return SOC_FX_IPFIX;
        return SOC_FX_NONE;
    }
    if (be32(d) == 5 && n >= 28) {
        uint32_t at = be32(d + 4);
        size_t hl = at == 1 ? 28 : at == 2 ? 40 : 0;
        if (!hl || n < hl) return SOC_FX_NONE;
        uint32_t ns = be32(d + hl - 4);
        if (ns > 0 && ns <= 1000 && n >= hl + 8) {
            uint32_t fmt = be32(d + hl) & 0xfff, len = be32(d + hl + 4);
            if (fmt >= 1 && fmt <= 4 && len <= n - hl - 8) return SOC_FX_SFLOW;
        }
        return SOC_FX_NONE;
    }
    return SOC_FX_NONE;
}

/* ---- sampling ---------------------------------------------------------------- */

static uint32_t override_rate(const soc_flowexp *fx, const kn_ip *exporter)
{
    for (int i = 0; fx->opt && i < fx->opt->n_sampling; i++)
        if (memcmp(&fx->opt->sampling[i].exporter, exporter, sizeof *exporter) == 0) return fx->opt->sampling[i].rate;
    return 0;
}

static skey make_skey(const kn_ip *exporter, uint32_t domain)
{
    skey k;
    memset(&k, 0, sizeof k);
    k.exporter = *exporter;
    k.domain = domain;
    return k;
}

static void learn_rate(soc_flowexp *fx, const kn_ip *exporter, uint32_t domain, int has_id, uint32_t id, uint32_t rate)
{
    if (rate == 0) return;
    fx->rcache_valid = 0;
    skey k = make_skey(exporter, domain);
    samp *s = kn_htab_put(&fx->samplers, &k, NULL);
    if (!s) return;
    if (!has_id) { s->rate = rate; return; }
    for (uint32_t i = 0; i < s->n; i++)
        if (s->s[i].id == id) { s->s[i].rate = rate; return; }
    if (s->n < MAX_SAMPLERS) { s->s[s->n].id = id; s->s[s->n].rate = rate; s->n++; }
    if (!s->rate) s->rate = rate;
}

/* The exporter's rate without a sampler id, through the one-entry cache. */
static uint32_t lookup_set_rate(soc_flowexp *fx, const kn_ip *exporter, uint32_t domain);

static uint32_t lookup_rate(const soc_flowexp *fx, const kn_ip *exporter, uint32_t domain, int has_id, uint32_t id)
{
    skey k = make_skey(exporter, domain);
    const samp *s = kn_htab_get(&fx->samplers, &k);
    if (!s) return 0;
    if (has_id)
        for (uint32_t i = 0; i < s->n; i++)
            if (s->s[i].id == id) return s->s[i].rate;
    return s->rate;
}

/* ---- emitting ------------------------------------------------------------------ */

typedef struct ctxd {
    soc_flowexp *fx;
    const kn_ip *exporter;
    uint32_t domain;
    kn_time ts;
    uint32_t unix_secs, sysuptime;   /* v9 header, for *_SWITCHED */
    int ipfix;
    const char *file;
    uint64_t offset;
    soc_fx_emit emit;
    void *user;
    soc_flow_vec *out;         /* set: flows are appended here instead of emitted */
    size_t emitted;
    uint32_t override;         /* the user's rate for this exporter (0: none), once per datagram */
} ctxd;

/* Where the next flow is built: the caller's vector when it has one, so a
 * record is decoded in place instead of built on the stack and copied out
 * (the copy read back just-written fields with wide loads: perf showed it
 * as a tenth of `soc flows --top`); `local` otherwise, or when the vector
 * cannot grow. */
/* Copied over a new flow instead of memset: with the flow's alignment
 * unknown, memset became `rep stos`, whose start-up cost was the top line
 * of decode_record (perf). */
static const soc_flow zero_flow;

static inline soc_flow *flow_slot(ctxd *c, soc_flow *local)
{
    soc_flow_vec *o = c->out;
    if (!o) return local;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        soc_flow *v = realloc(o->v, cap * sizeof *v);
        if (!v) return local;
        o->v = v;
        o->cap = cap;
    }
    return &o->v[o->n];
}

static void finish_flow(ctxd *c, soc_flow *f, uint32_t rate)
{
    if (c->override) rate = c->override;
    if (rate == 0) rate = 1;
    f->sampling = rate;
    f->packets *= rate;
    f->bytes *= rate;
    if (!f->start) f->start = c->ts;
    if (!f->end) f->end = f->start;
    if (f->end < f->start) f->end = f->start;
    f->exporter = *c->exporter;
    f->observation_domain = c->domain;
    f->file = c->file;
    f->offset = c->offset;
    if (c->out && c->out->n < c->out->cap && f == c->out->v + c->out->n) {
        c->out->n++;   /* decoded in place */
    } else if (c->out) {
        soc_flow *slot = flow_slot(c, NULL);
        if (!slot) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "out of memory: flow dropped");
            return;
        }
        if (slot != f) *slot = *f;
        c->out->n++;
    } else {
        c->emit(c->user, f);
    }
    c->fx->st.flows++;
    c->emitted++;
}

/* Fills address/port fields from a sampled header when the record had none.
 * Returns the IP length the header states (0 when not IP). */
static uint32_t from_header(soc_flow *f, int linktype, const uint8_t *d, uint32_t n)
{
    soc_pkt p;
    memset(&p, 0, sizeof p);
    soc_decode_result r = linktype < 0 ? soc_decode_ip(d, n, &p) : soc_decode_frame(linktype, d, n, &p);
    if (r != SOC_DEC_IP) return 0;
    if (!f->src.family) f->src = p.src;
    if (!f->dst.family) f->dst = p.dst;
    if (!f->proto) f->proto = p.proto;
    if (!f->sport) f->sport = p.sport;
    if (!f->dport) f->dport = p.dport;
    if (!f->tcp_flags) f->tcp_flags = p.tcp_flags;
    if (!f->ip_version) f->ip_version = p.ip_version;
    if (p.frag) f->frag = 1;
    return p.ip_len;
}

/* ---- NetFlow v5 ---------------------------------------------------------------- */

static void decode_v5(ctxd *c, const uint8_t *d, size_t n)
{
    uint16_t count = be16(d + 2);
    uint32_t uptime = be32(d + 4), secs = be32(d + 8), nsecs = be32(d + 12);
    uint16_t si = be16(d + 22);
    uint32_t rate = si & 0x3fff;
    c->domain = (uint32_t)d[20] << 8 | d[21];   /* engine type / id */
    kn_time export_ns = (kn_time)secs * KN_NS_PER_SEC + nsecs;
    for (uint16_t i = 0; i < count && 24 + 48 * (size_t)(i + 1) <= n; i++) {
        const uint8_t *r = d + 24 + 48 * (size_t)i;
        soc_flow local, *f = flow_slot(c, &local);
        *f = zero_flow;
        ip_v4(&f->src, r);
        ip_v4(&f->dst, r + 4);
        f->input_if = be16(r + 12);
        f->output_if = be16(r + 14);
        f->packets = be32(r + 16);
        f->bytes = be32(r + 20);
        uint32_t first = be32(r + 24), last = be32(r + 28);
        f->start = export_ns - (kn_time)(uint32_t)(uptime - first) * 1000000;
        f->end = export_ns - (kn_time)(uint32_t)(uptime - last) * 1000000;
        f->sport = be16(r + 32);
        f->dport = be16(r + 34);
        f->tcp_flags = r[37];
        f->proto = r[38];
        f->tos = r[39];
        f->src_mask = r[44];
        f->dst_mask = r[45];
        f->ip_version = 4;
        finish_flow(c, f, rate);
    }
}

/* ---- templates ------------------------------------------------------------------ */

static tkey make_tkey(const kn_ip *exporter, uint32_t domain, uint16_t tid, uint16_t ver)
{
    tkey k;
    memset(&k, 0, sizeof k);
    k.exporter = *exporter;
    k.domain = domain;
    k.tid = tid;
    k.ver = ver;
    return k;
}

static void decode_data_set(ctxd *c, const tmpl *t, const uint8_t *d, size_t n);

static void store_template(ctxd *c, uint16_t ver, uint16_t tid, tmpl *t)
{
    soc_flowexp *fx = c->fx;
    fx->tcache_valid = 0;
    tkey k = make_tkey(c->exporter, c->domain, tid, ver);
    int created;
    tmpl **slot = kn_htab_put(&fx->templates, &k, &created);
    if (!slot) {
        kn_warn(fx->warn, c->file, (int64_t)c->offset, "template cache full (%d templates); template %u dropped",
                SOC_FX_MAX_TEMPLATES, tid);
        free(t);
        return;
    }
    if (!created) free(*slot);
    *slot = t;
    fx->st.templates++;
    /* Data that came before this template: decode it now, in arrival order. */
    held **hp = kn_htab_get(&fx->heldtab, &k);
    if (hp && *hp) {
        held *h = *hp;
        kn_htab_del(&fx->heldtab, &k);
        kn_time save_ts = c->ts;
        uint32_t su = c->unix_secs, sy = c->sysuptime;
        while (h) {
            held *next = h->next;
            c->ts = h->ts;
            c->unix_secs = h->unix_secs;
            c->sysuptime = h->sysuptime;
            fx->held_bytes -= h->len;
            fx->st.held_decoded++;
            tmpl **cur = kn_htab_get(&fx->templates, &k);
            if (cur) decode_data_set(c, *cur, h->data, h->len);
            free(h);
            h = next;
        }
        c->ts = save_ts;
        c->unix_secs = su;
        c->sysuptime = sy;
    }
}

static void withdraw_template(ctxd *c, uint16_t ver, uint16_t tid)
{
    tkey k = make_tkey(c->exporter, c->domain, tid, ver);
    tmpl **slot = kn_htab_get(&c->fx->templates, &k);
    c->fx->tcache_valid = 0;
    if (slot) {
        free(*slot);
        kn_htab_del(&c->fx->templates, &k);
    }
}

/* Fills t->fp from the decode plan; 0 when the template does not fit the
 * straight-line form (a kind repeated, several start or end times, packet
 * sections, PSAMP sampling fields, records shorter than one load). */
static int build_fastplan(tmpl *t)
{
    fastplan *fp = &t->fp;
    memset(fp, 0, sizeof *fp);
    if (t->min_len < 8 || t->min_len > 65535) return 0;
    int have_bytes = 0, have_pkts = 0, last_addr = -1, ipver_at = -1;
    int bytes_total = -1, pkts_total = -1;
    uint8_t seen[64] = {0};
    const tfield *plan = t->f + t->nfields;
    for (int i = 0; i < t->nplan; i++) {
        const tfield *pf = &plan[i];
        if (seen[pf->kind]++) return 0;
        int slot = -1;
        switch (pf->kind) {
        case FK_BYTES: slot = FS_BYTES; have_bytes = 1; break;
        case FK_BYTES_TOTAL: bytes_total = i; continue;
        case FK_PKTS: slot = FS_PKTS; have_pkts = 1; break;
        case FK_PKTS_TOTAL: pkts_total = i; continue;
        case FK_PROTO: slot = FS_PROTO; break;
        case FK_TOS: slot = FS_TOS; break;
        case FK_FLAGS: slot = FS_FLAGS; break;
        case FK_SPORT: slot = FS_SPORT; break;
        case FK_DPORT: slot = FS_DPORT; break;
        case FK_SRC_MASK: slot = FS_SRC_MASK; break;
        case FK_DST_MASK: slot = FS_DST_MASK; break;
        case FK_IN_IF: slot = FS_IN_IF; break;
        case FK_OUT_IF: slot = FS_OUT_IF; break;
        case FK_FIRST_SW: slot = FS_FIRST_SW; break;
        case FK_LAST_SW: slot = FS_LAST_SW; break;
        case FK_START_S: case FK_START_MS: case FK_START_NTP:
            if (fp->start_kind) return 0;
            fp->start_kind = pf->kind;
            slot = FS_START;
            break;
        case FK_END_S: case FK_END_MS: case FK_END_NTP:
            if (fp->end_kind) return 0;
            fp->end_kind = pf->kind;
            slot = FS_END;
            break;
        case FK_DELTA_START: slot = FS_DELTA_START; break;
        case FK_DELTA_END: slot = FS_DELTA_END; break;
        case FK_RATE: slot = FS_RATE; break;
        case FK_SAMPLER_ID: slot = FS_SAMPLER_ID; break;
        case FK_REV_BYTES: slot = FS_REV_BYTES; fp->has_rev = 1; break;
        case FK_REV_PKTS: slot = FS_REV_PKTS; fp->has_rev = 1; break;
        case FK_REV_FLAGS: slot = FS_REV_FLAGS; break;
        case FK_IP_VERSION: slot = FS_IP_VERSION; ipver_at = i; break;
        case FK_SRC4: case FK_SRC6:
            if (pf->len != (pf->kind == FK_SRC4 ? 4 : 16)) continue;   /* ignored, as in the loop */
            if (fp->src_kind) return 0;
            fp->src_kind = pf->kind;
            fp->src_off = (uint16_t)pf->off;
            fp->addr_ver = pf->kind == FK_SRC4 ? 4 : 6;
            last_addr = i;
            continue;
        case FK_DST4: case FK_DST6:
            if (pf->len != (pf->kind == FK_DST4 ? 4 : 16)) continue;
            if (fp->dst_kind) return 0;
            fp->dst_kind = pf->kind;
            fp->dst_off = (uint16_t)pf->off;
            fp->addr_ver = pf->kind == FK_DST4 ? 4 : 6;
            last_addr = i;
            continue;
        default: return 0;   /* PSAMP sampling fields, packet sections */
        }
        fnum *fn = &fp->at[slot];
        fn->present = 1;
        if (pf->len > 8) continue;   /* read as 0, as the loop does */
        /* one 8-byte load that ends at or after the field's end and stays
         * inside the record */
        uint32_t start = pf->off <= t->min_len - 8 ? pf->off : t->min_len - 8;
        fn->start = (uint16_t)start;
        fn->shift = (uint8_t)(8 * (start + 8 - (pf->off + pf->len)));
        fn->mask = pf->len == 8 ? ~0ull : (1ull << (8 * pf->len)) - 1;
    }
    /* bytes and packets fall back to the totals when the deltas are absent */
    for (int k = 0; k < 2; k++) {
        int have = k ? have_pkts : have_bytes, alt = k ? pkts_total : bytes_total;
        if (have || alt < 0) continue;
        const tfield *pf = &plan[alt];
        fnum *fn = &fp->at[k ? FS_PKTS : FS_BYTES];
        fn->present = 1;
        if (pf->len > 8) continue;
        uint32_t start = pf->off <= t->min_len - 8 ? pf->off : t->min_len - 8;
        fn->start = (uint16_t)start;
        fn->shift = (uint8_t)(8 * (start + 8 - (pf->off + pf->len)));
        fn->mask = pf->len == 8 ? ~0ull : (1ull << (8 * pf->len)) - 1;
    }
    fp->ipver_wins = ipver_at > last_addr;
    return 1;
}

/* Parses template records of one set. Options templates have scope fields
 * first; they are kept as ordinary fields with is_options set. */
static void parse_templates(ctxd *c, uint16_t ver, int options, const uint8_t *d, size_t n)
{
    size_t pos = 0;
    int ipfix = ver == 10;
    while (pos + 4 <= n) {
        uint16_t tid = be16(d + pos);
        uint32_t nfields, scope_fields = 0;
        size_t fpos;
        if (!options) {
            nfields = be16(d + pos + 2);
            fpos = pos + 4;
            if (nfields == 0) {          /* IPFIX withdrawal (or padding) */
                if (tid >= 256) withdraw_template(c, ver, tid);
                pos += 4;
                if (tid < 256) return;   /* padding: rest of the set is zeros */
                continue;
            }
        } else if (ipfix) {
            if (pos + 6 > n) break;
            nfields = be16(d + pos + 2);
            scope_fields = be16(d + pos + 4);
            fpos = pos + 6;
            if (nfields == 0) { if (tid >= 256) withdraw_template(c, ver, tid); pos += 6; if (tid < 256) return; continue; }
        } else {
            if (pos + 6 > n) break;
            uint16_t scope_len = be16(d + pos + 2), opt_len = be16(d + pos + 4);
            if (scope_len % 4 || opt_len % 4) {
                kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "NetFlow v9 options template %u: bad lengths", tid);
                c->fx->st.bad++;
                return;
            }
            scope_fields = scope_len / 4u;
            nfields = scope_fields + opt_len / 4u;
            fpos = pos + 6;
        }
        if (tid < 256) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "template id %u is reserved", tid);
            c->fx->st.bad++;
            return;
        }
        if (nfields > SOC_FX_MAX_FIELDS) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "template %u has %u fields (limit %d)", tid, nfields,
                    SOC_FX_MAX_FIELDS);
            c->fx->st.bad++;
            return;
        }
        tmpl *t = malloc(sizeof *t + 2 * (size_t)nfields * sizeof(tfield));   /* fields, then the plan */
        if (!t) return;
        t->nfields = (uint16_t)nfields;
        t->nplan = 0;
        t->is_options = (uint8_t)options;
        t->varlen = 0;
        t->min_len = 0;
        (void)scope_fields;
        int ok = 1;
        for (uint32_t i = 0; i < nfields; i++) {
            if (fpos + 4 > n) { ok = 0; break; }
            uint16_t type = be16(d + fpos), len = be16(d + fpos + 2);
            uint32_t pen = 0;
            fpos += 4;
            if (ipfix && (type & 0x8000)) {
                if (fpos + 4 > n) { ok = 0; break; }
                pen = be32(d + fpos);
                fpos += 4;
                type &= 0x7fff;
            }
            t->f[i].type = type;
            t->f[i].len = len;
            t->f[i].pen = pen;
            t->f[i].off = t->min_len;
            t->f[i].kind = field_kind(pen, type);
            t->f[i].word = 0;
            if (ipfix && len == 65535) { t->varlen = 1; t->min_len += 1; }
            else t->min_len += len;
        }
        if (ok && !t->varlen)
            for (uint32_t i = 0; i < nfields; i++)
                if (t->f[i].kind != FK_IGNORE && t->f[i].len) {
                    tfield *pf = &t->f[nfields + t->nplan++];
                    *pf = t->f[i];
                    pf->word = pf->len <= 8 && (uint64_t)pf->off + 8 <= t->min_len;
                }
        t->fast = ok && !t->varlen && !t->is_options && !c->fx->generic_only && build_fastplan(t);
        if (!ok) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "template %u is cut short by its set", tid);
            c->fx->st.bad++;
            free(t);
            return;
        }
        if (t->min_len == 0) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "template %u describes zero-length records; ignored", tid);
            c->fx->st.bad++;
            free(t);
            pos = fpos;
            continue;
        }
        store_template(c, ver, tid, t);
        pos = fpos;
    }
}

/* ---- data records --------------------------------------------------------------- */

/* u units of unit_ns as a timestamp; 0 (unknown) when it would overflow */
static kn_time units_to_ns(uint64_t u, int64_t unit_ns)
{
    if (u > (uint64_t)(INT64_MAX / unit_ns)) return 0;
    return (kn_time)u * unit_ns;
}

static kn_time ntp_to_ns(uint64_t v)
{
    uint64_t secs = v >> 32, frac = v & 0xffffffffu;
    if (secs < 2208988800u) return 0;
    return (kn_time)(secs - 2208988800u) * KN_NS_PER_SEC + (kn_time)((frac * 1000000000ull) >> 32);
}

static void decode_record(ctxd *c, const tmpl *t, const uint8_t *r, size_t len, uint32_t set_rate)
{
    soc_flow local, *fo = flow_slot(c, &local);
    *fo = zero_flow;
    uint64_t bytes_total = 0, pkts_total = 0;
    int have_bytes = 0, have_pkts = 0, has_sid = 0;
    uint32_t rate = 0, sid = 0, pkt_interval = 0, pkt_space = 0, samp_size = 0, samp_pop = 0;
    uint64_t first_sw = 0, last_sw = 0;
    int have_first = 0, have_last = 0;
    const uint8_t *frame = NULL, *iphdr = NULL;
    uint32_t frame_len = 0, iphdr_len = 0, frame_size = 0;
    uint64_t rev_bytes = 0, rev_pkts = 0;
    uint8_t rev_flags = 0;
    int64_t delta_start = -1, delta_end = -1;
    /* Fixed-length templates walk the plan (used fields at known offsets;
     * the record is min_len long, so every field fits); variable-length
     * ones walk all fields, reading each length from the record. */
    const tfield *fld = t->varlen ? t->f : t->f + t->nfields;
    uint16_t nf = t->fast ? 0 : t->varlen ? t->nfields : t->nplan;
    if (t->fast) {
        const fastplan *fp = &t->fp;
#define FGET(k) ((load_be64(r + fp->at[k].start) >> fp->at[k].shift) & fp->at[k].mask)
        fo->bytes = FGET(FS_BYTES);
        fo->packets = FGET(FS_PKTS);
        have_bytes = have_pkts = 1;   /* the plan already fell back to the totals */
        fo->proto = (uint8_t)FGET(FS_PROTO);
        fo->tos = (uint8_t)FGET(FS_TOS);
        fo->tcp_flags = (uint8_t)FGET(FS_FLAGS);
        fo->sport = (uint16_t)FGET(FS_SPORT);
        fo->dport = (uint16_t)FGET(FS_DPORT);
        fo->src_mask = (uint8_t)FGET(FS_SRC_MASK);
        fo->dst_mask = (uint8_t)FGET(FS_DST_MASK);
        fo->input_if = (uint32_t)FGET(FS_IN_IF);
        fo->output_if = (uint32_t)FGET(FS_OUT_IF);
        if (fp->src_kind == FK_SRC4) ip_v4(&fo->src, r + fp->src_off);
        else if (fp->src_kind == FK_SRC6) kn_ip_from_v6(&fo->src, r + fp->src_off);
        if (fp->dst_kind == FK_DST4) ip_v4(&fo->dst, r + fp->dst_off);
        else if (fp->dst_kind == FK_DST6) kn_ip_from_v6(&fo->dst, r + fp->dst_off);
        fo->ip_version = fp->addr_ver;
        if (fp->ipver_wins) {
            uint64_t u = FGET(FS_IP_VERSION);
            if (u == 4 || u == 6) fo->ip_version = (uint8_t)u;
        }
        have_first = fp->at[FS_FIRST_SW].present;
        have_last = fp->at[FS_LAST_SW].present;
        first_sw = FGET(FS_FIRST_SW);
        last_sw = FGET(FS_LAST_SW);
        if (fp->start_kind) {
            uint64_t u = FGET(FS_START);
            fo->start = fp->start_kind == FK_START_S ? units_to_ns(u, KN_NS_PER_SEC)
                    : fp->start_kind == FK_START_MS ? units_to_ns(u, 1000000) : ntp_to_ns(u);
        }
        if (fp->end_kind) {
            uint64_t u = FGET(FS_END);
            fo->end = fp->end_kind == FK_END_S ? units_to_ns(u, KN_NS_PER_SEC)
                  : fp->end_kind == FK_END_MS ? units_to_ns(u, 1000000) : ntp_to_ns(u);
        }
        if (fp->at[FS_DELTA_START].present) {
            uint64_t u = FGET(FS_DELTA_START);
            delta_start = u < (1ull << 40) ? (int64_t)u : -1;
        }
        if (fp->at[FS_DELTA_END].present) {
            uint64_t u = FGET(FS_DELTA_END);
            delta_end = u < (1ull << 40) ? (int64_t)u : -1;
        }
        rate = (uint32_t)FGET(FS_RATE);
        has_sid = fp->at[FS_SAMPLER_ID].present;
        sid = (uint32_t)FGET(FS_SAMPLER_ID);
        if (fp->has_rev) {
            rev_bytes = FGET(FS_REV_BYTES);
            rev_pkts = FGET(FS_REV_PKTS);
        }
        rev_flags = (uint8_t)FGET(FS_REV_FLAGS);
#undef FGET
    }
    size_t pos = 0;
    for (uint16_t i = 0; i < nf; i++) {
        uint32_t fl = fld[i].len;
        const uint8_t *v;
        uint64_t u;
        if (t->varlen) {
            if (c->ipfix && fl == 65535) {
                if (pos + 1 > len) return;
                fl = r[pos++];
                if (fl == 255) {
                    if (pos + 2 > len) return;
                    fl = be16(r + pos);
                    pos += 2;
                }
            }
            if (pos + fl > len) return;
            v = r + pos;
            pos += fl;
            if (fl == 0 || fld[i].kind == FK_IGNORE) continue;
            u = fl <= 8 ? beN(v, fl) : 0;
        } else {
            v = r + fld[i].off;
            /* one 8-byte big-endian load and a shift instead of beN's
             * switch on the width, where the record has the 8 bytes */
            if (fld[i].word) u = load_be64(v) >> (64 - 8 * fl);
            else u = fl <= 8 ? beN(v, fl) : 0;
        }
        switch (fld[i].kind) {
        case FK_REV_BYTES: rev_bytes = u; break;
        case FK_REV_PKTS: rev_pkts = u; break;
        case FK_REV_FLAGS: rev_flags = (uint8_t)u; break;
        case FK_BYTES: fo->bytes = u; have_bytes = 1; break;
        case FK_BYTES_TOTAL: bytes_total = u; break;
        case FK_PKTS: fo->packets = u; have_pkts = 1; break;
        case FK_PKTS_TOTAL: pkts_total = u; break;
        case FK_PROTO: fo->proto = (uint8_t)u; break;
        case FK_TOS: fo->tos = (uint8_t)u; break;
        case FK_FLAGS: fo->tcp_flags = (uint8_t)(u & 0xff); break;
        case FK_SPORT: fo->sport = (uint16_t)u; break;
        case FK_DPORT: fo->dport = (uint16_t)u; break;
        case FK_SRC4: if (fl == 4) { ip_v4(&fo->src, v); fo->ip_version = 4; } break;
        case FK_DST4: if (fl == 4) { ip_v4(&fo->dst, v); fo->ip_version = 4; } break;
        case FK_SRC6: if (fl == 16) { kn_ip_from_v6(&fo->src, v); fo->ip_version = 6; } break;
        case FK_DST6: if (fl == 16) { kn_ip_from_v6(&fo->dst, v); fo->ip_version = 6; } break;
        case FK_SRC_MASK: fo->src_mask = (uint8_t)u; break;
        case FK_DST_MASK: fo->dst_mask = (uint8_t)u; break;
        case FK_IN_IF: fo->input_if = (uint32_t)u; break;
        case FK_OUT_IF: fo->output_if = (uint32_t)u; break;
        case FK_LAST_SW: last_sw = u; have_last = 1; break;
        case FK_FIRST_SW: first_sw = u; have_first = 1; break;
        case FK_START_S: fo->start = units_to_ns(u, KN_NS_PER_SEC); break;
        case FK_END_S: fo->end = units_to_ns(u, KN_NS_PER_SEC); break;
        case FK_START_MS: fo->start = units_to_ns(u, 1000000); break;
        case FK_END_MS: fo->end = units_to_ns(u, 1000000); break;
        case FK_START_NTP: fo->start = ntp_to_ns(u); break;
        case FK_END_NTP: fo->end = ntp_to_ns(u); break;
        case FK_DELTA_START: delta_start = u < (1ull << 40) ? (int64_t)u : -1; break;
        case FK_DELTA_END: delta_end = u < (1ull << 40) ? (int64_t)u : -1; break;
        case FK_RATE: rate = (uint32_t)u; break;
        case FK_SAMPLER_ID: sid = (uint32_t)u; has_sid = 1; break;
        case FK_PKT_INTERVAL: pkt_interval = (uint32_t)u; break;
        case FK_PKT_SPACE: pkt_space = (uint32_t)u; break;
        case FK_SAMP_SIZE: samp_size = (uint32_t)u; break;
        case FK_SAMP_POP: samp_pop = (uint32_t)u; break;
        case FK_IP_VERSION: if (u == 4 || u == 6) fo->ip_version = (uint8_t)u; break;
        case FK_FRAME: frame = v; frame_len = fl; break;
        case FK_FRAME_SIZE: frame_size = (uint32_t)u; break;
        case FK_IPHDR: iphdr = v; iphdr_len = fl; break;
        }
    }
    if (!have_bytes) fo->bytes = bytes_total;
    if (!have_pkts) fo->packets = pkts_total;
    /* PSAMP (RFC 5476): n-out-of-N gives N/n; systematic count-based gives
     * (interval + space) / interval; an interval without a space says nothing */
    if (!rate && samp_size && samp_pop) rate = samp_pop / samp_size;
    if (!rate && pkt_interval && pkt_space) rate = (pkt_interval + pkt_space) / pkt_interval;
    if (t->is_options) {
        if (rate) learn_rate(c->fx, c->exporter, c->domain, has_sid, sid, rate);
        return;
    }
    if (frame || iphdr) {
        /* a packet section (PSAMP-style) describes one sampled packet */
        uint32_t ip_len = frame ? from_header(fo, SOC_LINK_ETHERNET, frame, frame_len)
                                : from_header(fo, -1, iphdr, iphdr_len);
        if (!fo->packets) fo->packets = 1;
        if (!fo->bytes) fo->bytes = ip_len ? ip_len : frame_size;   /* L3 bytes, as flow records count */
    }
    kn_time export_ns = (kn_time)c->unix_secs * KN_NS_PER_SEC;
    if (!c->ipfix && (have_first || have_last)) {
        if (have_first) fo->start = export_ns - (kn_time)(int32_t)(c->sysuptime - (uint32_t)first_sw) * 1000000;
        if (have_last) fo->end = export_ns - (kn_time)(int32_t)(c->sysuptime - (uint32_t)last_sw) * 1000000;
    } else if (c->ipfix && (have_first || have_last)) {
        /* IPFIX 21/22 are relative to systemInitTime, rarely sent: treat as unknown */
    }
    if (delta_start >= 0) fo->start = export_ns - delta_start * 1000;
    if (delta_end >= 0) fo->end = export_ns - delta_end * 1000;
    if (!rate) rate = has_sid ? lookup_rate(c->fx, c->exporter, c->domain, 1, sid) : set_rate;
    if (!rev_pkts && !rev_bytes) { finish_flow(c, fo, rate); return; }
    soc_flow rev = *fo;
    finish_flow(c, fo, rate);
    {
        kn_ip tip = rev.src;
        rev.src = rev.dst;
        rev.dst = tip;
        uint16_t tp = rev.sport;
        rev.sport = rev.dport;
        rev.dport = tp;
        uint32_t ti = rev.input_if;
        rev.input_if = rev.output_if;
        rev.output_if = ti;
        uint8_t tm = rev.src_mask;
        rev.src_mask = rev.dst_mask;
        rev.dst_mask = tm;
        rev.packets = rev_pkts;
        rev.bytes = rev_bytes;
        rev.tcp_flags = rev_flags ? rev_flags : rev.tcp_flags;
        finish_flow(c, &rev, rate);
    }
}

static uint32_t lookup_set_rate(soc_flowexp *fx, const kn_ip *exporter, uint32_t domain)
{
    skey k = make_skey(exporter, domain);
    if (fx->rcache_valid && memcmp(&k, &fx->rcache_key, sizeof k) == 0) return fx->rcache_rate;
    fx->rcache_rate = lookup_rate(fx, exporter, domain, 0, 0);
    fx->rcache_key = k;
    fx->rcache_valid = 1;
    return fx->rcache_rate;
}

static void decode_data_set(ctxd *c, const tmpl *t, const uint8_t *d, size_t n)
{
    size_t pos = 0;
    /* the exporter's rate without a sampler id, looked up once per set */
    uint32_t set_rate = t->is_options ? 0 : lookup_set_rate(c->fx, c->exporter, c->domain);
    /* Records are at least min_len (> 0) long; what is left shorter is padding. */
    while (pos + t->min_len <= n) {
        if (!t->varlen) {
            decode_record(c, t, d + pos, t->min_len, set_rate);
            pos += t->min_len;
            continue;
        }
        /* variable-length: walk the fields to find the record's length */
        size_t p = pos;
        int ok = 1;
        for (uint16_t i = 0; i < t->nfields && ok; i++) {
            uint32_t fl = t->f[i].len;
            if (fl == 65535) {
                if (p + 1 > n) { ok = 0; break; }
                fl = d[p++];
                if (fl == 255) {
                    if (p + 2 > n) { ok = 0; break; }
                    fl = be16(d + p);
                    p += 2;
                }
            }
            if (p + fl > n) ok = 0;
            else p += fl;
        }
        if (!ok) {
            /* Trailing padding is legal; a cut record after real data is not. */
            int zeros = 1;
            for (size_t q = pos; q < n; q++) if (d[q]) { zeros = 0; break; }
            if (!zeros) {
                kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "IPFIX record cut short by its set");
                c->fx->st.bad++;
            }
            return;
        }
        decode_record(c, t, d + pos, p - pos, set_rate);
        pos = p;
    }
}

static void hold_data(ctxd *c, uint16_t ver, uint16_t tid, const uint8_t *d, size_t n)
{
    soc_flowexp *fx = c->fx;
    if (fx->held_bytes + n > SOC_FX_MAX_HELD_BYTES) {
        fx->st.held_dropped++;
        kn_warn(fx->warn, c->file, (int64_t)c->offset,
                "data set for unknown template %u dropped: %u MiB of data already wait for templates", tid,
                SOC_FX_MAX_HELD_BYTES >> 20);
        return;
    }
    held *h = malloc(sizeof *h + n);
    if (!h) return;
    h->next = NULL;
    h->ts = c->ts;
    h->unix_secs = c->unix_secs;
    h->sysuptime = c->sysuptime;
    h->len = (uint32_t)n;
    memcpy(h->data, d, n);
    tkey k = make_tkey(c->exporter, c->domain, tid, ver);
    held **slot = kn_htab_put(&fx->heldtab, &k, NULL);
    if (!slot) { free(h); fx->st.held_dropped++; return; }
    held **tail = slot;
    while (*tail) tail = &(*tail)->next;
    *tail = h;
    fx->held_bytes += n;
    fx->st.held_sets++;
}

static void decode_sets(ctxd *c, uint16_t ver, const uint8_t *d, size_t n, size_t pos)
{
    int ipfix = ver == 10;
    uint16_t tset = ipfix ? 2 : 0, oset = ipfix ? 3 : 1;
    int sets = 0;
    while (pos + 4 <= n) {
        uint16_t sid = be16(d + pos), slen = be16(d + pos + 2);
        if (slen < 4 || pos + slen > n) {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "%s set %u has bad length %u (%zu bytes left)",
                    ipfix ? "IPFIX" : "NetFlow v9", sid, slen, n - pos);
            c->fx->st.bad++;
            return;
        }
        const uint8_t *body = d + pos + 4;
        size_t blen = slen - 4u;
        if (sid == tset) parse_templates(c, ver, 0, body, blen);
        else if (sid == oset) parse_templates(c, ver, 1, body, blen);
        else if (sid >= 256) {
            tkey k = make_tkey(c->exporter, c->domain, sid, ver);
            soc_flowexp *fx = c->fx;
            if (!fx->tcache_valid || memcmp(&k, &fx->tcache_key, sizeof k) != 0) {
                tmpl **t = kn_htab_get(&fx->templates, &k);
                fx->tcache_valid = t != NULL;
                fx->tcache_key = k;
                fx->tcache_t = t ? *t : NULL;
            }
            if (fx->tcache_valid) decode_data_set(c, fx->tcache_t, body, blen);
            else hold_data(c, ver, sid, body, blen);
        } else {
            kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "reserved set id %u skipped", sid);
            c->fx->st.bad++;
        }
        pos += slen;
        if (++sets > 65536) return;
    }
}

/* ---- sFlow v5 -------------------------------------------------------------------- */

static void sflow_sample(ctxd *c, const uint8_t *s, size_t n, int expanded)
{
    size_t pos;
    uint32_t rate, in_if, out_if, nrec;
    if (!expanded) {
        if (n < 32) goto bad;
        rate = be32(s + 8);
        in_if = be32(s + 20) & 0x3fffffff;
        out_if = be32(s + 24) & 0x3fffffff;
        nrec = be32(s + 28);
        pos = 32;
    } else {
        if (n < 44) goto bad;
        rate = be32(s + 12);
        in_if = be32(s + 28);
        out_if = be32(s + 36);
        nrec = be32(s + 40);
        pos = 44;
    }
    soc_flow f;
    memset(&f, 0, sizeof f);
    f.input_if = in_if;
    f.output_if = out_if;
    f.packets = 1;
    int got = 0;
    for (uint32_t i = 0; i < nrec && i < 1024; i++) {
        if (pos + 8 > n) goto bad;
        uint32_t fmt = be32(s + pos), len = be32(s + pos + 4);
        pos += 8;
        if (len > n - pos) goto bad;
        const uint8_t *r = s + pos;
        switch (fmt) {
        case 1:     /* raw packet header */
            if (len >= 16) {
                uint32_t hp = be32(r), frame = be32(r + 4), hl = be32(r + 12);
                if (hl > len - 16) goto bad;
                if (!f.bytes) f.bytes = frame;
                if (hp == 1) from_header(&f, SOC_LINK_ETHERNET, r + 16, hl);
                else if (hp == 11 || hp == 12) from_header(&f, -1, r + 16, hl);
                got = 1;
            }
            break;
        case 3:     /* sampled IPv4 */
            if (len >= 32) {
                if (!f.bytes) f.bytes = be32(r);
                if (!f.proto) f.proto = (uint8_t)be32(r + 4);
                if (!f.src.family) kn_ip_from_v4(&f.src, r + 8);
                if (!f.dst.family) kn_ip_from_v4(&f.dst, r + 12);
                if (!f.sport) f.sport = (uint16_t)be32(r + 16);
                if (!f.dport) f.dport = (uint16_t)be32(r + 20);
                if (!f.tcp_flags) f.tcp_flags = (uint8_t)be32(r + 24);
                f.ip_version = 4;
                got = 1;
            }
            break;
        case 4:     /* sampled IPv6 */
            if (len >= 56) {
                if (!f.bytes) f.bytes = be32(r);
                if (!f.proto) f.proto = (uint8_t)be32(r + 4);
                if (!f.src.family) kn_ip_from_v6(&f.src, r + 8);
                if (!f.dst.family) kn_ip_from_v6(&f.dst, r + 24);
                if (!f.sport) f.sport = (uint16_t)be32(r + 40);
                if (!f.dport) f.dport = (uint16_t)be32(r + 44);
                if (!f.tcp_flags) f.tcp_flags = (uint8_t)be32(r + 48);
                f.ip_version = 6;
                got = 1;
            }
            break;
        }
        pos += (len + 3u) & ~3u;
        if (pos > n) pos = n;
    }
    if (!got) return;   /* sample with no packet description (e.g. only switch data) */
    f.start = f.end = c->ts;
    finish_flow(c, &f, rate);
    return;
bad:
    kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "sFlow flow sample truncated or with bad lengths");
    c->fx->st.bad++;
}

static void decode_sflow(ctxd *c, const uint8_t *d, size_t n)
{
    uint32_t at = be32(d + 4);
    size_t hl = at == 1 ? 28 : 40;
    c->domain = be32(d + hl - 16);   /* sub-agent id */
    uint32_t ns = be32(d + hl - 4);
    size_t pos = hl;
    for (uint32_t i = 0; i < ns && i < 4096; i++) {
        if (pos + 8 > n) goto bad;
        uint32_t fmt = be32(d + pos), len = be32(d + pos + 4);
        pos += 8;
        if (len > n - pos) goto bad;
        uint32_t ent = fmt >> 12, f = fmt & 0xfff;
        if (ent == 0 && (f == 1 || f == 3)) sflow_sample(c, d + pos, len, f == 3);
        pos += (len + 3u) & ~3u;
        if (pos > n) pos = n;
    }
    return;
bad:
    kn_warn(c->fx->warn, c->file, (int64_t)c->offset, "sFlow datagram truncated or with bad sample lengths");
    c->fx->st.bad++;
}

/* ---- entry ----------------------------------------------------------------------- */

static size_t decode_datagram(ctxd *c, const uint8_t *d, size_t n);

size_t soc_flowexp_datagram(soc_flowexp *fx, const kn_ip *exporter, kn_time ts, const uint8_t *d, size_t n,
                            const char *file, uint64_t offset, soc_fx_emit emit, void *user)
{
    ctxd c = {.fx = fx, .exporter = exporter, .ts = ts, .file = file, .offset = offset, .emit = emit, .user = user};
    return decode_datagram(&c, d, n);
}

size_t soc_flowexp_datagram_into(soc_flowexp *fx, const kn_ip *exporter, kn_time ts, const uint8_t *d, size_t n,
                                 const char *file, uint64_t offset, soc_flow_vec *out)
{
    ctxd c = {.fx = fx, .exporter = exporter, .ts = ts, .file = file, .offset = offset, .out = out};
    return decode_datagram(&c, d, n);
}

static size_t decode_datagram(ctxd *cp, const uint8_t *d, size_t n)
{
    soc_flowexp *fx = cp->fx;
    cp->override = override_rate(fx, cp->exporter);
    ctxd *c0 = cp;
#define c (*c0)
    switch (soc_flowexp_probe(d, n)) {
    case SOC_FX_NFV5:
        fx->st.datagrams[0]++;
        decode_v5(&c, d, n);
        break;
    case SOC_FX_NFV9:
        fx->st.datagrams[1]++;
        c.sysuptime = be32(d + 4);
        c.unix_secs = be32(d + 8);
        c.domain = be32(d + 16);
        decode_sets(&c, 9, d, n, 20);
        break;
    case SOC_FX_IPFIX:
        fx->st.datagrams[2]++;
        c.ipfix = 1;
        c.unix_secs = be32(d + 4);
        c.domain = be32(d + 12);
        decode_sets(&c, 10, d, n, 16);
        break;
    case SOC_FX_SFLOW:
        fx->st.datagrams[3]++;
        decode_sflow(&c, d, n);
        break;
    case SOC_FX_NONE:
        return 0;
    }
    return c.emitted;
#undef c
}
