/* test_core_input_cut.c: a mapped file truncated by someone else while
 * kensa reads it (core/mapguard.h). Each case writes a file of numbered
 * lines of varying length, maps it through kn_reader or kn_map, truncates
 * it with ftruncate() (as logrotate's copytruncate does) at a size in the
 * middle of a page and of a line, and reads on: the process must live, the
 * lines returned must be exactly the file's lines that ended before the
 * cut, and the error must name the file, the offset (the file's exact new
 * size: the reader can fstat it) and the problem. Without the guard every
 * case dies of SIGBUS. A last case checks that a SIGBUS outside kensa's
 * mappings still kills the process. */
#define _GNU_SOURCE
#include "test.h"
#include "core/input.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];
static char path[720];
static size_t nlines;
static size_t *line_end;   /* offset just past each line's '\n' */
static size_t file_size;

/* The text of line i (without '\n'); lengths vary so lines straddle pages. */
static size_t line_text(size_t i, char *buf, size_t cap)
{
    static const char fill[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz";
    int k = snprintf(buf, cap, "line %zu %.*s", i, (int)(i * 7 % 80), fill);
    return (size_t)k;
}

/* Writes about `bytes` of numbered lines to path; fills line_end. */
static void write_lines(size_t bytes)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    free(line_end);
    size_t cap = bytes / 8 + 16;
    line_end = malloc(cap * sizeof *line_end);
    size_t off = 0;
    nlines = 0;
    char buf[256];
    while (off < bytes) {
        size_t n = line_text(nlines, buf, sizeof buf);
        buf[n++] = '\n';
        fwrite(buf, 1, n, f);
        off += n;
        line_end[nlines++] = off;
    }
    fclose(f);
    file_size = off;
}

/* Lines wholly before `cut` (their '\n' included). */
static size_t lines_before(size_t cut)
{
    size_t k = 0;
    while (k < nlines && line_end[k] <= cut) k++;
    return k;
}

/* A size in the middle of a page and of a line, near `near`. */
static size_t mid_page_mid_line(size_t near)
{
    size_t c = (near & ~(size_t)4095) + 1000;
    for (;; c++) {
        size_t k = lines_before(c);
        if (c % 4096 != 0 && k < nlines && line_end[k] - 1 > c && (k == 0 || line_end[k - 1] < c)) return c;
    }
}

static void truncate_to(size_t size)
{
    CHECK(truncate(path, (off_t)size) == 0);
}

/* Reads lines from the reader's current line on, checking each against the
 * file; returns how many matched in a row (stops at the first mismatch),
 * *rc the last kn_reader_line result. */
static size_t read_checked(kn_reader *r, size_t first, int *rc, kn_err *e)
{
    const char *line;
    size_t len, i = first;
    char want[256];
    while ((*rc = kn_reader_line(r, &line, &len, NULL, e)) == 1) {
        size_t wn = i < nlines ? line_text(i, want, sizeof want) : 0;
        if (i >= nlines || len != wn || memcmp(line, want, len) != 0) {
            fprintf(stderr, "line %zu differs (len %zu)\n", i, len);
            return i - first;
        }
        i++;
    }
    return i - first;
}

static void check_cut_error(const kn_err *e, size_t at)
{
    CHECK_EQ_INT(e->status, KN_ERR_IO);
    CHECK_EQ_STR(e->file, path);
    CHECK_EQ_INT(e->offset, (long long)at);
    CHECK(strstr(e->msg, "file shrank while being read") != NULL);
    CHECK(strstr(e->msg, "the rest was not read") != NULL);
}

/* Read a part, cut ahead of the reader in mid page and mid line, read on. */
static void reader_cut_ahead(void)
{
    snprintf(path, sizeof path, "%s/ahead.log", dir);
    write_lines((size_t)12 << 20);
    kn_reader *r;
    kn_err e;
    kn_err_clear(&e);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    /* read about 1 MiB (the reader has populated pages ahead) */
    size_t first = lines_before((size_t)1 << 20);
    int rc;
    const char *line;
    size_t len;
    for (size_t i = 0; i < first; i++) CHECK_EQ_INT(kn_reader_line(r, &line, &len, NULL, &e), 1);
    size_t cut = mid_page_mid_line((size_t)5 << 20);
    truncate_to(cut);
    size_t got = read_checked(r, first, &rc, &e);
    CHECK_EQ_INT(first + got, lines_before(cut));
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    /* the error came once: then the input is over */
    kn_err_clear(&e);
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, NULL, &e), 0);
    CHECK_EQ_INT(e.status, KN_OK);
    CHECK_EQ_INT(kn_reader_offset(r), cut);
    kn_reader_close(r);
}

