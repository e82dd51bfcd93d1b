/* intel.c: threat-intelligence indicator lists for --intel FILE.
 *
 * One loader reads every shape we meet, line by line, deciding per line
 * rather than per file (lists get concatenated and hand-edited):
 *   - Feodo Tracker CSV ("first_seen_utc","dst_ip","dst_port","c2_status",
 *     "last_online","malware") and JSON (array of objects with ip_address,
 *     port, malware), and its plain IP list;
 *   - URLhaus CSV (id,dateadded,url,url_status[,last_online],threat,tags,
 *     urlhaus_link,reporter: 8 or 9 columns): the URL, and its host as a
 *     domain or IP indicator;
 *   - plain lists of IPs, CIDRs or domains; ipset save files ("add SET IP");
 *   - any CSV whose columns hold an IP (port in the next column), a URL or
 *     a domain, defanged or not ("1.2.3[.]4", "hxxp://", "[:]").
 * The family comes from a malware/threat/tags column when present, else
 * from the file name ("emotet" in it), else stays empty. '#' lines are
 * comments; the first unrecognised line is taken as a header; later
 * unrecognised lines are counted warnings with file and line.
 *
 * Lookups: IP+port and IP-only in a hash table, CIDRs in a kn_cidrset,
 * domains and URLs by 64-bit hash checked against the stored text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "core/hash.h"
#include "core/jsonp.h"
#include "soc/detect.h"

typedef struct intel_entry {
    char indicator[256];
    char family[32];
    const char *type;
    const char *file;
    uint64_t line;
} intel_entry;

typedef struct ip_key { kn_ip ip; uint16_t port; uint16_t pad; uint32_t pad2; } ip_key;

struct soc_intel {
    intel_entry *e;
    size_t n, cap;
    kn_htab ips;          /* ip_key -> uint32 entry */
    kn_htab names;        /* uint64 hash (domain or url) -> uint32 entry */
    kn_cidrset *cidrs;
    char **files;
    int nfiles;
};

soc_intel *soc_intel_new(void)
{
    soc_intel *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    in->cidrs = kn_cidrset_new();
    if (!in->cidrs || kn_htab_init(&in->ips, sizeof(ip_key), sizeof(uint32_t), 256) < 0 ||
        kn_htab_init(&in->names, sizeof(uint64_t), sizeof(uint32_t), 256) < 0) {
        soc_intel_free(in);
        return NULL;
    }
    return in;
}

void soc_intel_free(soc_intel *in)
{
    if (!in) return;
    free(in->e);
    kn_htab_free(&in->ips);
    kn_htab_free(&in->names);
    kn_cidrset_free(in->cidrs);
    for (int i = 0; i < in->nfiles; i++) free(in->files[i]);
    free(in->files);
    free(in);
}

size_t soc_intel_count(const soc_intel *in) { return in ? in->n : 0; }

static int add_entry(soc_intel *in, const char *type, const char *text, size_t tn, const char *family,
                     const char *file, uint64_t line, uint32_t *idx)
{
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 256;
        intel_entry *ne = realloc(in->e, nc * sizeof *ne);
        if (!ne) return -1;
        in->e = ne;
        in->cap = nc;
    }
    intel_entry *e = &in->e[in->n];
    soc_copy(e->indicator, sizeof e->indicator, soc_s(text, tn));
    soc_copy(e->family, sizeof e->family, soc_cs(family));
    e->type = type;
    e->file = file;
    e->line = line;
    *idx = (uint32_t)in->n++;
    return 0;
}

static uint64_t name_hash(const char *kind, const char *s, size_t n)
{
    /* case-insensitive for domains; URLs are lower-cased only up to the path by the caller */
    uint64_t h = kn_hash_bytes(kind, 1, 0x1e7);
    char buf[512];
    size_t k = n < sizeof buf ? n : sizeof buf;
    for (size_t i = 0; i < k; i++) buf[i] = (char)tolower((unsigned char)s[i]);
    return kn_hash_bytes(buf, k, h);
}

