/* livedump.c: the Linux live-process dumper (see livedump.h).
 *
 * Flow: check the target exists (before any output file is created, so "no
 * such process" and "permission denied" leave nothing behind), freeze it,
 * read /proc/PID/maps, open the output, stream every region through one
 * buffer, close the dump, hash it, write the sidecar, thaw the target. The
 * ELF writer is here (it is small and specific to cores); minidumps go
 * through core/minidump.h.
 *
 * SHA-256 comes from OpenSSL's libcrypto (SHA-NI accelerated: ~1.4 GB/s on
 * the CI machine). Both formats are planned and written front to back
 * (minidumps through the writer's planned mode), so a second thread hashes
 * the file as it grows. */
#define _GNU_SOURCE   /* process_vm_readv */
#include "mem/livedump.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pthread.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"
#include "core/minidump.h"

#define PAGE 4096u
#define MAX_THREADS 65536
#define MAX_AUXV (64u * 1024)
#define LD_NOTE_UNREAD 0x4b4e0001u   /* "KN" 1: runs not in the core */

const char *ld_run_kind_name(ld_run_kind k)
{
    static const char *const names[] = {"read", "unreadable", "guard", "skipped"};
    return (unsigned)k < 4 ? names[k] : "?";
}

/* ---- /proc/PID/maps --------------------------------------------------------- */
typedef struct ld_region {
    uint64_t start, end, offset;
    char perms[5];
    uint64_t inode;
    char *path;   /* "" for anonymous */
} ld_region;

typedef struct region_list { ld_region *v; size_t n, cap; } region_list;

static void regions_free(region_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static kn_status read_maps(int pid, region_list *l, kn_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *fp = fopen(path, "r");
    if (!fp) return kn_err_set(e, errno == ENOENT ? KN_ERR_NOTFOUND : KN_ERR_IO, path, KN_NO_OFFSET, "cannot read: %s", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    kn_status st = KN_OK;
    while ((len = getline(&line, &cap, fp)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        unsigned long long s, en, off, ino;
        char perms[8];
        int pathpos = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu %n", &s, &en, perms, &off, &ino, &pathpos) < 5 || en <= s) continue;
        if (l->n == l->cap) {
            size_t nc = l->cap ? l->cap * 2 : 64;
            ld_region *v = realloc(l->v, nc * sizeof *v);
            if (!v) { st = kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory"); break; }
            l->v = v;
            l->cap = nc;
        }
        ld_region *r = &l->v[l->n];
        r->start = s;
        r->end = en;
        r->offset = off;
        r->inode = ino;
        snprintf(r->perms, sizeof r->perms, "%.4s", perms);
        r->path = strdup(pathpos ? line + pathpos : "");
        if (!r->path) { st = kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory"); break; }
        l->n++;
    }
    free(line);
    fclose(fp);
    if (st == KN_OK && l->n == 0)
        st = kn_err_set(e, KN_ERR_RANGE, path, KN_NO_OFFSET, "process %d has no memory mappings (a kernel thread, or exiting)", pid);
    return st;
}

/* ---- process state ---------------------------------------------------------- */
/* State letter from /proc/PID[/task/TID]/stat, or 0 when gone. */
static char proc_state(int pid, int tid)
{
    char path[96], buf[512];
    if (tid) snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    else snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');   /* comm may contain spaces and ')' */
    return p && p[1] == ' ' ? p[2] : 0;
}

static int process_gone(int pid)
{
    char s = proc_state(pid, 0);
    return s == 0 || s == 'Z' || s == 'X' || s == 'x';
}

typedef struct ld_thread {
    int tid;
    int attached;         /* ptrace-seized and stopped */
    int regs;             /* 0 none, 1 from /proc syscall (sp, pc), 2 full */
    struct user_regs_struct gregs;
    uint8_t fpregs[512];
    int have_fp;
} ld_thread;

typedef struct thread_list { ld_thread *v; size_t n, cap; } thread_list;

static int have_tid(const thread_list *t, int tid)
{
    for (size_t i = 0; i < t->n; i++) if (t->v[i].tid == tid) return 1;
    return 0;
}

static ld_thread *add_thread(thread_list *t, int tid)
{
    if (t->n >= MAX_THREADS) return NULL;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16;
        ld_thread *v = realloc(t->v, nc * sizeof *v);
        if (!v) return NULL;
        t->v = v;
        t->cap = nc;
    }
    ld_thread *th = &t->v[t->n++];
    memset(th, 0, sizeof *th);
    th->tid = tid;
    return th;
}

/* Lists /proc/PID/task; calls fn for tids not yet in t. Returns how many
 * new threads were seen, or -1 if the directory is gone. */
static int scan_tasks(int pid, thread_list *t, int (*fn)(thread_list *, int, void *), void *ctx)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int added = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        int tid = atoi(de->d_name);
        if (tid <= 0 || have_tid(t, tid)) continue;
        if (fn(t, tid, ctx) > 0) added++;
    }
    closedir(d);
    return added;
}

typedef struct attach_ctx { int err; int pid; } attach_ctx;

static int attach_one(thread_list *t, int tid, void *vctx)
{
    attach_ctx *c = vctx;
    if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0) {
        if (errno == ESRCH) return 0;   /* the thread exited meanwhile */
        if (!c->err) c->err = errno;
        return 0;
    }
    ld_thread *th = add_thread(t, tid);
    if (!th) { ptrace(PTRACE_DETACH, tid, 0, 0); if (!c->err) c->err = ENOMEM; return 0; }
    if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0) { th->attached = 1; return 1; }
    int status;
    for (;;) {
        pid_t w = waitpid(tid, &status, __WALL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 || WIFEXITED(status) || WIFSIGNALED(status)) { t->n--; return 0; }
        if (WIFSTOPPED(status)) break;
    }
    th->attached = 1;
    return 1;
}

static int note_one(thread_list *t, int tid, void *ctx)
{
    (void)ctx;
    return add_thread(t, tid) ? 1 : 0;
}

static void get_regs_ptrace(ld_thread *th)
{
    struct iovec iov = {&th->gregs, sizeof th->gregs};
    if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(uintptr_t)NT_PRSTATUS, &iov) == 0) th->regs = 2;
    struct iovec fiov = {th->fpregs, sizeof th->fpregs};
    if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(uintptr_t)NT_PRFPREG, &fiov) == 0 && fiov.iov_len == sizeof th->fpregs) th->have_fp = 1;
}

/* Without ptrace, /proc/PID/task/TID/syscall still gives the stack and
 * instruction pointers of a stopped thread ("nr args... sp pc"). */
static void get_regs_procfs(int pid, ld_thread *th)
{
    char path[96], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, th->tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    char *tok[10];
    int k = 0;
    for (char *s = strtok(buf, " \n"); s && k < 10; s = strtok(NULL, " \n")) tok[k++] = s;
    if (k < 3) return;
    uint64_t sp = strtoull(tok[k - 2], NULL, 0), pc = strtoull(tok[k - 1], NULL, 0);
#if defined(__x86_64__)
    th->gregs.rsp = sp;
    th->gregs.rip = pc;
    th->regs = 1;
#elif defined(__aarch64__)
    th->gregs.sp = sp;
    th->gregs.pc = pc;
    th->regs = 1;
#else
    (void)sp; (void)pc;
#endif
}

/* ---- output: sparse-aware sequential writer ------------------------------- */
typedef struct out_file {
    FILE *fp;
    const char *path;
    uint64_t off;         /* logical end */
    int sparse;           /* regular file: zero pages become holes */
    int err;              /* errno of the first failure */
} out_file;

static void out_write(out_file *o, const void *p, size_t n)
{
    if (o->err || !n) return;
    if (fwrite(p, 1, n, o->fp) != n) { o->err = errno ? errno : EIO; return; }
    o->off += n;
}

