#include "test.h"
#include "core/input.h"

#include <stdint.h>
#include <unistd.h>

static char dir[512];

static int count_lines(const char *path, size_t *total_bytes, kn_status *err)
{
    kn_reader *r;
    kn_err e;
    *total_bytes = 0;
    *err = kn_reader_open(&r, path, &e);
    if (*err) return -1;
    const char *line;
    size_t len;
    int n = 0;
    *total_bytes = 0;
    int rc;
    while ((rc = kn_reader_line(r, &line, &len, NULL, &e)) == 1) { n++; *total_bytes += len; }
    if (rc < 0) *err = e.status;
    kn_reader_close(r);
    return n;
}

/* The same 200k lines read plain, gzip'd (by gzip(1)) and xz'd (by xz(1)). */
static void transparent_decompression(void)
{
    char plain[600], cmd[8192];
    snprintf(plain, sizeof plain, "%s/lines.txt", dir);
    FILE *f = fopen(plain, "w");
    size_t expect = 0;
    for (int i = 0; i < 200000; i++) {
        int k = fprintf(f, "line %d %s\r\n", i, i % 7 ? "x" : "with a longer tail to vary lengths");
        expect += (size_t)k - 2;
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz' && xz -c '%s' > '%s.xz' && "
             "gzip -c '%s' > '%s.2gz' && gzip -c '%s' >> '%s.2gz'",
             plain, plain, plain, plain, plain, plain, plain, plain);
    CHECK(system(cmd) == 0);
    const char *suffix[] = {"", ".gz", ".xz"};
    for (int s = 0; s < 3; s++) {
        char p[700];
        snprintf(p, sizeof p, "%s%s", plain, suffix[s]);
        size_t bytes = 0;
        kn_status st;
        CHECK_EQ_INT(count_lines(p, &bytes, &st), 200000);
        CHECK_EQ_INT(st, KN_OK);
        CHECK_EQ_INT(bytes, expect);
    }
    /* concatenated gzip members are one stream */
    char p2[700];
    snprintf(p2, sizeof p2, "%s.2gz", plain);
    size_t bytes = 0;
    kn_status st;
    CHECK_EQ_INT(count_lines(p2, &bytes, &st), 400000);
    /* kn_map decompresses too */
    kn_map m;
    kn_err e;
    snprintf(p2, sizeof p2, "%s.xz", plain);
    CHECK(kn_map_open(&m, p2, 1, 0, &e) == KN_OK);
    CHECK_EQ_INT(m.compression, KN_COMP_XZ);
    CHECK_EQ_INT(m.size, expect + 200000 * 2);
    CHECK(memcmp(m.data, "line 0 with", 11) == 0);
    kn_map_close(&m);
    CHECK(kn_map_open(&m, plain, 1, 0, &e) == KN_OK);
    CHECK(m.mmapped);
    kn_map_close(&m);
}

static void truncated_gzip_is_an_error(void)
{
    char p[600], cmd[1400];
    snprintf(p, sizeof p, "%s/t.txt", dir);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 50000; i++) fprintf(f, "%d some text that compresses\n", i * 7919);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -c '%s' | head -c 20000 > '%s.gz'", p, p);
    CHECK(system(cmd) == 0);
    strcat(p, ".gz");
    size_t bytes = 0;
    kn_status st;
    int n = count_lines(p, &bytes, &st);
    CHECK(n > 0);
    CHECK_EQ_INT(st, KN_ERR_TRUNCATED);
}

static void long_lines_are_truncated_not_lost(void)
{
    static char data[300000];
    memset(data, 'a', sizeof data);
    data[100] = '\n';
    data[sizeof data - 1] = '\n';
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open_mem(&r, data, sizeof data, "mem", &e) == KN_OK);
    kn_reader_set_max_line(r, 1000);
    const char *line;
    size_t len;
    int trunc;
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, &trunc, &e), 1);
    CHECK_EQ_INT(len, 100);
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, &trunc, &e), 1);
    CHECK_EQ_INT(len, 1000);
    CHECK_EQ_INT(trunc, 1);
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, &trunc, &e), 0);
    CHECK_EQ_INT(kn_reader_lineno(r), 2);
    CHECK_EQ_INT(kn_reader_offset(r), sizeof data);
    kn_reader_close(r);
}

static void peek_then_read(void)
{
    const char *s = "\xd4\xc3\xb2\xa1rest of data";
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open_mem(&r, s, strlen(s), "m", &e) == KN_OK);
    const uint8_t *p;
    size_t n;
    CHECK(kn_reader_peek(r, 4, &p, &n, &e) == KN_OK);
    CHECK_EQ_INT(n, 4);
    CHECK(memcmp(p, "\xd4\xc3\xb2\xa1", 4) == 0);
    char buf[64];
    size_t got;
    CHECK(kn_reader_read(r, buf, sizeof buf, &got, &e) == KN_OK);
    CHECK_EQ_INT(got, strlen(s));
    CHECK(kn_reader_read(r, buf, sizeof buf, &got, &e) == KN_OK);
    CHECK_EQ_INT(got, 0);
    kn_reader_close(r);
    CHECK(kn_reader_open(&r, "/nonexistent/file", &e) == KN_ERR_IO);
    CHECK_EQ_STR(e.file, "/nonexistent/file");
}

