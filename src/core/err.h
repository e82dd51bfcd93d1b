/* err.h: status codes, error values that carry file and offset, and counted
 * warnings.
 *
 * Every fallible core and engine function returns a kn_status (Zydis style:
 * explicit codes, KN_OK is zero) and, where it can say more, fills a kn_err.
 * Errors print as "kensa: FILE: offset N: message", the format every command
 * uses on stderr. Warnings about bad input that processing can step over are
 * counted in a kn_warnings; the first few are printed with file and offset,
 * the rest only counted, so bad input is never silently lost. */
#ifndef KENSA_CORE_ERR_H
#define KENSA_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kn_status {
    KN_OK = 0,
    KN_ERR_IO,          /* open/read/write/mmap failed (errno-based) */
    KN_ERR_FORMAT,      /* input is not what it claims or malformed */
    KN_ERR_TRUNCATED,   /* input ends before a structure does */
    KN_ERR_UNSUPPORTED, /* valid but not handled (say which feature) */
    KN_ERR_NOMEM,       /* allocation failed */
    KN_ERR_LIMIT,       /* a safety limit was hit (sizes, counts, loops) */
    KN_ERR_RANGE,       /* address or index outside what exists */
    KN_ERR_NOTFOUND,    /* looked-for thing absent (pid, module, symbol) */
    KN_ERR_USAGE,       /* caller error: bad option or argument */
    KN_ERR_PERM,        /* permission denied */
} kn_status;

const char *kn_status_name(kn_status st);

#define KN_NO_OFFSET (-1)

typedef struct kn_err {
    kn_status status;
    int64_t offset;      /* byte offset in the file, or KN_NO_OFFSET */
    char file[512];      /* file name, or "" */
    char msg[512];
} kn_err;

/* Fills e (if non-NULL) and returns st, so callers can `return kn_err_set(...)`. */
kn_status kn_err_set(kn_err *e, kn_status st, const char *file, int64_t offset,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void kn_err_clear(kn_err *e);
/* Formats as "FILE: offset N: msg" (parts omitted when absent) into buf. */
void kn_err_format(const kn_err *e, char *buf, size_t n);
/* Prints "kensa: " + kn_err_format to stderr. */
void kn_err_print(const kn_err *e);
/* Direct form: prints "kensa: FILE: offset N: message" to stderr. */
void kn_errorf(const char *file, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counted warnings. Zero-initialise, or use kn_warnings_init. */
typedef struct kn_warnings {
    uint64_t count;     /* all warnings seen */
    unsigned shown;     /* how many were printed */
    unsigned max_shown; /* print at most this many (default 5 when 0) */
    int quiet;          /* count only */
} kn_warnings;

void kn_warnings_init(kn_warnings *w, unsigned max_shown, int quiet);
void kn_warn(kn_warnings *w, const char *file, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints "kensa: N more warnings not shown" if any were suppressed. */
void kn_warnings_summary(const kn_warnings *w, const char *what);

#endif
