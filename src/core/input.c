/* input.c: mmap and streaming readers with transparent gzip (zlib) and xz
 * (liblzma). The streaming reader keeps one decoded buffer that grows only
 * for peeks and long lines, so memory stays bounded by the longest line.
 *
 * An uncompressed regular file is not read() but mapped, and the reader
 * serves lines straight from the mapping: the copy out of the page cache
 * was 7-10% of soc log ingest (perf, 1 GiB EVE/Zeek in page cache). The
 * consumed part of the mapping is released every MAP_RELEASE bytes so the
 * resident set stays bounded instead of growing to the file size.
 *
 * A mapped file that another process truncates while kensa reads it
 * (logrotate's copytruncate) would end the process with SIGBUS at the first
 * touch past the new end. Every mapping made here is registered with the
 * SIGBUS guard (mapguard.h), which turns that fault into zero pages and a
 * flag; the reader checks the flag once per call (line, peek, read, rest),
 * ends the input where the file's data ended and reports
 * "file shrank while being read" once, with the offset (kn_map: see
 * kn_map_truncated). KENSA_NO_MMAP=1 in the environment still selects
 * read() for the reader. */
#include "core/input.h"
#include "core/mapguard.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CHUNK (1u << 20)
#define BUF_MIN (4u << 20)
/* populate ahead / release behind in steps of this: 2 MiB keeps a mapped
 * input's resident pages near 4 MiB (the driver holds every input open at
 * once) at the same speed as 8 MiB (measured on 1 GiB EVE) */
#define MAP_RELEASE ((size_t)2 << 20)

kn_compression kn_detect_compression(const uint8_t *p, size_t n)
{
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8) return KN_COMP_GZIP;
    if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) return KN_COMP_XZ;
    return KN_COMP_NONE;
}

struct kn_reader {
    const char *path;
    int fd;                       /* -1 for memory sources */
    int own_fd;
    const uint8_t *mem;           /* memory source */
    size_t mem_len, mem_pos;
    uint64_t raw_off, raw_size;
    int raw_eof;
    kn_compression comp;
    z_stream z;
    lzma_stream xz;
    int dec_init;
    uint8_t *raw;                 /* compressed input chunk */
    size_t raw_len, raw_pos;
    uint8_t *buf;                 /* decoded data: [pos, len) unread */
    size_t pos, len, cap;
    int eof;                      /* no more decoded data will come */
    uint64_t off;                 /* decoded offset of buf[pos] */
    uint64_t lineno;
    size_t max_line;
    int skip_line;                /* rest of an over-long line is pending */
    int mapped;                   /* buf holds the whole input, eof set: 1 an mmap of the file,
                                   * 2 the caller's memory (kn_reader_open_mem, uncompressed) */
    size_t released;              /* mapped: bytes before this were given back (page aligned) */
    size_t populated;             /* mapped: page tables are filled up to here */
    /* The file shrank under the mapping (mapguard.h): gone is the guard's
     * flag (never_gone for unguarded sources, and once the cut is noticed),
     * checked once per call; cut is 1 once noticed (len now ends where the
     * file's data did, at cut_off or at pos if that was further) and 2 once
     * the error was returned. */
    const int *gone;
    int guard;                    /* mapguard slot of the mapping, -1 none */
    int cut;
    uint64_t cut_off;
    int end_checked;              /* the size was asked at the end and was whole */
};

static const int never_gone;

/* Nonzero when the guard has replaced part of the mapping and the reader
 * has not yet ended its input there (one load of a cached line). */
#define READER_GONE(r) __builtin_expect(kn_mapguard_hit((r)->gone), 0)

/* Ends the input where the file's data ended; never below `floor` (bytes
 * before it were handed out already). */
static void reader_note_cut(kn_reader *r, size_t floor)
{
    uint64_t cut = kn_mapguard_cut(r->guard);
    if (cut > r->len) cut = r->len;
    r->cut_off = cut;
    size_t end = (size_t)cut < floor ? floor : (size_t)cut;
    if (end < r->len) r->len = end;
    r->cut = 1;
    r->gone = &never_gone;
}

/* A cut inside the mapping's last page raises no SIGBUS (the page the file
 * was cut in stays mapped and reads as zeros past the cut), so the file's
 * size is asked when the reader reaches the end of the mapping: one fstat
 * an input. Returns 1 if the file is now shorter (the cut is noted). */
