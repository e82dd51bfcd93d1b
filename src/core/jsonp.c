/* jsonp.c: recursive-descent JSON parser into an arena (see jsonp.h).
 * Hand-written rather than jansson because jansson mallocs and refcounts
 * every node, while log ingest parses millions of short-lived events: here
 * an event is a few arena bumps and is freed in O(1) with kn_arena_reset.
 * bench/ runs jansson on the same input and prints the ratio. */
#include "core/jsonp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct parser {
    const char *p, *start, *end;
    kn_arena *a;
    int depth;
    kn_status st;
    size_t err_off;
    /* scratch stack for children, reused across nesting levels */
    kn_jmember *stack;
    size_t sp, scap;
} parser;

static int fail(parser *ps, kn_status st)
{
    if (ps->st == KN_OK) {
        ps->st = st;
        ps->err_off = (size_t)(ps->p - ps->start);
    }
    return -1;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static int push(parser *ps, kn_jmember *m)
{
    if (ps->sp == ps->scap) {
        size_t nc = ps->scap ? ps->scap * 2 : 64;
        kn_jmember *ns = realloc(ps->stack, nc * sizeof *ns);
        if (!ns) return fail(ps, KN_ERR_NOMEM);
        ps->stack = ns;
        ps->scap = nc;
    }
    ps->stack[ps->sp++] = *m;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f)); return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ps->p at the opening quote. */
static int parse_string(parser *ps, const char **out, uint32_t *len)
{
    const char *s = ++ps->p;
    const char *q = s;
    int has_esc = 0;
    while (q < ps->end && *q != '"') {
        if (*q == '\\') { has_esc = 1; q++; }
        else if ((unsigned char)*q < 0x20) { ps->p = q; return fail(ps, KN_ERR_FORMAT); }
        q++;
    }
    if (q >= ps->end) { ps->p = ps->end; return fail(ps, KN_ERR_TRUNCATED); }
    size_t raw = (size_t)(q - s);
    if (raw > UINT32_MAX) return fail(ps, KN_ERR_LIMIT);
    char *o = kn_arena_alloc(ps->a, raw + 1);
    if (!o) return fail(ps, KN_ERR_NOMEM);
    if (!has_esc) {
        memcpy(o, s, raw);
        o[raw] = 0;
        *out = o;
        *len = (uint32_t)raw;
        ps->p = q + 1;
        return 0;
    }
    size_t n = 0;
    for (const char *r = s; r < q; r++) {
        if (*r != '\\') { o[n++] = *r; continue; }
        r++;
        switch (*r) {
        case '"': o[n++] = '"'; break;
        case '\\': o[n++] = '\\'; break;
        case '/': o[n++] = '/'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            if (q - r < 5) { ps->p = r; return fail(ps, KN_ERR_FORMAT); }
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++) {
                int h = hexval(r[k]);
                if (h < 0) { ps->p = r; return fail(ps, KN_ERR_FORMAT); }
                cp = cp << 4 | (uint32_t)h;
            }
            r += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && q - r >= 7 && r[1] == '\\' && r[2] == 'u') {
                uint32_t lo = 0;
                int ok = 1;
                for (int k = 3; k <= 6; k++) {
                    int h = hexval(r[k]);
                    if (h < 0) { ok = 0; break; }
                    lo = lo << 4 | (uint32_t)h;
                }
                if (ok && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    r += 6;
                }
            }
            /* 6 escape chars always make room for up to 4 output bytes */
            n += put_utf8(o + n, cp);
            break;
        }
        default:
            ps->p = r;
            return fail(ps, KN_ERR_FORMAT);
        }
    }
    o[n] = 0;
    *out = o;
    *len = (uint32_t)n;
    ps->p = q + 1;
    return 0;
}

static int parse_value(parser *ps, kn_jval *v);

static int parse_number(parser *ps, kn_jval *v)
{
    const char *s = ps->p, *q = s;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || *q < '0' || *q > '9') { ps->p = q; return fail(ps, KN_ERR_FORMAT); }
    int is_int = 1;
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
    if (q < ps->end && *q == '.') {
        is_int = 0;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') { ps->p = q; return fail(ps, KN_ERR_FORMAT); }
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_int = 0;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') { ps->p = q; return fail(ps, KN_ERR_FORMAT); }
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    v->type = KN_JNUM;
    size_t n = (size_t)(q - s);
    if (is_int && n <= 18) {
        int64_t x = 0;
        const char *r = s + (*s == '-');
        for (; r < q; r++) x = x * 10 + (*r - '0');
        if (*s == '-') x = -x;
        v->i = x;
        v->num = (double)x;
        v->is_int = 1;
    } else {
        char tmp[64];
        if (n >= sizeof tmp) n = sizeof tmp - 1;
        memcpy(tmp, s, n);
        tmp[n] = 0;
        v->num = strtod(tmp, NULL);
        if (is_int) {
            char *e;
            errno = 0;
            long long x = strtoll(tmp, &e, 10);
            v->i = x;
            v->is_int = (*e == 0) && errno == 0;
        }
    }
    ps->p = q;
    return 0;
}

static int literal(parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return fail(ps, KN_ERR_FORMAT);
    ps->p += n;
    return 0;
}