/* Refangs in place: "[.]" "(.)" "[dot]" -> ".", "[:]" -> ":", hxxp -> http. */
static size_t refang(char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && (memcmp(s + i, "[.]", 3) == 0 || memcmp(s + i, "(.)", 3) == 0)) { s[w++] = '.'; i += 3; }
        else if (i + 5 <= n && memcmp(s + i, "[dot]", 5) == 0) { s[w++] = '.'; i += 5; }
        else if (i + 3 <= n && memcmp(s + i, "[:]", 3) == 0) { s[w++] = ':'; i += 3; }
        else if (i + 4 <= n && (memcmp(s + i, "hxxp", 4) == 0 || memcmp(s + i, "hXXp", 4) == 0)) { memcpy(s + w, "http", 4); w += 4; i += 4; }
        else s[w++] = s[i++];
    }
    return w;
}

static int is_domain(const char *s, size_t n)
{
    if (n < 3 || n > 253) return 0;
    int dot = 0, alpha = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') dot = 1;
        else if (isalpha((unsigned char)c)) alpha = 1;
        else if (!isdigit((unsigned char)c) && c != '-' && c != '_') return 0;
    }
    return dot && alpha && s[0] != '.' && s[n - 1] != '.';
}

static int add_ip(soc_intel *in, const kn_ip *ip, uint16_t port, const char *text, size_t tn, const char *family,
                  const char *file, uint64_t line)
{
    ip_key k;
    memset(&k, 0, sizeof k);
    k.ip = *ip;
    k.port = port;
    int created;
    uint32_t *v = kn_htab_put(&in->ips, &k, &created);
    if (!v) return -1;
    if (!created) return 0;
    return add_entry(in, port ? "ip:port" : "ip", text, tn, family, file, line, v);
}

static int add_name(soc_intel *in, const char *type, const char *text, size_t tn, const char *family,
                    const char *file, uint64_t line)
{
    uint64_t h = name_hash(type, text, tn);
    int created;
    uint32_t *v = kn_htab_put(&in->names, &h, &created);
    if (!v) return -1;
    if (!created) return 0;
    return add_entry(in, type, text, tn, family, file, line, v);
}

/* URL "http://host[:port]/path": adds the URL (scheme dropped, host lower
 * case) and its host (domain or IP:port). */
static int add_url(soc_intel *in, const char *u, size_t n, const char *family, const char *file, uint64_t line)
{
    const char *p = u, *end = u + n;
    const char *sep = NULL;
    for (const char *q = u; q + 3 <= end; q++) if (memcmp(q, "://", 3) == 0) { sep = q; break; }
    if (!sep) return -1;
    p = sep + 3;
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *hend = slash ? slash : end;
    const char *colon = memchr(p, ':', (size_t)(hend - p));
    size_t hn = (size_t)((colon ? colon : hend) - p);
    uint16_t port = 0;
    if (colon) { int64_t pv = soc_str_int(soc_s(colon + 1, (size_t)(hend - colon - 1))); if (pv > 0 && pv < 65536) port = (uint16_t)pv; }
    char key[512];
    size_t kn = (size_t)(end - p) < sizeof key ? (size_t)(end - p) : sizeof key;
    memcpy(key, p, kn);
    for (size_t i = 0; i < (size_t)(hend - p) && i < kn; i++) key[i] = (char)tolower((unsigned char)key[i]);
    /* canonical: host without default port, then path */
    char canon[600];
    size_t cn = 0;
    memcpy(canon, key, hn); cn = hn;
    if (port && port != 80 && port != 443) cn += (size_t)snprintf(canon + cn, sizeof canon - cn, ":%u", port);
    size_t pathn = slash ? (size_t)(end - slash) : 0;
    if (pathn > sizeof canon - cn - 1) pathn = sizeof canon - cn - 1;
    if (slash) { memcpy(canon + cn, slash, pathn); cn += pathn; } else canon[cn++] = '/';
    if (add_name(in, "url", canon, cn, family, file, line) < 0) return -1;
    kn_ip ip;
    if (kn_ip_parse(&ip, p, (long)hn) == 0) return add_ip(in, &ip, port, p, (size_t)(hend - p), family, file, line);
    if (is_domain(p, hn)) return add_name(in, "domain", key, hn, family, file, line);
    return 0;
}