/* n zero bytes: a hole in a regular file, written otherwise. */
static void out_hole(out_file *o, uint64_t n)
{
    static const uint8_t zero[PAGE];
    if (o->err || !n) return;
    if (o->sparse) {
        if (fseeko(o->fp, (off_t)n, SEEK_CUR) != 0) { o->err = errno; return; }
        o->off += n;
        return;
    }
    while (n && !o->err) {
        size_t k = n < PAGE ? (size_t)n : PAGE;
        out_write(o, zero, k);
        n -= k;
    }
}

static int page_is_zero(const uint8_t *p, size_t n)
{
    static const uint8_t zero[PAGE];
    return memcmp(p, zero, n) == 0;
}

/* Writes memory data; whole zero pages are skipped with a seek (a hole),
 * as gdb's gcore does, so huge untouched regions cost no disk. */
static void out_data(out_file *o, const uint8_t *p, size_t n)
{
    if (!o->sparse) { out_write(o, p, n); return; }
    size_t i = 0;
    while (i < n && !o->err) {
        size_t k = n - i < PAGE ? n - i : PAGE;
        if (k == PAGE && page_is_zero(p + i, k)) {
            size_t j = i;
            while (j < n && n - j >= PAGE && page_is_zero(p + j, PAGE)) j += PAGE;
            out_hole(o, j - i);
            i = j;
        } else {
            size_t j = i + k;
            while (j < n && !(n - j >= PAGE && page_is_zero(p + j, PAGE))) j += n - j < PAGE ? n - j : PAGE;
            out_write(o, p + i, j - i);
            i = j;
        }
    }
}

static int out_close(out_file *o)
{
    if (!o->fp) return o->err;
    if (!o->err && fflush(o->fp) != 0) o->err = errno;
    if (!o->err && o->sparse) {
        struct stat st;
        if (fstat(fileno(o->fp), &st) == 0 && (uint64_t)st.st_size < o->off && ftruncate(fileno(o->fp), (off_t)o->off) != 0) o->err = errno;
    }
    if (fclose(o->fp) != 0 && !o->err) o->err = errno;
    o->fp = NULL;
    return o->err;
}

/* ---- SHA-256 of the core, computed beside the writer ------------------------ */
/* The core is written strictly in file order and never rewritten, so a
 * second thread can hash the file as it grows, reading back from the page
 * cache what the writer has flushed: the hash costs no extra pass and runs
 * on another core while the dump reads memory. Bytes between the end of
 * the file and the flushed position are a trailing hole: zeros. */
typedef struct tail_hasher {
    pthread_t thread;
    int started, fd, failed, done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t flushed, pos;
    EVP_MD_CTX *ctx;
    uint8_t *buf;
} tail_hasher;

#define HASH_BUF (4u << 20)

static void *tail_hash_main(void *arg)
{
    tail_hasher *h = arg;
    static const uint8_t zero[64 * 1024];
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (h->pos == h->flushed && !h->done) pthread_cond_wait(&h->cv, &h->mu);
        uint64_t upto = h->flushed;
        int done = h->done;
        pthread_mutex_unlock(&h->mu);
        while (h->pos < upto && !h->failed) {
            size_t want = upto - h->pos < HASH_BUF ? (size_t)(upto - h->pos) : HASH_BUF;
            ssize_t got = pread(h->fd, h->buf, want, (off_t)h->pos);
            if (got < 0) { h->failed = 1; break; }
            if (got == 0) {   /* trailing hole */
                size_t k = want < sizeof zero ? want : sizeof zero;
                EVP_DigestUpdate(h->ctx, zero, k);
                h->pos += k;
                continue;
            }
            EVP_DigestUpdate(h->ctx, h->buf, (size_t)got);
            h->pos += (uint64_t)got;
        }
        if (h->failed || (done && h->pos >= upto)) break;
    }
    return NULL;
}

static void tail_hash_start(tail_hasher *h, const char *path)
{
    memset(h, 0, sizeof h[0]);
    h->fd = open(path, O_RDONLY);
    h->ctx = EVP_MD_CTX_new();
    h->buf = malloc(HASH_BUF);
    if (h->fd < 0 || !h->ctx || !h->buf || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) { h->failed = 1; return; }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, tail_hash_main, h) != 0) { h->failed = 1; return; }
    h->started = 1;
}

