/* ddos.c: the DDoS analyzer.
 *
 * Shape (after FastNetMon, with its defaults): per-destination counters in
 * 1-second windows of data time, a moving average over `average` seconds
 * (exponential, so state per host is three numbers, not a ring), and
 * thresholds on packets/s, bits/s and flows/s. Inbound traffic is counted
 * on its destination; with --home-net, traffic leaving the home networks
 * is counted on its (home) source as an outbound attack. Every host is
 * also counted in its /24 (IPv4) or /64 (IPv6), whose own thresholds catch
 * carpet bombing: a prefix attack is reported only when no single host of
 * the prefix is under attack.
 *
 * Lifecycle per host: when one second's own rate goes over a threshold a
 * "run" starts and its detail (sources, ports, flags, vector mix) is
 * tracked; when the moving average goes over the threshold the attack
 * starts (one attack_start alert, event.start = the run's first second).
 * It ends once no second has been over the threshold for `quiet` seconds
 * (one attack_end alert with totals, peaks and event.end = the end of the
 * last second over the threshold).
 *
 * Flows/s: flow records count one each; for packets, distinct (source,
 * source port, destination port) per second are counted exactly up to 8
 * (16-bit fingerprints) and estimated beyond with a 16-register HyperLogLog
 * in the same 16 bytes per host, rather than a flow table, which would cost
 * a second hash lookup per packet and unbounded memory under spoofing.
 *
 * Memory: hosts and prefixes live in two tables (dtab, below) bounded by
 * max_hosts. The per-second pass visits only the entries counted in that
 * second (a touched list) and those with an attack struct (an attack
 * list); an entry counted that second that was idle (no packets) with an
 * average under 1 packet/s is evicted at once, and every other entry's
 * average decays when it is next visited. Entries left idle are swept out
 * (average decayed under 1 packet/s) whenever a table has doubled since
 * the last sweep or reaches 3/4 of max_hosts, so a random-destination
 * flood keeps one to two seconds' worth of destinations and the sweeps
 * cost a constant per entry added. Packets for hosts beyond the bound are
 * still counted in their prefix. */
#include "soc/ddos.h"

#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/hash.h"
#include "soc/alert.h"

/* ---- vectors -------------------------------------------------------------------- */

enum {
    C_SYN, C_SYNACK, C_ACK, C_RST, C_TCP, C_UDP, C_ICMP, C_FRAG, C_OTHER,
    C_AMP_DNS, C_AMP_NTP, C_AMP_CLDAP, C_AMP_SSDP, C_AMP_MEMCACHED, C_AMP_CHARGEN, C_AMP_SNMP,
    C_AMP_IKE, C_AMP_WSD, C_AMP_ARD, C_AMP_DVR, C_AMP_UBIQUITI, C_AMP_BACNET,
    NCAT
};

static const char *const cat_vector[NCAT] = {
    "syn_flood", "synack_reflection", "ack_flood", "rst_flood", "tcp_flood", "udp_flood", "icmp_flood",
    "ip_fragment_flood", "ip_flood",
    "dns_amplification", "ntp_amplification", "cldap_amplification", "ssdp_amplification",
    "memcached_amplification", "chargen_amplification", "snmp_amplification", "ike_amplification",
    "wsd_amplification", "ard_amplification", "dvr_amplification", "ubiquiti_amplification",
    "bacnet_amplification",
};

static inline int amp_cat(uint16_t sport)
{
    switch (sport) {
    case 53: return C_AMP_DNS;
    case 123: return C_AMP_NTP;
    case 389: return C_AMP_CLDAP;
    case 1900: return C_AMP_SSDP;
    case 11211: return C_AMP_MEMCACHED;
    case 19: return C_AMP_CHARGEN;
    case 161: return C_AMP_SNMP;
    case 500: case 4500: return C_AMP_IKE;
    case 3702: return C_AMP_WSD;
    case 3283: return C_AMP_ARD;
    case 37810: return C_AMP_DVR;
    case 10001: return C_AMP_UBIQUITI;
    case 47808: return C_AMP_BACNET;
    }
    return -1;
}

const char *soc_ddos_amp_vector(uint16_t sport)
{
    int c = amp_cat(sport);
    return c < 0 ? NULL : cat_vector[c];
}

static inline int classify(uint8_t proto, uint8_t flags, uint8_t frag, uint16_t sport)
{
    if (frag == 2) return C_FRAG;
    switch (proto) {
    case 6:
        if ((flags & 0x12) == 0x12) return C_SYNACK;
        if (flags & 0x02) return C_SYN;
        if (flags & 0x04) return C_RST;
        if (flags & 0x10) return C_ACK;
        return C_TCP;
    case 17: {
        int a = amp_cat(sport);
        return a >= 0 ? a : C_UDP;
    }
    case 1: case 58:
        return C_ICMP;
    }
    return C_OTHER;
}

/* ---- config ------------------------------------------------------------------------ */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

static void cfg_defaults(soc_ddos_config *c)
{
    memset(c, 0, sizeof *c);
    c->host.pps = c->host.bps = c->host.fps = -1;
    c->prefix.pps = c->prefix.bps = c->prefix.fps = -1;
    c->avg_seconds = c->quiet_seconds = -1;
}

static kn_status cfg_parse_file(const char *path, soc_ddos_config *c, kn_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "cannot open config: %s", strerror(errno));
    char line[4096];
    int lineno = 0;
    soc_ddos_thr *cur = &c->host;
    int cur_group = 0;
    kn_status st = KN_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char *s = trim(line);
        if (!*s) continue;
        if (*s == '[') {
            char name[64];
            if (sscanf(s, "[group %63[^]]]", name) != 1) {
                st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: expected [group NAME]", lineno);
                break;
            }
            if (c->n_groups >= SOC_DDOS_MAX_GROUPS) {
                st = kn_err_set(e, KN_ERR_LIMIT, path, KN_NO_OFFSET, "line %d: more than %d groups", lineno, SOC_DDOS_MAX_GROUPS);
                break;
            }
            soc_ddos_group *g = realloc(c->groups, (size_t)(c->n_groups + 1) * sizeof *g);
            if (!g) { st = kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory"); break; }
            c->groups = g;
            cur_group = c->n_groups++;
            memset(&g[cur_group], 0, sizeof g[cur_group]);
            snprintf(g[cur_group].name, sizeof g[cur_group].name, "%s", trim(name));
            g[cur_group].thr.pps = g[cur_group].thr.bps = g[cur_group].thr.fps = -1;
            cur = &g[cur_group].thr;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) { st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: expected KEY = VALUE", lineno); break; }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        if (strcmp(k, "prefixes") == 0) {
            if (cur == &c->host) { st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: prefixes outside a [group]", lineno); break; }
            const char *bad = NULL;
            if (kn_cidrset_add_list(c->group_prefixes, v, cur_group, &bad) < 0) {
                st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: bad prefix '%s'", lineno, bad ? bad : v);
                break;
            }
            continue;
        }
        char *end;
        double d = strtod(v, &end);
        if (end == v || *trim(end) || d < 0) {
            st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: '%s' is not a non-negative number", lineno, v);
            break;
        }
        if (strcmp(k, "pps") == 0) cur->pps = d;
        else if (strcmp(k, "mbps") == 0) cur->bps = d * 1e6;
        else if (strcmp(k, "flows") == 0) cur->fps = d;
        else if (cur == &c->host && strcmp(k, "prefix_pps") == 0) c->prefix.pps = d;
        else if (cur == &c->host && strcmp(k, "prefix_mbps") == 0) c->prefix.bps = d * 1e6;
        else if (cur == &c->host && strcmp(k, "prefix_flows") == 0) c->prefix.fps = d;
        else if (cur == &c->host && strcmp(k, "average") == 0) c->avg_seconds = (int)d;
        else if (cur == &c->host && strcmp(k, "quiet") == 0) c->quiet_seconds = (int)d;
        else if (cur == &c->host && strcmp(k, "max_hosts") == 0) c->max_hosts = (size_t)d;
        else { st = kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "line %d: unknown setting '%s'", lineno, k); break; }
    }
    fclose(f);
    return st;
}

static double pick(double flag, double file, double dflt)
{
    if (flag >= 0) return flag;
    if (file >= 0) return file;
    return dflt;
}

kn_status soc_ddos_config_load(const soc_options *opt, soc_ddos_config *c, kn_err *e)
{
    cfg_defaults(c);
    c->group_prefixes = kn_cidrset_new();
    c->groups = calloc(1, sizeof *c->groups);
    if (!c->group_prefixes || !c->groups) return kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory");
    c->n_groups = 1;
    snprintf(c->groups[0].name, sizeof c->groups[0].name, "global");
    if (opt->config_path) {
        kn_status st = cfg_parse_file(opt->config_path, c, e);
        if (st) return st;
    }
    c->host.pps = pick(opt->ddos_pps, c->host.pps, SOC_DDOS_DEFAULT_PPS);
    c->host.bps = pick(opt->ddos_mbps >= 0 ? opt->ddos_mbps * 1e6 : -1, c->host.bps, SOC_DDOS_DEFAULT_MBPS * 1e6);
    c->host.fps = pick(opt->ddos_flows, c->host.fps, SOC_DDOS_DEFAULT_FLOWS);
    c->prefix.pps = pick(opt->prefix_pps, c->prefix.pps, c->host.pps * SOC_DDOS_PREFIX_FACTOR);
    c->prefix.bps = pick(opt->prefix_mbps >= 0 ? opt->prefix_mbps * 1e6 : -1, c->prefix.bps, c->host.bps * SOC_DDOS_PREFIX_FACTOR);
    c->prefix.fps = pick(opt->prefix_flows, c->prefix.fps, c->host.fps * SOC_DDOS_PREFIX_FACTOR);
    c->avg_seconds = opt->avg_seconds > 0 ? opt->avg_seconds : c->avg_seconds > 0 ? c->avg_seconds : 5;
    c->quiet_seconds = opt->quiet_seconds > 0 ? opt->quiet_seconds : c->quiet_seconds > 0 ? c->quiet_seconds : 60;
    if (opt->ddos_max_hosts) c->max_hosts = opt->ddos_max_hosts;
    if (!c->max_hosts) c->max_hosts = SOC_DDOS_DEFAULT_MAX_HOSTS;
    c->groups[0].thr = c->host;
    for (int i = 1; i < c->n_groups; i++) {
        soc_ddos_thr *t = &c->groups[i].thr;
        if (t->pps < 0) t->pps = c->host.pps;
        if (t->bps < 0) t->bps = c->host.bps;
        if (t->fps < 0) t->fps = c->host.fps;
    }
    return KN_OK;
}