/* Splits a CSV line into fields (quotes stripped, "" inside quotes kept as one ") in place. */
static int csv_split(char *s, size_t n, char **f, size_t *fl, int maxf)
{
    int nf = 0;
    size_t i = 0;
    while (i <= n && nf < maxf) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        char *start;
        size_t len = 0;
        if (i < n && s[i] == '"') {
            i++;
            start = s + i;
            while (i < n) {
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') { start[len++] = '"'; i += 2; continue; }
                    i++;
                    break;
                }
                start[len++] = s[i++];
            }
            while (i < n && s[i] != ',') i++;
        } else {
            start = s + i;
            while (i < n && s[i] != ',' && s[i] != ';' && s[i] != '\t') i++;
            len = (size_t)(s + i - start);
            while (len && (start[len - 1] == ' ' || start[len - 1] == '\r')) len--;
        }
        f[nf] = start;
        fl[nf] = len;
        nf++;
        i++;
    }
    return nf;
}

static const char *family_from(char **f, size_t *fl, int nf, int fam_col, const char *dflt, char *buf, size_t cap)
{
    if (fam_col >= 0 && fam_col < nf && fl[fam_col]) {
        soc_copy(buf, cap, soc_s(f[fam_col], fl[fam_col]));
        return buf;
    }
    return dflt;
}

/* One text line; returns 1 if it held an indicator, 0 if not. */
static int text_line(soc_intel *in, char *s, size_t n, const char *file, uint64_t line, const char *dflt_family,
                     int *fam_col, int *url_col)
{
    n = refang(s, n);
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
    if (n >= 4 && memcmp(s, "add ", 4) == 0) {
        /* ipset save: add SETNAME ENTRY [options] */
        char *f[4];
        size_t fl[4];
        char *p = s + 4;
        while (*p == ' ') p++;
        char *sp = memchr(p, ' ', (size_t)(s + n - p));
        if (!sp) return 0;
        p = sp + 1;
        while (p < s + n && *p == ' ') p++;
        char *e = p;
        while (e < s + n && *e != ' ') e++;
        (void)f; (void)fl;
        kn_cidr c;
        if (kn_cidr_parse(&c, p, (long)(e - p)) != 0) return 0;
        unsigned full = c.ip.family == 4 ? 32 : 128;
        uint32_t idx;
        if (c.bits == full) return add_ip(in, &c.ip, 0, p, (size_t)(e - p), dflt_family, file, line) == 0;
        if (add_entry(in, "cidr", p, (size_t)(e - p), dflt_family, file, line, &idx) < 0) return 0;
        kn_cidrset_add(in->cidrs, &c, idx);
        return 1;
    }
    char *f[16];
    size_t fl[16];
    int nf = csv_split(s, n, f, fl, 16);
    /* header: remember where the family and url columns are */
    int header = 0;
    for (int i = 0; i < nf; i++) {
        soc_str v = soc_s(f[i], fl[i]);
        if (soc_str_ieq(v, "malware") || soc_str_ieq(v, "threat") || soc_str_ieq(v, "malware_family") || soc_str_ieq(v, "family")) { *fam_col = i; header = 1; }
        if (soc_str_ieq(v, "url")) { *url_col = i; header = 1; }
        if (soc_str_ieq(v, "dst_ip") || soc_str_ieq(v, "ip address") || soc_str_ieq(v, "ip_address") || soc_str_ieq(v, "ip")) header = 1;
    }
    if (header) return -1;
    char fb[32];
    const char *family = family_from(f, fl, nf, *fam_col, dflt_family, fb, sizeof fb);
    if (!family || !*family)
        for (int i = 0; i < nf; i++)
            if (soc_str_icontains(soc_s(f[i], fl[i]), "emotet") || soc_str_icontains(soc_s(f[i], fl[i]), "heodo")) family = "Emotet";
    int found = 0;
    for (int i = 0; i < nf; i++) {
        char *v = f[i];
        size_t vl = fl[i];
        if (!vl) continue;
        if (vl > 7 && (soc_str_istarts(soc_s(v, vl), "http://") || soc_str_istarts(soc_s(v, vl), "https://"))) {
            if (add_url(in, v, vl, family, file, line) == 0) found = 1;
            continue;
        }
        kn_cidr c;
        if (memchr(v, '/', vl) && kn_cidr_parse(&c, v, (long)vl) == 0) {
            uint32_t idx;
            if (add_entry(in, "cidr", v, vl, family, file, line, &idx) == 0) { kn_cidrset_add(in->cidrs, &c, idx); found = 1; }
            continue;
        }
        kn_ip ip;
        if (kn_ip_parse(&ip, v, (long)vl) == 0) {
            uint16_t port = 0;
            if (i + 1 < nf) {
                int64_t p = soc_str_int(soc_s(f[i + 1], fl[i + 1]));
                if (p > 0 && p < 65536) port = (uint16_t)p;
            }
            char text[80];
            int tn = port ? snprintf(text, sizeof text, "%.*s:%u", (int)vl, v, port) : snprintf(text, sizeof text, "%.*s", (int)vl, v);
            if (add_ip(in, &ip, port, text, (size_t)tn, family, file, line) == 0) found = 1;
            if (port) i++;
            continue;
        }
        /* "ip:port" in one field */
        const char *colon = memchr(v, ':', vl);
        if (colon && !memchr(colon + 1, ':', vl - (size_t)(colon - v) - 1) && kn_ip_parse(&ip, v, (long)(colon - v)) == 0) {
            int64_t p = soc_str_int(soc_s(colon + 1, vl - (size_t)(colon - v) - 1));
            if (p > 0 && p < 65536 && add_ip(in, &ip, (uint16_t)p, v, vl, family, file, line) == 0) found = 1;
            continue;
        }
        if (nf == 1 && is_domain(v, vl)) {
            if (add_name(in, "domain", v, vl, family, file, line) == 0) found = 1;
        }
    }
    return found;
}