/* Tells the hasher that the file's first `flushed` bytes are final. */
static void tail_hash_set(tail_hasher *h, uint64_t flushed)
{
    if (!h->started) return;
    pthread_mutex_lock(&h->mu);
    h->flushed = flushed;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void tail_hash_advance(tail_hasher *h, out_file *o)
{
    if (!h->started || o->err) return;
    if (fflush(o->fp) != 0) { o->err = errno; return; }
    tail_hash_set(h, o->off);
}

/* Waits for the hasher; hex gets the digest, or "" when it failed. */
static void tail_hash_finish(tail_hasher *h, uint64_t final_size, int ok, char hex[65])
{
    hex[0] = 0;
    if (h->started) {
        pthread_mutex_lock(&h->mu);
        h->flushed = final_size;
        h->done = 1;
        pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        unsigned char md[32];
        unsigned mdlen = 0;
        if (ok && !h->failed && h->pos == final_size && EVP_DigestFinal_ex(h->ctx, md, &mdlen) == 1 && mdlen == 32)
            for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    if (h->fd >= 0) close(h->fd);
    EVP_MD_CTX_free(h->ctx);
    free(h->buf);
}

/* ---- the dump session ---------------------------------------------------- */
typedef struct session {
    const ld_options *o;
    ld_result *r;
    int pid;
    region_list maps;
    thread_list threads;
    int mem_fd;
    int no_vm_readv;   /* process_vm_readv refused: read /proc/PID/mem */
    int pagemap_fd;      /* -1 when unavailable */
    int have_scan;       /* PAGEMAP_SCAN not known to fail */
    uint64_t *pagemap;   /* PAGEMAP_WINDOW entries */
    uint8_t *buf;
    size_t chunk;
    ld_run *runs;
    size_t nruns, cap_runs;
    int exited;          /* target vanished mid-dump */
    int write_failed;
    /* ELF */
    out_file out;
    tail_hasher hasher;
    /* minidump */
    mdmp_writer *mw;
    uint64_t kill_after;  /* test hook, see below */
} session;

static int add_run(session *s, uint64_t start, uint64_t size, ld_run_kind k, uint32_t region, const char *reason)
{
    if (!size) return 0;
    s->r->totals.bytes[k] += size;
    if (s->nruns) {
        ld_run *l = &s->runs[s->nruns - 1];
        if (l->kind == k && l->region == region && l->start + l->size == start && l->reason == reason) { l->size += size; return 0; }
    }
    if (s->nruns == s->cap_runs) {
        size_t nc = s->cap_runs ? s->cap_runs * 2 : 256;
        ld_run *v = realloc(s->runs, nc * sizeof *v);
        if (!v) return -1;
        s->runs = v;
        s->cap_runs = nc;
    }
    s->runs[s->nruns++] = (ld_run){start, size, k, region, reason};
    s->r->totals.runs[k]++;
    return 0;
}

static void emit_data(session *s, uint64_t va, const uint8_t *p, size_t n)
{
    if (s->write_failed) return;
    if (s->mw) {
        if (mdmp_add_memory(s->mw, va, p, n) != KN_OK) s->write_failed = 1;
    } else {
        out_data(&s->out, p, n);
        if (s->out.err) s->write_failed = 1;
    }
}

static void emit_zeros(session *s, uint64_t va, uint64_t n)
{
    if (s->write_failed) return;
    if (s->mw) {
        if (mdmp_add_zeros(s->mw, va, n) != KN_OK) s->write_failed = 1;
    } else {
        out_hole(&s->out, n);
        if (s->out.err) s->write_failed = 1;
    }
}

/* Flushes what was written and lets the hashing thread at it. */
static void advance(session *s)
{
    if (s->write_failed || !s->hasher.started) return;
    if (s->mw) {
        uint64_t f;
        if (mdmp_writer_flush(s->mw, &f) == KN_OK) tail_hash_set(&s->hasher, f);
        else s->write_failed = 1;
    } else {
        tail_hash_advance(&s->hasher, &s->out);
        if (s->out.err) s->write_failed = 1;
    }
}

/* Reads target memory at va. process_vm_readv copies straight from the
 * target's pages into ours; a read of /proc/PID/mem goes through a kernel
 * bounce page (two copies), which cost ~10% of a 1 GiB dump's CPU in a
 * perf profile. Both need the same ptrace access; /proc/PID/mem stays the
 * fallback where the syscall is refused (seccomp, old kernels). Like
 * pread, a partial count means the page after it failed. */
static ssize_t target_read(session *s, void *buf, size_t want, uint64_t va)
{
    if (!s->no_vm_readv) {
        struct iovec local = {buf, want}, remote = {(void *)(uintptr_t)va, want};
        ssize_t got = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
        if (got >= 0) return got;
        if (errno == ESRCH) return -1;
        if (errno == ENOSYS || errno == EPERM) s->no_vm_readv = 1;
        /* EFAULT and the rest: /proc/PID/mem reads with FOLL_FORCE and so
         * also gets pages the syscall cannot (execute-only mappings). */
    }
    return pread(s->mem_fd, buf, want, (off_t)va);
}

/* Plans [va, end) of region ri as a run to read (exec_plan reads it). */
static void read_range(session *s, uint32_t ri, uint64_t va, uint64_t end)
{
    if (va < end) add_run(s, va, end - va, LD_RUN_READ, ri, NULL);
}

/* Anonymous private memory: pages never touched (neither present nor
 * swapped, per /proc/PID/pagemap) read as zeros. Stretches of at least
 * SKIP_UNTOUCHED are recorded as skipped instead of read, so reserved-but-
 * unused address space (sanitizer shadows, huge NORESERVE arenas, terabytes
 * in some runtimes) costs neither time nor disk; shorter stretches are read
 * (and become holes in the file). */
#define SKIP_UNTOUCHED (1u << 20)
#define PAGEMAP_WINDOW 65536u   /* pages per pagemap read (512 KiB of entries) */

static int is_anonymous_private(const ld_region *rg)
{
    if (rg->perms[3] != 'p' || rg->inode != 0) return 0;
    if (!rg->path[0] || !strcmp(rg->path, "[heap]") || !strcmp(rg->path, "[stack]") || !strncmp(rg->path, "[anon:", 6) ||
        !strncmp(rg->path, "[stack:", 7))
        return 1;
    return 0;
}

/* PAGEMAP_SCAN (Linux 6.7+) returns the touched ranges of a region in time
 * proportional to the page tables that exist, not to the region's size, so
 * a 14 TiB sanitizer shadow is scanned in milliseconds. Declared here
 * because Debian 12's kernel headers predate it (layout: linux/fs.h). */
struct ld_page_region { uint64_t start, end, categories; };
struct ld_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define LD_PAGEMAP_SCAN _IOWR('f', 16, struct ld_pm_scan_arg)
#define LD_PAGE_IS_PRESENT (1u << 3)
#define LD_PAGE_IS_SWAPPED (1u << 4)
#define LD_SCAN_VEC 1024

/* Handles the untouched stretch [a, b) of region ri: long ones are skipped
 * (after reading what is pending before them), short ones are left to be
 * read with their neighbours. */
static void untouched(session *s, uint32_t ri, uint64_t *pending, uint64_t a, uint64_t b)
{
    if (b <= a || b - a < SKIP_UNTOUCHED) return;
    read_range(s, ri, *pending, a);
    add_run(s, a, b - a, LD_RUN_SKIPPED, ri, "never touched (demand-zero: reads as zeros)");
    *pending = b;
}

/* Returns 0 when done, -1 when the kernel lacks PAGEMAP_SCAN (nothing done). */
static int dump_region_scan(session *s, uint32_t ri)
{
    const ld_region *rg = &s->maps.v[ri];
    struct ld_page_region vec[LD_SCAN_VEC];
    uint64_t pending = rg->start, touched_end = rg->start, cursor = rg->start;
    while (cursor < rg->end && !s->exited && !s->write_failed) {
        struct ld_pm_scan_arg a;
        memset(&a, 0, sizeof a);
        a.size = sizeof a;
        a.start = cursor;
        a.end = rg->end;
        a.vec = (uintptr_t)vec;
        a.vec_len = LD_SCAN_VEC;
        a.category_anyof_mask = LD_PAGE_IS_PRESENT | LD_PAGE_IS_SWAPPED;
        a.return_mask = LD_PAGE_IS_PRESENT | LD_PAGE_IS_SWAPPED;
        long n = ioctl(s->pagemap_fd, LD_PAGEMAP_SCAN, &a);
        if (n < 0) {
            if (cursor == rg->start) return -1;
            break;   /* mid-region failure: read the rest plainly */
        }
        for (long i = 0; i < n; i++) {
            untouched(s, ri, &pending, touched_end, vec[i].start);
            touched_end = vec[i].end;
        }
        if (a.walk_end <= cursor) break;
        cursor = a.walk_end;
    }
    if (cursor >= rg->end) untouched(s, ri, &pending, touched_end, rg->end);
    read_range(s, ri, pending, rg->end);
    return 0;
}

static void dump_region(session *s, uint32_t ri)
{
    const ld_region *rg = &s->maps.v[ri];
    if (s->pagemap_fd < 0 || !is_anonymous_private(rg)) { read_range(s, ri, rg->start, rg->end); return; }
    if (s->have_scan && dump_region_scan(s, ri) == 0) return;
    s->have_scan = 0;
    /* Older kernels: read the pagemap entries (8 bytes per page). */
    uint64_t va = rg->start, pending = va;
    while (va < rg->end && !s->exited && !s->write_failed) {
        uint64_t npages = (rg->end - va) / PAGE;
        if (npages > PAGEMAP_WINDOW) npages = PAGEMAP_WINDOW;
        ssize_t got = pread(s->pagemap_fd, s->pagemap, npages * 8, (off_t)(va / PAGE * 8));
        if (got < 8) break;   /* fall back to reading the rest */
        npages = (uint64_t)got / 8;
        uint64_t i = 0;
        while (i < npages) {
            if (s->pagemap[i] & (3ull << 62)) { i++; continue; }   /* present or swapped */
            uint64_t j = i;
            while (j < npages && !(s->pagemap[j] & (3ull << 62))) j++;
            untouched(s, ri, &pending, va + i * PAGE, va + j * PAGE);
            i = j;
        }
        va += npages * PAGE;
    }
    read_range(s, ri, pending, rg->end);
}

static const char *skip_reason(const ld_region *rg)
{
    if (!strcmp(rg->path, "[vsyscall]")) return "[vsyscall] (fixed kernel page)";
    if (!strncmp(rg->path, "/dev/", 5) && strncmp(rg->path, "/dev/shm/", 9) && strcmp(rg->path, "/dev/zero") &&
        strncmp(rg->path, "/dev/zero ", 10))
        return "device mapping (reading may have side effects)";
    return NULL;
}

/* ---- ELF core -------------------------------------------------------------- */
#if defined(__x86_64__)
#define LD_EM EM_X86_64
#elif defined(__aarch64__)
#define LD_EM EM_AARCH64
#else
#define LD_EM EM_NONE
#endif

static void note(kn_buf *b, const char *name, uint32_t type, const void *desc, size_t n)
{
    uint32_t h[3] = {(uint32_t)strlen(name) + 1, (uint32_t)n, type};
    kn_buf_append(b, h, sizeof h);
    kn_buf_append(b, name, h[0]);
    static const char z[8];
    if (h[0] % 4) kn_buf_append(b, z, 4 - h[0] % 4);
    kn_buf_append(b, desc, n);
    if (n % 4) kn_buf_append(b, z, 4 - n % 4);
}

static uint32_t elf_flags(const char *perms)
{
    return (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) | (perms[2] == 'x' ? PF_X : 0);
}

static void read_small_file(const char *path, kn_buf *b, size_t max)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    char tmp[4096];
    ssize_t n;
    while (b->len < max && (n = read(fd, tmp, sizeof tmp)) > 0) kn_buf_append(b, tmp, (size_t)n);
    close(fd);
}

static void proc_comm(int pid, char *out, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    kn_buf b = KN_BUF_INIT;
    read_small_file(path, &b, 256);
    while (b.len && (b.data[b.len - 1] == '\n')) b.len--;
    snprintf(out, n, "%.*s", (int)b.len, b.data ? b.data : "");
    kn_buf_free(&b);
}

static void build_notes(session *s, kn_buf *nb)
{
    /* NT_PRPSINFO */
    prpsinfo_t ps;
    memset(&ps, 0, sizeof ps);
    ps.pr_pid = s->pid;
    ps.pr_state = 0;
    ps.pr_sname = 'T';
    proc_comm(s->pid, ps.pr_fname, sizeof ps.pr_fname);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", s->pid);
    kn_buf cl = KN_BUF_INIT;
    read_small_file(path, &cl, sizeof ps.pr_psargs);
    for (size_t i = 0; i < cl.len && i < sizeof ps.pr_psargs - 1; i++) ps.pr_psargs[i] = cl.data[i] ? cl.data[i] : ' ';
    kn_buf_free(&cl);
    note(nb, "CORE", NT_PRPSINFO, &ps, sizeof ps);
    /* Per thread: PRSTATUS then FPREGSET (gdb pairs them by order). The
     * first thread is the main thread (tid == pid), as in kernel cores. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->threads.n; i++) {
            ld_thread *th = &s->threads.v[i];
            if ((pass == 0) != (th->tid == s->pid)) continue;
            prstatus_t pr;
            memset(&pr, 0, sizeof pr);
            pr.pr_pid = th->tid;
            pr.pr_ppid = 0;
            pr.pr_pgrp = s->pid;
            pr.pr_cursig = SIGSTOP;
            pr.pr_info.si_signo = SIGSTOP;
            memcpy(&pr.pr_reg, &th->gregs, sizeof th->gregs < sizeof pr.pr_reg ? sizeof th->gregs : sizeof pr.pr_reg);
            pr.pr_fpvalid = th->have_fp;
            note(nb, "CORE", NT_PRSTATUS, &pr, sizeof pr);
            if (th->have_fp) note(nb, "CORE", NT_PRFPREG, th->fpregs, sizeof th->fpregs);
        }
    /* NT_AUXV: gdb finds the program's entry and the dynamic linker here. */
    snprintf(path, sizeof path, "/proc/%d/auxv", s->pid);
    kn_buf ax = KN_BUF_INIT;
    read_small_file(path, &ax, MAX_AUXV);
    if (ax.len) note(nb, "CORE", NT_AUXV, ax.data, ax.len);
    kn_buf_free(&ax);
    /* NT_FILE: file-backed mappings. */
    kn_buf nf = KN_BUF_INIT;
    uint64_t count = 0;
    for (size_t i = 0; i < s->maps.n; i++) count += s->maps.v[i].path[0] == '/' && s->maps.v[i].inode != 0;
    uint64_t hdr[2] = {count, PAGE};
    kn_buf_append(&nf, hdr, sizeof hdr);
    for (size_t i = 0; i < s->maps.n; i++) {
        const ld_region *r = &s->maps.v[i];
        if (r->path[0] != '/' || r->inode == 0) continue;
        uint64_t e[3] = {r->start, r->end, r->offset / PAGE};
        kn_buf_append(&nf, e, sizeof e);
    }
    for (size_t i = 0; i < s->maps.n; i++) {
        const ld_region *r = &s->maps.v[i];
        if (r->path[0] != '/' || r->inode == 0) continue;
        /* maps appends " (deleted)" to unlinked files; NT_FILE wants the name. */
        size_t len = strlen(r->path);
        if (len > 10 && !strcmp(r->path + len - 10, " (deleted)")) len -= 10;
        kn_buf_append(&nf, r->path, len);
        kn_buf_putc(&nf, 0);
    }
    note(nb, "CORE", NT_FILE, nf.data, nf.len);
    kn_buf_free(&nf);
}

/* The core is written strictly in file order, header first, so its SHA-256
 * is computed while writing (no second pass over a file of gigabytes). That
 * needs the layout before any memory is read: plan_regions decides every
 * run from the maps, the pagemap and a one-byte probe per region (which
 * catches wholly unreadable mappings such as [vvar]); exec_plan then reads
 * the planned runs. A page that fails inside a planned run, or what is left
 * when the process exits, stays in its PT_LOAD as zeros (a hole) and is
 * listed as unreadable in the KENSA note and the sidecar. */
static void plan_regions(session *s)
{
    for (size_t i = 0; i < s->maps.n && !s->exited; i++) {
        const ld_region *rg = &s->maps.v[i];
        const char *why = skip_reason(rg);
        if (why) { add_run(s, rg->start, rg->end - rg->start, LD_RUN_SKIPPED, (uint32_t)i, why); continue; }
        if (!strncmp(rg->perms, "---", 3)) {
            add_run(s, rg->start, rg->end - rg->start, LD_RUN_GUARD, (uint32_t)i, "PROT_NONE (guard or reserved)");
            continue;
        }
        uint8_t probe;
        if (pread(s->mem_fd, &probe, 1, (off_t)rg->start) != 1) {
            if (process_gone(s->pid)) { s->exited = 1; break; }
            add_run(s, rg->start, rg->end - rg->start, LD_RUN_UNREADABLE, (uint32_t)i, "kernel refused the read");
            continue;
        }
        dump_region(s, (uint32_t)i);
    }
}

static const char *const REASON_EXITED = "not read: the process exited";

/* The test hook's kill, made deterministic: SIGKILL is delivered
 * asynchronously, so wait (up to 5 s) until the process is really gone. */
static void test_kill(session *s)
{
    kill(s->pid, SIGKILL);
    for (int i = 0; i < 500 && !process_gone(s->pid); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
static const char *const REASON_WRITE = "not read: writing the dump failed";

/* Reads the planned runs into the core (data area already positioned). */
static void exec_plan(session *s, const ld_run *plan, size_t nplan)
{
    int killed = 0;
    for (size_t k = 0; k < nplan; k++) {
        const ld_run *p = &plan[k];
        if (s->kill_after && !killed && p->region + 1 >= s->kill_after) { test_kill(s); killed = 1; }
        if (p->kind != LD_RUN_READ) { add_run(s, p->start, p->size, p->kind, p->region, p->reason); continue; }
        uint64_t va = p->start, end = p->start + p->size;
        while (va < end && !s->exited && !s->write_failed) {
            size_t want = (size_t)(end - va < s->chunk ? end - va : s->chunk);
            ssize_t got = target_read(s, s->buf, want, va);
            if (got > 0) {
                size_t g = (size_t)got & ~(size_t)(PAGE - 1);
                if (g == 0) g = (size_t)got;
                emit_data(s, va, s->buf, g);
                advance(s);
                if (s->write_failed) break;
                add_run(s, va, g, LD_RUN_READ, p->region, NULL);
                va += g;
                continue;
            }
            if ((got < 0 && errno == ESRCH) || process_gone(s->pid)) { s->exited = 1; break; }
            emit_zeros(s, va, PAGE);
            add_run(s, va, PAGE, LD_RUN_UNREADABLE, p->region, "kernel refused the read (zeros in the dump)");
            va += PAGE;
        }
        if (va < end) {
            emit_zeros(s, va, end - va);
            add_run(s, va, end - va, LD_RUN_UNREADABLE, p->region, s->write_failed ? REASON_WRITE : REASON_EXITED);
        }
    }
}

typedef struct elf_layout {
    uint64_t data_start, data_size, kensa_off, kensa_cap, sh_off;
    size_t nph;
} elf_layout;

#define KENSA_NOTE_HDR (12 + 8)   /* namesz, descsz, type, "KENSA\0" padded */

/* Writes the header, program headers and notes; leaves the file at data_start. */
static void elf_write_head(session *s, const ld_run *plan, size_t nplan, elf_layout *L)
{
    kn_buf nb = KN_BUF_INIT;
    build_notes(s, &nb);
    size_t nread = 0, nother = 0;
    L->data_size = 0;
    for (size_t i = 0; i < nplan; i++) {
        if (plan[i].kind == LD_RUN_READ) { nread++; L->data_size += plan[i].size; }
        else nother++;
    }
    /* Room in the KENSA note for the planned gaps and 4096 more found while
     * reading; beyond that the note keeps the count and the sidecar the list. */
    L->kensa_cap = nother + 4096;
    L->nph = 2 + nread;
    uint64_t ph_off = sizeof(Elf64_Ehdr);
    uint64_t notes_off = ph_off + L->nph * sizeof(Elf64_Phdr);
    L->data_start = (notes_off + nb.len + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    L->kensa_off = L->data_start + L->data_size;
    uint64_t kensa_len = KENSA_NOTE_HDR + 8 + 24 * L->kensa_cap;
    L->sh_off = L->nph >= PN_XNUM ? L->kensa_off + kensa_len : 0;

    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = LD_EM;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = ph_off;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    /* Over 65535 headers: ELF's PN_XNUM escape, count in section 0's sh_info. */
    eh.e_phnum = L->nph >= PN_XNUM ? PN_XNUM : (uint16_t)L->nph;
    eh.e_shoff = L->sh_off;
    eh.e_shentsize = L->sh_off ? sizeof(Elf64_Shdr) : 0;
    eh.e_shnum = L->sh_off ? 1 : 0;
    out_write(&s->out, &eh, sizeof eh);

    Elf64_Phdr ph;
    memset(&ph, 0, sizeof ph);
    ph.p_type = PT_NOTE;
    ph.p_offset = notes_off;
    ph.p_filesz = nb.len;
    ph.p_align = 4;
    out_write(&s->out, &ph, sizeof ph);
    ph.p_offset = L->kensa_off;
    ph.p_filesz = kensa_len;
    out_write(&s->out, &ph, sizeof ph);
    /* One PT_LOAD per planned read run, data back to back from data_start.
     * Runs not planned for reading get none: readers then report those
     * addresses as inaccessible instead of showing invented zeros. */
    uint64_t data_off = L->data_start;
    for (size_t i = 0; i < nplan; i++) {
        const ld_run *r = &plan[i];
        if (r->kind != LD_RUN_READ) continue;
        memset(&ph, 0, sizeof ph);
        ph.p_type = PT_LOAD;
        ph.p_vaddr = r->start;
        ph.p_memsz = r->size;
        ph.p_filesz = r->size;
        ph.p_flags = elf_flags(s->maps.v[r->region].perms);
        ph.p_align = PAGE;
        ph.p_offset = data_off;
        data_off += r->size;
        out_write(&s->out, &ph, sizeof ph);
    }
    out_write(&s->out, nb.data, nb.len);
    kn_buf_free(&nb);
    static const uint8_t z[PAGE];
    if (s->out.off < L->data_start) out_write(&s->out, z, (size_t)(L->data_start - s->out.off));
}

/* The KENSA note (type LD_NOTE_UNREAD): u64 count of runs not read, then
 * {u64 start, u64 size, u64 status (ld_run_kind)} for the first kensa_cap
 * of them, zero-padded to the size promised in the program header. */
static void elf_write_tail(session *s, const elf_layout *L)
{
    uint64_t count = 0;
    for (size_t i = 0; i < s->nruns; i++) count += s->runs[i].kind != LD_RUN_READ;
    uint32_t h[3] = {6, (uint32_t)(8 + 24 * L->kensa_cap), LD_NOTE_UNREAD};
    out_write(&s->out, h, sizeof h);
    out_write(&s->out, "KENSA\0\0\0", 8);
    out_write(&s->out, &count, 8);
    uint64_t written = 0;
    for (size_t i = 0; i < s->nruns && written < L->kensa_cap; i++) {
        const ld_run *r = &s->runs[i];
        if (r->kind == LD_RUN_READ) continue;
        uint64_t e[3] = {r->start, r->size, (uint64_t)r->kind};
        out_write(&s->out, e, sizeof e);
        written++;
    }
    out_hole(&s->out, 24 * (L->kensa_cap - written));
    if (L->sh_off) {
        Elf64_Shdr sh;
        memset(&sh, 0, sizeof sh);
        sh.sh_info = (uint32_t)L->nph;
        out_write(&s->out, &sh, sizeof sh);
    }
}

/* ---- minidump -------------------------------------------------------------- */
static uint32_t win_protect(const char *perms)
{
    int r = perms[0] == 'r', w = perms[1] == 'w', x = perms[2] == 'x', priv = perms[3] == 'p';
    if (!r && !w && !x) return MDMP_PAGE_NOACCESS;
    if (x) return w ? (priv ? MDMP_PAGE_EXECUTE_WRITECOPY : MDMP_PAGE_EXECUTE_READWRITE) : (r ? MDMP_PAGE_EXECUTE_READ : MDMP_PAGE_EXECUTE);
    return w ? (priv ? MDMP_PAGE_WRITECOPY : MDMP_PAGE_READWRITE) : MDMP_PAGE_READONLY;
}

#if defined(__x86_64__)
/* Linux user_regs_struct -> Windows CONTEXT (AMD64), the layout Breakpad and
 * lldb use for x86-64 Linux minidumps too. */
static void amd64_context(const ld_thread *th, uint8_t *c)
{
    memset(c, 0, MDMP_CONTEXT_AMD64_SIZE);
    const struct user_regs_struct *g = &th->gregs;
    uint32_t flags = 0x100000 | 0x1 | 0x2 | 0x4 | (th->have_fp ? 0x8 : 0);   /* AMD64 | CONTROL | INTEGER | SEGMENTS | FLOATING_POINT */
    memcpy(c + 0x30, &flags, 4);
    uint16_t seg[6] = {(uint16_t)g->cs, (uint16_t)g->ds, (uint16_t)g->es, (uint16_t)g->fs, (uint16_t)g->gs, (uint16_t)g->ss};
    memcpy(c + 0x38, seg, sizeof seg);
    uint32_t efl = (uint32_t)g->eflags;
    memcpy(c + 0x44, &efl, 4);
    uint64_t gp[17] = {g->rax, g->rcx, g->rdx, g->rbx, g->rsp, g->rbp, g->rsi, g->rdi, g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15, g->rip};
    memcpy(c + 0x78, gp, sizeof gp);
    if (th->have_fp) {
        memcpy(c + 0x100, th->fpregs, 512);      /* FXSAVE format on both sides */
        memcpy(c + 0x34, th->fpregs + 24, 4);    /* MxCsr */
    }
}
#endif

static void mdmp_begin(session *s)
{
    mdmp_system_info si;
    memset(&si, 0, sizeof si);
#if defined(__x86_64__)
    si.arch = MDMP_ARCH_AMD64;
#elif defined(__aarch64__)
    si.arch = MDMP_ARCH_ARM64;
#else
    si.arch = 0xffff;
#endif
    si.platform = MDMP_PLATFORM_LINUX;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    si.nprocs = (uint8_t)(ncpu > 255 ? 255 : ncpu < 1 ? 1 : ncpu);
    struct utsname u;
    if (uname(&u) == 0) {
        unsigned a = 0, b = 0, c = 0;
        sscanf(u.release, "%u.%u.%u", &a, &b, &c);
        si.major = a;
        si.minor = b;
        si.build = c;
        kn_buf v = KN_BUF_INIT;   /* kn_buf: the three uname fields may exceed the field */
        kn_buf_printf(&v, "%s %s %s", u.sysname, u.release, u.version);
        snprintf(si.csd_version, sizeof si.csd_version, "%.127s", v.data);
        kn_buf_free(&v);
    }
    mdmp_set_system_info(s->mw, &si);
    mdmp_set_timestamp(s->mw, (uint32_t)time(NULL));
    mdmp_set_process_id(s->mw, (uint32_t)s->pid);
    /* Modules: each file mapped from offset 0, spanning its mappings. */
    for (size_t i = 0; i < s->maps.n; i++) {
        const ld_region *r = &s->maps.v[i];
        if (r->path[0] != '/' || r->inode == 0 || r->offset != 0) continue;
        uint64_t end = r->end;
        for (size_t k = i + 1; k < s->maps.n && (!strcmp(s->maps.v[k].path, r->path) || !s->maps.v[k].path[0]); k++)
            if (!strcmp(s->maps.v[k].path, r->path)) end = s->maps.v[k].end;
        uint8_t magic[4] = {0};
        if (pread(s->mem_fd, magic, 4, (off_t)r->start) != 4 || memcmp(magic, ELFMAG, 4) != 0) continue;
        mdmp_add_module(s->mw, r->start, (uint32_t)(end - r->start > UINT32_MAX ? UINT32_MAX : end - r->start), r->path, 0, 0);
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->threads.n; i++) {
            const ld_thread *th = &s->threads.v[i];
            if ((pass == 0) != (th->tid == s->pid)) continue;
            uint64_t sp = 0;
#if defined(__x86_64__)
            uint8_t ctx[MDMP_CONTEXT_AMD64_SIZE];
            amd64_context(th, ctx);
            sp = th->gregs.rsp;
            const void *cp = th->regs ? ctx : NULL;
            uint32_t cl = th->regs ? sizeof ctx : 0;
#else
            const void *cp = NULL;
            uint32_t cl = 0;
#endif
            uint64_t stack_start = sp & ~(uint64_t)(PAGE - 1), stack_len = 0;
            for (size_t k = 0; k < s->maps.n && sp; k++)
                if (sp >= s->maps.v[k].start && sp < s->maps.v[k].end) {
                    stack_len = s->maps.v[k].end - stack_start;
                    break;
                }
            if (stack_len > (8u << 20)) stack_len = 8u << 20;
            mdmp_add_thread(s->mw, (uint32_t)th->tid, 0, stack_start, NULL, (uint32_t)stack_len, cp, cl);
        }
    for (size_t i = 0; i < s->maps.n; i++) {
        const ld_region *r = &s->maps.v[i];
        uint32_t prot = win_protect(r->perms);
        uint32_t type = r->path[0] == '/' && r->inode ? (r->perms[2] == 'x' ? MDMP_MEM_IMAGE : MDMP_MEM_MAPPED) : MDMP_MEM_PRIVATE;
        uint32_t state = prot == MDMP_PAGE_NOACCESS ? MDMP_MEM_RESERVE : MDMP_MEM_COMMIT;
        mdmp_add_memory_info(s->mw, r->start, r->start, prot, r->end - r->start, state, prot, type);
    }
}

static void mdmp_finish_comment(session *s)
{
    kn_buf c = KN_BUF_INIT;
    kn_buf_printf(&c, "kensa %s mem dump-live: pid %d, method %s, %s", KENSA_VERSION, s->pid, s->r->method,
                  s->exited || s->write_failed ? "PARTIAL dump" : "complete dump");
    const char *names[4] = {"read", "unreadable", "guard", "skipped"};
    for (int k = 0; k < 4; k++)
        kn_buf_printf(&c, "; %s %" PRIu64 " bytes in %" PRIu64 " runs", names[k], s->r->totals.bytes[k], s->r->totals.runs[k]);
    size_t shown = 0;
    for (size_t i = 0; i < s->nruns && shown < 64; i++) {
        const ld_run *r = &s->runs[i];
        if (r->kind == LD_RUN_READ) continue;
        kn_buf_printf(&c, "\n%s 0x%" PRIx64 " +0x%" PRIx64 " %s", ld_run_kind_name(r->kind), r->start, r->size, s->maps.v[r->region].path);
        shown++;
    }
    mdmp_add_comment(s->mw, c.data);
    kn_buf_free(&c);
}

/* ---- sidecar ----------------------------------------------------------------- */
static int sha256_file(const char *path, char hex[65])
{
    hex[0] = 0;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) { close(fd); EVP_MD_CTX_free(ctx); return -1; }
    size_t bufsz = 1 << 20;
    uint8_t *buf = malloc(bufsz);
    ssize_t n;
    int rc = 0;
    while (buf && (n = read(fd, buf, bufsz)) > 0) EVP_DigestUpdate(ctx, buf, (size_t)n);
    if (!buf || n < 0) rc = -1;
    unsigned char md[32];
    unsigned mdlen = 0;
    if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32)
        for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    else rc = -1;
    free(buf);
    EVP_MD_CTX_free(ctx);
    close(fd);
    return rc;
}

static void write_sidecar(session *s, kn_time t0_wall, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        kn_errorf(path, KN_NO_OFFSET, "cannot write the sidecar: %s", strerror(errno));
        s->r->sidecar[0] = 0;
        return;
    }
    snprintf(s->r->sidecar, sizeof s->r->sidecar, "%s", path);
    ld_result *r = s->r;
    kn_json *j = kn_json_new(fp);
    kn_json_set_pretty(j, 2);
    char tbuf[KN_TIME_STRLEN];
    kn_json_obj_begin(j);
    kn_json_kstr(j, "tool", "kensa");
    kn_json_kstr(j, "tool_version", KENSA_VERSION);
    kn_json_kstr(j, "command", "mem dump-live");
    kn_json_kstr(j, "platform", "linux");
    struct utsname u;
    if (uname(&u) == 0) {
        kn_json_kstr(j, "host", u.nodename);
        kn_json_kstr(j, "kernel", u.release);
        kn_json_kstr(j, "machine", u.machine);
    }
    kn_json_kint(j, "pid", s->pid);
    char comm[64];
    proc_comm(s->pid, comm, sizeof comm);
    kn_json_kstr(j, "process_name", comm);
    kn_json_kstr(j, "dump", s->o->out_path);
    kn_json_kstr(j, "format", s->o->format == LD_FORMAT_MINIDUMP ? "minidump" : "elf-core");
    kn_json_kstr(j, "method", r->method);
    kn_json_kstr(j, "started", kn_time_format(t0_wall, 6, tbuf));
    kn_json_kdouble(j, "seconds", r->seconds);
    kn_json_kdouble(j, "hash_seconds", r->hash_seconds);
    kn_json_kbool(j, "complete", r->complete);
    kn_json_kbool(j, "partial", r->partial);
    if (r->error[0]) kn_json_kstr(j, "error", r->error);
    else { kn_json_key(j, "error"); kn_json_null(j); }
    kn_json_kuint(j, "dump_size", r->dump_size);
    if (r->sha256[0]) kn_json_kstr(j, "sha256", r->sha256);
    else { kn_json_key(j, "sha256"); kn_json_null(j); }
    kn_json_key(j, "threads");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < s->threads.n; i++) {
        const ld_thread *th = &s->threads.v[i];
        kn_json_obj_begin(j);
        kn_json_kint(j, "tid", th->tid);
        kn_json_kstr(j, "registers", th->regs == 2 ? "full" : th->regs == 1 ? "sp+pc" : "none");
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_key(j, "totals");
    kn_json_obj_begin(j);
    kn_json_kuint(j, "regions", r->totals.regions);
    for (int k = 0; k < 4; k++) {
        char key[40];
        snprintf(key, sizeof key, "%s_bytes", ld_run_kind_name((ld_run_kind)k));
        kn_json_kuint(j, key, r->totals.bytes[k]);
        snprintf(key, sizeof key, "%s_runs", ld_run_kind_name((ld_run_kind)k));
        kn_json_kuint(j, key, r->totals.runs[k]);
    }
    kn_json_obj_end(j);
    kn_json_key(j, "regions");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < s->maps.n; i++) {
        const ld_region *rg = &s->maps.v[i];
        kn_json_obj_begin(j);
        kn_json_khex(j, "start", rg->start);
        kn_json_khex(j, "end", rg->end);
        kn_json_kuint(j, "size", rg->end - rg->start);
        kn_json_kstr(j, "perms", rg->perms);
        kn_json_kstr(j, "path", rg->path);
        kn_json_key(j, "runs");
        kn_json_arr_begin(j);
        for (size_t k = 0; k < s->nruns; k++) {
            const ld_run *run = &s->runs[k];
            if (run->region != i) continue;
            kn_json_obj_begin(j);
            kn_json_kstr(j, "status", ld_run_kind_name(run->kind));
            kn_json_khex(j, "start", run->start);
            kn_json_kuint(j, "size", run->size);
            if (run->reason) kn_json_kstr(j, "reason", run->reason);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_obj_end(j);
    kn_json_end_record(j);
    int werr = kn_json_flush(j);
    kn_json_free(j);
    if (fclose(fp) != 0 || werr) {
        kn_errorf(path, KN_NO_OFFSET, "cannot write the sidecar: %s", strerror(errno));
        s->r->sidecar[0] = 0;
    }
}

/* ---- freeze / thaw ------------------------------------------------------------ */
static kn_status freeze(session *s, int *was_stopped, kn_err *e)
{
    if (!s->o->no_ptrace) {
        s->r->method = "ptrace";
        attach_ctx c = {0, s->pid};
        /* Threads can be created while we attach: rescan until stable. */
        for (int round = 0; round < 100; round++) {
            int added = scan_tasks(s->pid, &s->threads, attach_one, &c);
            if (added < 0) return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "process %d exited before it could be frozen", s->pid);
            if (c.err || added == 0) break;
        }
        if (c.err && s->threads.n == 0) {
            if (c.err == EPERM || c.err == EACCES)
                return kn_err_set(e, KN_ERR_PERM, NULL, KN_NO_OFFSET,
                                  "permission denied attaching to process %d (needs the same user and ptrace rights, "
                                  "root or CAP_SYS_PTRACE; see kernel.yama.ptrace_scope)", s->pid);
            return kn_err_set(e, KN_ERR_IO, NULL, KN_NO_OFFSET, "cannot attach to process %d: %s", s->pid, strerror(c.err));
        }
        if (s->threads.n == 0) return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "process %d exited before it could be frozen", s->pid);
        for (size_t i = 0; i < s->threads.n; i++) get_regs_ptrace(&s->threads.v[i]);
        return KN_OK;
    }
    s->r->method = "sigstop";
    *was_stopped = proc_state(s->pid, 0) == 'T';
    if (kill(s->pid, SIGSTOP) != 0)
        return kn_err_set(e, errno == EPERM ? KN_ERR_PERM : KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET,
                          errno == EPERM ? "permission denied stopping process %d" : "process %d not found", s->pid);
    /* Wait (up to 2 s) until every thread reports stopped. */
    for (int tries = 0; tries < 200; tries++) {
        s->threads.n = 0;
        if (scan_tasks(s->pid, &s->threads, note_one, NULL) < 0)
            return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "process %d exited before it could be frozen", s->pid);
        int all = 1;
        for (size_t i = 0; i < s->threads.n; i++) {
            char st = proc_state(s->pid, s->threads.v[i].tid);
            if (st && st != 'T' && st != 't') all = 0;
        }
        if (all) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < s->threads.n; i++) get_regs_procfs(s->pid, &s->threads.v[i]);
    return KN_OK;
}