void soc_ddos_config_free(soc_ddos_config *c)
{
    free(c->groups);
    kn_cidrset_free(c->group_prefixes);
    memset(c, 0, sizeof *c);
}

/* ---- state ------------------------------------------------------------------------ */

#define TOPK 16

/* n is the space-saving estimate, err its possible overcount (the count of
 * the entry it replaced); n - err is a guaranteed lower bound, reported so
 * that spoofed random sources do not show inflated counts. */
typedef struct topk { kn_ip key; uint64_t n, err; } topk;
typedef struct topp { uint32_t key; uint64_t n, err; } topp;

typedef struct attack {
    uint64_t id;
    size_t si;                  /* its entry's slot (kept up to date when entries move) */
    size_t li;                  /* its index in the table's attack list */
    int active;                 /* attack_start was sent */
    kn_time run_start, last_above_end, detected;
    double peak_pps, peak_bps, peak_fps;
    double detect_avg_pps, detect_avg_bps, detect_avg_fps;
    const char *trigger;
    uint64_t packets, bytes;    /* seconds of the run, whole */
    uint64_t cat[NCAT];         /* packets by category (tracked part) */
    uint64_t flags[6];          /* FIN SYN RST PSH ACK URG */
    uint64_t proto_tcp, proto_udp, proto_icmp, proto_other;
    topk src[TOPK];
    topp sport[TOPK], dport[TOPK];
    int nsrc, nsport, ndport;
    char vector[40];
    uint8_t vec_list[NCAT];
    int nvec;
} attack;

/* Per-packet state only (40 bytes; with its key and flags a table slot is
 * one 64-byte cache line). The moving averages, touched once a second, live
 * in a parallel array of the table (dtab.ema). */
typedef struct entry {
    uint64_t bytes;             /* this second */
    uint32_t pkts, nflows;      /* this second; nflows = flow records */
    uint8_t hll[16];            /* flows this second: see flows_add */
    attack *atk;
} entry;


/* dtab: the host and prefix tables. Hand-written instead of kn_htab: this
 * lookup runs twice per packet, and kn_htab's generic byte hash + memcmp
 * of the 20-byte key measured 40% of the 10 Mpps path (perf, 13.8 M packet
 * capture). Here the key is compared as three words, the hash is one
 * multiply-fold, and a one-entry cache catches the common run of packets
 * to the same destination. An entry that dies (in the per-second pass or
 * a sweep) stays in its slot, dead (its occupancy bit clear), key kept: a
 * later count for the same key revives it as a new entry, and dead slots
 * are erased in one sequential pass (backward shifting, linear probing
 * without tombstones) only when the table would otherwise grow while more
 * than half its occupied slots are dead. Destinations seen again after their
 * entry died (a Zeek conn.log: 65k destinations, each back every half
 * minute) then cost a lookup that hits instead of an insertion, a
 * deletion and a table pass to erase it (perf: a sixth of the DDoS
 * analyzer). Before, marked entries were erased after every pass, and
 * before that the table was rebuilt every second. */
typedef struct dslot {
    kn_ip key;
    uint8_t used;         /* 0 free, 1 occupied: live if its dtab.occ bit is set, else dead (key kept until erased) */
    uint8_t flags;        /* F_SAMPLED, F_TOUCHED, F_HLL, F_FRESH */
    uint16_t group;       /* host group index (thresholds) */
    entry e;
} dslot;
_Static_assert(sizeof(dslot) == 64, "a table slot is one cache line");
/* The slot holding entry ep. Through an integer: from a pointer to the
 * entry GCC's object-size tracking (-O3) took the slot's flags, 3 bytes
 * before the entry, for a write outside the 40-byte entry
 * (-Wstringop-overflow). */
#define SLOT_OF(ep) ((dslot *)(void *)((uintptr_t)(ep) - offsetof(dslot, e)))
#define F_SAMPLED 1   /* counted traffic came from sampled sources */
#define F_TOUCHED 2   /* counted in the second being accumulated (on the touched list) */
#define F_HLL 4       /* entry.hll holds HyperLogLog registers, not flow fingerprints */
#define F_FRESH 8     /* new entry: its averages (dtab.ema) are zero, not yet written (ema_catch_up) */

/* The moving averages of a slot and the last second they account for:
 * untouched entries are not visited every second; their averages decay
 * when next visited, by (1 - alpha) per second missed. `upto` is the low
 * 32 bits of that second (differences are taken modulo 2^32). */
typedef struct emav {
    float pps, bps, fps;
    uint32_t upto;
} emav;

#define SWEEP_MIN 4096   /* smallest entry count that starts a sweep of idle entries */

typedef struct dtab {
    dslot *s;
    emav *ema;            /* per slot */
    size_t cap, count, max_count;   /* count: live entries */
    size_t n_dead;        /* dead slots: occupied slots = count + n_dead */
    size_t n_new, n_revived;   /* entries added in free / dead slots since dead slots were last dropped */
    dslot *last;          /* one-entry cache */
    size_t dead;          /* died in this pass */
    /* Occupancy bitmap, one bit per slot (cap / 64 words): the per-second
     * passes walk its set bits, in slot order, instead of reading every
     * 64-byte slot; sparse data (a Zeek conn.log, a few flows per second)
     * made those scans two thirds of the time (perf). Set by dtab_put,
     * rebuilt by dtab_resize; live entries only (a dead slot's bit is
     * cleared when it dies: sweeps would read every dead slot). */
    uint64_t *occ;
    /* Slots counted in the second being accumulated (F_TOUCHED set): the
     * per-second pass visits these and the attack list instead of every
     * entry; rebuilt by dtab_resize, which moves slots. */
    size_t *touched;
    size_t n_touched, touched_cap;
    int touched_lost;     /* the list could not grow: the pass walks every slot */
    /* Entries with an attack struct (tracked runs and attacks), to visit
     * each second whether counted or not. */
    attack **atks;
    size_t n_atks, atks_cap;
    size_t sweep_at;      /* count at which idle entries are swept out */
    /* Prefix table only (else NULL): slot index + 1 of a recently found
     * key, direct-mapped by a one-multiply hash of the key (prefix_slot);
     * cleared whenever slots move. Every host counted in a second is
     * summed into its prefix: through dtab_put (one-entry cache, full hash,
     * probe) that lookup was ~60 instructions a Zeek conn.log row, half of
     * it saved here (callgrind). */
    uint32_t *pcache;
} dtab;

#define PCACHE_BITS 12

/* Live or dead is the occupancy bit, not a byte of the slot: a sweep kills
 * idle entries from their averages and the bitmap alone, without reading
 * or writing their slots (a cache miss per dying entry; on a Zeek conn.log
 * every destination dies and comes back about every half minute). With the
 * branch-free deaths of sweep_idle, the sweeps went from ~33 to ~11 cycles
 * per row there (rdtsc around the pass). */
static inline int dtab_live(const dtab *t, size_t si) { return (int)(t->occ[si / 64] >> (si % 64)) & 1; }

static inline uint64_t ld64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t ld32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline int key_eq(const kn_ip *a, const kn_ip *b)
{
    return ld64(a->b) == ld64(b->b) && ld64(a->b + 8) == ld64(b->b + 8) && ld32(&a->family) == ld32(&b->family);
}
static inline uint64_t key_hash(const kn_ip *k)
{
    return kn_hash_u64(ld64(k->b + 8) ^ (ld64(k->b) * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)ld32(&k->family) << 40));
}

/* Slots for cap entries. Big tables ask for transparent huge pages: a
 * random-destination flood makes every lookup a TLB miss on 4 KiB pages
 * (perf: most of the time in dtab_find with a 128 MB table). */
static dslot *slots_alloc(size_t cap)
{
    size_t size = cap * sizeof(dslot);
    dslot *s;
    if (size >= (2u << 20)) {
        s = aligned_alloc(2u << 20, size);
        if (s) madvise(s, size, MADV_HUGEPAGE);
    } else {
        s = aligned_alloc(64, size);
    }
    if (s) memset(s, 0, size);
    return s;
}

static int dtab_init(dtab *t, size_t cap, size_t max_count)
{
    memset(t, 0, sizeof *t);
    t->s = slots_alloc(cap);
    t->ema = calloc(cap, sizeof *t->ema);
    t->occ = calloc(cap / 64, sizeof *t->occ);
    if (!t->s || !t->ema || !t->occ) {
        free(t->s);
        free(t->ema);
        free(t->occ);
        memset(t, 0, sizeof *t);   /* (dtab_free after a failed init frees nothing twice) */
        return -1;
    }
    t->cap = cap;
    t->max_count = max_count;
    t->sweep_at = SWEEP_MIN;
    return 0;
}

static void dtab_free(dtab *t)
{
    free(t->s);
    free(t->ema);
    free(t->occ);
    free(t->touched);
    free(t->atks);
    free(t->pcache);
    memset(t, 0, sizeof *t);
}

/* for (each live slot index SI of T, in slot order); `continue` works.
 * cap is a power of two >= 1024, so the bitmap has whole words. */