static int json_item(soc_intel *in, const kn_jval *o, const char *file, uint64_t idx, const char *dflt)
{
    if (o->type != KN_JOBJ) return 0;
    const char *fam = kn_jstr(kn_jget(o, "malware"), NULL);
    if (!fam) fam = kn_jstr(kn_jget(o, "threat"), dflt);
    const char *ip = kn_jstr(kn_jget(o, "ip_address"), NULL);
    if (!ip) ip = kn_jstr(kn_jget(o, "dst_ip"), NULL);
    if (!ip) ip = kn_jstr(kn_jget(o, "ip"), NULL);
    int found = 0;
    if (ip) {
        kn_ip a;
        if (kn_ip_parse(&a, ip, -1) == 0) {
            int64_t p = kn_jint(kn_jget(o, "port"), 0);
            if (!p) p = kn_jint(kn_jget(o, "dst_port"), 0);
            char text[80];
            int tn = p > 0 && p < 65536 ? snprintf(text, sizeof text, "%s:%lld", ip, (long long)p) : snprintf(text, sizeof text, "%s", ip);
            found |= add_ip(in, &a, p > 0 && p < 65536 ? (uint16_t)p : 0, text, (size_t)tn, fam, file, idx) == 0;
        }
    }
    const char *url = kn_jstr(kn_jget(o, "url"), NULL);
    if (url) found |= add_url(in, url, strlen(url), fam, file, idx) == 0;
    const char *host = kn_jstr(kn_jget(o, "hostname"), NULL);
    if (!host) host = kn_jstr(kn_jget(o, "domain"), NULL);
    if (host && is_domain(host, strlen(host))) found |= add_name(in, "domain", host, strlen(host), fam, file, idx) == 0;
    return found;
}

kn_status soc_intel_load_mem(soc_intel *in, const char *name, const char *data, size_t n, kn_warnings *w, kn_err *e)
{
    char **nf = realloc(in->files, (size_t)(in->nfiles + 1) * sizeof *nf);
    if (!nf) return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory");
    in->files = nf;
    in->files[in->nfiles] = strdup(name);
    if (!in->files[in->nfiles]) return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory");
    const char *file = in->files[in->nfiles++];
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dflt = soc_str_icontains(soc_cs(base), "emotet") ? "Emotet" : soc_str_icontains(soc_cs(base), "heodo") ? "Emotet" : "";
    size_t before = in->n;
    size_t i = 0;
    while (i < n && isspace((unsigned char)data[i])) i++;
    if (i < n && (data[i] == '[' || data[i] == '{')) {
        kn_arena a;
        kn_arena_init(&a, 0, 256u << 20);
        kn_jval *v;
        size_t off;
        kn_status st = kn_jparse(&a, data, n, &v, &off);
        if (st != KN_OK) { kn_arena_free(&a); return kn_err_set(e, st, name, (int64_t)off, "malformed JSON intel file"); }
        if (v->type == KN_JARR) for (uint32_t k = 0; k < v->len; k++) json_item(in, &v->u.items[k], file, k + 1, dflt);
        else json_item(in, v, file, 1, dflt);
        kn_arena_free(&a);
        return KN_OK;
    }
    int fam_col = -1, url_col = -1, seen_first = 0;
    uint64_t line = 0;
    char buf[4096];
    for (size_t p = 0; p < n;) {
        const char *nl = memchr(data + p, '\n', n - p);
        size_t ln = nl ? (size_t)(nl - (data + p)) : n - p;
        const char *s = data + p;
        p += ln + 1;
        line++;
        size_t k = 0;
        while (k < ln && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k == ln || s[k] == '#' || (ln - k == 1 && s[k] == '\r')) continue;
        if (ln - k >= sizeof buf) { kn_warn(w, file, (int64_t)(s - data), "line %llu: longer than 4 KiB, skipped", (unsigned long long)line); continue; }
        memcpy(buf, s + k, ln - k);
        int r = text_line(in, buf, ln - k, file, line, dflt, &fam_col, &url_col);
        if (r == 0 && seen_first)
            kn_warn(w, file, (int64_t)(s - data), "line %llu: no indicator recognised", (unsigned long long)line);
        seen_first = 1;
    }
    if (in->n == before && n > 0)
        kn_warn(w, file, KN_NO_OFFSET, "no indicators found in this intel file");
    return KN_OK;
}