static int reader_cut_at_end(kn_reader *r, size_t floor)
{
    if (r->mapped != 1 || r->cut || r->end_checked) return 0;
    struct stat sb;
    if (fstat(r->fd, &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size >= r->len) return 0;
    r->cut_off = (uint64_t)sb.st_size;
    size_t end = (size_t)sb.st_size < floor ? floor : (size_t)sb.st_size;
    if (end < r->len) r->len = end;
    r->cut = 1;
    r->gone = &never_gone;
    return 1;
}

/* Cuts reported in this process (kn_input_cuts). */
static uint64_t cuts_reported;

uint64_t kn_input_cuts(void) { return __atomic_load_n(&cuts_reported, __ATOMIC_RELAXED); }

static void count_cut(void) { __atomic_fetch_add(&cuts_reported, 1, __ATOMIC_RELAXED); }

/* The error, once, from the call that reaches the end of a cut input. */
static kn_status reader_cut_error(kn_reader *r, kn_err *e)
{
    r->cut = 2;
    count_cut();
    return kn_err_set(e, KN_ERR_IO, r->path, (int64_t)r->cut_off,
                      "file shrank while being read (truncated by another process?); the rest was not read");
}

/* ---- raw layer ------------------------------------------------------------ */

static kn_status raw_read(kn_reader *r, uint8_t *dst, size_t n, size_t *got, kn_err *e)
{
    *got = 0;
    if (r->raw_eof) return KN_OK;
    if (r->fd < 0) {
        size_t k = r->mem_len - r->mem_pos;
        if (k > n) k = n;
        memcpy(dst, r->mem + r->mem_pos, k);
        r->mem_pos += k;
        *got = k;
    } else {
        for (;;) {
            ssize_t k = read(r->fd, dst, n);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0)
                return kn_err_set(e, KN_ERR_IO, r->path, (int64_t)r->raw_off, "read failed: %s", strerror(errno));
            *got = (size_t)k;
            break;
        }
    }
    if (*got == 0) r->raw_eof = 1;
    r->raw_off += *got;
    return KN_OK;
}

/* Refill the compressed chunk if it is used up. */
static kn_status raw_refill(kn_reader *r, kn_err *e)
{
    if (r->raw_pos < r->raw_len) return KN_OK;
    r->raw_pos = 0;
    return raw_read(r, r->raw, RAW_CHUNK, &r->raw_len, e);
}

/* ---- decoding ----------------------------------------------------------- */

static kn_status ensure_space(kn_reader *r, size_t want)
{
    if (r->pos > 0 && r->pos == r->len) { r->pos = r->len = 0; }
    if (r->cap - r->len >= want) return KN_OK;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        if (r->cap - r->len >= want) return KN_OK;
    }
    size_t nc = r->cap ? r->cap : BUF_MIN;
    while (nc - r->len < want) nc *= 2;
    uint8_t *nb = realloc(r->buf, nc);
    if (!nb) return KN_ERR_NOMEM;
    r->buf = nb;
    r->cap = nc;
    return KN_OK;
}

