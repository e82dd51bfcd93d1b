/* smtp.c: SMTP from reassembled client streams (envelope, then the
 * message's headers and MIME attachments at the end of DATA), and the
 * attachment classification shared with the EVE/Zeek inputs (event.h says
 * what the flags mean). Messages are bounded (SOC_SMTP_MAX_MSG); decoding
 * of an attachment stops at 2 MiB, enough for magic and VBA markers. */
#include "soc/detect.h"

static int ext_is(soc_str name, const char *const *exts)
{
    const char *dot = NULL;
    for (size_t i = 0; i < name.n; i++) if (name.p[i] == '.') dot = name.p + i;
    if (!dot) return 0;
    soc_str ext = soc_s(dot + 1, name.n - (size_t)(dot + 1 - name.p));
    for (int i = 0; exts[i]; i++) if (soc_str_ieq(ext, exts[i])) return 1;
    return 0;
}

static const char *const macro_exts[] = {"doc", "docm", "xls", "xlsm", "dot", "dotm", "xlsb", "ppt", "pptm", "xlm", NULL};
static const char *const zip_exts[] = {"zip", NULL};
static const char *const exe_exts[] = {"exe", "dll", "scr", "com", "pif", "cpl", "js", "vbs", "jar", "hta", "wsf", NULL};

/* Does an OLE2 compound file carry a VBA project? The stream names are
 * UTF-16LE in the directory: look for "_VBA_PROJECT" or "Macros". */
static int ole_has_vba(const uint8_t *d, size_t n)
{
    static const uint8_t vba[] = {'_', 0, 'V', 0, 'B', 0, 'A', 0, '_', 0, 'P', 0};
    static const uint8_t mac[] = {'M', 0, 'a', 0, 'c', 0, 'r', 0, 'o', 0, 's', 0};
    for (size_t i = 0; i + sizeof vba <= n; i++)
        if ((d[i] == '_' && memcmp(d + i, vba, sizeof vba) == 0) || (d[i] == 'M' && memcmp(d + i, mac, sizeof mac) == 0))
            return 1;
    return 0;
}

void soc_attachment_classify(soc_attachment *a, const uint8_t *d, size_t n)
{
    if (ext_is(a->name, macro_exts)) a->is_macro_doc = 1;
    if (ext_is(a->name, zip_exts)) a->is_zip = 1;
    if (ext_is(a->name, exe_exts)) a->is_executable = 1;
    soc_str ct = a->content_type;
    if (soc_str_icontains(ct, "msword") || soc_str_icontains(ct, "ms-excel") || soc_str_icontains(ct, "macroenabled"))
        a->is_macro_doc = 1;
    if (soc_str_icontains(ct, "zip")) a->is_zip = 1;
    if (soc_str_icontains(ct, "x-msdownload") || soc_str_icontains(ct, "x-dosexec")) a->is_executable = 1;
    if (!d || n < 4) return;
    if (n >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) {
        /* an OLE document with a VBA project is a macro document whatever its name */
        if (ole_has_vba(d, n)) a->is_macro_doc = 1;
    } else if (memcmp(d, "PK\x03\x04", 4) == 0) {
        /* OOXML is a ZIP too: a macro-enabled one has vbaProject.bin */
        int ooxml = 0;
        for (size_t i = 0; i + 14 <= n; i++)
            if (d[i] == 'v' && memcmp(d + i, "vbaProject.bin", 14) == 0) { a->is_macro_doc = 1; ooxml = 1; break; }
        if (!ooxml && !ext_is(a->name, macro_exts)) a->is_zip = 1;
        /* walk local headers: bit 0 of the general purpose flags = encrypted */
        size_t off = 0;
        for (int k = 0; k < 64 && off + 30 <= n && memcmp(d + off, "PK\x03\x04", 4) == 0; k++) {
            uint16_t flags = (uint16_t)(d[off + 6] | d[off + 7] << 8);
            uint32_t csize = (uint32_t)d[off + 18] | (uint32_t)d[off + 19] << 8 | (uint32_t)d[off + 20] << 16 | (uint32_t)d[off + 21] << 24;
            uint16_t fnl = (uint16_t)(d[off + 26] | d[off + 27] << 8), exl = (uint16_t)(d[off + 28] | d[off + 29] << 8);
            if (flags & 1) { a->is_encrypted_zip = 1; a->is_zip = 1; break; }
            if (flags & 8) break;   /* sizes in a data descriptor: cannot walk on */
            uint64_t next = (uint64_t)off + 30 + fnl + exl + csize;
            if (next > n) break;
            off = (size_t)next;
        }
    } else if (d[0] == 'M' && d[1] == 'Z') {
        a->is_executable = 1;
    }
}