/* Cut exactly after a line in mid page: every line before it is returned. */
static void reader_cut_at_line_end(void)
{
    snprintf(path, sizeof path, "%s/lineend.log", dir);
    write_lines((size_t)4 << 20);
    size_t k = lines_before((size_t)3 << 20);
    while (line_end[k] % 4096 == 0) k++;
    size_t cut = line_end[k];
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    truncate_to(cut);
    int rc;
    size_t got = read_checked(r, 0, &rc, &e);
    CHECK_EQ_INT(got, k + 1);
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);
}

/* Truncated after open, before the first read: the first peek sees it. */
static void reader_cut_before_first_read(void)
{
    snprintf(path, sizeof path, "%s/first.log", dir);
    write_lines((size_t)3 << 20);
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    size_t cut = mid_page_mid_line(20000);
    truncate_to(cut);
    const uint8_t *p;
    size_t n;
    /* a sniffing peek sees only the file's bytes */
    CHECK_EQ_INT(kn_reader_peek(r, 65536, &p, &n, &e), KN_OK);
    CHECK_EQ_INT(n, cut);
    int rc;
    size_t got = read_checked(r, 0, &rc, &e);
    CHECK_EQ_INT(got, lines_before(cut));
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);

    /* cut to nothing: the peek itself reports it */
    write_lines((size_t)1 << 20);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    truncate_to(0);
    kn_err_clear(&e);
    CHECK_EQ_INT(kn_reader_peek(r, 65536, &p, &n, &e), KN_ERR_IO);
    check_cut_error(&e, 0);
    const char *line;
    CHECK_EQ_INT(kn_reader_line(r, &line, &n, NULL, &e), 0);
    kn_reader_close(r);
}

/* Cut below what was already read: nothing more, the offset is the size. */
static void reader_cut_behind(void)
{
    snprintf(path, sizeof path, "%s/behind.log", dir);
    write_lines((size_t)8 << 20);
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    size_t first = lines_before((size_t)5 << 20);
    const char *line;
    size_t len;
    for (size_t i = 0; i < first; i++) CHECK_EQ_INT(kn_reader_line(r, &line, &len, NULL, &e), 1);
    size_t cut = mid_page_mid_line((size_t)1 << 20);
    truncate_to(cut);
    int rc;
    size_t got = read_checked(r, first, &rc, &e);
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);
}

/* kn_reader_read: the bytes before the cut, then the error. */
static void reader_read_cut(void)
{
    snprintf(path, sizeof path, "%s/bytes.bin", dir);
    write_lines((size_t)4 << 20);
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    uint8_t *buf = malloc(file_size), *want = malloc(file_size);
    FILE *f = fopen(path, "rb");
    CHECK(fread(want, 1, file_size, f) == file_size);
    fclose(f);
    size_t have = 0, got;
    CHECK_EQ_INT(kn_reader_read(r, buf, 100000, &got, &e), KN_OK);
    have += got;
    size_t cut = mid_page_mid_line((size_t)3 << 20);
    truncate_to(cut);
    kn_status st;
    while ((st = kn_reader_read(r, buf + have, 65536, &got, &e)) == KN_OK && got) have += got;
    CHECK_EQ_INT(st, KN_ERR_IO);
    CHECK_EQ_INT(have, cut);
    CHECK(memcmp(buf, want, cut) == 0);
    check_cut_error(&e, cut);
    CHECK_EQ_INT(kn_reader_read(r, buf, 10, &got, &e), KN_OK);
    CHECK_EQ_INT(got, 0);
    kn_reader_close(r);
    free(buf);
    free(want);
}