/* Appends decoded bytes to buf; sets r->eof when the input is exhausted. */
static kn_status fill(kn_reader *r, kn_err *e)
{
    if (r->eof) return KN_OK;
    if (ensure_space(r, RAW_CHUNK) != KN_OK)
        return kn_err_set(e, KN_ERR_NOMEM, r->path, (int64_t)r->off, "out of memory");
    uint8_t *dst = r->buf + r->len;
    size_t room = r->cap - r->len;
    if (r->comp == KN_COMP_NONE) {
        /* pass-through: read straight into the decoded buffer */
        size_t got = 0;
        if (r->raw_pos < r->raw_len) {
            got = r->raw_len - r->raw_pos;
            if (got > room) got = room;
            memcpy(dst, r->raw + r->raw_pos, got);
            r->raw_pos += got;
        } else {
            kn_status st = raw_read(r, dst, room, &got, e);
            if (st) return st;
        }
        if (got == 0) r->eof = 1;
        r->len += got;
        return KN_OK;
    }
    size_t produced = 0;
    while (produced == 0) {
        kn_status st = raw_refill(r, e);
        if (st) return st;
        int in_eof = r->raw_len == r->raw_pos;
        if (r->comp == KN_COMP_GZIP) {
            if (in_eof) {
                r->eof = 1;
                if (r->dec_init == 2)  /* inside a member when the input ended */
                    return kn_err_set(e, KN_ERR_TRUNCATED, r->path, (int64_t)r->raw_off,
                                      "gzip stream ends early (truncated file?)");
                return KN_OK;
            }
            r->z.next_in = r->raw + r->raw_pos;
            r->z.avail_in = (uInt)(r->raw_len - r->raw_pos);
            r->z.next_out = dst;
            r->z.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
            int zr = inflate(&r->z, Z_NO_FLUSH);
            r->raw_pos = r->raw_len - r->z.avail_in;
            produced = (size_t)(r->z.next_out - dst);
            r->dec_init = 2;
            if (zr == Z_STREAM_END) {
                /* concatenated members (gzip -c a b): start the next one */
                inflateReset(&r->z);
                r->dec_init = 1;
                if (produced == 0) continue;
            } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                r->eof = 1;
                return kn_err_set(e, KN_ERR_FORMAT, r->path, (int64_t)(r->raw_off - (r->raw_len - r->raw_pos)),
                                  "gzip data is corrupt: %s", r->z.msg ? r->z.msg : "inflate error");
            }
        } else {
            r->xz.next_in = r->raw + r->raw_pos;
            r->xz.avail_in = r->raw_len - r->raw_pos;
            r->xz.next_out = dst;
            r->xz.avail_out = room;
            lzma_ret lr = lzma_code(&r->xz, in_eof ? LZMA_FINISH : LZMA_RUN);
            r->raw_pos = r->raw_len - r->xz.avail_in;
            produced = (size_t)(r->xz.next_out - dst);
            if (lr == LZMA_STREAM_END) { r->eof = 1; break; }
            if (lr != LZMA_OK && lr != LZMA_BUF_ERROR) {
                r->eof = 1;
                return kn_err_set(e, KN_ERR_FORMAT, r->path, (int64_t)r->raw_off, "xz data is corrupt (code %d)", (int)lr);
            }
            if (in_eof && produced == 0) {
                r->eof = 1;
                return kn_err_set(e, KN_ERR_TRUNCATED, r->path, (int64_t)r->raw_off, "xz stream ends early");
            }
        }
    }
    r->len += produced;
    return KN_OK;
}