/* ---- SMTP dialogue (client side) -------------------------------------------------- */

#include <stdlib.h>

#include "soc/proto.h"

struct soc_smtp_conn {
    char helo[256], mail_from[256], rcpt[1024];
    int in_data, tls;
    kn_buf msg;               /* the message being received (dot-unstuffed) */
    int truncated;
    kn_buf scratch;
};

soc_smtp_conn *soc_smtp_conn_new(void) { return calloc(1, sizeof(soc_smtp_conn)); }

size_t soc_smtp_conn_bytes(const soc_smtp_conn *c)
{
    return c ? sizeof *c + c->msg.cap + c->scratch.cap : 0;
}

void soc_smtp_conn_free(soc_smtp_conn *c)
{
    if (!c) return;
    kn_buf_free(&c->msg);
    kn_buf_free(&c->scratch);
    free(c);
}

static void arg_copy(char *dst, size_t cap, const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(dst, p, k);
    dst[k] = 0;
}

static void emit_message(soc_smtp_conn *c, kn_time ts, const soc_event *tmpl, soc_smtp_emit emit, void *arg)
{
    soc_event ev = *tmpl;
    ev.kind = SOC_EV_SMTP;
    ev.ts = ts;
    ev.smtp.helo = soc_cs(c->helo);
    ev.smtp.mail_from = soc_cs(c->mail_from);
    ev.smtp.rcpt_to = soc_cs(c->rcpt);
    kn_buf_reset(&c->scratch);
    soc_mime_parse(c->msg.data ? c->msg.data : "", c->msg.len, &ev, &c->scratch);
    emit(arg, &ev);
    kn_buf_reset(&c->msg);
    c->truncated = 0;
    c->mail_from[0] = c->rcpt[0] = 0;
}

size_t soc_smtp_feed(soc_smtp_conn *c, const uint8_t *p, size_t n, kn_time ts, const soc_event *tmpl,
                     soc_smtp_emit emit, void *arg, const char **why)
{
    size_t used = 0;
    if (c->tls) return n;
    while (used < n) {
        const char *s = (const char *)p + used;
        size_t avail = n - used;
        const char *nl = memchr(s, '\n', avail);
        if (!nl) {
            if (!c->in_data && avail > 4096) { *why = "SMTP command line longer than 4 KiB"; return (size_t)-1; }
            if (c->in_data && avail > 65536) {
                /* an over-long line inside a message: keep it as message text */
                if (c->msg.len + avail <= SOC_SMTP_MAX_MSG) kn_buf_append(&c->msg, s, avail); else c->truncated = 1;
                used += avail;
            }
            break;
        }
        size_t ll = (size_t)(nl - s) + 1, tl = ll - 1;
        if (tl && s[tl - 1] == '\r') tl--;
        used += ll;
        if (c->in_data) {
            if (tl == 1 && s[0] == '.') { c->in_data = 0; emit_message(c, ts, tmpl, emit, arg); continue; }
            const char *line = s;
            size_t len = ll;
            if (tl && s[0] == '.') { line++; len--; }   /* dot-unstuffing */
            if (c->msg.len + len <= SOC_SMTP_MAX_MSG) kn_buf_append(&c->msg, line, len); else c->truncated = 1;
            continue;
        }
        soc_str cmd = soc_s(s, tl);
        if (soc_str_istarts(cmd, "HELO ") || soc_str_istarts(cmd, "EHLO ")) arg_copy(c->helo, sizeof c->helo, s + 5, tl - 5);
        else if (soc_str_istarts(cmd, "MAIL FROM:")) arg_copy(c->mail_from, sizeof c->mail_from, s + 10, tl - 10);
        else if (soc_str_istarts(cmd, "RCPT TO:")) {
            size_t cur = strlen(c->rcpt);
            if (cur && cur + 1 < sizeof c->rcpt) c->rcpt[cur++] = ',';
            arg_copy(c->rcpt + cur, sizeof c->rcpt - cur, s + 8, tl - 8);
        } else if (soc_str_ieq(cmd, "DATA")) {
            c->in_data = 1;
            kn_buf_reset(&c->msg);
        } else if (soc_str_ieq(cmd, "STARTTLS")) {
            c->tls = 1;           /* encrypted from here: nothing more to read */
            return n;
        }
    }
    return used;
}