/* In-place parsers (kn_reader_rest), as soc's Zeek and EVE readers: the
 * parser sees the lines before the cut, then zeros without a newline up to
 * the end of the mapping (its bad line); the reader is then at the end,
 * kn_reader_rest says 0 and kn_reader_line reports the cut. */
static void reader_rest_cut(void)
{
    snprintf(path, sizeof path, "%s/rest.log", dir);
    write_lines((size_t)4 << 20);
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    const char *p;
    size_t n;
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    CHECK_EQ_INT(n, file_size);
    size_t k = lines_before(100000);
    kn_reader_skip_lines(r, line_end[k - 1], k);
    size_t cut = mid_page_mid_line((size_t)2 << 20);
    truncate_to(cut);
    size_t good = k, bad = 0, zeros_from = 0;
    char want[256];
    while (kn_reader_rest(r, &p, &n) == 1 && n > 0) {
        const char *nl = memchr(p, '\n', n);
        if (!nl) {
            /* the rest has no line end: the line the file was cut in, then
             * zeros (read without a crash) */
            bad++;
            zeros_from = kn_reader_offset(r);
            CHECK(memchr(p, 0, n) != NULL && p[n - 1] == 0);
            kn_reader_skip_lines(r, n, 0);
            continue;
        }
        size_t len = (size_t)(nl - p), wn = good < nlines ? line_text(good, want, sizeof want) : 0;
        if (len != wn || memcmp(p, want, len) != 0) { CHECK(!"in-place line differs"); break; }
        good++;
        kn_reader_skip_lines(r, len + 1, 1);
    }
    CHECK_EQ_INT(good, lines_before(cut));
    CHECK_EQ_INT(bad, 1);
    CHECK_EQ_INT(zeros_from, line_end[good - 1]);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 0);
    int rc;
    CHECK_EQ_INT(read_checked(r, good, &rc, &e), 0);
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);

    /* a parser given the rest before the cut and cut after: lines read by
     * kn_reader_line from then on stop at the cut too */
    write_lines((size_t)4 << 20);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    kn_reader_skip_lines(r, line_end[k - 1], k);
    truncate_to(cut);
    CHECK_EQ_INT(p[cut + 5000], 0);   /* the parser looked ahead: zeros, no SIGBUS */
    CHECK_EQ_INT(read_checked(r, k, &rc, &e) + k, lines_before(cut));
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);
}

/* A cut inside the mapping's last page raises no SIGBUS (that page stays
 * mapped, zeros past the cut): the size is asked at the end instead. */
static void cut_in_last_page(void)
{
    snprintf(path, sizeof path, "%s/lastpage.log", dir);
    write_lines((size_t)1 << 20);
    size_t last_page = (file_size - 1) & ~(size_t)4095;
    size_t cut = last_page + 1;
    while (lines_before(cut) == 0 || line_end[lines_before(cut)] - 1 <= cut || line_end[lines_before(cut) - 1] >= cut) cut++;
    CHECK(cut < file_size && cut > last_page);
    /* lines */
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    truncate_to(cut);
    int rc;
    CHECK_EQ_INT(read_checked(r, 0, &rc, &e), lines_before(cut));
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);
    /* in place: the parser sees the zeros, kn_reader_rest at the end tells */
    write_lines((size_t)1 << 20);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    const char *p;
    size_t n;
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    truncate_to(cut);
    CHECK_EQ_INT(p[n - 1], 0);
    kn_reader_skip_lines(r, n, nlines);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 0);
    CHECK_EQ_INT(read_checked(r, nlines, &rc, &e), 0);
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(r);
    /* bytes */
    write_lines((size_t)1 << 20);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    truncate_to(cut);
    char *buf = malloc(file_size);
    size_t have = 0, got;
    kn_status st;
    while ((st = kn_reader_read(r, buf + have, 100000, &got, &e)) == KN_OK && got) have += got;
    CHECK_EQ_INT(st, KN_ERR_IO);
    CHECK_EQ_INT(have, cut);
    check_cut_error(&e, cut);
    kn_reader_close(r);
    free(buf);
    /* kn_map: no fault at all, the query asks the file */
    write_lines((size_t)1 << 20);
    kn_map m;
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);
    truncate_to(cut);
    CHECK_EQ_INT(m.data[m.size - 1], 0);
    CHECK_EQ_INT(kn_map_shrank(&m), 0);
    uint64_t at = 0;
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 1);
    CHECK_EQ_INT(at, cut);
    kn_map_close(&m);
    /* a whole file is not reported */
    write_lines((size_t)1 << 20);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    CHECK_EQ_INT(read_checked(r, 0, &rc, &e), nlines);
    CHECK_EQ_INT(rc, 0);
    kn_reader_close(r);
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 0);
    kn_map_close(&m);
}