#define DTAB_EACH_BITS(bits, cap, si)                                              \
    for (size_t si##_w = 0; si##_w < (cap) / 64; si##_w++)                         \
        for (uint64_t si##_m = (bits)[si##_w], si = 0;                             \
             si##_m && (si = si##_w * 64 + (size_t)__builtin_ctzll(si##_m), 1);     \
             si##_m &= si##_m - 1)
#define DTAB_EACH(t, si) DTAB_EACH_BITS((t)->occ, (t)->cap, si)

/* Inline: a call here made its callers spill around it (~1% of a Zeek
 * conn.log's analysis with all of DDoS, task-clock). */
static inline __attribute__((always_inline)) dslot *dtab_find_h(const dtab *t, const kn_ip *k, uint64_t h)
{
    size_t mask = t->cap - 1, i = h & mask;
    for (;;) {
        dslot *s = &t->s[i];
        if (!s->used || key_eq(&s->key, k)) return s;
        i = (i + 1) & mask;
    }
}

static void touch_grow(dtab *t, size_t si);
/* Inline: once per counted entry and second (a Zeek conn.log row each). */
static inline void touch_add(dtab *t, size_t si)
{
    if (__builtin_expect(t->n_touched == t->touched_cap, 0)) { touch_grow(t, si); return; }
    t->touched[t->n_touched++] = si;
}

static __attribute__((noinline)) void touch_grow(dtab *t, size_t si)
{
    size_t cap = t->touched_cap ? t->touched_cap * 2 : 1024;
    size_t *v = realloc(t->touched, cap * sizeof *v);
    if (!v) { t->touched_lost = 1; return; }
    t->touched = v;
    t->touched_cap = cap;
    t->touched[t->n_touched++] = si;
}

static inline dslot *dtab_find(const dtab *t, const kn_ip *k) { return dtab_find_h(t, k, key_hash(k)); }

static int dtab_resize(dtab *t, size_t cap)
{
    dslot *old = t->s;
    emav *oldema = t->ema;
    size_t oldcap = t->cap;
    dslot *n = slots_alloc(cap);
    emav *nema = calloc(cap, sizeof *nema);
    uint64_t *nocc = calloc(cap / 64, sizeof *nocc);
    if (!n || !nema || !nocc) { free(n); free(nema); free(nocc); return -1; }
    t->s = n;
    t->ema = nema;
    t->cap = cap;
    t->count = 0;
    t->n_dead = 0;
    t->n_new = t->n_revived = 0;
    t->n_touched = 0;
    t->touched_lost = 0;
    uint64_t *oldocc = t->occ;
    DTAB_EACH_BITS(oldocc, oldcap, i) {   /* live entries only: the dead are dropped */
        dslot *d = dtab_find(t, &old[i].key);
        *d = old[i];
        size_t ni = (size_t)(d - n);
        nema[ni] = oldema[i];
        nocc[ni / 64] |= 1ull << (ni % 64);
        if (d->e.atk) d->e.atk->si = ni;
        if (d->flags & F_TOUCHED) touch_add(t, ni);
        t->count++;
    }
    free(old);
    free(oldema);
    free(oldocc);
    t->occ = nocc;
    t->last = NULL;
    t->dead = 0;
    if (t->pcache) memset(t->pcache, 0, sizeof *t->pcache << PCACHE_BITS);
    return 0;
}

static void dtab_erase_dead(dtab *t);

/* Room for one more occupied slot: erases the dead slots when they are
 * more than half of those occupied (destinations not coming back: a
 * flood), else doubles the table (dead entries dropped), so that
 * destinations that come back find their slot. Entries move. */
static int dtab_make_room(dtab *t)
{
    t->last = NULL;
    if (t->n_dead > t->count) {
        dtab_erase_dead(t);
        if ((t->count + t->n_dead + 1) * 4 <= t->cap * 3) return 0;
    }
    return dtab_resize(t, t->cap * 2);
}

/* Entry for key, inserting a zeroed one (*created = 1); NULL when full. */
/* h: key_hash(k), or 0 to have it computed here only when the one-entry
 * cache misses (runs of packets to one destination skip the hash). */
static inline __attribute__((always_inline)) entry *dtab_put_h(dtab *t, const kn_ip *k, uint64_t h, int *created)
{
    if (t->last && key_eq(&t->last->key, k)) { *created = 0; return &t->last->e; }
    if (!h) h = key_hash(k);
    dslot *s = dtab_find_h(t, k, h);
    size_t si = (size_t)(s - t->s);
    if (s->used && dtab_live(t, si)) { *created = 0; t->last = s; return &s->e; }
    if (t->count >= t->max_count) return NULL;
    if (s->used) {
        t->n_dead--;   /* revived: a new entry in the dead one's slot */
        t->n_revived++;
    } else {
        if ((t->count + t->n_dead + 1) * 4 > t->cap * 3) {
            if (dtab_make_room(t) != 0) return NULL;
            s = dtab_find(t, k);
            si = (size_t)(s - t->s);
        }
        t->n_new++;
    }
    t->occ[si / 64] |= 1ull << (si % 64);
    memset(s, 0, sizeof *s);
    /* The averages are zeroed when the entry is first closed, that same
     * second (every new entry is on a touched list), where the pass
     * prefetches them, rather than here, where the line is cold: half the
     * rows of a Zeek conn.log bring back an entry a sweep killed (task-clock
     * there: -5 to -15 ms of ~160 ms; on EVE, whose few thousand live hosts
     * stay in L2, +2 ms of ~17 ms). */
    s->flags = F_FRESH;
    s->key = *k;
    s->used = 1;
    t->count++;
    *created = 1;
    t->last = s;
    return &s->e;
}

/* (inline: its one caller, add_to_prefix, runs once per host counted in a
 * second; as a call it was ~56 instructions a Zeek conn.log row, callgrind) */
static inline __attribute__((always_inline)) entry *dtab_put(dtab *t, const kn_ip *k, int *created) { return dtab_put_h(t, k, key_hash(k), created); }

static entry *dtab_get(const dtab *t, const kn_ip *k)
{
    dslot *s = dtab_find(t, k);
    return s->used && dtab_live(t, (size_t)(s - t->s)) ? &s->e : NULL;
}

/* The entry in slot si dies: it stays in place (its slot index holds for
 * the rest of the pass: pending alerts, the attack list) until erased. */
static void dtab_mark_dead(dtab *t, size_t si)
{
    assert(dtab_live(t, si));   /* (not the slot's byte: sweeps do not read slots) */
    t->occ[si / 64] &= ~(1ull << (si % 64));
    t->count--;
    t->n_dead++;
    t->dead++;
}

/* Erases every dead slot in one pass in slot order (sequential memory
 * instead of a probe per key): starting after a free slot, each live entry
 * moves back to the first free slot between its home and itself. Slots
 * before it in its run are final when it is reached, so no run is left
 * with a hole. Entries move: the touched list is rebuilt. */
static void dtab_erase_dead(dtab *t)
{
    size_t mask = t->cap - 1, z = 0;
    while (t->s[z].used) z++;   /* load < 1: a free slot exists */
    for (size_t k = 1; k <= mask; k++) {
        size_t i = (z + k) & mask;
        dslot *si = &t->s[i];
        if (!si->used) continue;
        if (!dtab_live(t, i)) {
            si->used = 0;
            t->n_dead--;
            continue;
        }
        size_t j = key_hash(&si->key) & mask;
        while (j != i && t->s[j].used) j = (j + 1) & mask;
        if (j == i) continue;
        t->s[j] = *si;
        t->ema[j] = t->ema[i];
        if (t->s[j].e.atk) t->s[j].e.atk->si = j;
        t->occ[j / 64] |= 1ull << (j % 64);
        si->used = 0;
        t->occ[i / 64] &= ~(1ull << (i % 64));
    }
    t->n_new = t->n_revived = 0;
    t->n_touched = 0;
    t->touched_lost = 0;
    DTAB_EACH(t, si)
        if (t->s[si].flags & F_TOUCHED) touch_add(t, si);
    if (t->pcache) memset(t->pcache, 0, sizeof *t->pcache << PCACHE_BITS);
}

/* End of a pass: shrinks a table that emptied out after a flood. */
static void dtab_compact(dtab *t)
{
    t->last = NULL;
    if (!t->dead) return;
    /* Shrink only below what this second needed: under a steady flood of
     * new destinations the table keeps its size instead of shrinking and
     * regrowing every second. */
    size_t live = t->count, cap = t->cap, need = t->count + t->dead;
    t->dead = 0;
    while (cap > 1024 && live * 8 < cap && (cap / 2) * 3 >= need * 4) cap /= 2;
    if (cap != t->cap && dtab_resize(t, cap) == 0) return;   /* out of memory: the old one stays */
    /* Many dead slots and few of their keys came back (a flood of new
     * destinations): erased now rather than when the table fills, as
     * every new key's probe would walk through them (perf: a 1 Mpps
     * random-destination flood, 6% slower). */
    if (t->n_dead > t->count && t->n_dead * 8 > t->cap && t->n_revived * 8 < t->n_new) dtab_erase_dead(t);
}

/* One packet or flow, resolved to the entry key it counts on. */
typedef struct counted {
    kn_ip key, peer;
    uint64_t kh, fh, pk, by;
    uint32_t nflows;
    uint16_t sport, dport;
    uint8_t proto, flags, cat, sampled;
    uint8_t frag;           /* classify()'s: cat is CAT_LATER until needed (flow records) */
} counted;

#define CAT_LATER 0xff

typedef struct pending_alert {
    kn_ip key;
    kn_time ts;
    size_t si;
    int end;
} pending_alert;

/* A host group's (or the prefixes') packet and byte thresholds as integer
 * counts, for the test made on every count (account): pkts >= pps is
 * pkts >= ceil(pps) for an integer count, and bytes * 8 >= bps is
 * bytes >= ceil(bps / 8) while bytes is exact as a double (< 2^53); a
 * trigger that is off, or that no count can reach, is UINT64_MAX. Each
 * double test was ~10 instructions a Zeek conn.log row (callgrind). */
typedef struct thr_count {
    uint64_t pkts, bytes, flows;   /* flows: for flow records (nflows), an exact count */
    int bytes_big;        /* bytes threshold >= 2^53: counts there are confirmed with the double test */
    double bps, fps;      /* the thresholds themselves (soc_ddos_thr's), for the double tests */
} thr_count;

typedef struct ddos {
    soc_ddos_config cfg;
    thr_count *group_counts;    /* per host group (cfg.groups) */
    thr_count prefix_counts;
    int ok;
    dtab hosts, prefixes;
    int64_t cur_sec;            /* second being accumulated; 0 = none yet */
    uint64_t next_id;
    uint64_t untracked_pkts;
    uint64_t attacks_started;
    size_t n_tracked;           /* attack structs alive */
    size_t n_prefix_runs;       /* prefix entries with an attack struct (tracked per packet) */
    double alpha;               /* 1 / average */
    pending_alert *pending;     /* alerts of the pass in progress (flush_alerts) */
#define COUNT_RING 8
    counted ring[COUNT_RING];   /* flow records waiting for their prefetched slot (ring_flush) */
    unsigned ring_head, ring_n;
#define DECAY_TABLE 64
    double decay[DECAY_TABLE];  /* (1 - alpha)^n */
    size_t n_pending, pending_cap;
} ddos;

#define MAX_TRACKED 100000

static uint64_t count_at_least(double x)
{
    if (!(x > 0)) return UINT64_MAX;   /* off (0, or NaN) */
    double c = ceil(x);
    return c >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)c;
}

static void thr_count_init(thr_count *tc, const soc_ddos_thr *thr)
{
    tc->pkts = count_at_least(thr->pps);
    tc->flows = count_at_least(thr->fps);
    tc->bps = thr->bps;
    tc->fps = thr->fps;
    if (thr->bps > 0 && thr->bps / 8 > 9007199254740992.0) {   /* 2^53 */
        tc->bytes = 9007199254740992ull;
        tc->bytes_big = 1;
    } else {
        tc->bytes = count_at_least(thr->bps / 8);
        tc->bytes_big = 0;
    }
}

/* (e->pkts >= thr->pps with the trigger on) || (e->bytes * 8 >= thr->bps likewise) */
static inline int over_counts(const thr_count *tc, uint32_t pkts, uint64_t bytes)
{
    return pkts >= tc->pkts || (bytes >= tc->bytes && (!tc->bytes_big || (double)bytes * 8 >= tc->bps));
}

static void *ddos_create(soc_ctx *ctx)
{
    ddos *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    kn_err e;
    kn_err_clear(&e);
    if (soc_ddos_config_load(&ctx->opt, &d->cfg, &e) != KN_OK) {
        /* The CLI validates the config before analysis; reaching here means
         * a caller skipped that, so say so and run with the defaults. */
        kn_err_print(&e);
        soc_ddos_config_free(&d->cfg);
        soc_options o;
        soc_options_defaults(&o);
        soc_ddos_config_load(&o, &d->cfg, &e);
    }
    if (dtab_init(&d->hosts, 1024, d->cfg.max_hosts) || dtab_init(&d->prefixes, 1024, d->cfg.max_hosts) ||
        !(d->prefixes.pcache = calloc((size_t)1 << PCACHE_BITS, sizeof *d->prefixes.pcache))) {
        dtab_free(&d->prefixes);
        dtab_free(&d->hosts);
        soc_ddos_config_free(&d->cfg);
        free(d);
        return NULL;
    }
    d->group_counts = calloc((size_t)d->cfg.n_groups, sizeof *d->group_counts);
    if (!d->group_counts) {
        dtab_free(&d->hosts);
        dtab_free(&d->prefixes);
        soc_ddos_config_free(&d->cfg);
        free(d);
        return NULL;
    }
    for (int g = 0; g < d->cfg.n_groups; g++) thr_count_init(&d->group_counts[g], &d->cfg.groups[g].thr);
    thr_count_init(&d->prefix_counts, &d->cfg.prefix);
    d->alpha = 1.0 / d->cfg.avg_seconds;
    for (int n = 0; n < DECAY_TABLE; n++) d->decay[n] = pow(1.0 - d->alpha, n);
    d->ok = 1;
    return d;
}

static void free_entries(dtab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->s[i].used) free(t->s[i].e.atk);
}