/* ---- MIME ------------------------------------------------------------------------- */

/* Value of parameter `param` (name=, filename=, boundary=) in a header value. */
static soc_str header_param(soc_str v, const char *param)
{
    soc_str r = {NULL, 0};
    const char *at = soc_str_icontains(v, param);
    while (at) {
        size_t pl = strlen(param);
        const char *p = at + pl, *end = v.p + v.n;
        /* must be a whole parameter name: preceded by ';' or space */
        int whole = at == v.p || at[-1] == ';' || at[-1] == ' ' || at[-1] == '\t';
        if (whole && p < end && *p == '=') {
            p++;
            if (p < end && *p == '"') {
                const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
                if (!q) q = end;
                r = soc_s(p + 1, (size_t)(q - p - 1));
            } else {
                const char *q = p;
                while (q < end && *q != ';' && *q != ' ' && *q != '\t' && *q != '\r') q++;
                r = soc_s(p, (size_t)(q - p));
            }
            return r;
        }
        soc_str rest = soc_s(at + 1, (size_t)(v.p + v.n - at - 1));
        at = soc_str_icontains(rest, param);
    }
    return r;
}

typedef struct mime_hdrs {
    soc_str ctype, disposition, encoding, subject, from, to;
    size_t body_off;   /* offset of the body within the part */
} mime_hdrs;

/* Parses headers (with folded continuation lines) of part[0..n). Values
 * are views; folded values keep only their first line. */
static void parse_headers(const char *part, size_t n, mime_hdrs *h)
{
    memset(h, 0, sizeof *h);
    size_t o = 0;
    soc_str *last = NULL;
    while (o < n) {
        const char *nl = memchr(part + o, '\n', n - o);
        size_t ll = nl ? (size_t)(nl - (part + o)) : n - o;
        const char *line = part + o;
        o += ll + (nl ? 1 : 0);
        size_t tl = ll;
        if (tl && line[tl - 1] == '\r') tl--;
        if (tl == 0) { h->body_off = o; return; }
        if ((line[0] == ' ' || line[0] == '\t') && last && last->p) {
            /* folded: extend the view when contiguous (same buffer) */
            last->n = (size_t)(line + tl - last->p);
            continue;
        }
        const char *colon = memchr(line, ':', tl);
        last = NULL;
        if (!colon) continue;
        soc_str name = soc_s(line, (size_t)(colon - line));
        const char *v = colon + 1;
        while (v < line + tl && (*v == ' ' || *v == '\t')) v++;
        soc_str val = soc_s(v, (size_t)(line + tl - v));
        if (soc_str_ieq(name, "Content-Type")) { h->ctype = val; last = &h->ctype; }
        else if (soc_str_ieq(name, "Content-Disposition")) { h->disposition = val; last = &h->disposition; }
        else if (soc_str_ieq(name, "Content-Transfer-Encoding")) h->encoding = val;
        else if (soc_str_ieq(name, "Subject")) h->subject = val;
        else if (soc_str_ieq(name, "From")) h->from = val;
        else if (soc_str_ieq(name, "To")) h->to = val;
    }
    h->body_off = n;
}