static kn_status reader_start(kn_reader *r, kn_err *e)
{
    r->raw = malloc(RAW_CHUNK);
    r->max_line = 16u << 20;
    if (!r->raw) return kn_err_set(e, KN_ERR_NOMEM, r->path, KN_NO_OFFSET, "out of memory");
    kn_status st = raw_read(r, r->raw, RAW_CHUNK, &r->raw_len, e);
    if (st) return st;
    r->comp = kn_detect_compression(r->raw, r->raw_len);
    if (r->comp == KN_COMP_GZIP) {
        if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
            return kn_err_set(e, KN_ERR_NOMEM, r->path, KN_NO_OFFSET, "zlib init failed");
        r->dec_init = 1;
    } else if (r->comp == KN_COMP_XZ) {
        lzma_stream init = LZMA_STREAM_INIT;
        r->xz = init;
        if (lzma_stream_decoder(&r->xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
            return kn_err_set(e, KN_ERR_NOMEM, r->path, KN_NO_OFFSET, "liblzma init failed");
        r->dec_init = 1;
    }
    return KN_OK;
}

/* Maps a plain regular file and makes the mapping the decoded buffer, all
 * of it already "read" (eof set), so the line/peek/read paths need no
 * special case. Returns 0 (compressed, empty, refused: use read()). */
static int try_map(kn_reader *r)
{
    const char *no = getenv("KENSA_NO_MMAP");
    if (no && *no && strcmp(no, "0") != 0) return 0;
    if (r->raw_size > (uint64_t)SIZE_MAX / 2) return 0;
    size_t size = (size_t)r->raw_size;
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, r->fd, 0);
    if (p == MAP_FAILED) return 0;
    /* guarded before the first byte is read: the file may be cut already */
    int guard = kn_mapguard_add(p, size, r->fd);
    if (guard < 0) { munmap(p, size); return 0; }
    if (kn_detect_compression(p, size) != KN_COMP_NONE) {
        kn_mapguard_remove(guard);
        munmap(p, size);
        return 0;
    }
    r->guard = guard;
    r->gone = kn_mapguard_flag(guard);
#ifdef MADV_SEQUENTIAL
    madvise(p, size, MADV_SEQUENTIAL);
#endif
    r->mapped = 1;
    r->buf = p;
    r->pos = 0;
    r->len = r->cap = size;
    r->eof = r->raw_eof = 1;
    r->raw_off = size;
    r->max_line = 16u << 20;
    r->comp = KN_COMP_NONE;
    return 1;
}

/* Gives the pages of the mapping below the current position back (they
 * stay in the page cache); nothing before pos is referenced by a caller
 * any more (line and peek pointers live until the next call). */
static void map_release(kn_reader *r)
{
    if (r->pos + MAP_RELEASE / 2 >= r->populated && r->populated < r->len) {
        /* every MAP_RELEASE bytes: the guard's flag too, so that a parser
         * reading in place (kn_reader_rest, once a line for EVE) is told
         * of a cut without a check in each call */
        if (READER_GONE(r)) { reader_note_cut(r, r->pos); return; }
        size_t n = r->len - r->populated < MAP_RELEASE ? r->len - r->populated : MAP_RELEASE;
#ifdef MADV_POPULATE_READ
        madvise(r->buf + r->populated, n, MADV_POPULATE_READ);
#endif
        r->populated += n;
    }
    if (r->pos - r->released < MAP_RELEASE) return;
    size_t page = 4096, upto = r->pos & ~(page - 1);
    if (upto > r->released) {
        madvise(r->buf + r->released, upto - r->released, MADV_DONTNEED);
        r->released = upto;
    }
}

kn_status kn_reader_open(kn_reader **out, const char *path, kn_err *e)
{
    *out = NULL;
    kn_reader *r = calloc(1, sizeof *r);
    if (!r) return kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory");
    r->path = path;
    r->guard = -1;
    r->gone = &never_gone;
    if (strcmp(path, "-") == 0) {
        r->fd = 0;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            kn_status st = kn_err_set(e, errno == EACCES ? KN_ERR_PERM : KN_ERR_IO, path, KN_NO_OFFSET,
                                      "cannot open: %s", strerror(errno));
            free(r);
            return st;
        }
        r->own_fd = 1;
        struct stat sb;
        if (fstat(r->fd, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                close(r->fd);
                free(r);
                return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "is a directory");
            }
            if (S_ISREG(sb.st_mode)) r->raw_size = (uint64_t)sb.st_size;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        if (r->raw_size > 0 && try_map(r)) { *out = r; return KN_OK; }
    }
    kn_status st = reader_start(r, e);
    if (st) { kn_reader_close(r); return st; }
    *out = r;
    return KN_OK;
}

kn_status kn_reader_open_mem(kn_reader **out, const void *data, size_t n, const char *name, kn_err *e)
{
    *out = NULL;
    kn_reader *r = calloc(1, sizeof *r);
    if (!r) return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory");
    r->path = name ? name : "(memory)";
    r->guard = -1;
    r->gone = &never_gone;
    r->fd = -1;
    r->mem = data;
    r->mem_len = n;
    r->raw_size = n;
    if (n && kn_detect_compression(data, n) == KN_COMP_NONE) {
        /* plain bytes are served in place, as a mapped file is */
        r->mapped = 2;
        r->buf = (uint8_t *)(uintptr_t)data;
        r->len = r->cap = n;
        r->eof = r->raw_eof = 1;
        r->raw_off = n;
        r->max_line = 16u << 20;
        *out = r;
        return KN_OK;
    }
    kn_status st = reader_start(r, e);
    if (st) { kn_reader_close(r); return st; }
    *out = r;
    return KN_OK;
}

void kn_reader_close(kn_reader *r)
{
    if (!r) return;
    if (r->dec_init && r->comp == KN_COMP_GZIP) inflateEnd(&r->z);
    if (r->dec_init && r->comp == KN_COMP_XZ) lzma_end(&r->xz);
    if (r->mapped == 1) {
        /* A cut nobody asked about is still said, never lost silently: a
         * parser reading in place (kn_reader_rest) may stop at the end of
         * the range it was given without asking the reader again. */
        if (READER_GONE(r)) reader_note_cut(r, r->pos);
        else if (r->pos == r->len) reader_cut_at_end(r, r->pos);
        if (r->cut == 1) {
            count_cut();
            kn_errorf(r->path, (int64_t)r->cut_off,
                      "file shrank while being read (truncated by another process?); the rest was not read");
        }
        kn_mapguard_remove(r->guard);
        munmap(r->buf, r->cap);
    }
    if (r->own_fd) close(r->fd);
    free(r->raw);
    if (!r->mapped) free(r->buf);
    free(r);
}