static void ddos_destroy(void *self)
{
    ddos *d = self;
    if (!d) return;
    free_entries(&d->hosts);
    free_entries(&d->prefixes);
    dtab_free(&d->hosts);
    dtab_free(&d->prefixes);
    soc_ddos_config_free(&d->cfg);
    free(d->group_counts);
    free(d->pending);
    free(d);
}

/* Space-saving top-k: a small array; the minimum is replaced when full. */
static void topk_add(topk *t, int *n, const kn_ip *key, uint64_t w)
{
    int min = 0;
    for (int i = 0; i < *n; i++) {
        if (memcmp(&t[i].key, key, sizeof *key) == 0) { t[i].n += w; return; }
        if (t[i].n < t[min].n) min = i;
    }
    if (*n < TOPK) { t[*n].key = *key; t[*n].n = w; t[*n].err = 0; (*n)++; return; }
    t[min].key = *key;
    t[min].err = t[min].n;
    t[min].n += w;
}

static void topp_add(topp *t, int *n, uint32_t key, uint64_t w)
{
    int min = 0;
    for (int i = 0; i < *n; i++) {
        if (t[i].key == key) { t[i].n += w; return; }
        if (t[i].n < t[min].n) min = i;
    }
    if (*n < TOPK) { t[*n].key = key; t[*n].n = w; t[*n].err = 0; (*n)++; return; }
    t[min].key = key;
    t[min].err = t[min].n;
    t[min].n += w;
}

/* A new attack struct for the entry in slot si of t, on t's attack list. */
static attack *new_attack(ddos *d, dtab *t, size_t si)
{
    if (d->n_tracked >= MAX_TRACKED) return NULL;
    if (t->n_atks == t->atks_cap) {
        size_t cap = t->atks_cap ? t->atks_cap * 2 : 64;
        attack **v = realloc(t->atks, cap * sizeof *v);
        if (!v) return NULL;
        t->atks = v;
        t->atks_cap = cap;
    }
    attack *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    d->n_tracked++;
    a->si = si;
    a->li = t->n_atks;
    t->atks[t->n_atks++] = a;
    return a;
}

static void free_attack(ddos *d, dtab *t, entry *e)
{
    attack *a = e->atk;
    if (!a) return;
    assert(a->li < t->n_atks && t->atks[a->li] == a);
    attack *last = t->atks[--t->n_atks];
    t->atks[a->li] = last;
    last->li = a->li;
    free(a);
    e->atk = NULL;
    d->n_tracked--;
}

/* Detail of a tracked run. Counts by category, protocol and flag are exact;
 * the top-k tables are fed every packet up to 1024 packets in a second and
 * then every 8th packet with weight 8 (scanning three 16-entry tables per
 * packet of a multi-Mpps flood was 15% of the packet path). */
static inline void track(attack *a, const kn_ip *src, uint16_t sport, uint16_t dport, uint8_t proto, uint8_t flags,
                         int cat, uint64_t pk, uint32_t nth)
{
    a->cat[cat] += pk;
    if (nth < 1024 || (nth & 7) == 0) {
        uint64_t w = nth < 1024 ? pk : pk * 8;
        topk_add(a->src, &a->nsrc, src, w);
        if (proto == 6 || proto == 17) {
            topp_add(a->sport, &a->nsport, sport, w);
            topp_add(a->dport, &a->ndport, dport, w);
        }
    }
    if (proto == 6) {
        a->proto_tcp += pk;
        for (int b = 0; b < 6; b++) if (flags & (1u << b)) a->flags[b] += pk;
    } else if (proto == 17) a->proto_udp += pk;
    else if (proto == 1 || proto == 58) a->proto_icmp += pk;
    else a->proto_other += pk;
}

static inline void hll_add(uint8_t *hll, uint64_t h)
{
    unsigned idx = h & 15;
    uint64_t w = h >> 4;
    uint8_t r = w ? (uint8_t)(__builtin_ctzll(w) + 1) : 61;
    if (r > hll[idx]) hll[idx] = r;
}

/* Distinct flows of a second, for packets (flow records count one each).
 * Up to 8 distinct flows are counted exactly: entry.hll holds their 16-bit
 * fingerprints (the flow hash's low bits; 0 stands for a free place).
 * The 9th turns the 16 bytes into 16 HyperLogLog registers (F_HLL), filled
 * from the fingerprints: register index and rank come from the hash's low
 * bits either way, ranks from a fingerprint stop at 13. The registers
 * alone were about 25% off at small counts (16 registers). */
static inline void hll_add_fp(uint8_t *hll, uint16_t fp)
{
    unsigned idx = fp & 15, w = fp >> 4;
    uint8_t r = w ? (uint8_t)(__builtin_ctz(w) + 1) : 13;
    if (r > hll[idx]) hll[idx] = r;
}

static void flows_to_hll(uint8_t *hll, uint8_t *flags)
{
    uint16_t fp[8];
    memcpy(fp, hll, sizeof fp);
    memset(hll, 0, 16);
    for (int i = 0; i < 8; i++) if (fp[i]) hll_add_fp(hll, fp[i]);
    *flags |= F_HLL;
}

/* Adds the flow whose hash is fh (fp_only: only its fingerprint is known). */
static inline void flows_add(uint8_t *hll, uint8_t *flags, uint64_t fh, int fp_only)
{
    uint16_t fp = (uint16_t)fh;
    if (!fp) fp = 0x10;   /* nonzero, same register */
    if (!(*flags & F_HLL)) {
        for (int i = 0; i < 16; i += 2) {
            uint16_t v;
            memcpy(&v, hll + i, 2);
            if (v == fp) return;
            if (!v) { memcpy(hll + i, &fp, 2); return; }
        }
        flows_to_hll(hll, flags);
    }
    if (fp_only) hll_add_fp(hll, fp);
    else hll_add(hll, fh);
}

static double hll_estimate(const uint8_t *hll);

static double flows_estimate(const uint8_t *hll, uint8_t flags)
{
    if (flags & F_HLL) return hll_estimate(hll);
    int n = 0;
    for (int i = 0; i < 16; i += 2) n += hll[i] || hll[i + 1];
    return n;
}

static double hll_pow2neg[64];   /* 2^-r, filled on first use */

static double hll_estimate(const uint8_t *hll)
{
    if (hll_pow2neg[0] == 0)
        for (int r = 0; r < 64; r++) hll_pow2neg[r] = ldexp(1.0, -r);
    double sum = 0;
    int zeros = 0;
    for (int i = 0; i < 16; i++) {
        sum += hll_pow2neg[hll[i] & 63];
        if (!hll[i]) zeros++;
    }
    if (zeros == 16) return 0;
    double est = 0.673 * 256.0 / sum;
    if (est <= 40 && zeros) est = 16.0 * log(16.0 / zeros);
    return est;
}

static inline void prefix_of(kn_ip *k, const kn_ip *ip);