static int b64v(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes base64 text into out (appended), at most max bytes. */
static size_t b64_decode(const char *s, size_t n, kn_buf *out, size_t max)
{
    unsigned acc = 0;
    int bits = 0;
    size_t w = 0;
    kn_buf_reserve(out, max < n ? max : n);
    for (size_t i = 0; i < n && w < max; i++) {
        int v = b64v((unsigned char)s[i]);
        if (v < 0) { if (s[i] == '=') break; continue; }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            kn_buf_putc(out, (char)((acc >> bits) & 0xff));
            w++;
        }
    }
    return w;
}

#define MIME_MAX_DEPTH 4
#define MIME_DECODE_MAX (2u << 20)

static void mime_part(const char *part, size_t n, soc_event *ev, kn_buf *sc, int depth)
{
    mime_hdrs h;
    parse_headers(part, n, &h);
    if (depth == 0) {
        ev->smtp.subject = h.subject;
        ev->smtp.from = h.from;
        ev->smtp.to = h.to;
    }
    const char *body = part + h.body_off;
    size_t bn = n - h.body_off;
    if (soc_str_istarts(h.ctype, "multipart/") && depth < MIME_MAX_DEPTH) {
        soc_str b = header_param(h.ctype, "boundary");
        if (!b.n || b.n > 200) return;
        char delim[208];
        delim[0] = '-';
        delim[1] = '-';
        memcpy(delim + 2, b.p, b.n);
        size_t dl = b.n + 2;
        /* find each delimiter at a line start */
        const char *cur = NULL, *p = body, *end = body + bn;
        while (p < end) {
            const char *hit = NULL;
            for (const char *q = p; q + dl <= end; q++) {
                q = memchr(q, '-', (size_t)(end - q));
                if (!q || q + dl > end) break;
                if ((q == body || q[-1] == '\n') && memcmp(q, delim, dl) == 0) { hit = q; break; }
            }
            if (!hit) break;
            if (cur) {
                const char *pe = hit;
                if (pe > cur && pe[-1] == '\n') pe--;
                if (pe > cur && pe[-1] == '\r') pe--;
                mime_part(cur, (size_t)(pe - cur), ev, sc, depth + 1);
            }
            const char *after = hit + dl;
            if (after + 2 <= end && after[0] == '-' && after[1] == '-') break;   /* closing delimiter */
            const char *nl = memchr(after, '\n', (size_t)(end - after));
            if (!nl) break;
            cur = nl + 1;
            p = cur;
        }
        return;
    }
    soc_str fname = header_param(h.disposition, "filename");
    if (!fname.n) fname = header_param(h.ctype, "name");
    int attachment = fname.n || soc_str_istarts(h.disposition, "attachment");
    if (!attachment || depth == 0) return;
    soc_attachment *a = soc_event_attach(ev);
    if (!a) return;
    a->name = fname;
    const char *semi = h.ctype.n ? memchr(h.ctype.p, ';', h.ctype.n) : NULL;
    a->content_type = semi ? soc_s(h.ctype.p, (size_t)(semi - h.ctype.p)) : h.ctype;
    size_t mark = sc->len;
    const uint8_t *data = (const uint8_t *)body;
    size_t dn = bn;
    if (soc_str_icontains(h.encoding, "base64")) {
        dn = b64_decode(body, bn, sc, MIME_DECODE_MAX);
        data = (const uint8_t *)sc->data + mark;
        a->size = 0;
        /* decoded size of the whole part: 3/4 of the base64 characters */
        size_t chars = 0;
        for (size_t i = 0; i < bn; i++) chars += b64v((unsigned char)body[i]) >= 0;
        a->size = chars * 3 / 4;
    } else {
        a->size = bn;
    }
    soc_attachment_classify(a, data, dn);
    sc->len = mark;   /* decoded bytes are not kept */
}

void soc_mime_parse(const char *msg, size_t n, soc_event *ev, kn_buf *scratch)
{
    mime_part(msg, n, ev, scratch, 0);
}