static int parse_container(parser *ps, kn_jval *v, int is_obj)
{
    if (++ps->depth > MAX_DEPTH) return fail(ps, KN_ERR_LIMIT);
    char close = is_obj ? '}' : ']';
    ps->p++;
    size_t base = ps->sp;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
    } else {
        for (;;) {
            kn_jmember m;
            memset(&m, 0, sizeof m);
            skip_ws(ps);
            if (is_obj) {
                if (ps->p >= ps->end) return fail(ps, KN_ERR_TRUNCATED);
                if (*ps->p != '"') return fail(ps, KN_ERR_FORMAT);
                if (parse_string(ps, &m.key, &m.key_len)) return -1;
                skip_ws(ps);
                if (ps->p >= ps->end) return fail(ps, KN_ERR_TRUNCATED);
                if (*ps->p != ':') return fail(ps, KN_ERR_FORMAT);
                ps->p++;
            }
            if (parse_value(ps, &m.val)) return -1;
            if (push(ps, &m)) return -1;
            skip_ws(ps);
            if (ps->p >= ps->end) return fail(ps, KN_ERR_TRUNCATED);
            if (*ps->p == ',') { ps->p++; continue; }
            if (*ps->p == close) { ps->p++; break; }
            return fail(ps, KN_ERR_FORMAT);
        }
    }
    size_t count = ps->sp - base;
    if (count > UINT32_MAX) return fail(ps, KN_ERR_LIMIT);
    v->type = is_obj ? KN_JOBJ : KN_JARR;
    v->len = (uint32_t)count;
    if (is_obj) {
        kn_jmember *ms = count ? kn_arena_alloc(ps->a, count * sizeof *ms) : NULL;
        if (count && !ms) return fail(ps, KN_ERR_NOMEM);
        if (count) memcpy(ms, ps->stack + base, count * sizeof *ms);
        v->u.members = ms;
    } else {
        kn_jval *is = count ? kn_arena_alloc(ps->a, count * sizeof *is) : NULL;
        if (count && !is) return fail(ps, KN_ERR_NOMEM);
        for (size_t k = 0; k < count; k++) is[k] = ps->stack[base + k].val;
        v->u.items = is;
    }
    ps->sp = base;
    ps->depth--;
    return 0;
}

static int parse_value(parser *ps, kn_jval *v)
{
    memset(v, 0, sizeof *v);
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, KN_ERR_TRUNCATED);
    switch (*ps->p) {
    case '{': return parse_container(ps, v, 1);
    case '[': return parse_container(ps, v, 0);
    case '"': v->type = KN_JSTR; return parse_string(ps, &v->u.str, &v->len);
    case 't': v->type = KN_JTRUE; return literal(ps, "true", 4);
    case 'f': v->type = KN_JFALSE; return literal(ps, "false", 5);
    case 'n': v->type = KN_JNULL; return literal(ps, "null", 4);
    default: return parse_number(ps, v);
    }
}

kn_status kn_jparse_prefix(kn_arena *a, const char *text, size_t n, kn_jval **out,
                           size_t *used, size_t *err_offset)
{
    parser ps = {0};
    ps.p = ps.start = text;
    ps.end = text + n;
    ps.a = a;
    kn_jval *v = kn_arena_alloc(a, sizeof *v);
    if (!v) return KN_ERR_NOMEM;
    parse_value(&ps, v);
    free(ps.stack);
    if (ps.st != KN_OK) {
        if (err_offset) *err_offset = ps.err_off;
        return ps.st;
    }
    skip_ws(&ps);
    if (used) *used = (size_t)(ps.p - text);
    *out = v;
    return KN_OK;
}

kn_status kn_jparse(kn_arena *a, const char *text, size_t n, kn_jval **out, size_t *err_offset)
{
    size_t used = 0;
    kn_status st = kn_jparse_prefix(a, text, n, out, &used, err_offset);
    if (st != KN_OK) return st;
    if (used != n) {
        if (err_offset) *err_offset = used;
        return KN_ERR_FORMAT;
    }
    return KN_OK;
}

const kn_jval *kn_jget(const kn_jval *obj, const char *key)
{
    if (!obj || obj->type != KN_JOBJ) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < obj->len; i++) {
        const kn_jmember *m = &obj->u.members[i];
        if (m->key_len == kl && memcmp(m->key, key, kl) == 0) return &m->val;
    }
    return NULL;
}

const kn_jval *kn_jpath(const kn_jval *v, const char *path)
{
    char part[128];
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = 0;
        v = kn_jget(v, part);
        path += n + (dot ? 1 : 0);
    }
    return v;
}

const char *kn_jstr(const kn_jval *v, const char *dflt)
{
    return v && v->type == KN_JSTR ? v->u.str : dflt;
}

int64_t kn_jint(const kn_jval *v, int64_t dflt)
{
    if (!v) return dflt;
    if (v->type == KN_JNUM) return v->is_int ? v->i : (int64_t)v->num;
    if (v->type == KN_JSTR && v->len > 0 && v->len < 21) {
        char *e;
        long long x = strtoll(v->u.str, &e, 10);
        if (*e == 0) return x;
    }
    return dflt;
}

double kn_jnum(const kn_jval *v, double dflt)
{
    if (!v) return dflt;
    if (v->type == KN_JNUM) return v->num;
    if (v->type == KN_JSTR && v->len > 0) {
        char *e;
        double x = strtod(v->u.str, &e);
        if (*e == 0) return x;
    }
    return dflt;
}

int kn_jtruthy(const kn_jval *v)
{
    if (!v) return 0;
    switch (v->type) {
    case KN_JTRUE: return 1;
    case KN_JNUM: return v->num != 0;
    case KN_JSTR: return v->len > 0;
    case KN_JARR: case KN_JOBJ: return 1;
    default: return 0;
    }
}