/* The vector category of c: flow records leave it to be worked out only
 * for the few counted on an entry whose detail is tracked. */
static inline int counted_cat(const counted *c)
{
    return c->cat != CAT_LATER ? c->cat : classify(c->proto, c->flags, c->frag, c->sport);
}

/* Counts one packet or flow (c) on the entry for `key` of t (c->key for
 * hosts; its prefix when the host table is full). nflows is c->nflows,
 * a constant in the flow records' path (count_flow), which then compiles
 * without the packets' distinct-flow counting. */
/* Returns 1 if counted, 0 if the table is full. */
static inline __attribute__((always_inline)) int account(ddos *d, dtab *t, const kn_ip *key, uint64_t kh, int is_prefix,
                                                         const counted *c, uint32_t nflows)
{
    int created;
    entry *e = dtab_put_h(t, key, kh, &created);
    if (!e) {
        if (!is_prefix) d->untracked_pkts += c->pk;   /* the warning counts packets without a host entry, once */
        return 0;
    }
    if (created && !is_prefix && d->cfg.n_groups > 1) {
        int64_t g;
        if (kn_cidrset_lookup(d->cfg.group_prefixes, key, &g, NULL)) SLOT_OF(e)->group = (uint16_t)g;
    }
    dslot *slot = SLOT_OF(e);
    if (!(slot->flags & F_TOUCHED)) {
        slot->flags |= F_TOUCHED;
        touch_add(t, (size_t)(slot - t->s));
    }
    e->pkts += (uint32_t)c->pk;
    e->bytes += c->by;
    e->nflows += nflows;
    if (c->sampled) slot->flags |= F_SAMPLED;
    if (!nflows) flows_add(e->hll, &slot->flags, c->fh, 0);
    if (e->atk) {
        track(e->atk, &c->peer, c->sport, c->dport, c->proto, c->flags, counted_cat(c), c->pk, e->pkts);
    } else {
        const thr_count *tc = is_prefix ? &d->prefix_counts : &d->group_counts[slot->group];
        if (__builtin_expect(over_counts(tc, e->pkts, e->bytes), 0)) {
            /* this second went over a threshold: start tracking detail now */
            e->atk = new_attack(d, t, (size_t)(slot - t->s));
            if (e->atk) track(e->atk, &c->peer, c->sport, c->dport, c->proto, c->flags, counted_cat(c), c->pk, 0);
        }
    }
    return 1;
}

/* The host table full: counted straight into the prefix (rare: not inlined). */
static __attribute__((noinline, cold)) void account_prefix(ddos *d, const counted *c, uint32_t nflows)
{
    kn_ip pkey;
    prefix_of(&pkey, &c->key);
    account(d, &d->prefixes, &pkey, key_hash(&pkey), 1, c, nflows);
}

/* Built as three words and stored whole: byte stores into the copied key
 * made key_hash's word loads of it wait (failed store forwarding; perf:
 * a quarter of the per-second pass on a Zeek conn.log). The masks are
 * byte arrays, so this holds in either byte order. */
static inline void prefix_of(kn_ip *k, const kn_ip *ip)
{
    static const uint8_t v4_low_mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};   /* b[8..15]: clear b[15] */
    static const uint8_t fw_mask[4] = {0xff, 0xff, 0, 0xff}, fw_set[4] = {0, 0, 1, 0};   /* pad[1] = 1 */
    uint64_t hi = ld64(ip->b), lo = ld64(ip->b + 8);
    uint32_t fw = ld32(&ip->family);
    lo = ip->family == 4 ? lo & ld64(v4_low_mask) : 0;
    fw = (fw & ld32(fw_mask)) | ld32(fw_set);
    memcpy(k->b, &hi, 8);
    memcpy(k->b + 8, &lo, 8);
    memcpy(&k->family, &fw, 4);
}

/* Resolves direction, vector category and hashes; 0 when not counted. */
/* lazy_cat: leave the category to counted_cat (flow records). */
static inline __attribute__((always_inline)) int count_prep(const soc_ctx *ctx, counted *c, const kn_ip *src, const kn_ip *dst, uint16_t sport,
                             uint16_t dport, uint8_t proto, uint8_t flags, uint8_t frag, uint64_t pk, uint64_t by,
                             uint32_t nflows, int sampled, int lazy_cat)
{
    const kn_ip *victim = dst, *peer = src;
    uint8_t dir = 0;
    if (ctx->opt.home_net) {
        int64_t v;
        if (kn_cidrset_lookup(ctx->opt.home_net, dst, &v, NULL)) dir = 0;
        else if (kn_cidrset_lookup(ctx->opt.home_net, src, &v, NULL)) { dir = 1; victim = src; peer = dst; }
        else return 0;   /* transit between foreign networks: not ours to defend */
    }
    c->cat = lazy_cat ? CAT_LATER : (uint8_t)classify(proto, flags, frag, sport);
    c->frag = frag;
    /* the flow hash feeds the distinct-flow count of packets only (flow
     * records count one each): not computed for flow records */
    c->fh = nflows ? 0
                   : kn_hash_u64(((uint64_t)kn_ip_v4u32(peer) << 32 | (uint64_t)sport << 16 | dport) ^
                                 ((uint64_t)peer->b[0] << 56 | (uint64_t)peer->b[1] << 48 | (uint64_t)peer->b[7] << 40));
    /* the key's last word (family, direction, pad) is built in a register
     * and stored once: a byte store into it right after the copy made the
     * hash's 4-byte load of that word wait (store forwarding; perf on the
     * packet path) */
    memcpy(c->key.b, victim->b, 16);
    uint8_t fw[4];
    memcpy(fw, &victim->family, 4);
    fw[1] = dir;
    uint32_t w;
    memcpy(&w, fw, 4);
    memcpy(&c->key.family, &w, 4);
    c->kh = 0;   /* computed when needed (dtab_put_h) or by the caller */
    c->peer = *peer;
    c->pk = pk;
    c->by = by;
    c->nflows = nflows;
    c->sport = sport;
    c->dport = dport;
    c->proto = proto;
    c->flags = flags;
    c->sampled = (uint8_t)sampled;
    return 1;
}

/* nflows: c->nflows (see account). */
static inline __attribute__((always_inline)) void count_apply_n(ddos *d, const counted *c, uint32_t nflows)
{
    if (account(d, &d->hosts, &c->key, c->kh, 0, c, nflows)) {
        /* Prefix totals are summed from the hosts once a second; only a
         * prefix whose run is being tracked needs this packet's detail. */
        if (!d->n_prefix_runs) return;
        kn_ip pkey;
        prefix_of(&pkey, &c->key);
        entry *pe = dtab_get(&d->prefixes, &pkey);
        if (pe && pe->atk) track(pe->atk, &c->peer, c->sport, c->dport, c->proto, c->flags, counted_cat(c), c->pk, 0);
        return;
    }
    account_prefix(d, c, nflows);
}

static inline __attribute__((always_inline)) void count_apply(ddos *d, const counted *c) { count_apply_n(d, c, c->nflows); }

/* A flow record from the ring: nflows is 1 for every one. Inlined where
 * the ring is full (each record of a steady stream; the call's register
 * saves were ~15 instructions a Zeek conn.log row, callgrind); a call from
 * ring_flush. */
static inline __attribute__((always_inline)) void count_flow_inline(ddos *d, const counted *c)
{
    assert(c->nflows == 1);
    count_apply_n(d, c, 1);
}
static __attribute__((noinline)) void count_flow(ddos *d, const counted *c) { count_flow_inline(d, c); }

/* Flow records wait in a short ring after their host slot is prefetched,
 * so the host table's cache misses overlap: one random lookup per record
 * in a table larger than L2 was a third of the DDoS analyzer on NetFlow
 * and Zeek conn.log input (perf). Order is kept, and every other entry
 * point (packets, ticks, finish) empties the ring first, so the counts are
 * those of counting each record at once. */
static void ring_flush(ddos *d)
{
    for (; d->ring_n; d->ring_n--, d->ring_head = (d->ring_head + 1) % COUNT_RING)
        count_flow(d, &d->ring[d->ring_head]);
}

static void ddos_on_packet(void *self, soc_ctx *ctx, const soc_pkt *p)
{
    ddos *d = self;
    if (!p->ip_version) return;
    if (d->ring_n) ring_flush(d);
    uint32_t rate = p->sample_rate ? p->sample_rate : 1;
    counted c;
    if (count_prep(ctx, &c, &p->src, &p->dst, p->sport, p->dport, p->proto, p->tcp_flags, p->frag, rate,
                   (uint64_t)p->wire_len * rate, 0, rate > 1, 0))
        count_apply(d, &c);
}

static void ddos_on_flow(void *self, soc_ctx *ctx, const soc_flow *f)
{
    ddos *d = self;
    if (!f->dst.family || !f->src.family) return;
    /* Flow records of non-first fragments carry no ports: routers export
     * them as TCP/UDP with both ports 0 (no real service uses port 0). */
    int frag = f->frag | (((f->proto == 17) | (f->proto == 6)) & ((f->sport | f->dport) == 0));
    counted *c = &d->ring[(d->ring_head + d->ring_n) % COUNT_RING];
    if (d->ring_n == COUNT_RING) {   /* full: the oldest goes in first, its slot takes this one */
        count_flow_inline(d, &d->ring[d->ring_head]);
        d->ring_head = (d->ring_head + 1) % COUNT_RING;
        d->ring_n--;
    }
    if (!count_prep(ctx, c, &f->src, &f->dst, f->sport, f->dport, f->proto, f->tcp_flags, frag ? 2 : 0, f->packets,
                    f->bytes, 1, f->sampling > 1, 1))
        return;
    c->kh = key_hash(&c->key);
    /* and the slot after it: a quarter of the lookups probe on (a table
     * kept up to 3/4 full; 1.33 probes a lookup on a Zeek conn.log), and
     * the second line's miss was half of dtab_find_h's samples (perf) */
    size_t home = c->kh & (d->hosts.cap - 1);
    __builtin_prefetch(&d->hosts.s[home]);
    __builtin_prefetch(&d->hosts.s[(home + 1) & (d->hosts.cap - 1)]);
    d->ring_n++;
}

/* ---- vectors and alerts -------------------------------------------------------- */

