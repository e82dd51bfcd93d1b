/* target_win.c: a Windows process for the kensa-dump.exe tests (built with
 * mingw-w64, run under wine). It plants known markers in each kind of
 * memory the dumper must handle, prints where they are, then waits:
 *
 *   heap         HeapAlloc block            stack   main's stack
 *   file         read-only view of a file mapping (MAPFILE)
 *   before_guard / after_guard   RW pages around a PAGE_GUARD page (guard)
 *   noaccess     a PAGE_NOACCESS page (holds a marker no dump may contain)
 *   sparse_low / sparse_high     256 MiB reserved, two pages committed
 *
 * usage: target_win.exe MAPFILE [FILL_MB]; FILL_MB (for bench/mem_live.sh)
 * commits that many MiB of non-zero data in 1 MiB allocations. Output: "NAME 0xADDR" lines, "pid N",
 * "ready"; then it sleeps until killed. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: target_win MAPFILE\n"); return 2; }
    char *heap = HeapAlloc(GetProcessHeap(), 0, 4096);
    snprintf(heap, 4096, "KENSA-MARK-HEAP-%08x", 0x5eed0001u);
    volatile char stack_mark[64];
    snprintf((char *)stack_mark, sizeof stack_mark, "KENSA-MARK-STACK-%08x", 0x5eed0002u);

    HANDLE f = CreateFileA(argv[1], GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    char text[4096];
    memset(text, '.', sizeof text);
    int n = snprintf(text, sizeof text, "KENSA-MARK-FILE-%08x", 0x5eed0004u);
    text[n] = '\n';
    DWORD w;
    WriteFile(f, text, sizeof text, &w, NULL);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    char *view = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);

    char *g = VirtualAlloc(NULL, 3 * 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    snprintf(g, 4096, "KENSA-MARK-BEFORE-GUARD-%08x", 0x5eed0005u);
    snprintf(g + 8192, 4096, "KENSA-MARK-AFTER-GUARD-%08x", 0x5eed0006u);
    DWORD old;
    VirtualProtect(g + 4096, 4096, PAGE_READWRITE | PAGE_GUARD, &old);

    char *na = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    snprintf(na, 4096, "KENSA-MARK-NOACCESS-%08x", 0x5eed0009u);
    VirtualProtect(na, 4096, PAGE_NOACCESS, &old);

    char *sp = VirtualAlloc(NULL, 256u << 20, MEM_RESERVE, PAGE_NOACCESS);
    VirtualAlloc(sp + 4096, 4096, MEM_COMMIT, PAGE_READWRITE);
    VirtualAlloc(sp + (200u << 20), 4096, MEM_COMMIT, PAGE_READWRITE);
    snprintf(sp + 4096, 64, "KENSA-MARK-SPARSE-LOW-%08x", 0x5eed0007u);
    snprintf(sp + (200u << 20) + 123, 64, "KENSA-MARK-SPARSE-HIGH-%08x", 0x5eed0008u);

    int fill_mb = argc > 2 ? atoi(argv[2]) : 0;
    for (int i = 0; i < fill_mb; i++) {
        unsigned char *blk = VirtualAlloc(NULL, 1u << 20, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
        if (!blk) break;
        for (unsigned k = 0; k < (1u << 20); k++) blk[k] = (unsigned char)(k * 131u + (unsigned)i * 7u + 1u);
    }

    printf("heap %p\nstack %p\nfile %p\nbefore_guard %p\nguard %p\nafter_guard %p\nnoaccess %p\n"
           "sparse_low %p\nsparse_high %p\nsparse_base %p\npid %lu\nready\n",
           (void *)heap, (void *)stack_mark, (void *)view, (void *)g, (void *)(g + 4096), (void *)(g + 8192), (void *)na,
           (void *)(sp + 4096), (void *)(sp + (200u << 20) + 123), (void *)sp, (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    for (;;) Sleep(1000);
}