kn_status soc_intel_load(soc_intel *in, const char *path, kn_warnings *w, kn_err *e)
{
    kn_map m;
    kn_status st = kn_map_open(&m, path, 1, 1u << 30, e);
    if (st != KN_OK) return st;
    st = soc_intel_load_mem(in, path, (const char *)m.data, m.size, w, e);
    kn_map_close(&m);
    return st;
}

static void fill_hit(const soc_intel *in, uint32_t idx, soc_intel_hit *hit)
{
    const intel_entry *e = &in->e[idx];
    hit->type = e->type;
    hit->indicator = e->indicator;
    hit->family = e->family;
    hit->file = e->file;
    hit->line = e->line;
}

int soc_intel_ip(const soc_intel *in, const kn_ip *ip, uint16_t port, soc_intel_hit *hit)
{
    if (!in || !in->n || !ip->family) return 0;
    ip_key k;
    memset(&k, 0, sizeof k);
    k.ip = *ip;
    k.port = port;
    uint32_t *v = port ? kn_htab_get(&in->ips, &k) : NULL;
    if (!v) { k.port = 0; v = kn_htab_get(&in->ips, &k); }
    if (v) { fill_hit(in, *v, hit); return 1; }
    int64_t idx;
    if (kn_cidrset_count(in->cidrs) && kn_cidrset_lookup(in->cidrs, ip, &idx, NULL)) { fill_hit(in, (uint32_t)idx, hit); return 1; }
    return 0;
}

int soc_intel_domain(const soc_intel *in, soc_str d, soc_intel_hit *hit)
{
    if (!in || !in->n || !d.n) return 0;
    const char *colon = memchr(d.p, ':', d.n);
    if (colon) d.n = (size_t)(colon - d.p);
    while (d.n && d.p[d.n - 1] == '.') d.n--;
    uint64_t h = name_hash("domain", d.p, d.n);
    uint32_t *v = kn_htab_get(&in->names, &h);
    if (!v || strlen(in->e[*v].indicator) != d.n || strncasecmp(in->e[*v].indicator, d.p, d.n) != 0) return 0;
    fill_hit(in, *v, hit);
    return 1;
}

int soc_intel_url(const soc_intel *in, soc_str host, soc_str uri, soc_intel_hit *hit)
{
    if (!in || !in->n || !host.n || !uri.n) return 0;
    char canon[600];
    size_t hn = host.n;
    /* drop a default port from the Host header */
    if (hn > 3 && memcmp(host.p + hn - 3, ":80", 3) == 0) hn -= 3;
    else if (hn > 4 && memcmp(host.p + hn - 4, ":443", 4) == 0) hn -= 4;
    if (hn + uri.n >= sizeof canon) return 0;
    for (size_t i = 0; i < hn; i++) canon[i] = (char)tolower((unsigned char)host.p[i]);
    memcpy(canon + hn, uri.p, uri.n);
    size_t cn = hn + uri.n;
    uint64_t h = name_hash("url", canon, cn);
    uint32_t *v = kn_htab_get(&in->names, &h);
    if (!v || strcmp(in->e[*v].type, "url") != 0) return 0;
    fill_hit(in, *v, hit);
    return 1;
}