const char *kn_reader_path(const kn_reader *r) { return r->path; }
kn_compression kn_reader_compression(const kn_reader *r) { return r->comp; }
uint64_t kn_reader_offset(const kn_reader *r) { return r->off; }
uint64_t kn_reader_lineno(const kn_reader *r) { return r->lineno; }
uint64_t kn_reader_raw_offset(const kn_reader *r) { return r->mapped ? r->off : r->raw_off; }
uint64_t kn_reader_raw_size(const kn_reader *r) { return r->raw_size; }
void kn_reader_set_max_line(kn_reader *r, size_t m) { r->max_line = m ? m : (16u << 20); }

kn_status kn_reader_peek(kn_reader *r, size_t want, const uint8_t **p, size_t *n, kn_err *e)
{
    while (r->len - r->pos < want && !r->eof) {
        kn_status st = fill(r, e);
        if (st) return st;
    }
    if (r->mapped == 1) {
        /* The caller reads these bytes after we return, too late for the
         * guard to be asked: touch one byte a page now (peeks are for
         * sniffing, a few pages), so a cut file shows as one here. */
        size_t k = r->len - r->pos < want ? r->len - r->pos : want;
        const volatile uint8_t *q = r->buf + r->pos;
        for (size_t o = 0; o < k; o += 4096) (void)q[o];
        if (k) (void)q[k - 1];
        if (READER_GONE(r)) reader_note_cut(r, r->pos);
        else if (k == r->len - r->pos) reader_cut_at_end(r, r->pos);
        /* nothing left before the cut: the error is the answer */
        if (r->cut == 1 && r->pos == r->len && want > 0) return reader_cut_error(r, e);
    }
    *p = r->buf ? r->buf + r->pos : (const uint8_t *)"";
    *n = r->len - r->pos;
    if (*n > want) *n = want;
    return KN_OK;
}

kn_status kn_reader_read(kn_reader *r, void *dst, size_t n, size_t *got, kn_err *e)
{
    size_t done = 0;
    if (r->mapped == 1) {
        map_release(r);
        size_t from = r->pos;
        if (READER_GONE(r)) reader_note_cut(r, from);
        if (r->cut == 1 && r->pos == r->len && n > 0) { *got = 0; return reader_cut_error(r, e); }
        size_t k = r->len - r->pos < n ? r->len - r->pos : n;
        if (k == r->len - r->pos && reader_cut_at_end(r, from)) {
            if (r->pos == r->len && n > 0) { *got = 0; return reader_cut_error(r, e); }
            k = r->len - r->pos < n ? r->len - r->pos : n;
        }
        if (r->pos + k == r->len && !r->cut) r->end_checked = 1;
        memcpy(dst, r->buf + r->pos, k);
        if (READER_GONE(r)) {
            /* the copy ran into the cut: keep only the file's bytes */
            reader_note_cut(r, from);
            if (from + k > r->len) k = r->len - from;
        }
        r->pos += k;
        r->off += k;
        *got = k;
        return KN_OK;
    }
    while (done < n) {
        if (r->pos == r->len) {
            if (r->eof) break;
            kn_status st = fill(r, e);
            if (st) { *got = done; return st; }
            continue;
        }
        size_t k = r->len - r->pos;
        if (k > n - done) k = n - done;
        memcpy((uint8_t *)dst + done, r->buf + r->pos, k);
        r->pos += k;
        r->off += k;
        done += k;
    }
    *got = done;
    return KN_OK;
}

/* kn_reader_rest's rare part, out of its way (EVE asks for the rest once a
 * line): at the end, the guard's flag and the file's size. */
static __attribute__((noinline, cold)) void rest_check_cut(kn_reader *r)
{
    if (READER_GONE(r)) reader_note_cut(r, r->pos);
    else if (!reader_cut_at_end(r, r->pos) && !r->cut) r->end_checked = 1;
}

int kn_reader_rest(kn_reader *r, const char **p, size_t *n)
{
    if (!r->mapped || r->skip_line) return 0;
    if (r->mapped == 1) {
        /* the guard's flag is looked at in map_release, every MAP_RELEASE
         * bytes, and here at the end of the mapping; a cut input goes on
         * through kn_reader_line, which ends it at the last whole line and
         * reports the cut */
        map_release(r);
        if (__builtin_expect(r->cut || r->pos == r->len, 0)) {
            rest_check_cut(r);
            if (r->cut) return 0;
        }
    }
    *p = (const char *)r->buf + r->pos;
    *n = r->len - r->pos;
    return 1;
}