/* Digest of everything kn_reader_line reports for a file: line texts,
 * lengths, truncation flags, offsets and line numbers. */
static uint64_t line_digest(const char *path, size_t max_line, uint64_t *nlines)
{
    kn_reader *r;
    kn_err e;
    uint64_t h = 1469598103934665603ull;
    *nlines = 0;
    if (kn_reader_open(&r, path, &e) != KN_OK) return 0;
    if (max_line) kn_reader_set_max_line(r, max_line);
    const uint8_t *p;
    size_t n;
    CHECK(kn_reader_peek(r, 3, &p, &n, &e) == KN_OK);   /* peek before lines, as the soc sniffers do */
    const char *line;
    size_t len;
    int trunc, rc;
    while ((rc = kn_reader_line(r, &line, &len, &trunc, &e)) == 1) {
        for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)line[i]) * 1099511628211ull;
        /* the offset after a truncated line may stop inside it (read()
         * skips the rest on the next call), so it is compared only after
         * whole lines */
        uint64_t off = trunc ? 0 : kn_reader_offset(r);
        h = (h ^ len ^ (uint64_t)trunc << 40 ^ off << 1 ^ kn_reader_lineno(r) << 20) * 1099511628211ull;
        (*nlines)++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(kn_reader_raw_offset(r), kn_reader_offset(r));
    kn_reader_close(r);
    return h;
}

/* Plain regular files are served from an mmap (released as it is
 * consumed); the same file through read() (KENSA_NO_MMAP=1) must yield the
 * same lines: short and empty lines, CRLF, lines longer than the read
 * buffer (4 MiB) and than the release window (2 MiB), a line over
 * max_line, and a last line without a newline. */
static void mapped_and_read_files_agree(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/lines.txt", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    uint64_t x = 88172645463325252ull;
    size_t total = 0;
    for (int i = 0; total < (24u << 20); i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t len = x % 300;
        if (i % 5000 == 17) len = (5u << 20) + x % 1000;     /* > read buffer */
        if (i == 9000) len = (9u << 20) + 3;                  /* > release window */
        for (size_t k = 0; k < len; k++) fputc('a' + (int)((x >> (k % 50)) % 26), f);
        if (i % 7 == 3) { fputc('\r', f); total++; }
        fputc('\n', f);
        total += len + 1;
    }
    fputs("last line without newline", f);
    fclose(f);
    for (int pass = 0; pass < 2; pass++) {
        size_t max_line = pass ? (6u << 20) : 0;
        uint64_t n_map, n_read;
        unsetenv("KENSA_NO_MMAP");
        uint64_t a = line_digest(path, max_line, &n_map);
        setenv("KENSA_NO_MMAP", "1", 1);
        uint64_t b = line_digest(path, max_line, &n_read);
        unsetenv("KENSA_NO_MMAP");
        CHECK(a != 0);
        CHECK(a == b);
        CHECK_EQ_INT(n_map, n_read);
        CHECK(n_map > 1000);
    }
    /* peek, then read() across the whole mapped file */
    kn_reader *r;
    kn_err e;
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    static char buf[1 << 16];
    size_t got, sum = 0;
    while (kn_reader_read(r, buf, sizeof buf, &got, &e) == KN_OK && got) sum += got;
    CHECK_EQ_INT(sum, total + strlen("last line without newline"));
    kn_reader_close(r);
}

/* kn_reader_rest gives plain input in place; kn_reader_skip_lines moves
 * the position as lines read would, and kn_reader_line goes on from there.
 * Compressed input has no such view. */
static void rest_and_skip_lines(void)
{
    const char *text = "one\ntwo\nthree\n";
    kn_reader *r;
    kn_err e;
    const char *p, *line;
    size_t n, len;
    CHECK(kn_reader_open_mem(&r, text, strlen(text), "m", &e) == KN_OK);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    CHECK(p == text && n == strlen(text));
    kn_reader_skip_lines(r, 8, 2);
    CHECK_EQ_INT(kn_reader_offset(r), 8);
    CHECK_EQ_INT(kn_reader_lineno(r), 2);
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, NULL, &e), 1);
    CHECK(len == 5 && memcmp(line, "three", 5) == 0);
    CHECK_EQ_INT(kn_reader_lineno(r), 3);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    CHECK_EQ_INT(n, 0);
    kn_reader_close(r);

    char path[600], cmd[1300];
    snprintf(path, sizeof path, "%s/rest.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 1);
    CHECK(n == strlen(text) && memcmp(p, text, n) == 0);
    kn_reader_close(r);
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz'", path, path);
    CHECK(system(cmd) == 0);
    strcat(path, ".gz");
    CHECK(kn_reader_open(&r, path, &e) == KN_OK);
    CHECK_EQ_INT(kn_reader_rest(r, &p, &n), 0);
    CHECK_EQ_INT(kn_reader_line(r, &line, &len, NULL, &e), 1);
    CHECK(len == 3 && memcmp(line, "one", 3) == 0);
    kn_reader_close(r);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kensa-input-XXXXXX", t ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

TEST_MAIN(setup, transparent_decompression, truncated_gzip_is_an_error, long_lines_are_truncated_not_lost,
          peek_then_read, mapped_and_read_files_agree, rest_and_skip_lines, teardown)