static void decide_vector(attack *a)
{
    uint64_t c[NCAT];
    memcpy(c, a->cat, sizeof c);
    /* fragments of amplification responses belong to the amplification */
    int best_amp = -1;
    for (int i = C_AMP_DNS; i < NCAT; i++)
        if (c[i] && (best_amp < 0 || c[i] > c[best_amp])) best_amp = i;
    if (best_amp >= 0 && c[C_FRAG]) { c[best_amp] += c[C_FRAG]; c[C_FRAG] = 0; }
    uint64_t total = 0;
    for (int i = 0; i < NCAT; i++) total += c[i];
    a->nvec = 0;
    if (!total) { snprintf(a->vector, sizeof a->vector, "unknown"); return; }
    int top = 0;
    for (int i = 1; i < NCAT; i++) if (c[i] > c[top]) top = i;
    for (int i = 0; i < NCAT; i++)
        if (c[i] * 5 >= total) a->vec_list[a->nvec++] = (uint8_t)i;   /* >= 20% */
    if (c[top] * 10 >= total * 6 || a->nvec < 2) {
        snprintf(a->vector, sizeof a->vector, "%s", cat_vector[top]);
    } else {
        snprintf(a->vector, sizeof a->vector, "multi_vector");
    }
}

static int cmp_topk(const void *x, const void *y)
{
    const topk *a = x, *b = y;
    uint64_t an = a->n - a->err, bn = b->n - b->err;
    return an < bn ? 1 : an > bn ? -1 : kn_ip_cmp(&a->key, &b->key);
}
static int cmp_topp(const void *x, const void *y)
{
    const topp *a = x, *b = y;
    uint64_t an = a->n - a->err, bn = b->n - b->err;
    return an < bn ? 1 : an > bn ? -1 : (a->key > b->key) - (a->key < b->key);
}

