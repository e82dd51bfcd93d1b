/* target_linux.c: a process for the live-dump tests. It plants known
 * markers in every kind of memory a dumper must handle, prints where they
 * are, then waits to be dumped (and killed):
 *
 *   heap    malloc'd block          stack   main's stack
 *   thread  a second thread's stack file    a private read-only file mapping
 *   guard   PROT_NONE page between two marked RW pages
 *   sparse  256 MiB anonymous mapping, touched at two far-apart offsets
 *
 * usage: target_linux MAPFILE   (MAPFILE is created). Output lines:
 * "NAME 0xADDR", then "ready". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static pthread_barrier_t barrier;

static void *thread_main(void *arg)
{
    (void)arg;
    volatile char mark[64];
    snprintf((char *)mark, sizeof mark, "KENSA-MARK-THREAD-%08x", 0x5eed0003u);
    printf("thread %p\n", (void *)mark);
    fflush(stdout);
    pthread_barrier_wait(&barrier);
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: target_linux MAPFILE\n"); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    long pg = sysconf(_SC_PAGESIZE);
    char *heap = malloc(4096);
    snprintf(heap, 4096, "KENSA-MARK-HEAP-%08x", 0x5eed0001u);
    volatile char stack_mark[64];
    snprintf((char *)stack_mark, sizeof stack_mark, "KENSA-MARK-STACK-%08x", 0x5eed0002u);

    FILE *mf = fopen(argv[1], "w");
    if (!mf) { perror(argv[1]); return 1; }
    fprintf(mf, "KENSA-MARK-FILE-%08x\n", 0x5eed0004u);
    for (int i = 0; i < 3000; i++) fputc('.', mf);
    fclose(mf);
    FILE *rf = fopen(argv[1], "r");
    char *fmap = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, fileno(rf), 0);
    if (fmap == MAP_FAILED) { perror("mmap file"); return 1; }

    char *g = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(g, (size_t)pg, "KENSA-MARK-BEFORE-GUARD-%08x", 0x5eed0005u);
    snprintf(g + 2 * pg, (size_t)pg, "KENSA-MARK-AFTER-GUARD-%08x", 0x5eed0006u);
    mprotect(g + pg, (size_t)pg, PROT_NONE);

    size_t sparse_size = 256u << 20;
    char *sp = mmap(NULL, sparse_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    snprintf(sp + 4096, 64, "KENSA-MARK-SPARSE-LOW-%08x", 0x5eed0007u);
    snprintf(sp + (200u << 20) + 123, 64, "KENSA-MARK-SPARSE-HIGH-%08x", 0x5eed0008u);

    printf("heap %p\nstack %p\nfile %p\nbefore_guard %p\nguard %p\nafter_guard %p\nsparse_low %p\nsparse_high %p\nsparse_base %p\n",
           (void *)heap, (void *)stack_mark, (void *)fmap, (void *)g, (void *)(g + pg), (void *)(g + 2 * pg),
           (void *)(sp + 4096), (void *)(sp + (200u << 20) + 123), (void *)sp);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_barrier_wait(&barrier);
    printf("ready\n");
    for (;;) pause();
}