static void thaw(session *s, int was_stopped)
{
    if (!s->o->no_ptrace) {
        for (size_t i = 0; i < s->threads.n; i++)
            if (s->threads.v[i].attached) ptrace(PTRACE_DETACH, s->threads.v[i].tid, 0, 0);
    } else if (!was_stopped) {
        kill(s->pid, SIGCONT);
    }
}

/* ---- entry point ---------------------------------------------------------------- */
kn_status ld_dump(const ld_options *o, ld_result *r, kn_err *e)
{
    memset(r, 0, sizeof *r);
    r->method = o->no_ptrace ? "sigstop" : "ptrace";
    if (o->pid <= 0) return kn_err_set(e, KN_ERR_USAGE, NULL, KN_NO_OFFSET, "invalid PID %d", o->pid);
    if (!o->out_path) return kn_err_set(e, KN_ERR_USAGE, NULL, KN_NO_OFFSET, "no output file given");
    if (o->pid == (int)getpid())
        return kn_err_set(e, KN_ERR_USAGE, NULL, KN_NO_OFFSET, "process %d is kensa itself (a process cannot ptrace itself)", o->pid);
    session s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.r = r;
    s.pid = o->pid;
    s.mem_fd = -1;
    s.pagemap_fd = -1;
    s.have_scan = 1;
    s.hasher.fd = -1;
    s.chunk = o->chunk ? (o->chunk + PAGE - 1) & ~(size_t)(PAGE - 1) : (1u << 20);
    /* Test hook: KENSA_LIVEDUMP_TEST_KILL_AFTER=N sends SIGKILL to the
     * target after N regions, to exercise the "exited mid-dump" path
     * deterministically. */
    const char *hook = getenv("KENSA_LIVEDUMP_TEST_KILL_AFTER");
    s.kill_after = hook ? strtoull(hook, NULL, 10) + 1 : 0;

    char procdir[64];
    snprintf(procdir, sizeof procdir, "/proc/%d", s.pid);
    struct stat pst;
    if (stat(procdir, &pst) != 0) return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "no process with PID %d", s.pid);
    if (process_gone(s.pid)) return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "process %d has exited (zombie)", s.pid);

    kn_time t0 = kn_now_monotonic(), t0_wall = kn_now_wall();
    int was_stopped = 0;
    kn_status st = freeze(&s, &was_stopped, e);
    if (st != KN_OK) { thaw(&s, was_stopped); free(s.threads.v); return st; }
    r->totals.threads = s.threads.n;
    for (size_t i = 0; i < s.threads.n; i++) r->totals.threads_with_registers += s.threads.v[i].regs != 0;

    char mempath[64];
    snprintf(mempath, sizeof mempath, "/proc/%d/mem", s.pid);
    s.mem_fd = open(mempath, O_RDONLY);
    if (s.mem_fd < 0) {
        int err = errno;
        thaw(&s, was_stopped);
        free(s.threads.v);
        if (err == ENOENT || err == ESRCH) return kn_err_set(e, KN_ERR_NOTFOUND, NULL, KN_NO_OFFSET, "process %d exited", s.pid);
        return kn_err_set(e, err == EACCES || err == EPERM ? KN_ERR_PERM : KN_ERR_IO, mempath, KN_NO_OFFSET,
                          "cannot open: %s (reading another process's memory needs ptrace rights: "
                          "the same user, root or CAP_SYS_PTRACE)", strerror(err));
    }
    st = read_maps(s.pid, &s.maps, e);
    if (st != KN_OK) goto out_early;
    r->totals.regions = s.maps.n;
    s.buf = malloc(s.chunk);
    s.pagemap = malloc(PAGEMAP_WINDOW * sizeof *s.pagemap);
    if (s.pagemap) {
        char pm[64];
        snprintf(pm, sizeof pm, "/proc/%d/pagemap", s.pid);
        s.pagemap_fd = open(pm, O_RDONLY);
    }
    if (!s.buf) { st = kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory"); goto out_early; }

    /* Output. */
    if (o->format == LD_FORMAT_MINIDUMP) {
        st = mdmp_writer_open(&s.mw, o->out_path, e);
        if (st != KN_OK) goto out_early;
        mdmp_begin(&s);
    } else {
        s.out.path = o->out_path;
        s.out.fp = fopen(o->out_path, "wb");
        if (!s.out.fp) {
            int err = errno;
            st = kn_err_set(e, err == EACCES || err == EPERM ? KN_ERR_PERM : KN_ERR_IO, o->out_path, KN_NO_OFFSET, "cannot create: %s", strerror(err));
            goto out_early;
        }
        setvbuf(s.out.fp, NULL, _IOFBF, 1 << 20);
        struct stat ost;
        s.out.sparse = fstat(fileno(s.out.fp), &ost) == 0 && S_ISREG(ost.st_mode);
    }

    /* Both formats: plan every run, lay the file out, then read the planned
     * runs in order; the file is written once, front to back, so a second
     * thread hashes it as it grows (regular files only). */
    elf_layout L;
    memset(&L, 0, sizeof L);
    struct stat ost;
    int is_elf = !s.mw;
    if (stat(o->out_path, &ost) == 0 && S_ISREG(ost.st_mode)) tail_hash_start(&s.hasher, o->out_path);
    plan_regions(&s);
    /* The plan becomes the work list; the runs are recorded afresh. */
    ld_run *plan = s.runs;
    size_t nplan = s.nruns;
    s.runs = NULL;
    s.nruns = s.cap_runs = 0;
    memset(r->totals.bytes, 0, sizeof r->totals.bytes);
    memset(r->totals.runs, 0, sizeof r->totals.runs);
    if (is_elf) {
        elf_write_head(&s, plan, nplan, &L);
        if (s.out.err) s.write_failed = 1;
    } else {
        uint64_t *pv = malloc((nplan ? nplan : 1) * 2 * sizeof *pv);
        size_t np = 0;
        for (size_t k = 0; pv && k < nplan; k++)
            if (plan[k].kind == LD_RUN_READ) { pv[np] = plan[k].start; pv[nplan + np] = plan[k].size; np++; }
        /* Room for the comment (outcome, totals, first 64 runs not read). */
        if (!pv || mdmp_writer_plan(s.mw, pv, pv + nplan, np, 16384) != KN_OK) s.write_failed = 1;
        free(pv);
    }
    advance(&s);
    if (!s.write_failed) exec_plan(&s, plan, nplan);
    free(plan);
    if (s.exited && !s.write_failed) {
        /* Wait a moment for the kernel to tear the process down, then
         * account every region not reached as unreadable. */
        kn_err_set(e, KN_ERR_RANGE, NULL, KN_NO_OFFSET, "process %d exited during the dump; the dump is partial", s.pid);
    }
    if (s.exited || s.write_failed) {
        /* Account every byte not reached (the ELF path did so already for
         * its planned runs; this covers the minidump path and the regions
         * after a failure). */
        uint64_t done_to = s.nruns ? s.runs[s.nruns - 1].start + s.runs[s.nruns - 1].size : 0;
        for (size_t i = 0; i < s.maps.n; i++) {
            const ld_region *rg = &s.maps.v[i];
            if (rg->end <= done_to) continue;
            uint64_t from = rg->start > done_to ? rg->start : done_to;
            add_run(&s, from, rg->end - from, LD_RUN_UNREADABLE, (uint32_t)i,
                    s.exited ? "not read: the process exited" : "not read: writing the dump failed");
        }
    }
    r->partial = s.exited || s.write_failed;

    /* Finish the file. */
    kn_err werr;
    kn_err_clear(&werr);
    int write_errno = 0;
    if (s.mw) {
        mdmp_finish_comment(&s);
        if (mdmp_writer_close(s.mw, &werr) != KN_OK) { r->partial = 1; s.write_failed = 1; }
        s.mw = NULL;
    } else {
        if (!s.write_failed) elf_write_tail(&s, &L);
        write_errno = out_close(&s.out);
        if (write_errno) {
            r->partial = 1;
            s.write_failed = 1;
            kn_err_set(&werr, write_errno == ENOSPC ? KN_ERR_IO : KN_ERR_IO, o->out_path, KN_NO_OFFSET, "write failed: %s", strerror(write_errno));
        }
    }
    if (s.write_failed) {
        if (werr.status == KN_OK) kn_err_set(&werr, KN_ERR_IO, o->out_path, KN_NO_OFFSET, "write failed: %s", strerror(s.out.err ? s.out.err : EIO));
        *e = werr;
        snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), "; the dump is partial");
        st = KN_ERR_IO;
    } else if (s.exited) {
        st = KN_ERR_RANGE;
    }
    thaw(&s, was_stopped);
    r->seconds = (double)(kn_now_monotonic() - t0) / 1e9;
    struct stat dst;
    if (stat(o->out_path, &dst) == 0) r->dump_size = S_ISREG(dst.st_mode) ? (uint64_t)dst.st_size : 0;
    kn_time th0 = kn_now_monotonic();
    /* Hashed beside the writer; a file the writer could not finish is
     * hashed as it is, by reading it back. */
    tail_hash_finish(&s.hasher, is_elf ? s.out.off : r->dump_size, !s.write_failed, r->sha256);
    if (!r->sha256[0] && sha256_file(o->out_path, r->sha256) != 0) r->sha256[0] = 0;
    r->hash_seconds = (double)(kn_now_monotonic() - th0) / 1e9;
    r->complete = !r->partial;
    if (st != KN_OK) kn_err_format(e, r->error, sizeof r->error);
    {
        kn_buf sp = KN_BUF_INIT;
        if (o->sidecar_path) kn_buf_puts(&sp, o->sidecar_path);
        else kn_buf_printf(&sp, "%s.json", o->out_path);
        write_sidecar(&s, t0_wall, sp.data);
        kn_buf_free(&sp);
    }
    free(s.buf);
    free(s.pagemap);
    if (s.pagemap_fd >= 0) close(s.pagemap_fd);
    close(s.mem_fd);
    regions_free(&s.maps);
    free(s.threads.v);
    free(s.runs);
    return st;

out_early:
    thaw(&s, was_stopped);
    if (s.mem_fd >= 0) close(s.mem_fd);
    if (s.pagemap_fd >= 0) close(s.pagemap_fd);
    free(s.pagemap);
    free(s.buf);
    regions_free(&s.maps);
    free(s.threads.v);
    free(s.runs);
    return st;
}