void kn_reader_skip_lines(kn_reader *r, size_t bytes, uint64_t lines)
{
    assert(r->mapped && bytes <= r->len - r->pos);
    r->pos += bytes;
    r->off += bytes;
    r->lineno += lines;
    /* Lines a page ahead of the parser: the file's pages are scattered in
     * memory and the hardware prefetcher stops at each page boundary, so
     * every new page began with cache misses (reading through read() into
     * one hot buffer was faster in user time for that reason). This cut
     * Zeek conn.log time by 15% and http.log by 7% (CPU time, medians of
     * 7; 8 KiB or 12 KiB ahead and 4 lines were no better). A prefetch
     * never faults, so addresses past the mapping are harmless. */
    uintptr_t ahead = (uintptr_t)(r->buf + r->pos) + 4096;   /* an address, not a pointer into the buffer */
    __builtin_prefetch((const void *)ahead);
    __builtin_prefetch((const void *)(ahead + 64));
    __builtin_prefetch((const void *)(ahead + 128));
    /* no release here: the caller still reads the lines it skipped (the
     * record built from them goes out after this); the next
     * kn_reader_rest or kn_reader_line releases */
}

/* Drops bytes up to and including the next newline (rest of an over-long
 * line). Returns 0 when done, -1 on error. */
static int skip_rest_of_line(kn_reader *r, kn_err *e)
{
    for (;;) {
        if (r->pos < r->len) {
            const uint8_t *q = memchr(r->buf + r->pos, '\n', r->len - r->pos);
            size_t k = q ? (size_t)(q - (r->buf + r->pos)) + 1 : r->len - r->pos;
            r->pos += k;
            r->off += k;
            if (q) break;
        }
        if (r->eof) break;
        if (fill(r, e) != KN_OK) return -1;
    }
    r->skip_line = 0;
    return 0;
}

int kn_reader_line(kn_reader *r, const char **line, size_t *len, int *truncated, kn_err *e)
{
    if (truncated) *truncated = 0;
    if (r->mapped == 1) map_release(r);
    if (r->skip_line && skip_rest_of_line(r, e) != 0) return -1;
    size_t scanned = 0;
    for (;;) {
        size_t avail = r->len - r->pos;
        const uint8_t *start = r->buf ? r->buf + r->pos : NULL;
        const uint8_t *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (nl || (r->eof && avail > 0) || avail >= r->max_line) {
            if (READER_GONE(r)) {
                /* the scan may have run into the cut: end the input
                 * there and look again */
                reader_note_cut(r, r->pos);
                scanned = 0;
                continue;
            }
            if (!nl && r->eof && avail < r->max_line && reader_cut_at_end(r, r->pos)) {
                scanned = 0;
                continue;
            }
            if (!nl && r->cut == 1) {
                /* the line the file was cut in is not data */
                r->off += avail;
                r->pos = r->len;
                return reader_cut_error(r, e), -1;
            }
            size_t n, consumed;
            if (nl) {
                n = (size_t)(nl - start);
                consumed = n + 1;
                if (n > r->max_line) {
                    n = r->max_line;
                    if (truncated) *truncated = 1;
                }
            } else if (avail >= r->max_line) {
                n = consumed = r->max_line;
                r->skip_line = 1;
                if (truncated) *truncated = 1;
            } else {
                n = consumed = avail;
            }
            r->pos += consumed;
            r->off += consumed;
            r->lineno++;
            if (n && start[n - 1] == '\r') n--;
            *line = (const char *)start;
            *len = n;
            return 1;
        }
        if (r->eof) {
            if (READER_GONE(r)) { reader_note_cut(r, r->pos); scanned = 0; continue; }
            if (reader_cut_at_end(r, r->pos)) continue;
            if (r->cut == 1) return reader_cut_error(r, e), -1;
            if (r->mapped == 1) r->end_checked = 1;
            return 0;
        }
        scanned = avail;
        if (fill(r, e) != KN_OK) return -1;
    }
}

/* ---- whole-file map ------------------------------------------------------- */

static const uint8_t empty_file[1];   /* data of a mapped empty file */