static void emit_alert(ddos *d, soc_ctx *ctx, const kn_ip *key, int is_prefix, entry *e, int end, kn_time now)
{
    attack *a = e->atk;
    char rid[64], rname[96], ipb[KN_IP_STRLEN];
    snprintf(rid, sizeof rid, "kensa.ddos.%s", a->vector);
    snprintf(rname, sizeof rname, "DDoS %s%s", is_prefix ? "carpet bombing: " : "", a->vector);
    soc_alert_hdr h = {
        .ts = now, .rule_id = rid, .rule_name = rname, .category = "ddos", .severity = 2,
        .action = end ? "attack_end" : "attack_start", .start = a->run_start, .end = end ? a->last_above_end : 0,
    };
    kn_json *j = soc_alert_begin(ctx, &h);
    kn_ip ip = *key;
    ip.pad[0] = ip.pad[1] = 0;
    int outbound = key->pad[0] == 1;
    soc_alert_endpoint(j, outbound ? "source" : "destination", &ip, 0);
    kn_json_key(j, "ddos");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "attack_id", a->id);
    kn_json_kstr(j, "scope", is_prefix ? "prefix" : "host");
    if (is_prefix) {
        kn_cidr c = {ip, (uint8_t)(ip.family == 4 ? 24 : 64)};
        char cb[KN_IP_STRLEN + 4];
        kn_json_kstr(j, "prefix", kn_cidr_format(&c, cb));
    }
    kn_json_kstr(j, "direction", outbound ? "outbound" : "inbound");
    kn_json_kstr(j, "vector", a->vector);
    uint64_t tracked = 0;
    for (int i = 0; i < NCAT; i++) tracked += a->cat[i];
    kn_json_key(j, "vectors");
    kn_json_arr_begin(j);
    for (int i = 0; i < a->nvec; i++) {
        int c = a->vec_list[i];
        kn_json_obj_begin(j);
        kn_json_kstr(j, "vector", cat_vector[c]);
        kn_json_kdouble(j, "share", tracked ? (double)a->cat[c] / (double)tracked : 0);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_kstr(j, "trigger", a->trigger ? a->trigger : "pps");
    kn_json_kdouble(j, "peak_pps", a->peak_pps);
    kn_json_kdouble(j, "peak_bps", a->peak_bps);
    kn_json_kdouble(j, "peak_flows", a->peak_fps);
    kn_json_kdouble(j, "avg_pps_at_detection", a->detect_avg_pps);
    kn_json_kdouble(j, "avg_bps_at_detection", a->detect_avg_bps);
    kn_json_kuint(j, "packets", a->packets);
    kn_json_kuint(j, "bytes", a->bytes);
    kn_json_kbool(j, "sampled", (SLOT_OF(e)->flags & F_SAMPLED) != 0);
    if (a->detected > a->run_start) kn_json_kdouble(j, "detection_delay_s", (double)(a->detected - a->run_start) / 1e9);
    const soc_ddos_thr *thr = is_prefix ? &d->cfg.prefix : &d->cfg.groups[SLOT_OF(e)->group].thr;
    kn_json_key(j, "threshold");
    kn_json_obj_begin(j);
    if (!is_prefix) kn_json_kstr(j, "group", d->cfg.groups[SLOT_OF(e)->group].name);
    kn_json_kdouble(j, "pps", thr->pps);
    kn_json_kdouble(j, "mbps", thr->bps / 1e6);
    kn_json_kdouble(j, "flows", thr->fps);
    kn_json_kint(j, "average_s", d->cfg.avg_seconds);
    kn_json_obj_end(j);
    qsort(a->src, (size_t)a->nsrc, sizeof *a->src, cmp_topk);
    qsort(a->sport, (size_t)a->nsport, sizeof *a->sport, cmp_topp);
    qsort(a->dport, (size_t)a->ndport, sizeof *a->dport, cmp_topp);
    kn_json_key(j, "top_sources");
    kn_json_arr_begin(j);
    for (int i = 0; i < a->nsrc && i < 10; i++) {
        kn_json_obj_begin(j);
        kn_json_kstr(j, "ip", kn_ip_format(&a->src[i].key, ipb));
        kn_json_kuint(j, "packets", a->src[i].n - a->src[i].err);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_key(j, "top_source_ports");
    kn_json_arr_begin(j);
    for (int i = 0; i < a->nsport && i < 10; i++) {
        kn_json_obj_begin(j);
        kn_json_kuint(j, "port", a->sport[i].key);
        kn_json_kuint(j, "packets", a->sport[i].n - a->sport[i].err);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_key(j, "top_destination_ports");
    kn_json_arr_begin(j);
    for (int i = 0; i < a->ndport && i < 10; i++) {
        kn_json_obj_begin(j);
        kn_json_kuint(j, "port", a->dport[i].key);
        kn_json_kuint(j, "packets", a->dport[i].n - a->dport[i].err);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    static const char *const fname[6] = {"fin", "syn", "rst", "psh", "ack", "urg"};
    kn_json_key(j, "tcp_flags");
    kn_json_obj_begin(j);
    for (int b = 0; b < 6; b++) kn_json_kuint(j, fname[b], a->flags[b]);
    kn_json_obj_end(j);
    kn_json_key(j, "protocols");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "tcp", a->proto_tcp);
    kn_json_kuint(j, "udp", a->proto_udp);
    kn_json_kuint(j, "icmp", a->proto_icmp);
    kn_json_kuint(j, "other", a->proto_other);
    kn_json_obj_end(j);
    kn_json_kuint(j, "fragments", a->cat[C_FRAG]);
    kn_json_obj_end(j);
    soc_alert_end(ctx);
}

/* Does any host of this prefix have an attack (started or running)? Prefixes
 * are few compared to packets, so this is a per-prefix check at tick time
 * with 256 lookups only for IPv4 /24s that crossed their threshold. */
static int prefix_has_host_attack(ddos *d, const kn_ip *pkey)
{
    kn_ip k = *pkey;
    k.pad[1] = 0;
    if (pkey->family == 4 && d->hosts.n_atks > 256) {
        for (int i = 0; i < 256; i++) {
            k.b[15] = (uint8_t)i;
            entry *e = dtab_get(&d->hosts, &k);
            if (e && e->atk && e->atk->active) return 1;
        }
        return 0;
    }
    /* the hosts with an attack struct are few: look through them */
    for (size_t i = 0; i < d->hosts.n_atks; i++) {
        const attack *a = d->hosts.atks[i];
        const dslot *sl = &d->hosts.s[a->si];
        kn_ip hp;
        prefix_of(&hp, &sl->key);
        if (a->active && key_eq(&hp, pkey)) return 1;
    }
    return 0;
}

/* Alerts of one pass wait in d->pending and go out sorted by time, then
 * address, then start before end: the walk's slot order depends on the
 * table's history (in-place deletion moves entries), and alert order and
 * attack ids should depend on the data alone. Entries stay put until
 * dtab_compact, so slot indexes hold until then. */
static void defer_alert(ddos *d, size_t si, const kn_ip *key, int end, kn_time ts)
{
    if (d->n_pending == d->pending_cap) {
        size_t cap = d->pending_cap ? d->pending_cap * 2 : 64;
        pending_alert *p = realloc(d->pending, cap * sizeof *p);
        if (!p) abort();   /* a few per attack; nothing sensible to drop */
        d->pending = p;
        d->pending_cap = cap;
    }
    d->pending[d->n_pending++] = (pending_alert){*key, ts, si, end};
}

static int cmp_pending(const void *x, const void *y)
{
    const pending_alert *a = x, *b = y;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    int c = kn_ip_cmp(&a->key, &b->key);
    if (c) return c;
    if (a->key.pad[0] != b->key.pad[0]) return a->key.pad[0] < b->key.pad[0] ? -1 : 1;
    return a->end - b->end;
}

static void flush_alerts(ddos *d, soc_ctx *ctx, dtab *t, int is_prefix)
{
    if (!d->n_pending) return;
    qsort(d->pending, d->n_pending, sizeof *d->pending, cmp_pending);
    for (size_t i = 0; i < d->n_pending; i++) {
        const pending_alert *p = &d->pending[i];
        dslot *slot = &t->s[p->si];
        assert(slot->e.atk && key_eq(&slot->key, &p->key));
        if (!p->end) slot->e.atk->id = ++d->next_id;
        emit_alert(d, ctx, &slot->key, is_prefix, &slot->e, p->end, p->ts);
    }
    for (size_t i = 0; i < d->n_pending; i++)
        if (d->pending[i].end) free_attack(d, t, &t->s[d->pending[i].si].e);
    d->n_pending = 0;
}

/* (1 - alpha)^n: the decay of an average over n seconds without traffic */
static double decay(const ddos *d, uint32_t n)
{
    if (n < DECAY_TABLE) return d->decay[n];
    return n > 100000 ? 0 : pow(1.0 - d->alpha, (double)n);
}

/* The averages' arithmetic, shared by close_entry and close_quiet so that
 * both produce the same floats bit for bit. */
static inline void ema_scale(emav *m, double k)
{
    m->pps = (float)(m->pps * k);
    m->bps = (float)(m->bps * k);
    m->fps = (float)(m->fps * k);
}

/* Brings the averages up to the start of second sec (empty seconds since
 * they were last brought up to date). A fresh entry's are zero (decaying
 * zeros leaves them zero). */
static inline void ema_catch_up(const ddos *d, emav *m, dslot *slot, int64_t sec)
{
    if (slot->flags & F_FRESH) {
        memset(m, 0, sizeof *m);
        slot->flags &= (uint8_t)~F_FRESH;
        return;
    }
    uint32_t missed = (uint32_t)sec - m->upto - 1;
    if (missed && missed < 0x80000000u) ema_scale(m, decay(d, missed));
}

static inline void ema_add(const ddos *d, emav *m, double pps, double bps, double fps)
{
    m->pps += (float)((pps - m->pps) * d->alpha);
    m->bps += (float)((bps - m->bps) * d->alpha);
    m->fps += (float)((fps - m->fps) * d->alpha);
}

/* After the window: `gap` - 1 empty seconds pass, the counters restart. */
static inline void ema_after(const ddos *d, emav *m, entry *e, dslot *slot, int64_t sec, int64_t gap)
{
    if (gap > 1) ema_scale(m, decay(d, (uint32_t)(gap > 0x7fffffff ? 0x7fffffff : gap - 1)));
    m->upto = (uint32_t)(sec + gap - 1);
    e->pkts = 0;
    e->bytes = 0;
    e->nflows = 0;
    memset(e->hll, 0, sizeof e->hll);
    slot->flags &= (uint8_t)~F_HLL;
}

static inline double entry_fps(const dslot *slot)
{
    const entry *e = &slot->e;
    return e->nflows ? e->nflows : e->pkts ? flows_estimate(e->hll, slot->flags) : 0;
}

static inline int over_any(const soc_ddos_thr *thr, double pps, double bps, double fps)
{
    return (thr->pps > 0 && pps >= thr->pps) || (thr->bps > 0 && bps >= thr->bps) || (thr->fps > 0 && fps >= thr->fps);
}

/* close_entry for the common entry: no attack struct, this second under
 * every threshold, not the final pass. Returns 0 (nothing done) for any
 * other; what it does is what close_entry does for such an entry (same
 * helpers), minus the attack bookkeeping (perf: close_entry ran ~170
 * instructions per quiet entry, callgrind on a Zeek conn.log, where every
 * entry is quiet). */
static inline __attribute__((always_inline)) int close_quiet(ddos *d, dtab *t, int is_prefix, size_t si, int64_t sec, int64_t gap)
{
    dslot *slot = &t->s[si];
    entry *e = &slot->e;
    if (e->atk) return 0;
    const thr_count *tc = is_prefix ? &d->prefix_counts : &d->group_counts[slot->group];
    /* over_any, on the integer counts where fps is the flow records' count */
    if (over_counts(tc, e->pkts, e->bytes)) return 0;
    double fps;
    if (e->nflows) {
        if (e->nflows >= tc->flows) return 0;
        fps = e->nflows;
    } else {
        fps = e->pkts ? flows_estimate(e->hll, slot->flags) : 0;
        if (tc->fps > 0 && fps >= tc->fps) return 0;
    }
    double pps = e->pkts, bps = (double)e->bytes * 8;
    emav *m = &t->ema[si];
    ema_catch_up(d, m, slot, sec);
    ema_add(d, m, pps, bps, fps);
    int idle = e->pkts == 0;
    ema_after(d, m, e, slot, sec, gap);
    if (idle && m->pps < 1.0f) dtab_mark_dead(t, si);
    return 1;
}

/* Closes the window [sec, sec+1) for the entry in slot si and lets `gap` - 1
 * empty seconds pass after it. */
static void close_entry(ddos *d, dtab *t, int is_prefix, size_t si, int64_t sec, int64_t gap, int final)
{
    kn_time wstart = sec * KN_NS_PER_SEC, wend = wstart + KN_NS_PER_SEC;
    kn_time now = (sec + gap) * KN_NS_PER_SEC;
    kn_time quiet = (kn_time)d->cfg.quiet_seconds * KN_NS_PER_SEC;
    dslot *slot = &t->s[si];
    assert(slot->used && dtab_live(t, si));
    entry *e = &slot->e;
    emav *m = &t->ema[si];
    const kn_ip *key = &slot->key;
    int ended = 0;
    /* seconds since the averages were last brought up to date, all empty */
    ema_catch_up(d, m, slot, sec);
    const soc_ddos_thr *thr = is_prefix ? &d->cfg.prefix : &d->cfg.groups[slot->group].thr;
    double pps = e->pkts, bps = (double)e->bytes * 8, fps = entry_fps(slot);
    int above = over_any(thr, pps, bps, fps);
    ema_add(d, m, pps, bps, fps);
    double avg_pps = m->pps, avg_bps = m->bps, avg_fps = m->fps;
    attack *a = e->atk;
    if (is_prefix && above && !(a && a->active) && prefix_has_host_attack(d, key)) {
        /* a host of this prefix is the attack being reported: no
         * prefix run (and no per-packet prefix tracking) meanwhile */
        if (a) free_attack(d, t, e);
        a = NULL;
        above = 0;
    }
    if (above && !a) a = e->atk = new_attack(d, t, si);
    if (a) {
        if (!a->active && !a->packets) a->run_start = wstart;
        if (above || a->active) {
            a->packets += e->pkts;
            a->bytes += e->bytes;
            if (pps > a->peak_pps) a->peak_pps = pps;
            if (bps > a->peak_bps) a->peak_bps = bps;
            if (fps > a->peak_fps) a->peak_fps = fps;
        }
        if (above) a->last_above_end = wend;
        if (!a->active) {
            int t_pps = thr->pps > 0 && avg_pps >= thr->pps, t_bps = thr->bps > 0 && avg_bps >= thr->bps,
                t_fps = thr->fps > 0 && avg_fps >= thr->fps;
            /* a run created at this tick has no packet detail yet (no
             * vector): it starts at the next second instead */
            uint64_t seen = 0;
            for (int c = 0; c < NCAT; c++) seen += a->cat[c];
            if (above && seen && (t_pps || t_bps || t_fps)) {
                a->active = 1;
                a->detected = wend;
                a->trigger = t_pps ? "pps" : t_bps ? "mbps" : "flows";
                a->detect_avg_pps = avg_pps;
                a->detect_avg_bps = avg_bps;
                a->detect_avg_fps = avg_fps;
                decide_vector(a);
                d->attacks_started++;
                defer_alert(d, si, key, 0, wend);
            } else if (!above) {
                free_attack(d, t, e);   /* the run ended before the average confirmed it */
                a = NULL;
            }
        }
        /* `now` is the start of the next window with data: a gap in the
         * data longer than the quiet time ends the attack inside the gap */
        if (a && a->active && (final || now - a->last_above_end >= quiet)) {
            decide_vector(a);
            defer_alert(d, si, key, 1, final ? a->last_above_end : a->last_above_end + quiet);
            ended = 1;   /* freed once its alert is out */
        }
    }
    int idle = e->pkts == 0;
    ema_after(d, m, e, slot, sec, gap);
    if ((!e->atk || ended) && (final || (idle && m->pps < 1.0f))) dtab_mark_dead(t, si);
}

/* Closes the window [sec, sec+1) of table t: the entries counted in it and
 * those with an attack struct; every other entry only decays, which is
 * applied when it is next visited (close_entry, sweep_idle). */
/* Many entries counted (a flood of new destinations): visiting them in slot
 * order reads the table sequentially; in list order every visit was a
 * cache miss (perf: a random-destination flood). Also the way out when the
 * list could not grow. */
static int walk_in_slot_order(const dtab *t) { return t->touched_lost || t->n_touched > t->cap / 16; }

/* Adds host slot sl's counters of this second into its prefix in table p
 * (HyperLogLog registers merge by maximum, so prefix flows are the union's
 * estimate). */
/* The live entry for prefix key k of p (dtab_put's, through p->pcache). */
static inline __attribute__((always_inline)) dslot *prefix_slot(dtab *p, const kn_ip *k)
{
    uint64_t w = (ld64(k->b) ^ ld64(k->b + 8) ^ ((uint64_t)ld32(&k->family) << 32)) * 0x9e3779b97f4a7c15ULL;
    uint32_t *c = &p->pcache[w >> (64 - PCACHE_BITS)];
    if (*c) {
        size_t si = *c - 1;
        dslot *s = &p->s[si];
        if (key_eq(&s->key, k) && dtab_live(p, si)) return s;   /* (a slot past cap is never cached: cleared on moves) */
    }
    int created;
    entry *e = dtab_put(p, k, &created);
    if (!e) return NULL;
    dslot *s = SLOT_OF(e);
    *c = (uint32_t)(s - p->s) + 1;
    return s;
}

static inline __attribute__((always_inline)) void add_to_prefix(dtab *p, const dslot *sl)
{
    kn_ip pkey;
    prefix_of(&pkey, &sl->key);
    dslot *ps = prefix_slot(p, &pkey);
    if (!ps) return;   /* prefix table full: these packets are still counted per host */
    entry *pe = &ps->e;
    if (!(ps->flags & F_TOUCHED)) {
        ps->flags |= F_TOUCHED;
        touch_add(p, (size_t)(ps - p->s));
    }
    pe->pkts += sl->e.pkts;
    pe->bytes += sl->e.bytes;
    pe->nflows += sl->e.nflows;
    if (sl->flags & F_SAMPLED) ps->flags |= F_SAMPLED;
    if (sl->flags & F_HLL) {
        if (!(ps->flags & F_HLL)) flows_to_hll(pe->hll, &ps->flags);
        for (int r = 0; r < 16; r++) if (sl->e.hll[r] > pe->hll[r]) pe->hll[r] = sl->e.hll[r];
    } else if (ld64(sl->e.hll) | ld64(sl->e.hll + 8)) {
        for (int i = 0; i < 16; i += 2) {
            uint16_t fp;
            memcpy(&fp, sl->e.hll + i, 2);
            if (fp) flows_add(pe->hll, &ps->flags, fp, 1);
        }
    }
}

/* Closes one entry counted this second; a host's counters first go into
 * its prefix (sum_into; NULL for prefixes and the final pass). */
static inline __attribute__((always_inline)) void close_touched(ddos *d, dtab *t, int is_prefix, size_t si, int64_t sec, int64_t gap, int final,
                                 dtab *sum_into)
{
    dslot *sl = &t->s[si];
    sl->flags &= (uint8_t)~F_TOUCHED;
    if (sum_into && sl->e.pkts) add_to_prefix(sum_into, sl);
    if (final || !close_quiet(d, t, is_prefix, si, sec, gap)) close_entry(d, t, is_prefix, si, sec, gap, final);
}

#define CLOSE_AHEAD 8   /* list entries prefetched ahead of the one being closed */

static inline __attribute__((always_inline)) void close_list(ddos *d, dtab *t, int is_prefix, int64_t sec, int64_t gap,
                                                             int final, dtab *sum_into)
{
    const size_t *list = t->touched, n = t->n_touched;
    for (size_t k = 0; k < n; k++) {
        if (k + CLOSE_AHEAD < n) {
            __builtin_prefetch(&t->s[list[k + CLOSE_AHEAD]], 1);
            __builtin_prefetch(&t->ema[list[k + CLOSE_AHEAD]], 1);
        }
        close_touched(d, t, is_prefix, list[k], sec, gap, final, sum_into);
    }
}

/* Closes the window [sec, sec+1) of table t: the entries counted in it and
 * those with an attack struct; every other entry only decays, which is
 * applied when it is next visited (close_entry, sweep_idle). The hosts'
 * pass also sums each host into its prefix, before the prefixes' pass
 * (one visit per host instead of two; the slot and its averages are
 * prefetched a few list entries ahead, as in list order each is a cache
 * miss: perf, Zeek conn.log).
 * Tried and dropped: leaving a quiet host-second (flow records only, no
 * attack struct, under every threshold) pending in the counters and
 * folding it into the averages when the host is next counted, or in a
 * sweep, with flow records summed into their prefix as they are counted.
 * The alerts were the same, but on a Zeek conn.log every row is a distinct
 * host-second, so each second is still folded once, and the work only
 * moved: folded at the next count (the averages' line a second miss in
 * the counting path) the DDoS part went from ~140 to ~153 ms (256 MiB,
 * task-clock medians), folded or computed in the sweeps (which then read
 * every live slot, not just the averages) to ~160 ms; the per-record
 * prefix sums cost what add_to_prefix does here. Moving the averages into
 * the slot (the flow registers to a side array) saved nothing measurable
 * either: this pass is bound by its instructions, ~150 a host.
 * Also tried, each with the same alerts and no better than noise (256 MiB
 * Zeek conn.log slice, DDoS part ~125 ms, task-clock medians of 7 to 11
 * interleaved runs): reviving a dead entry without a branch on live or
 * dead and without rewriting its slot (its counters are already zero),
 * and catching a fresh entry's averages up by a multiply by zero instead
 * of a branch (those two branches are coin tosses there; +27
 * instructions a row, same time); a ring of 16 or 32 flow records, or
 * counting the ring in batches of 16 to 256 (same or slower); prefetching
 * 4 probe slots instead of 2; prefetching the close 16 list entries ahead
 * (slower); skipping the one-entry cache when the hash is known and a
 * float threshold table for the sweeps' test (-16 instructions a row, not
 * measurable in time). Where the time goes (rdtsc around each part, TSC
 * cycles a row): counting the record ~100 (the probe about half of it,
 * with the slot prefetched), the hosts' and prefixes' pass ~46, sweeps
 * ~12, the ring's copy and hash ~10 to 30; about 15 ms of the part is the
 * kernel zeroing the tables' pages as they grow (system time, with
 * --analyzers ddos against sessions). What is left is spread over every
 * step; a compact IPv4 entry (4-byte key, 32-byte slot with the averages
 * in it) looks like the way to a much smaller cost. */
static void close_window(ddos *d, soc_ctx *ctx, dtab *t, int is_prefix, int64_t sec, int64_t gap, int final)
{
    dtab *sum_into = !is_prefix && !final ? &d->prefixes : NULL;
    if (walk_in_slot_order(t)) {
        DTAB_EACH(t, si)
            if (t->s[si].flags & F_TOUCHED)
                close_touched(d, t, is_prefix, si, sec, gap, final, sum_into);
    } else if (sum_into) {
        /* the hosts' pass of every second but the last: compiled with its
         * constants (is_prefix 0, final 0), as it runs once per counted
         * host (a Zeek conn.log row each) */
        close_list(d, t, 0, sec, gap, 0, sum_into);
    } else {
        close_list(d, t, is_prefix, sec, gap, final, NULL);
    }
    t->n_touched = 0;
    t->touched_lost = 0;
    /* attacks of entries not counted this second (those counted were
     * closed above: their averages are now up to date to the pass's last
     * second, while an entry not counted was last closed a second before);
     * backwards, as freeing one moves the list's last into its place */
    uint32_t closed_upto = (uint32_t)(sec + gap - 1);
    for (size_t k = t->n_atks; k-- > 0;) {
        if (k >= t->n_atks) continue;
        size_t si = t->atks[k]->si;
        if (!dtab_live(t, si) || t->ema[si].upto == closed_upto) continue;
        close_entry(d, t, is_prefix, si, sec, gap, final);
    }
    flush_alerts(d, ctx, t, is_prefix);
    dtab_compact(t);
}

/* Marks for deletion every entry whose average, decayed up to second
 * `upto`, fell under 1 packet/s (no attack, not counted this second). Run
 * when the table has doubled since the last sweep (or nears its bound), so
 * its cost per entry added stays constant. */
static void sweep_idle(ddos *d, dtab *t, int64_t upto)
{
    /* Only the averages (four to a cache line) and the bitmap are read:
     * entries with an attack struct, which never die here, leave the
     * bitmap for the walk instead of each candidate's slot being read to
     * check (see dtab_live). No entry is on a touched list here: the
     * pass that closed them ran first. */
    for (size_t k = 0; k < t->n_atks; k++) {
        size_t si = t->atks[k]->si;
        assert(dtab_live(t, si));
        t->occ[si / 64] &= ~(1ull << (si % 64));
    }
    /* A word of the bitmap at a time, the deaths gathered as bits: whether
     * an entry dies is a coin toss on a Zeek conn.log, and as a branch it
     * mispredicted half the time (perf: the sweep was a third of the
     * per-second pass there). */
    for (size_t w = 0; w < t->cap / 64; w++) {
        uint64_t live = t->occ[w], dies = 0;
        for (uint64_t b = live; b; b &= b - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(b);
            const emav *m = &t->ema[w * 64 + bit];
            uint32_t missed = (uint32_t)upto - m->upto;
            double k = missed < 0x80000000u ? decay(d, missed) : 1;
            dies |= (uint64_t)!(m->pps * k >= 1.0) << bit;
        }
        if (!dies) continue;
        size_t n = (size_t)__builtin_popcountll(dies);
        t->occ[w] = live & ~dies;   /* as dtab_mark_dead, for each */
        t->count -= n;
        t->n_dead += n;
        t->dead += n;
    }
    for (size_t k = 0; k < t->n_atks; k++) {
        size_t si = t->atks[k]->si;
        t->occ[si / 64] |= 1ull << (si % 64);
    }
    dtab_compact(t);
    t->sweep_at = t->count * 2 > SWEEP_MIN ? t->count * 2 : SWEEP_MIN;
}

static void close_all(ddos *d, soc_ctx *ctx, int64_t sec, int64_t gap, int final)
{
    close_window(d, ctx, &d->hosts, 0, sec, gap, final);
    close_window(d, ctx, &d->prefixes, 1, sec, gap, final);
    d->n_prefix_runs = d->prefixes.n_atks;
    if (final) return;
    dtab *tabs[2] = {&d->hosts, &d->prefixes};
    for (int i = 0; i < 2; i++)
        if (tabs[i]->count >= tabs[i]->sweep_at || tabs[i]->count >= tabs[i]->max_count / 4 * 3)
            sweep_idle(d, tabs[i], sec + gap - 1);
}

static void ddos_on_tick(void *self, soc_ctx *ctx, kn_time now)
{
    ddos *d = self;
    if (d->ring_n) ring_flush(d);
    int64_t sec = now / KN_NS_PER_SEC;
    if (d->cur_sec == 0 || sec <= d->cur_sec) { if (!d->cur_sec) d->cur_sec = sec; return; }
    close_all(d, ctx, d->cur_sec, sec - d->cur_sec, 0);
    d->cur_sec = sec;
}

static void ddos_finish(void *self, soc_ctx *ctx)
{
    ddos *d = self;
    ring_flush(d);
    if (!d->cur_sec) return;
    /* the last (partial) second counts as a window; then every open attack ends */
    close_all(d, ctx, d->cur_sec, 1, 0);
    close_all(d, ctx, d->cur_sec + 1, 1, 1);
    d->cur_sec = 0;
    if (d->untracked_pkts)
        kn_warn(&ctx->warn, NULL, KN_NO_OFFSET,
                "DDoS host table full (%zu entries): %llu packets were not counted per host",
                d->cfg.max_hosts, (unsigned long long)d->untracked_pkts);
}

const soc_analyzer_ops soc_analyzer_ddos = {
    .name = "ddos",
    .create = ddos_create,
    .on_packet = ddos_on_packet,
    .on_flow = ddos_on_flow,
    .on_tick = ddos_on_tick,
    .finish = ddos_finish,
    .destroy = ddos_destroy,
};
