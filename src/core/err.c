/* err.c: status names and the one place that formats errors and warnings,
 * so every command reports bad input the same way. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

const char *kn_status_name(kn_status st)
{
    switch (st) {
    case KN_OK: return "ok";
    case KN_ERR_IO: return "I/O error";
    case KN_ERR_FORMAT: return "bad format";
    case KN_ERR_TRUNCATED: return "truncated";
    case KN_ERR_UNSUPPORTED: return "unsupported";
    case KN_ERR_NOMEM: return "out of memory";
    case KN_ERR_LIMIT: return "limit exceeded";
    case KN_ERR_RANGE: return "out of range";
    case KN_ERR_NOTFOUND: return "not found";
    case KN_ERR_USAGE: return "usage error";
    case KN_ERR_PERM: return "permission denied";
    }
    return "unknown status";
}

static void set_v(kn_err *e, kn_status st, const char *file, int64_t offset,
                  const char *fmt, va_list ap)
{
    e->status = st;
    e->offset = offset;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

kn_status kn_err_set(kn_err *e, kn_status st, const char *file, int64_t offset,
                     const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        set_v(e, st, file, offset, fmt, ap);
        va_end(ap);
    }
    return st;
}

void kn_err_clear(kn_err *e)
{
    if (!e) return;
    e->status = KN_OK;
    e->offset = KN_NO_OFFSET;
    e->file[0] = 0;
    e->msg[0] = 0;
}

void kn_err_format(const kn_err *e, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    if (e->file[0]) used += (size_t)snprintf(buf, n, "%s: ", e->file);
    if (used < n && e->offset >= 0)
        used += (size_t)snprintf(buf + used, n - used, "offset %lld: ", (long long)e->offset);
    if (used < n)
        snprintf(buf + used, n - used, "%s", e->msg[0] ? e->msg : kn_status_name(e->status));
}

void kn_err_print(const kn_err *e)
{
    char buf[1200];
    kn_err_format(e, buf, sizeof buf);
    fprintf(stderr, "kensa: %s\n", buf);
}

void kn_errorf(const char *file, int64_t offset, const char *fmt, ...)
{
    kn_err e;
    va_list ap;
    va_start(ap, fmt);
    set_v(&e, KN_ERR_FORMAT, file, offset, fmt, ap);
    va_end(ap);
    kn_err_print(&e);
}

void kn_warnings_init(kn_warnings *w, unsigned max_shown, int quiet)
{
    memset(w, 0, sizeof *w);
    w->max_shown = max_shown;
    w->quiet = quiet;
}

void kn_warn(kn_warnings *w, const char *file, int64_t offset, const char *fmt, ...)
{
    w->count++;
    unsigned max = w->max_shown ? w->max_shown : 5;
    if (w->quiet || w->shown >= max) return;
    w->shown++;
    kn_err e;
    va_list ap;
    va_start(ap, fmt);
    set_v(&e, KN_ERR_FORMAT, file, offset, fmt, ap);
    va_end(ap);
    char buf[1200];
    kn_err_format(&e, buf, sizeof buf);
    fprintf(stderr, "kensa: warning: %s\n", buf);
}

void kn_warnings_summary(const kn_warnings *w, const char *what)
{
    if (w->count > w->shown && !w->quiet)
        fprintf(stderr, "kensa: %llu %s warnings in all (%llu not shown)\n",
                (unsigned long long)w->count, what ? what : "input",
                (unsigned long long)(w->count - w->shown));
}