/* Runs fn with stderr sent to a file; returns what it printed. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    static char out[4096];
    FILE *f = fopen(tmp, "r");
    size_t k = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[k] = 0;
    if (f) fclose(f);
    return out;
}

static void close_map(void *m) { kn_map_close(m); }

/* kn_map: the tail reads as zeros, the query says where the data ended. */
static void map_cut(void)
{
    snprintf(path, sizeof path, "%s/map.bin", dir);
    write_lines((size_t)6 << 20);
    uint8_t *want = malloc(file_size);
    FILE *f = fopen(path, "rb");
    CHECK(fread(want, 1, file_size, f) == file_size);
    fclose(f);
    kn_map m;
    kn_err e;
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);
    CHECK(m.mmapped);
    uint64_t at = 12345;
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 0);
    CHECK_EQ_INT(m.data[m.size - 1], '\n');
    size_t cut = mid_page_mid_line((size_t)4 << 20);
    truncate_to(cut);
    CHECK_EQ_INT(kn_map_shrank(&m), 0);      /* nothing touched past the end yet */
    CHECK_EQ_INT(m.data[m.size - 1], 0);     /* the tail: zeros, no SIGBUS */
    CHECK(kn_map_shrank(&m) != 0);
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 1);
    CHECK_EQ_INT(at, cut);
    CHECK(memcmp(m.data, want, cut) == 0);   /* the data before the cut is the file's */
    CHECK_EQ_INT(m.data[cut], 0);
    CHECK_EQ_INT(m.data[(cut | 4095) + 1], 0);
    /* the owner asked, so the owner reports: close says nothing */
    char *err = capture_stderr(close_map, &m);
    CHECK_EQ_STR(err, "");

    /* a cut nobody asked about is printed at close, with file and offset */
    write_lines((size_t)1 << 20);
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);
    truncate_to(8192);
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < m.size; i += 4096) sum += m.data[i];
    (void)sum;
    err = capture_stderr(close_map, &m);
    char expect[800];
    snprintf(expect, sizeof expect, "kensa: %s: offset 8192: file shrank while mapped", path);
    CHECK(strstr(err, "what was read from here on was zeros") != NULL);
    CHECK(strstr(err, expect) != NULL);

    /* cut to nothing: the first page faults too */
    write_lines((size_t)1 << 20);
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);
    truncate_to(0);
    CHECK_EQ_INT(m.data[0], 0);
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 1);
    CHECK_EQ_INT(at, 0);
    kn_map_close(&m);
    free(want);
}

/* Two readers and a map at once, each cut: each slot answers for its own. */
static void several_mappings(void)
{
    char pa[700], pb[700];
    snprintf(pa, sizeof pa, "%s/a.log", dir);
    snprintf(pb, sizeof pb, "%s/b.log", dir);
    snprintf(path, sizeof path, "%s", pa);
    write_lines((size_t)2 << 20);
    snprintf(path, sizeof path, "%s", pb);
    write_lines((size_t)2 << 20);
    kn_reader *ra, *rb;
    kn_err e;
    CHECK(kn_reader_open(&ra, pa, &e) == KN_OK);
    CHECK(kn_reader_open(&rb, pb, &e) == KN_OK);
    size_t cut = mid_page_mid_line((size_t)1 << 20);
    CHECK(truncate(pb, (off_t)cut) == 0);
    int rc;
    snprintf(path, sizeof path, "%s", pa);
    CHECK_EQ_INT(read_checked(ra, 0, &rc, &e), nlines);   /* a is whole */
    CHECK_EQ_INT(rc, 0);
    snprintf(path, sizeof path, "%s", pb);
    CHECK_EQ_INT(read_checked(rb, 0, &rc, &e), lines_before(cut));
    CHECK_EQ_INT(rc, -1);
    check_cut_error(&e, cut);
    kn_reader_close(ra);
    kn_reader_close(rb);
    /* slots are given back: many more mappings than slots, one at a time */
    for (int i = 0; i < 3000; i++) {
        kn_map m;
        CHECK(kn_map_open(&m, pa, 0, 0, &e) == KN_OK);
        if (!m.mmapped || m.guard == 0) { CHECK(m.mmapped && m.guard); kn_map_close(&m); break; }
        kn_map_close(&m);
    }
}

