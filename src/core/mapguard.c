/* mapguard.c: the registry of kensa's file mappings and the SIGBUS handler
 * that turns a fault past a shrunken file's end into zero pages and a flag
 * (see mapguard.h for why and what is guaranteed).
 *
 * Shape: a fixed array, because the handler may only read memory that
 * exists for the process's life and take no locks (malloc and mutexes are
 * not async-signal-safe). Each slot has an owner word (claimed by CAS) and
 * a sequence counter that is odd while the owner rewrites the slot, so the
 * handler, which may interrupt a writer on its own or another thread,
 * reads a consistent (start, end) or skips the slot. Faults are rare and the
 * registry small: the handler scans every slot up to the high-water mark. */
#define _GNU_SOURCE
#include "core/mapguard.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct guard_slot {
    int owner;           /* 0 free, 1 claimed (by kn_mapguard_add until remove) */
    unsigned seq;        /* odd while start/end/live are being written */
    int live;            /* the handler may match this slot */
    uintptr_t start, end; /* the mapping, end rounded up to the page */
    int fd;
    int hit;             /* set by the handler once the tail was replaced */
    uint64_t cut;        /* offset of the lowest replaced page (valid when hit) */
} guard_slot;

static guard_slot slots[KN_MAPGUARD_SLOTS];
static int high_water;             /* slots at or above this were never used */
static uintptr_t page_size;
static struct sigaction prev_action;
static int installed;              /* 1 installed, -1 sigaction failed */
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* A fault we do not own: to whoever handled SIGBUS before us, or the
 * default action (death with a core dump, as without the guard). */
static void chain(int sig, siginfo_t *si, void *uc)
{
    if (prev_action.sa_flags & SA_SIGINFO) {
        if (prev_action.sa_sigaction) { prev_action.sa_sigaction(sig, si, uc); return; }
    } else if (prev_action.sa_handler == SIG_IGN) {
        /* a sent SIGBUS stays ignored; a real fault cannot be (the kernel
         * forces the default action for it anyway) */
        if (si->si_code <= 0) return;
    } else if (prev_action.sa_handler != SIG_DFL) {
        prev_action.sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
    /* A fault recurs when the handler returns and now kills the process;
     * a sent signal is sent again (delivered once the handler returns). */
    if (si->si_code <= 0) raise(SIGBUS);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    int n = __atomic_load_n(&high_water, __ATOMIC_ACQUIRE);
    /* si_code > 0: raised by the kernel for a fault, not by kill/raise */
    for (int i = 0; si->si_code > 0 && i < n; i++) {
        guard_slot *s = &slots[i];
        unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        if (seq & 1) continue;
        int live = __atomic_load_n(&s->live, __ATOMIC_RELAXED);
        uintptr_t start = __atomic_load_n(&s->start, __ATOMIC_RELAXED);
        uintptr_t end = __atomic_load_n(&s->end, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq || !live) continue;
        if (a < start || a >= end) continue;
        uintptr_t page = a & ~(page_size - 1);
        /* mmap is not on POSIX's async-signal-safe list, but on Linux it is
         * one system call with no user-space state (no locks, no malloc);
         * it is made through syscall() so that no library wrapper (such as
         * a sanitizer's interceptor) runs inside the handler. MAP_FIXED
         * replaces the file pages atomically: other threads never see a
         * hole. */
        long rc = syscall(SYS_mmap, (void *)page, (size_t)(end - page), PROT_READ,
                          MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, (off_t)0);
        if (rc == -1) break;   /* cannot recover: die as without the guard */
        uint64_t off = (uint64_t)(page - start);
        if (!__atomic_load_n(&s->hit, __ATOMIC_RELAXED) || off < __atomic_load_n(&s->cut, __ATOMIC_RELAXED))
            __atomic_store_n(&s->cut, off, __ATOMIC_RELAXED);
        __atomic_store_n(&s->hit, 1, __ATOMIC_RELEASE);
        errno = saved_errno;
        return;
    }
    chain(sig, si, uc);
    errno = saved_errno;
}

static void install(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    page_size = ps > 0 ? (uintptr_t)ps : 4096;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    installed = sigaction(SIGBUS, &sa, &prev_action) == 0 ? 1 : -1;
}

int kn_mapguard_add(const void *addr, size_t len, int fd)
{
    assert(addr && len > 0);
    pthread_once(&install_once, install);
    if (installed != 1) return -1;
    for (int i = 0; i < KN_MAPGUARD_SLOTS; i++) {
        guard_slot *s = &slots[i];
        int free_owner = 0;
        if (!__atomic_compare_exchange_n(&s->owner, &free_owner, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            continue;
        __atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);   /* odd: being written */
        uintptr_t start = (uintptr_t)addr;
        __atomic_store_n(&s->start, start, __ATOMIC_RELAXED);
        __atomic_store_n(&s->end, (start + len + page_size - 1) & ~(page_size - 1), __ATOMIC_RELAXED);
        s->fd = fd;
        __atomic_store_n(&s->cut, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->hit, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->live, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);   /* even: consistent */
        int hw = __atomic_load_n(&high_water, __ATOMIC_RELAXED);
        while (hw < i + 1 && !__atomic_compare_exchange_n(&high_water, &hw, i + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {}
        return i;
    }
    return -1;
}

void kn_mapguard_remove(int id)
{
    if (id < 0) return;
    assert(id < KN_MAPGUARD_SLOTS && slots[id].owner == 1);
    guard_slot *s = &slots[id];
    __atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->live, 0, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);
    /* the flag keeps its value until the slot is reused: a reader that was
     * told of a hit sees it stay set */
    __atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
}

const int *kn_mapguard_flag(int id)
{
    assert(id >= 0 && id < KN_MAPGUARD_SLOTS);
    return &slots[id].hit;
}

uint64_t kn_mapguard_cut(int id)
{
    assert(id >= 0 && id < KN_MAPGUARD_SLOTS);
    guard_slot *s = &slots[id];
    uint64_t cut = __atomic_load_n(&s->cut, __ATOMIC_ACQUIRE);
    struct stat sb;
    if (s->fd >= 0 && fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 && (uint64_t)sb.st_size < cut)
        cut = (uint64_t)sb.st_size;
    return cut;
}

int kn_mapguard_fd(int id)
{
    assert(id >= 0 && id < KN_MAPGUARD_SLOTS);
    return slots[id].fd;
}