kn_status kn_map_open(kn_map *m, const char *path, int decompress, size_t max_dec, kn_err *e)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    if (!max_dec) max_dec = (size_t)4 << 30;
    if (strcmp(path, "-") != 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return kn_err_set(e, errno == EACCES ? KN_ERR_PERM : KN_ERR_IO, path, KN_NO_OFFSET,
                              "cannot open: %s", strerror(errno));
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            close(fd);
            return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "not a regular file");
        }
        size_t size = (size_t)sb.st_size;
        const uint8_t *data = empty_file;
        int guard = -1;
        if (size) {
            void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                close(fd);
                return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "mmap failed: %s", strerror(errno));
            }
            /* guarded before the first byte is read; the guard keeps the
             * descriptor to learn the file's size if it shrinks */
            guard = kn_mapguard_add(p, size, fd);
            if (guard < 0) {
                /* every guard slot in use: read the file into memory
                 * instead (below) rather than map it unguarded */
                munmap(p, size);
                close(fd);
                goto stream;
            }
            data = p;
        }
        kn_compression c = kn_detect_compression(data, size);
        if (!decompress || c == KN_COMP_NONE) {
            m->data = data;
            m->size = size;
            m->mmapped = size > 0;
            m->compression = decompress ? KN_COMP_NONE : c;
            if (guard >= 0) {
                m->guard = guard + 1;
                m->gone = kn_mapguard_flag(guard);
            } else {
                close(fd);
            }
            return KN_OK;
        }
        if (guard >= 0) kn_mapguard_remove(guard);
        close(fd);
        munmap((void *)data, size);
    }
stream:;   /* (a label before a declaration: C11 wants a statement) */
    /* stdin or compressed: stream into a heap buffer */
    kn_reader *r;
    kn_status st = kn_reader_open(&r, path, e);
    if (st) return st;
    m->compression = r->comp;
    if (!decompress && r->comp != KN_COMP_NONE) {
        /* raw bytes of stdin were requested; the reader decodes, so refuse */
        kn_reader_close(r);
        return kn_err_set(e, KN_ERR_UNSUPPORTED, path, KN_NO_OFFSET, "compressed standard input cannot be mapped raw");
    }
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) { kn_reader_close(r); return kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory"); }
        if (len == cap) {
            if (cap >= max_dec) {
                free(buf);
                kn_reader_close(r);
                return kn_err_set(e, KN_ERR_LIMIT, path, (int64_t)len, "decompressed size exceeds %zu bytes", max_dec);
            }
            cap = cap * 2 > max_dec ? max_dec : cap * 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) free(buf);
            buf = nb;
            continue;
        }
        size_t got;
        st = kn_reader_read(r, buf + len, cap - len, &got, e);
        if (st) { free(buf); kn_reader_close(r); return st; }
        if (got == 0) break;
        len += got;
    }
    kn_reader_close(r);
    m->data = buf;
    m->size = len;
    m->mmapped = 0;
    return KN_OK;
}

int kn_map_truncated(kn_map *m, uint64_t *at)
{
    if (!m->guard) return 0;
    uint64_t cut;
    if (kn_map_shrank(m)) {
        cut = kn_mapguard_cut(m->guard - 1);
    } else {
        /* no fault (yet): a cut inside the last page raises none, as the
         * page the file was cut in stays mapped; ask the file */
        struct stat sb;
        if (fstat(kn_mapguard_fd(m->guard - 1), &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size >= m->size)
            return 0;
        cut = (uint64_t)sb.st_size;
    }
    if (at) *at = cut < m->size ? cut : m->size;
    m->told = 1;   /* the caller reports it from now on */
    return 1;
}

void kn_map_close(kn_map *m)
{
    if (!m->data) return;
    if (m->guard) {
        uint64_t at;
        int told = m->told;
        /* a cut the owner never asked about is said here: its zeros were
         * read as data, which must not go unnoticed */
        if (!told && kn_map_truncated(m, &at)) {
            count_cut();
            kn_errorf(m->path, (int64_t)at,
                      "file shrank while mapped (truncated by another process?); what was read from here on was zeros, not the file");
        }
        int fd = kn_mapguard_fd(m->guard - 1);
        kn_mapguard_remove(m->guard - 1);
        close(fd);
        m->guard = 0;
        m->gone = NULL;
    }
    if (m->mmapped) munmap((void *)m->data, m->size);
    else if (m->data != empty_file) free((void *)m->data);
    m->data = NULL;
    m->size = 0;
}