/* Another thread maps, reads and unmaps files all the while (claiming and
 * freeing guard slots) while this one reads a file that is cut: the fault
 * is matched to the right slot, the other thread's maps read whole. */
static char other_path[720];
static int other_stop;
static void *other_thread(void *arg)
{
    long *bad = arg;
    size_t want = 0;
    for (int i = 0; !__atomic_load_n(&other_stop, __ATOMIC_ACQUIRE) || i < 50; i++) {
        kn_map m;
        kn_err e;
        if (kn_map_open(&m, other_path, 0, 0, &e) != KN_OK || !m.guard) { (*bad)++; continue; }
        size_t sum = 0;
        for (size_t k = 0; k < m.size; k += 64) sum += m.data[k];
        if (i == 0) want = sum;
        else if (sum != want) (*bad)++;
        uint64_t at;
        if (kn_map_truncated(&m, &at)) (*bad)++;
        kn_map_close(&m);
    }
    return NULL;
}

static void threads_map_at_once(void)
{
    snprintf(other_path, sizeof other_path, "%s/other.bin", dir);
    snprintf(path, sizeof path, "%s", other_path);
    write_lines(300000);
    long bad = 0;
    __atomic_store_n(&other_stop, 0, __ATOMIC_RELEASE);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, &bad) == 0);
    snprintf(path, sizeof path, "%s/mine.log", dir);
    for (int round = 0; round < 5; round++) {
        write_lines((size_t)2 << 20);
        kn_reader *r;
        kn_err e;
        CHECK(kn_reader_open(&r, path, &e) == KN_OK);
        size_t cut = mid_page_mid_line(((size_t)1 << 20) + (size_t)round * 100000);
        truncate_to(cut);
        int rc;
        CHECK_EQ_INT(read_checked(r, 0, &rc, &e), lines_before(cut));
        CHECK_EQ_INT(rc, -1);
        check_cut_error(&e, cut);
        kn_reader_close(r);
    }
    __atomic_store_n(&other_stop, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ_INT(bad, 0);
}

/* A SIGBUS that is not a guarded mapping's still kills the process (here:
 * a mapping made behind kensa's back, after the guard is installed). */
static void foreign_sigbus_still_kills(void)
{
    snprintf(path, sizeof path, "%s/foreign.bin", dir);
    write_lines(65536);
    kn_map m;
    kn_err e;
    CHECK(kn_map_open(&m, path, 0, 0, &e) == KN_OK);   /* installs the handler */
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDONLY);
        volatile const uint8_t *p = mmap(NULL, 65536, PROT_READ, MAP_SHARED, fd, 0);
        if (ftruncate(open(path, O_RDWR), 0) != 0) _exit(3);
        (void)p[40000];
        _exit(0);   /* reached only if the fault was swallowed */
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's own handler (ours chains to it) reports and exits non-zero */
    CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3));
#else
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
#endif
    /* the child cut the file under our map too; nothing of it was read */
    uint64_t at = 1;
    CHECK_EQ_INT(kn_map_truncated(&m, &at), 1);
    CHECK_EQ_INT(at, 0);
    kn_map_close(&m);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kensa-cut-XXXXXX", t ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(line_end);
}

TEST_MAIN(setup, reader_cut_ahead, reader_cut_at_line_end, reader_cut_before_first_read, reader_cut_behind,
          reader_read_cut, reader_rest_cut, cut_in_last_page, map_cut, several_mappings, threads_map_at_once, foreign_sigbus_still_kills, teardown)
