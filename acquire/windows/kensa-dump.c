/* kensa-dump.c: kensa's Windows process dumper (kensa-dump.exe).
 *
 *   kensa-dump.exe --pid N | --name NAME | --all [-o DIR] [--type full|mini]
 *                  [--method auto|pss|live|own]
 *
 * Writes DIR\NAME-PID.dmp (a minidump) and DIR\NAME-PID.dmp.json (sidecar:
 * SHA-256, tool version, timing, method, per-region accounting) for each
 * process. Methods, tried in this order unless one is forced:
 *   pss   PssCaptureSnapshot (a consistent clone), MiniDumpWriteDump on it;
 *   live  MiniDumpWriteDump on the live process;
 *   own   our writer: threads suspended, VirtualQueryEx + ReadProcessMemory
 *         region by region; an unreadable page is recorded and skipped,
 *         never fatal (like WinDbg's .dump /mA).
 * The accounting is the same for every method: the regions VirtualQueryEx
 * reports, split into runs that are read (in the dump: for dbghelp methods
 * this is checked against the dump's own memory lists), unreadable, guard
 * (PAGE_GUARD) or skipped (reserved, or outside a mini dump).
 *
 * Why one self-contained file: this is Windows code, cross-compiled with
 * mingw-w64 for x64 and x86; it must not depend on kensa's POSIX core.
 * Functions that older Windows or wine may lack (PssCaptureSnapshot,
 * MiniDumpWriteDump, BCrypt) are loaded at run time, and their absence
 * is recorded as a failed method, not a crash. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <wincrypt.h>
#include <tlhelp32.h>
#include <dbghelp.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KENSA_VERSION
#define KENSA_VERSION "0.0.0"
#endif
#ifdef _WIN64
#define TOOL_ARCH "x64"
#else
#define TOOL_ARCH "x86"
#endif

#define PAGE 4096u
#define CHUNK (1u << 20)
#define MAX_RUN_TEXT 160

/* ---- small utilities ------------------------------------------------------ */
typedef struct sbuf { char *p; size_t n, cap; } sbuf;

static void sb_grow(sbuf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap) return;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->n + extra + 1) nc *= 2;
    char *q = realloc(b->p, nc);
    if (!q) { fputs("kensa-dump: out of memory\n", stderr); exit(1); }
    b->p = q;
    b->cap = nc;
}
static void sb_add(sbuf *b, const void *p, size_t n) { sb_grow(b, n); memcpy(b->p + b->n, p, n); b->n += n; b->p[b->n] = 0; }
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    sb_grow(b, (size_t)k);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}
/* JSON string literal; bytes >= 0x80 pass through (callers give UTF-8). */
static void sb_json_str(sbuf *b, const char *s)
{
    sb_add(b, "\"", 1);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { char e[2] = {'\\', (char)c}; sb_add(b, e, 2); }
        else if (c < 0x20) sb_printf(b, "\\u%04x", c);
        else sb_add(b, s, 1);
    }
    sb_add(b, "\"", 1);
}
static void utf8_from_wide(const WCHAR *w, char *out, int n)
{
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, n, NULL, NULL)) out[0] = 0;
}
static const char *win_error_text(DWORD err, char *buf, size_t n)
{
    DWORD k = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, buf, (DWORD)n, NULL);
    while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r' || buf[k - 1] == '.')) buf[--k] = 0;
    if (!k) snprintf(buf, n, "error %lu", (unsigned long)err);
    return buf;
}
static double now_seconds(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)freq.QuadPart;
}

/* ---- dynamically loaded functions ------------------------------------------- */
typedef BOOL(WINAPI *MiniDumpWriteDump_fn)(HANDLE, DWORD, HANDLE, MINIDUMP_TYPE, PMINIDUMP_EXCEPTION_INFORMATION,
                                           PMINIDUMP_USER_STREAM_INFORMATION, PMINIDUMP_CALLBACK_INFORMATION);
typedef DWORD(WINAPI *PssCaptureSnapshot_fn)(HANDLE, DWORD, DWORD, HANDLE *);
typedef DWORD(WINAPI *PssFreeSnapshot_fn)(HANDLE, HANDLE);
typedef LONG(WINAPI *NtQueryInformationThread_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);
typedef LONG(WINAPI *RtlGetVersion_fn)(OSVERSIONINFOEXW *);
typedef BOOL(WINAPI *IsWow64Process_fn)(HANDLE, PBOOL);
typedef BOOL(WINAPI *EnumProcessModulesEx_fn)(HANDLE, HMODULE *, DWORD, LPDWORD, DWORD);
typedef DWORD(WINAPI *GetModuleFileNameExW_fn)(HANDLE, HMODULE, LPWSTR, DWORD);
typedef BOOL(WINAPI *GetModuleInformation_fn)(HANDLE, HMODULE, void *, DWORD);
#ifdef _WIN64
typedef BOOL(WINAPI *Wow64GetThreadContext_fn)(HANDLE, WOW64_CONTEXT *);
#endif

static MiniDumpWriteDump_fn pMiniDumpWriteDump;
static PssCaptureSnapshot_fn pPssCaptureSnapshot;
static PssFreeSnapshot_fn pPssFreeSnapshot;
static NtQueryInformationThread_fn pNtQueryInformationThread;
static RtlGetVersion_fn pRtlGetVersion;
static IsWow64Process_fn pIsWow64Process;
static EnumProcessModulesEx_fn pEnumProcessModulesEx;
static GetModuleFileNameExW_fn pGetModuleFileNameExW;
static GetModuleInformation_fn pGetModuleInformation;
#ifdef _WIN64
static Wow64GetThreadContext_fn pWow64GetThreadContext;
#endif

static void load_functions(void)
{
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    HMODULE dbg = LoadLibraryA("dbghelp.dll");
    if (dbg) pMiniDumpWriteDump = (MiniDumpWriteDump_fn)(void (*)(void))GetProcAddress(dbg, "MiniDumpWriteDump");
    if (k32) {
        pPssCaptureSnapshot = (PssCaptureSnapshot_fn)(void (*)(void))GetProcAddress(k32, "PssCaptureSnapshot");
        pPssFreeSnapshot = (PssFreeSnapshot_fn)(void (*)(void))GetProcAddress(k32, "PssFreeSnapshot");
        pIsWow64Process = (IsWow64Process_fn)(void (*)(void))GetProcAddress(k32, "IsWow64Process");
        /* The K32 names are kernel32's own copies of the psapi functions
         * (Windows 7 and later, and wine), so no psapi.dll import. */
        pEnumProcessModulesEx = (EnumProcessModulesEx_fn)(void (*)(void))GetProcAddress(k32, "K32EnumProcessModulesEx");
        pGetModuleFileNameExW = (GetModuleFileNameExW_fn)(void (*)(void))GetProcAddress(k32, "K32GetModuleFileNameExW");
        pGetModuleInformation = (GetModuleInformation_fn)(void (*)(void))GetProcAddress(k32, "K32GetModuleInformation");
#ifdef _WIN64
        pWow64GetThreadContext = (Wow64GetThreadContext_fn)(void (*)(void))GetProcAddress(k32, "Wow64GetThreadContext");
#endif
    }
    if (nt) {
        pNtQueryInformationThread = (NtQueryInformationThread_fn)(void (*)(void))GetProcAddress(nt, "NtQueryInformationThread");
        pRtlGetVersion = (RtlGetVersion_fn)(void (*)(void))GetProcAddress(nt, "RtlGetVersion");
    }
}

static int enable_debug_privilege(void)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok)) return 0;
    TOKEN_PRIVILEGES tp;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    int ok = LookupPrivilegeValueA(NULL, "SeDebugPrivilege", &tp.Privileges[0].Luid) &&
             AdjustTokenPrivileges(tok, FALSE, &tp, sizeof tp, NULL, NULL) && GetLastError() == ERROR_SUCCESS;
    CloseHandle(tok);
    return ok;
}

/* ---- SHA-256: BCrypt, else CryptoAPI ------------------------------------------ */
typedef LONG(WINAPI *BCryptOpenAlgorithmProvider_fn)(void **, LPCWSTR, LPCWSTR, ULONG);
typedef LONG(WINAPI *BCryptCreateHash_fn)(void *, void **, PUCHAR, ULONG, PUCHAR, ULONG, ULONG);
typedef LONG(WINAPI *BCryptHashData_fn)(void *, PUCHAR, ULONG, ULONG);
typedef LONG(WINAPI *BCryptFinishHash_fn)(void *, PUCHAR, ULONG, ULONG);
typedef LONG(WINAPI *BCryptDestroyHash_fn)(void *);
typedef LONG(WINAPI *BCryptCloseAlgorithmProvider_fn)(void *, ULONG);

/* Hashes the file at path; hex gets 64 hex digits, or "" on failure. */
static int sha256_file(const char *path, char hex[65], const char **api)
{
    hex[0] = 0;
    *api = "none";
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    if (f == INVALID_HANDLE_VALUE) return -1;
    unsigned char md[32];
    int ok = 0;
    BYTE *buf = malloc(CHUNK);
    HMODULE bc = LoadLibraryA("bcrypt.dll");
    BCryptOpenAlgorithmProvider_fn bOpen = bc ? (BCryptOpenAlgorithmProvider_fn)(void (*)(void))GetProcAddress(bc, "BCryptOpenAlgorithmProvider") : NULL;
    BCryptCreateHash_fn bCreate = bc ? (BCryptCreateHash_fn)(void (*)(void))GetProcAddress(bc, "BCryptCreateHash") : NULL;
    BCryptHashData_fn bData = bc ? (BCryptHashData_fn)(void (*)(void))GetProcAddress(bc, "BCryptHashData") : NULL;
    BCryptFinishHash_fn bFinish = bc ? (BCryptFinishHash_fn)(void (*)(void))GetProcAddress(bc, "BCryptFinishHash") : NULL;
    BCryptDestroyHash_fn bDestroy = bc ? (BCryptDestroyHash_fn)(void (*)(void))GetProcAddress(bc, "BCryptDestroyHash") : NULL;
    BCryptCloseAlgorithmProvider_fn bClose = bc ? (BCryptCloseAlgorithmProvider_fn)(void (*)(void))GetProcAddress(bc, "BCryptCloseAlgorithmProvider") : NULL;
    void *alg = NULL, *h = NULL;
    DWORD got;
    if (buf && bOpen && bCreate && bData && bFinish && bDestroy && bClose && bOpen(&alg, L"SHA256", NULL, 0) >= 0) {
        if (bCreate(alg, &h, NULL, 0, NULL, 0, 0) >= 0) {
            ok = 1;
            while (ok && ReadFile(f, buf, CHUNK, &got, NULL) && got) ok = bData(h, buf, got, 0) >= 0;
            ok = ok && bFinish(h, md, 32, 0) >= 0;
            bDestroy(h);
        }
        bClose(alg, 0);
        if (ok) *api = "bcrypt";
    }
    if (!ok && buf) {
        HCRYPTPROV prov;
        HCRYPTHASH hh;
        LARGE_INTEGER zero = {{0, 0}};
        SetFilePointerEx(f, zero, NULL, FILE_BEGIN);
        if (CryptAcquireContextA(&prov, NULL, NULL, PROV_RSA_AES, CRYPT_VERIFYCONTEXT)) {
            if (CryptCreateHash(prov, CALG_SHA_256, 0, 0, &hh)) {
                ok = 1;
                while (ok && ReadFile(f, buf, CHUNK, &got, NULL) && got) ok = CryptHashData(hh, buf, got, 0) != 0;
                DWORD len = 32;
                ok = ok && CryptGetHashParam(hh, HP_HASHVAL, md, &len, 0) && len == 32;
                CryptDestroyHash(hh);
            }
            CryptReleaseContext(prov, 0);
        }
        if (ok) *api = "cryptoapi";
    }
    free(buf);
    CloseHandle(f);
    if (!ok) return -1;
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* ---- regions and accounting ---------------------------------------------------- */
enum { RUN_READ, RUN_UNREADABLE, RUN_GUARD, RUN_SKIPPED };
static const char *const run_names[] = {"read", "unreadable", "guard", "skipped"};

typedef struct region {
    uint64_t base, size, alloc_base;
    DWORD alloc_protect, state, protect, type;
} region;

typedef struct run {
    uint64_t start, size;
    int kind;
    size_t region;
    char reason[MAX_RUN_TEXT];
} run;

typedef struct dump_ctx {
    DWORD pid;
    char name[MAX_PATH];
    HANDLE proc;
    int wow64, self_wow64;
    region *regs;
    size_t nregs;
    run *runs;
    size_t nruns, cap_runs;
    uint64_t bytes[4], nrun_kind[4];
    int type_mini;
    int exited;          /* the target exited during our own writer's pass */
    /* threads (own method) */
    DWORD *tids;
    HANDLE *thandles;
    size_t nthreads;
} dump_ctx;

static void add_run(dump_ctx *c, uint64_t start, uint64_t size, int kind, size_t region, const char *reason)
{
    if (!size) return;
    c->bytes[kind] += size;
    if (c->nruns) {
        run *l = &c->runs[c->nruns - 1];
        if (l->kind == kind && l->region == region && l->start + l->size == start && !strcmp(l->reason, reason ? reason : "")) {
            l->size += size;
            return;
        }
    }
    if (c->nruns == c->cap_runs) {
        size_t nc = c->cap_runs ? c->cap_runs * 2 : 256;
        run *v = realloc(c->runs, nc * sizeof *v);
        if (!v) { fputs("kensa-dump: out of memory\n", stderr); exit(1); }
        c->runs = v;
        c->cap_runs = nc;
    }
    run *r = &c->runs[c->nruns++];
    r->start = start;
    r->size = size;
    r->kind = kind;
    r->region = region;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    c->nrun_kind[kind]++;
}

static int enum_regions(dump_ctx *c)
{
    size_t cap = 256;
    c->regs = malloc(cap * sizeof *c->regs);
    c->nregs = 0;
    uint64_t addr = 0;
    MEMORY_BASIC_INFORMATION mbi;
    while (c->regs && VirtualQueryEx(c->proc, (LPCVOID)(ULONG_PTR)addr, &mbi, sizeof mbi) == sizeof mbi) {
        uint64_t base = (uint64_t)(ULONG_PTR)mbi.BaseAddress, size = mbi.RegionSize;
        if (base + size <= addr) break;   /* no progress: stop */
        if (c->nregs == cap) {
            cap *= 2;
            region *v = realloc(c->regs, cap * sizeof *v);
            if (!v) break;
            c->regs = v;
        }
        region *r = &c->regs[c->nregs++];
        r->base = base;
        r->size = size;
        r->alloc_base = (uint64_t)(ULONG_PTR)mbi.AllocationBase;
        r->alloc_protect = mbi.AllocationProtect;
        r->state = mbi.State;
        r->protect = mbi.Protect;
        r->type = mbi.Type;
        addr = base + size;
#ifndef _WIN64
        if (addr >= 0x100000000ull) break;
#endif
    }
    return c->regs ? 0 : -1;
}

static int readable_protect(DWORD p)
{
    if (p & (PAGE_GUARD | PAGE_NOACCESS)) return 0;
    return (p & 0xff) != 0;
}

/* Classifies the parts of region i not captured in the dump. */
static void classify_uncaptured(dump_ctx *c, size_t i, uint64_t a, uint64_t b, const char *why_unread)
{
    const region *r = &c->regs[i];
    if (b <= a) return;
    if (r->state == MEM_RESERVE) add_run(c, a, b - a, RUN_SKIPPED, i, "reserved, not committed (no storage)");
    else if (r->protect & PAGE_GUARD) add_run(c, a, b - a, RUN_GUARD, i, "PAGE_GUARD (reading would trip the guard)");
    else if (r->protect & PAGE_NOACCESS || !(r->protect & 0xff)) add_run(c, a, b - a, RUN_UNREADABLE, i, "PAGE_NOACCESS");
    else if (c->type_mini) add_run(c, a, b - a, RUN_SKIPPED, i, "not part of a mini dump");
    else add_run(c, a, b - a, RUN_UNREADABLE, i, why_unread);
}

/* ---- file output ------------------------------------------------------------------ */
typedef struct wfile {
    HANDLE h;
    uint64_t off;
    DWORD err;
} wfile;

static void wf_write(wfile *w, const void *p, size_t n)
{
    const BYTE *q = p;
    while (n && !w->err) {
        DWORD k = n > (64u << 20) ? (64u << 20) : (DWORD)n, done = 0;
        if (!WriteFile(w->h, q, k, &done, NULL) || done == 0) { w->err = GetLastError() ? GetLastError() : ERROR_WRITE_FAULT; return; }
        q += done;
        n -= done;
        w->off += done;
    }
}
static void wf_pwrite(wfile *w, uint64_t at, const void *p, size_t n)
{
    if (w->err) return;
    LARGE_INTEGER li, back;
    li.QuadPart = (LONGLONG)at;
    back.QuadPart = (LONGLONG)w->off;
    uint64_t save = w->off;
    if (!SetFilePointerEx(w->h, li, NULL, FILE_BEGIN)) { w->err = GetLastError(); return; }
    wf_write(w, p, n);
    w->off = save;
    if (!w->err && !SetFilePointerEx(w->h, back, NULL, FILE_BEGIN)) w->err = GetLastError();
}
static void wf_pad(wfile *w, unsigned a)
{
    static const BYTE z[PAGE];
    if (w->off % a) wf_write(w, z, a - (size_t)(w->off % a));
}
static void put16(BYTE *p, uint16_t v) { p[0] = (BYTE)v; p[1] = (BYTE)(v >> 8); }
static void put32(BYTE *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (BYTE)(v >> (8 * i)); }
static void put64(BYTE *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (BYTE)(v >> (8 * i)); }
static uint32_t get32(const BYTE *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const BYTE *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

/* MINIDUMP_STRING from UTF-16; returns its RVA. */
static uint64_t wf_string(wfile *w, const WCHAR *s)
{
    wf_pad(w, 4);
    uint64_t rva = w->off;
    BYTE len[4];
    put32(len, (uint32_t)(wcslen(s) * 2));
    wf_write(w, len, 4);
    wf_write(w, s, (wcslen(s) + 1) * 2);
    return rva;
}

/* ---- our own minidump writer ----------------------------------------------------------- */
#define DIR_SLOTS 8
typedef struct mem64 { uint64_t va, size, off; } mem64;

typedef struct own_state {
    wfile w;
    BYTE dir[DIR_SLOTS * 12];
    int ndir;
    mem64 *mem;
    size_t nmem, cap_mem;
    uint64_t data_base;
    BYTE *buf;
} own_state;

static void dir_add(own_state *o, uint32_t type, uint64_t size, uint64_t rva)
{
    if (o->ndir >= DIR_SLOTS || rva > 0xffffffffull) return;
    put32(o->dir + 12 * o->ndir, type);
    put32(o->dir + 12 * o->ndir + 4, (uint32_t)size);
    put32(o->dir + 12 * o->ndir + 8, (uint32_t)rva);
    o->ndir++;
}

static void own_add_memory(own_state *o, uint64_t va, const void *p, size_t n)
{
    if (o->nmem && o->mem[o->nmem - 1].va + o->mem[o->nmem - 1].size == va) o->mem[o->nmem - 1].size += n;
    else {
        if (o->nmem == o->cap_mem) {
            size_t nc = o->cap_mem ? o->cap_mem * 2 : 256;
            mem64 *v = realloc(o->mem, nc * sizeof *v);
            if (!v) { o->w.err = ERROR_NOT_ENOUGH_MEMORY; return; }
            o->mem = v;
            o->cap_mem = nc;
        }
        o->mem[o->nmem].va = va;
        o->mem[o->nmem].size = n;
        o->mem[o->nmem].off = o->w.off;
        o->nmem++;
    }
    wf_write(&o->w, p, n);
}

static void suspend_threads(dump_ctx *c)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE) return;
    THREADENTRY32 te;
    te.dwSize = sizeof te;
    size_t cap = 0;
    for (BOOL ok = Thread32First(snap, &te); ok; ok = Thread32Next(snap, &te)) {
        if (te.th32OwnerProcessID != c->pid) continue;
        HANDLE th = OpenThread(THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION, FALSE, te.th32ThreadID);
        if (!th) continue;
        if (c->nthreads == cap) {
            cap = cap ? cap * 2 : 32;
            c->tids = realloc(c->tids, cap * sizeof *c->tids);
            c->thandles = realloc(c->thandles, cap * sizeof *c->thandles);
            if (!c->tids || !c->thandles) { CloseHandle(th); break; }
        }
        if (SuspendThread(th) == (DWORD)-1) { CloseHandle(th); continue; }
        c->tids[c->nthreads] = te.th32ThreadID;
        c->thandles[c->nthreads] = th;
        c->nthreads++;
    }
    CloseHandle(snap);
}

static void resume_threads(dump_ctx *c)
{
    for (size_t i = 0; i < c->nthreads; i++) { ResumeThread(c->thandles[i]); CloseHandle(c->thandles[i]); }
    free(c->tids);
    free(c->thandles);
    c->tids = NULL;
    c->thandles = NULL;
    c->nthreads = 0;
}

typedef struct THREAD_BASIC_INFORMATION_ {
    LONG ExitStatus;
    PVOID TebBaseAddress;
    PVOID UniqueProcess, UniqueThread;
    ULONG_PTR AffinityMask;
    LONG Priority, BasePriority;
} THREAD_BASIC_INFORMATION_;

static void read_pe_stamp(HANDLE proc, uint64_t base, uint32_t *ts, uint32_t *cs)
{
    BYTE h[1024];
    SIZE_T got = 0;
    *ts = *cs = 0;
    if (!ReadProcessMemory(proc, (LPCVOID)(ULONG_PTR)base, h, sizeof h, &got) || got < 0x40) return;
    uint32_t e = get32(h + 0x3c);
    if (e + 0x60 > got || memcmp(h + e, "PE\0\0", 4)) return;
    *ts = get32(h + e + 8);
    *cs = get32(h + e + 24 + 64);   /* OptionalHeader.CheckSum, same offset in PE32 and PE32+ */
}

/* Whether our own writer records x86 thread contexts for this target. */
static int dump_is_x86(const dump_ctx *c)
{
#ifdef _WIN64
    return c->wow64 && pWow64GetThreadContext;
#else
    (void)c;
    return 1;
#endif
}

/* Returns 0 on success (file complete), -1 on write failure (w.err set). */
static int own_write(dump_ctx *c, const char *path, char *errbuf, size_t errlen)
{
    own_state o;
    memset(&o, 0, sizeof o);
    o.w.h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (o.w.h == INVALID_HANDLE_VALUE) {
        char t[256];
        snprintf(errbuf, errlen, "cannot create %s: %s", path, win_error_text(GetLastError(), t, sizeof t));
        return -1;
    }
    o.buf = malloc(CHUNK);
    BYTE zero[32 + DIR_SLOTS * 12] = {0};
    wf_write(&o.w, zero, sizeof zero);

    /* SystemInfo */
    SYSTEM_INFO si;
    GetNativeSystemInfo(&si);
    OSVERSIONINFOEXW ov;
    memset(&ov, 0, sizeof ov);
    ov.dwOSVersionInfoSize = sizeof ov;
    if (pRtlGetVersion) pRtlGetVersion(&ov);
    uint64_t csd = wf_string(&o.w, ov.szCSDVersion);
    wf_pad(&o.w, 4);
    BYTE s[56] = {0};
    /* The dump's architecture is that of the thread contexts it holds: a
     * 32-bit target (our x86 build, or a WOW64 target of the x64 build)
     * gets x86 contexts and so PROCESSOR_ARCHITECTURE_INTEL, as a 32-bit
     * dbghelp writes, so debuggers read them with the right layout. */
    put16(s, dump_is_x86(c) ? PROCESSOR_ARCHITECTURE_INTEL : si.wProcessorArchitecture);
    put16(s + 2, si.wProcessorLevel);
    put16(s + 4, si.wProcessorRevision);
    s[6] = (BYTE)si.dwNumberOfProcessors;
    s[7] = ov.wProductType;
    put32(s + 8, ov.dwMajorVersion);
    put32(s + 12, ov.dwMinorVersion);
    put32(s + 16, ov.dwBuildNumber);
    put32(s + 20, ov.dwPlatformId);
    put32(s + 24, (uint32_t)csd);
    put16(s + 28, ov.wSuiteMask);
    dir_add(&o, 7, sizeof s, o.w.off);
    wf_write(&o.w, s, sizeof s);

    /* ModuleList (toolhelp sees 32- and 64-bit modules of WOW64 targets) */
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE | TH32CS_SNAPMODULE32, c->pid);
    size_t nmods = 0, capm = 0;
    struct { uint64_t base; uint32_t size, ts, cs; uint64_t name; } *mods = NULL;
    if (snap != INVALID_HANDLE_VALUE) {
        MODULEENTRY32W me;
        me.dwSize = sizeof me;
        for (BOOL ok = Module32FirstW(snap, &me); ok; ok = Module32NextW(snap, &me)) {
            if (nmods == capm) {
                capm = capm ? capm * 2 : 64;
                void *v = realloc(mods, capm * sizeof *mods);
                if (!v) break;
                mods = v;
            }
            mods[nmods].base = (uint64_t)(ULONG_PTR)me.modBaseAddr;
            mods[nmods].size = me.modBaseSize;
            read_pe_stamp(c->proc, mods[nmods].base, &mods[nmods].ts, &mods[nmods].cs);
            mods[nmods].name = wf_string(&o.w, me.szExePath);
            nmods++;
        }
        CloseHandle(snap);
    }
    /* Toolhelp can miss the modules of a process of the other bitness (a
     * WOW64 target seen from the x64 build under wine lists none); the
     * psapi enumeration walks the target's own loader lists instead. */
    if (!nmods && pEnumProcessModulesEx && pGetModuleFileNameExW && pGetModuleInformation) {
        HMODULE hm[1024];
        DWORD need = 0;
        if (pEnumProcessModulesEx(c->proc, hm, sizeof hm, &need, 0x03 /* LIST_MODULES_ALL */)) {
            size_t n = need / sizeof(HMODULE);
            if (n > sizeof hm / sizeof hm[0]) n = sizeof hm / sizeof hm[0];
            mods = calloc(n ? n : 1, sizeof *mods);
            for (size_t i = 0; mods && i < n; i++) {
                struct { LPVOID base; DWORD size; LPVOID entry; } mi;
                WCHAR wpath[MAX_PATH];
                if (!pGetModuleInformation(c->proc, hm[i], &mi, sizeof mi)) continue;
                if (!pGetModuleFileNameExW(c->proc, hm[i], wpath, MAX_PATH)) wpath[0] = 0;
                mods[nmods].base = (uint64_t)(ULONG_PTR)mi.base;
                mods[nmods].size = mi.size;
                read_pe_stamp(c->proc, mods[nmods].base, &mods[nmods].ts, &mods[nmods].cs);
                mods[nmods].name = wf_string(&o.w, wpath);
                nmods++;
            }
        }
    }
    wf_pad(&o.w, 4);
    dir_add(&o, 4, 4 + 108 * (uint64_t)nmods, o.w.off);
    BYTE cnt[4];
    put32(cnt, (uint32_t)nmods);
    wf_write(&o.w, cnt, 4);
    for (size_t i = 0; i < nmods; i++) {
        BYTE m[108] = {0};
        put64(m, mods[i].base);
        put32(m + 8, mods[i].size);
        put32(m + 12, mods[i].cs);
        put32(m + 16, mods[i].ts);
        put32(m + 20, (uint32_t)mods[i].name);
        put32(m + 24, 0xfeef04bd);
        wf_write(&o.w, m, sizeof m);
    }
    free(mods);

    /* ThreadList: contexts first, then records; stacks patched at the end. */
    uint64_t *ctx_rva = calloc(c->nthreads + 1, sizeof *ctx_rva);
    uint64_t *sp = calloc(c->nthreads + 1, sizeof *sp), *teb = calloc(c->nthreads + 1, sizeof *teb);
    uint32_t *ctx_len = calloc(c->nthreads + 1, sizeof *ctx_len);
    for (size_t i = 0; i < c->nthreads && ctx_rva && sp && teb && ctx_len; i++) {
        /* CONTEXT must be 16-byte aligned on x64. */
        BYTE raw[sizeof(CONTEXT) + 16];
        CONTEXT *ctx = (CONTEXT *)(((ULONG_PTR)raw + 15) & ~(ULONG_PTR)15);
        memset(ctx, 0, sizeof *ctx);
        const void *rec = NULL;   /* the context record to store, if captured */
        size_t rec_len = 0;
#ifdef _WIN64
        /* A WOW64 thread's own state is its 32-bit context; the 64-bit one
         * is the WOW64 layer's and says little about the program. */
        WOW64_CONTEXT w;
        memset(&w, 0, sizeof w);
        if (c->wow64 && pWow64GetThreadContext) {
            w.ContextFlags = WOW64_CONTEXT_ALL;
            if (pWow64GetThreadContext(c->thandles[i], &w)) { rec = &w; rec_len = sizeof w; sp[i] = w.Esp; }
        } else {
            ctx->ContextFlags = CONTEXT_ALL;
            if (GetThreadContext(c->thandles[i], ctx)) { rec = ctx; rec_len = sizeof *ctx; sp[i] = ctx->Rsp; }
        }
#else
        ctx->ContextFlags = CONTEXT_ALL;
        if (GetThreadContext(c->thandles[i], ctx)) { rec = ctx; rec_len = sizeof *ctx; sp[i] = ctx->Esp; }
#endif
        if (rec) {
            wf_pad(&o.w, 16);
            ctx_rva[i] = o.w.off;
            ctx_len[i] = (uint32_t)rec_len;
            wf_write(&o.w, rec, rec_len);
        }
        THREAD_BASIC_INFORMATION_ tbi;
        if (pNtQueryInformationThread && pNtQueryInformationThread(c->thandles[i], 0, &tbi, sizeof tbi, NULL) >= 0)
            teb[i] = (uint64_t)(ULONG_PTR)tbi.TebBaseAddress;
#ifdef _WIN64
        /* WOW64 keeps the 32-bit TEB two pages above the 64-bit one. */
        if (c->wow64 && teb[i]) teb[i] += 0x2000;
#endif
    }
    wf_pad(&o.w, 4);
    uint64_t threads_off = o.w.off + 4;
    dir_add(&o, 3, 4 + 48 * (uint64_t)c->nthreads, o.w.off);
    put32(cnt, (uint32_t)c->nthreads);
    wf_write(&o.w, cnt, 4);
    for (size_t i = 0; i < c->nthreads; i++) {
        BYTE t[48] = {0};
        put32(t, c->tids[i]);
        put64(t + 16, teb ? teb[i] : 0);
        put64(t + 24, sp ? sp[i] & ~(uint64_t)(PAGE - 1) : 0);
        put32(t + 40, ctx_len ? ctx_len[i] : 0);
        put32(t + 44, ctx_rva && ctx_rva[i] <= 0xffffffffull ? (uint32_t)ctx_rva[i] : 0);
        wf_write(&o.w, t, sizeof t);
    }

    /* MemoryInfoList: every region VirtualQueryEx reported. */
    wf_pad(&o.w, 4);
    dir_add(&o, 16, 16 + 48 * (uint64_t)c->nregs, o.w.off);
    BYTE mh[16];
    put32(mh, 16);
    put32(mh + 4, 48);
    put64(mh + 8, c->nregs);
    wf_write(&o.w, mh, 16);
    for (size_t i = 0; i < c->nregs; i++) {
        const region *r = &c->regs[i];
        BYTE m[48] = {0};
        put64(m, r->base);
        put64(m + 8, r->alloc_base);
        put32(m + 16, r->alloc_protect);
        put64(m + 24, r->size);
        put32(m + 32, r->state);
        put32(m + 36, r->protect);
        put32(m + 40, r->type);
        wf_write(&o.w, m, sizeof m);
    }

    /* MiscInfo: the process id (readers such as lldb show it). */
    wf_pad(&o.w, 4);
    BYTE misc[24] = {0};
    put32(misc, sizeof misc);
    put32(misc + 4, 1);   /* MINIDUMP_MISC1_PROCESS_ID */
    put32(misc + 8, c->pid);
    dir_add(&o, 15, sizeof misc, o.w.off);
    wf_write(&o.w, misc, sizeof misc);

    /* Room for the Memory64List ahead of the data (its RVA is 32-bit). */
    wf_pad(&o.w, 8);
    uint64_t m64_off = o.w.off;
    size_t m64_cap = c->nregs * 2 + 64;
    for (size_t i = 0; i < 16 + 16 * m64_cap && !o.w.err; i += PAGE) {
        static const BYTE z[PAGE];
        size_t k = 16 + 16 * m64_cap - i < PAGE ? 16 + 16 * m64_cap - i : PAGE;
        wf_write(&o.w, z, k);
    }
    wf_pad(&o.w, PAGE);
    o.data_base = o.w.off;

    /* Test hook: KENSA_DUMP_TEST_KILL_AFTER=N terminates the target after N
     * regions, to exercise the "exited mid-dump" path deterministically. */
    const char *hook = getenv("KENSA_DUMP_TEST_KILL_AFTER");
    size_t kill_after = hook ? (size_t)strtoul(hook, NULL, 10) + 1 : 0;
    /* Data, region by region; a failing chunk is retried page by page. */
    for (size_t i = 0; i < c->nregs && !o.w.err && o.buf && !c->exited; i++) {
        const region *r = &c->regs[i];
        if (kill_after && i + 1 == kill_after) {
            TerminateProcess(c->proc, 1);
            WaitForSingleObject(c->proc, 5000);
        }
        DWORD code = 0;
        if (GetExitCodeProcess(c->proc, &code) && code != STILL_ACTIVE) { c->exited = 1; break; }
        if (r->state != MEM_COMMIT) { if (r->state == MEM_RESERVE) classify_uncaptured(c, i, r->base, r->base + r->size, ""); continue; }
        if (!readable_protect(r->protect)) { classify_uncaptured(c, i, r->base, r->base + r->size, ""); continue; }
        if (c->type_mini) {
            int is_stack = 0;
            for (size_t k = 0; k < c->nthreads && sp; k++) is_stack |= sp[k] >= r->base && sp[k] < r->base + r->size;
            if (!is_stack) { classify_uncaptured(c, i, r->base, r->base + r->size, ""); continue; }
        }
        uint64_t va = r->base, end = r->base + r->size;
        while (va < end && !o.w.err) {
            size_t want = end - va < CHUNK ? (size_t)(end - va) : CHUNK;
            SIZE_T got = 0;
            if (ReadProcessMemory(c->proc, (LPCVOID)(ULONG_PTR)va, o.buf, want, &got) && got == want) {
                own_add_memory(&o, va, o.buf, want);
                add_run(c, va, want, RUN_READ, i, "");
                va += want;
                continue;
            }
            DWORD code = 0;
            if (GetExitCodeProcess(c->proc, &code) && code != STILL_ACTIVE) { c->exited = 1; break; }
            /* Page by page through this chunk. */
            for (uint64_t p = va; p < va + want && !o.w.err; p += PAGE) {
                SIZE_T g = 0;
                if (ReadProcessMemory(c->proc, (LPCVOID)(ULONG_PTR)p, o.buf, PAGE, &g) && g == PAGE) {
                    own_add_memory(&o, p, o.buf, PAGE);
                    add_run(c, p, PAGE, RUN_READ, i, "");
                } else {
                    char t[128], why[MAX_RUN_TEXT];
                    snprintf(why, sizeof why, "ReadProcessMemory failed: %s", win_error_text(GetLastError(), t, sizeof t));
                    add_run(c, p, PAGE, RUN_UNREADABLE, i, why);
                }
            }
            va += want;
        }
    }

    if (c->exited || o.w.err) {
        /* Account what was not reached, then close the file as a valid dump. */
        uint64_t done_to = c->nruns ? c->runs[c->nruns - 1].start + c->runs[c->nruns - 1].size : 0;
        for (size_t i = 0; i < c->nregs; i++) {
            const region *r = &c->regs[i];
            if (r->state == MEM_FREE || r->base + r->size <= done_to) continue;
            uint64_t from = r->base > done_to ? r->base : done_to;
            add_run(c, from, r->base + r->size - from, RUN_UNREADABLE, i,
                    c->exited ? "not read: the process exited" : "not read: writing the dump failed");
        }
    }
    /* Memory64List */
    uint64_t m64_size = 16 + 16 * (uint64_t)o.nmem;
    BYTE *m64 = malloc((size_t)m64_size);
    if (m64) {
        put64(m64, o.nmem);
        put64(m64 + 8, o.data_base);
        for (size_t i = 0; i < o.nmem; i++) {
            put64(m64 + 16 + 16 * i, o.mem[i].va);
            put64(m64 + 24 + 16 * i, o.mem[i].size);
        }
        if (o.nmem <= m64_cap) {
            dir_add(&o, 9, m64_size, m64_off);
            wf_pwrite(&o.w, m64_off, m64, (size_t)m64_size);
        } else {
            wf_pad(&o.w, 8);
            dir_add(&o, 9, m64_size, o.w.off);
            wf_write(&o.w, m64, (size_t)m64_size);
        }
        free(m64);
    }
    /* Thread stacks point into the Memory64 data covering their sp. */
    for (size_t i = 0; i < c->nthreads && sp; i++) {
        uint64_t st = sp[i] & ~(uint64_t)(PAGE - 1);
        for (size_t k = 0; k < o.nmem; k++) {
            if (st < o.mem[k].va || st - o.mem[k].va >= o.mem[k].size) continue;
            uint64_t rva = o.mem[k].off + (st - o.mem[k].va), len = o.mem[k].size - (st - o.mem[k].va);
            if (len > (1u << 20)) len = 1u << 20;
            if (rva <= 0xffffffffull) {
                BYTE d[8];
                put32(d, (uint32_t)len);
                put32(d + 4, (uint32_t)rva);
                wf_pwrite(&o.w, threads_off + 48 * i + 32, d, 8);
            }
            break;
        }
    }
    free(ctx_rva);
    free(sp);
    free(teb);
    free(ctx_len);
    /* Header and directory. */
    BYTE h[32 + DIR_SLOTS * 12] = {0};
    put32(h, 0x504d444d);
    put32(h + 4, 0xa793);
    put32(h + 8, (uint32_t)o.ndir);
    put32(h + 12, 32);
    put32(h + 20, (uint32_t)time(NULL));
    put64(h + 24, c->type_mini ? 0 : (0x2 | 0x800));
    memcpy(h + 32, o.dir, sizeof o.dir);
    wf_pwrite(&o.w, 0, h, sizeof h);
    if (!o.w.err && !FlushFileBuffers(o.w.h) && GetLastError() != ERROR_INVALID_HANDLE) o.w.err = GetLastError();
    CloseHandle(o.w.h);
    free(o.mem);
    free(o.buf);
    if (o.w.err) {
        char t[256];
        snprintf(errbuf, errlen, "writing %s failed: %s; the dump is partial", path, win_error_text(o.w.err, t, sizeof t));
        return -1;
    }
    if (c->exited) {
        snprintf(errbuf, errlen, "process %lu exited during the dump; the dump is partial", (unsigned long)c->pid);
        return 1;
    }
    return 0;
}

/* ---- dbghelp methods ---------------------------------------------------------------- */
static BOOL CALLBACK snapshot_callback(PVOID param, PMINIDUMP_CALLBACK_INPUT in, PMINIDUMP_CALLBACK_OUTPUT out)
{
    (void)param;
    if (in && out && in->CallbackType == IsProcessSnapshotCallback) out->Status = S_FALSE;
    return TRUE;
}

#define PSS_CAPTURE_VA_CLONE 0x00000001
#define PSS_CAPTURE_HANDLES 0x00000004
#define PSS_CAPTURE_HANDLE_NAME_INFORMATION 0x00000008
#define PSS_CAPTURE_HANDLE_BASIC_INFORMATION 0x00000010
#define PSS_CAPTURE_HANDLE_TYPE_SPECIFIC_INFORMATION 0x00000020
#define PSS_CAPTURE_HANDLE_TRACE 0x00000040
#define PSS_CAPTURE_THREADS 0x00000080
#define PSS_CAPTURE_THREAD_CONTEXT 0x00000100
#define PSS_CAPTURE_THREAD_CONTEXT_EXTENDED 0x00000200
#define PSS_CREATE_BREAKAWAY_OPTIONAL 0x04000000
#define PSS_CREATE_BREAKAWAY 0x08000000
#define PSS_CREATE_USE_VM_ALLOCATIONS 0x20000000
#define PSS_CREATE_RELEASE_SECTION 0x80000000

static MINIDUMP_TYPE dbghelp_flags(int mini, int with_ignore)
{
    DWORD f = mini ? (MiniDumpNormal | MiniDumpWithUnloadedModules | MiniDumpWithThreadInfo)
                   : (MiniDumpWithFullMemory | MiniDumpWithHandleData | MiniDumpWithUnloadedModules |
                      MiniDumpWithFullMemoryInfo | MiniDumpWithThreadInfo);
    if (with_ignore) f |= 0x00020000; /* MiniDumpIgnoreInaccessibleMemory (Windows 8+) */
    return (MINIDUMP_TYPE)f;
}

static int dbghelp_write(dump_ctx *c, const char *path, HANDLE source, int snapshot, char *err, size_t errlen)
{
    if (!pMiniDumpWriteDump) { snprintf(err, errlen, "dbghelp.dll has no MiniDumpWriteDump"); return -1; }
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE) {
        char t[256];
        snprintf(err, errlen, "cannot create %s: %s", path, win_error_text(GetLastError(), t, sizeof t));
        return -1;
    }
    MINIDUMP_CALLBACK_INFORMATION cb = {snapshot_callback, NULL};
    BOOL ok = pMiniDumpWriteDump(source, c->pid, f, dbghelp_flags(c->type_mini, 1), NULL, NULL, snapshot ? &cb : NULL);
    if (!ok) {
        /* Older dbghelp rejects flags it does not know: retry without. */
        LARGE_INTEGER z = {{0, 0}};
        SetFilePointerEx(f, z, NULL, FILE_BEGIN);
        SetEndOfFile(f);
        ok = pMiniDumpWriteDump(source, c->pid, f, dbghelp_flags(c->type_mini, 0), NULL, NULL, snapshot ? &cb : NULL);
    }
    DWORD e = GetLastError();
    CloseHandle(f);
    if (!ok) {
        char t[256];
        /* MiniDumpWriteDump reports HRESULTs through GetLastError. */
        snprintf(err, errlen, "MiniDumpWriteDump failed: %s (0x%08lx)", win_error_text(e & 0xffff, t, sizeof t), (unsigned long)e);
        return -1;
    }
    return 0;
}

/* Reads the ranges a finished dump holds (MemoryList + Memory64List) and
 * turns the regions into runs: captured parts read, the rest classified. */
typedef struct cap_range { uint64_t va, size; } cap_range;
static int cap_cmp(const void *a, const void *b)
{
    const cap_range *x = a, *y = b;
    return x->va < y->va ? -1 : x->va > y->va;
}
static int read_at(HANDLE f, uint64_t off, void *p, DWORD n)
{
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    DWORD got = 0;
    return ReadFile(f, p, n, &got, &ov) && got == n ? 0 : -1;
}
static void account_from_dump(dump_ctx *c, const char *path)
{
    cap_range *caps = NULL;
    size_t ncaps = 0;
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BYTE h[32];
    if (f != INVALID_HANDLE_VALUE && read_at(f, 0, h, 32) == 0 && get32(h) == 0x504d444d) {
        uint32_t ns = get32(h + 8), dir = get32(h + 12);
        for (uint32_t i = 0; i < ns && i < 4096; i++) {
            BYTE d[12];
            if (read_at(f, dir + 12ull * i, d, 12)) break;
            uint32_t type = get32(d), size = get32(d + 4), rva = get32(d + 8);
            if (type == 9 && size >= 16) {
                BYTE *p = malloc(size);
                if (p && read_at(f, rva, p, size) == 0) {
                    uint64_t n = get64(p);
                    if (n > (size - 16) / 16) n = (size - 16) / 16;
                    cap_range *v = realloc(caps, (ncaps + n + 1) * sizeof *v);
                    if (v) {
                        caps = v;
                        for (uint64_t k = 0; k < n; k++) caps[ncaps++] = (cap_range){get64(p + 16 + 16 * k), get64(p + 24 + 16 * k)};
                    }
                }
                free(p);
            } else if (type == 5 && size >= 4) {
                BYTE *p = malloc(size);
                if (p && read_at(f, rva, p, size) == 0) {
                    uint64_t n = get32(p);
                    if (n > (size - 4) / 16) n = (size - 4) / 16;
                    cap_range *v = realloc(caps, (ncaps + n + 1) * sizeof *v);
                    if (v) {
                        caps = v;
                        for (uint64_t k = 0; k < n; k++) caps[ncaps++] = (cap_range){get64(p + 4 + 16 * k), get32(p + 12 + 16 * k)};
                    }
                }
                free(p);
            }
        }
    }
    if (f != INVALID_HANDLE_VALUE) CloseHandle(f);
    if (ncaps) qsort(caps, ncaps, sizeof *caps, cap_cmp);
    size_t k = 0;
    for (size_t i = 0; i < c->nregs; i++) {
        const region *r = &c->regs[i];
        if (r->state == MEM_FREE) continue;
        uint64_t a = r->base, end = r->base + r->size;
        while (k > 0 && caps[k - 1].va + caps[k - 1].size > a) k--;
        for (; k < ncaps && caps[k].va < end; k++) {
            uint64_t cs = caps[k].va, ce = caps[k].va + caps[k].size;
            if (ce <= a) continue;
            if (cs > a) classify_uncaptured(c, i, a, cs, "not captured by MiniDumpWriteDump");
            if (cs < a) cs = a;
            if (ce > end) ce = end;
            add_run(c, cs, ce - cs, RUN_READ, i, "");
            a = ce;
        }
        classify_uncaptured(c, i, a, end, "not captured by MiniDumpWriteDump");
    }
    free(caps);
}

/* ---- sidecar -------------------------------------------------------------------------- */
static const char *state_name(DWORD s) { return s == MEM_COMMIT ? "commit" : s == MEM_RESERVE ? "reserve" : s == MEM_FREE ? "free" : "?"; }
static const char *type_name(DWORD t) { return t == MEM_IMAGE ? "image" : t == MEM_MAPPED ? "mapped" : t == MEM_PRIVATE ? "private" : "-"; }

typedef struct attempt { const char *method; int ok; char error[300]; } attempt;

static int write_sidecar(dump_ctx *c, const char *dump_path, const char *method, attempt *att, int natt, int debug_priv,
                         double secs, double hash_secs, const char *sha, const char *sha_api, uint64_t size, int complete,
                         int partial, const char *error, const char *started)
{
    char path[MAX_PATH + 8];
    snprintf(path, sizeof path, "%s.json", dump_path);
    sbuf b = {0};
    char host[256] = "";
    DWORD hl = sizeof host;
    GetComputerNameA(host, &hl);
    sb_printf(&b, "{\n  \"tool\": \"kensa-dump\",\n  \"tool_version\": \"%s\",\n  \"tool_arch\": \"%s\",\n  \"platform\": \"windows\",\n",
              KENSA_VERSION, TOOL_ARCH);
    sb_printf(&b, "  \"host\": ");
    sb_json_str(&b, host);
    sb_printf(&b, ",\n  \"pid\": %lu,\n  \"process_name\": ", (unsigned long)c->pid);
    sb_json_str(&b, c->name);
    sb_printf(&b, ",\n  \"wow64\": %s,\n  \"dumper_arch\": \"%s\",\n  \"dump\": ", c->wow64 ? "true" : "false",
#ifdef _WIN64
              "x64"
#else
              "x86"
#endif
    );
    sb_json_str(&b, dump_path);
    sb_printf(&b, ",\n  \"format\": \"minidump\",\n  \"type\": \"%s\",\n  \"method\": ", c->type_mini ? "mini" : "full");
    sb_json_str(&b, method ? method : "none");
    sb_printf(&b, ",\n  \"methods_tried\": [");
    for (int i = 0; i < natt; i++) {
        sb_printf(&b, "%s\n    {\"method\": \"%s\", \"ok\": %s, \"error\": ", i ? "," : "", att[i].method, att[i].ok ? "true" : "false");
        if (att[i].error[0]) sb_json_str(&b, att[i].error);
        else sb_printf(&b, "null");
        sb_printf(&b, "}");
    }
    sb_printf(&b, "\n  ],\n  \"se_debug_privilege\": %s,\n  \"started\": \"%s\",\n  \"seconds\": %.6f,\n  \"hash_seconds\": %.6f,\n",
              debug_priv ? "true" : "false", started, secs, hash_secs);
    sb_printf(&b, "  \"complete\": %s,\n  \"partial\": %s,\n  \"error\": ", complete ? "true" : "false",
              partial ? "true" : "false");
    if (error && error[0]) sb_json_str(&b, error);
    else sb_printf(&b, "null");
    sb_printf(&b, ",\n  \"dump_size\": %llu,\n  \"sha256\": ", (unsigned long long)size);
    if (sha && sha[0]) sb_json_str(&b, sha);
    else sb_printf(&b, "null");
    sb_printf(&b, ",\n  \"sha256_api\": \"%s\",\n  \"totals\": {\"regions\": %llu", sha_api, (unsigned long long)c->nregs);
    for (int k = 0; k < 4; k++)
        sb_printf(&b, ", \"%s_bytes\": %llu, \"%s_runs\": %llu", run_names[k], (unsigned long long)c->bytes[k], run_names[k],
                  (unsigned long long)c->nrun_kind[k]);
    sb_printf(&b, "},\n  \"regions\": [");
    size_t ri = 0;
    int first = 1;
    for (size_t i = 0; i < c->nregs; i++) {
        const region *r = &c->regs[i];
        if (r->state == MEM_FREE) continue;
        sb_printf(&b, "%s\n    {\"start\": \"0x%llx\", \"end\": \"0x%llx\", \"size\": %llu, \"state\": \"%s\", \"protect\": \"0x%lx\", \"type\": \"%s\", \"runs\": [",
                  first ? "" : ",", (unsigned long long)r->base, (unsigned long long)(r->base + r->size), (unsigned long long)r->size,
                  state_name(r->state), (unsigned long)r->protect, type_name(r->type));
        first = 0;
        int rf = 1;
        while (ri < c->nruns && c->runs[ri].region < i) ri++;
        for (size_t k = ri; k < c->nruns && c->runs[k].region == i; k++) {
            const run *u = &c->runs[k];
            sb_printf(&b, "%s{\"status\": \"%s\", \"start\": \"0x%llx\", \"size\": %llu", rf ? "" : ", ", run_names[u->kind],
                      (unsigned long long)u->start, (unsigned long long)u->size);
            if (u->reason[0]) { sb_printf(&b, ", \"reason\": "); sb_json_str(&b, u->reason); }
            sb_printf(&b, "}");
            rf = 0;
        }
        sb_printf(&b, "]}");
    }
    sb_printf(&b, "\n  ]\n}\n");
    FILE *fp = fopen(path, "wb");
    int rc = -1;
    if (fp) {
        rc = fwrite(b.p, 1, b.n, fp) == b.n ? 0 : -1;
        if (fclose(fp) != 0) rc = -1;
    }
    if (rc) fprintf(stderr, "kensa-dump: %s: cannot write the sidecar\n", path);
    free(b.p);
    return rc;
}

/* ---- one process ------------------------------------------------------------------------ */
enum { M_AUTO, M_PSS, M_LIVE, M_OWN };

static int dump_process(DWORD pid, const char *name, const char *dir, int mini, int method, int debug_priv)
{
    dump_ctx c;
    memset(&c, 0, sizeof c);
    c.pid = pid;
    c.type_mini = mini;
    snprintf(c.name, sizeof c.name, "%s", name);
    DWORD rights = PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE | PROCESS_CREATE_PROCESS | PROCESS_VM_OPERATION;
    if (getenv("KENSA_DUMP_TEST_KILL_AFTER")) rights |= PROCESS_TERMINATE | SYNCHRONIZE;
    c.proc = OpenProcess(rights, FALSE, pid);
    if (!c.proc) c.proc = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    if (!c.proc) {
        DWORD e = GetLastError();
        char t[256];
        if (e == ERROR_ACCESS_DENIED)
            fprintf(stderr, "kensa-dump: process %lu (%s): access denied: it is protected (PPL/system) or needs administrator rights "
                            "(SeDebugPrivilege %s)\n", (unsigned long)pid, name, debug_priv ? "enabled" : "not available");
        else if (e == ERROR_INVALID_PARAMETER) {
            fprintf(stderr, "kensa-dump: no process with PID %lu (it exited?)\n", (unsigned long)pid);
            return 2;   /* gone: an error for --pid, expected churn for --all/--name */
        }
        else
            fprintf(stderr, "kensa-dump: process %lu (%s): cannot open: %s\n", (unsigned long)pid, name, win_error_text(e, t, sizeof t));
        return 1;
    }
    BOOL w = FALSE;
    if (pIsWow64Process && pIsWow64Process(c.proc, &w)) c.wow64 = w;
    if (pIsWow64Process && pIsWow64Process(GetCurrentProcess(), &w)) c.self_wow64 = w;
#ifndef _WIN64
    if (c.self_wow64 && !c.wow64) {
        fprintf(stderr, "kensa-dump: process %lu (%s) is 64-bit: use the x64 kensa-dump.exe\n", (unsigned long)pid, name);
        CloseHandle(c.proc);
        return 1;
    }
#endif
    char path[MAX_PATH];
    snprintf(path, sizeof path, "%s\\%s-%lu.dmp", dir, name, (unsigned long)pid);
    SYSTEMTIME st;
    GetSystemTime(&st);
    char started[64];
    snprintf(started, sizeof started, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute,
             st.wSecond, st.wMilliseconds);
    double t0 = now_seconds();
    attempt att[3];
    int natt = 0;
    const char *used = NULL, *used_partial = NULL;
    int partial_file = 0;
    char final_err[400] = "";

    /* 1. PSS snapshot + MiniDumpWriteDump */
    if (method == M_AUTO || method == M_PSS) {
        attempt *a = &att[natt++];
        memset(a, 0, sizeof *a);
        a->method = "pss";
        if (!pPssCaptureSnapshot || !pPssFreeSnapshot) snprintf(a->error, sizeof a->error, "PssCaptureSnapshot not available (before Windows 8.1, or wine)");
        else {
            HANDLE snap = NULL;
            DWORD flags = PSS_CAPTURE_VA_CLONE | PSS_CAPTURE_HANDLES | PSS_CAPTURE_HANDLE_NAME_INFORMATION |
                          PSS_CAPTURE_HANDLE_BASIC_INFORMATION | PSS_CAPTURE_HANDLE_TYPE_SPECIFIC_INFORMATION |
                          PSS_CAPTURE_HANDLE_TRACE | PSS_CAPTURE_THREADS | PSS_CAPTURE_THREAD_CONTEXT |
                          PSS_CAPTURE_THREAD_CONTEXT_EXTENDED | PSS_CREATE_BREAKAWAY_OPTIONAL | PSS_CREATE_BREAKAWAY |
                          PSS_CREATE_USE_VM_ALLOCATIONS | PSS_CREATE_RELEASE_SECTION;
            DWORD r = pPssCaptureSnapshot(c.proc, flags, CONTEXT_ALL, &snap);
            if (r != ERROR_SUCCESS) {
                char t[256];
                snprintf(a->error, sizeof a->error, "PssCaptureSnapshot failed: %s", win_error_text(r, t, sizeof t));
            } else {
                enum_regions(&c);
                if (dbghelp_write(&c, path, snap, 1, a->error, sizeof a->error) == 0) { a->ok = 1; used = "pss"; }
                pPssFreeSnapshot(GetCurrentProcess(), snap);
            }
        }
        if (!a->ok) fprintf(stderr, "kensa-dump: pid %lu: pss: %s%s\n", (unsigned long)pid, a->error, method == M_AUTO ? "; trying the next method" : "");
    }
    /* 2. MiniDumpWriteDump on the live process */
    if (!used && (method == M_AUTO || method == M_LIVE)) {
        attempt *a = &att[natt++];
        memset(a, 0, sizeof *a);
        a->method = "live";
        free(c.regs);
        c.regs = NULL;
        enum_regions(&c);
        if (dbghelp_write(&c, path, c.proc, 0, a->error, sizeof a->error) == 0) { a->ok = 1; used = "live"; }
        else fprintf(stderr, "kensa-dump: pid %lu: live: %s%s\n", (unsigned long)pid, a->error, method == M_AUTO ? "; trying the next method" : "");
    }
    if (used) account_from_dump(&c, path);
    /* 3. our own writer */
    if (!used && (method == M_AUTO || method == M_OWN)) {
        attempt *a = &att[natt++];
        memset(a, 0, sizeof *a);
        a->method = "own";
        suspend_threads(&c);
        free(c.regs);
        c.regs = NULL;
        enum_regions(&c);
        c.nruns = 0;
        memset(c.bytes, 0, sizeof c.bytes);
        memset(c.nrun_kind, 0, sizeof c.nrun_kind);
        int w = own_write(&c, path, a->error, sizeof a->error);
        if (w == 0) { a->ok = 1; used = "own"; }
        else {
            fprintf(stderr, "kensa-dump: pid %lu: own: %s\n", (unsigned long)pid, a->error);
            partial_file = 1;   /* a dump file exists but is incomplete */
            used_partial = "own";
        }
        resume_threads(&c);
        if (!a->ok) snprintf(final_err, sizeof final_err, "%s", a->error);
    }
    if (!used && !final_err[0] && natt) snprintf(final_err, sizeof final_err, "%s", att[natt - 1].error);
    double secs = now_seconds() - t0;
    char sha[65] = "";
    const char *sha_api = "none";
    double th = now_seconds();
    WIN32_FILE_ATTRIBUTE_DATA fa;
    uint64_t size = 0;
    if (GetFileAttributesExA(path, GetFileExInfoStandard, &fa)) size = (uint64_t)fa.nFileSizeHigh << 32 | fa.nFileSizeLow;
    if (size) sha256_file(path, sha, &sha_api);
    double hash_secs = now_seconds() - th;
    int complete = used != NULL;
    write_sidecar(&c, path, used ? used : used_partial, att, natt, debug_priv, secs, hash_secs, sha, sha_api, size, complete,
                  partial_file && size > 0, final_err, started);
    if (used)
        printf("dump %s method %s pid %lu bytes %llu read %llu unreadable %llu guard %llu skipped %llu seconds %.3f sha256 %s\n", path, used,
               (unsigned long)pid, (unsigned long long)size, (unsigned long long)c.bytes[0], (unsigned long long)c.bytes[1],
               (unsigned long long)c.bytes[2], (unsigned long long)c.bytes[3], secs, sha[0] ? sha : "-");
    else
        fprintf(stderr, "kensa-dump: process %lu (%s): no dump written: %s\n", (unsigned long)pid, name, final_err);
    fflush(stdout);
    CloseHandle(c.proc);
    free(c.regs);
    free(c.runs);
    return used ? 0 : 1;
}

/* ---- main ---------------------------------------------------------------------------------- */
static void usage(FILE *out)
{
    fprintf(out,
            "usage: kensa-dump.exe --pid N | --name NAME | --all [-o DIR] [--type full|mini]\n"
            "                      [--method auto|pss|live|own]\n\n"
            "Writes DIR\\NAME-PID.dmp (minidump, full memory by default) and a JSON sidecar\n"
            "DIR\\NAME-PID.dmp.json (SHA-256, version, timing, method, per-region accounting:\n"
            "read / unreadable / guard / skipped with addresses and sizes) per process.\n"
            "Methods (auto tries them in order): pss = PssCaptureSnapshot + MiniDumpWriteDump,\n"
            "live = MiniDumpWriteDump on the live process, own = kensa's writer\n"
            "(VirtualQueryEx + ReadProcessMemory, never aborts on an unreadable page).\n\n"
            "exit status: 0 every dump written, 1 a process could not be dumped, 2 usage.\n");
}

static int name_matches(const char *exe, const char *want)
{
    size_t n = strlen(want);
    if (!_stricmp(exe, want)) return 1;
    return !_strnicmp(exe, want, n) && !_stricmp(exe + n, ".exe");
}

int main(int argc, char **argv)
{
    const char *dir = ".", *name = NULL;
    DWORD pids[256];
    int npids = 0, all = 0, mini = 0, method = M_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
        if (!strcmp(a, "--version")) { printf("kensa-dump %s (%s)\n", KENSA_VERSION, TOOL_ARCH); return 0; }
        if (!strcmp(a, "--all")) { all = 1; continue; }
        if (!v) { fprintf(stderr, "kensa-dump: %s needs a value or is unknown\n", a); usage(stderr); return 2; }
        i++;
        if (!strcmp(a, "--pid") || !strcmp(a, "-p")) {
            char *end;
            unsigned long p = strtoul(v, &end, 0);
            if (*end || !p || npids == 256) { fprintf(stderr, "kensa-dump: bad --pid '%s'\n", v); return 2; }
            pids[npids++] = (DWORD)p;
        } else if (!strcmp(a, "--name") || !strcmp(a, "-n")) name = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) dir = v;
        else if (!strcmp(a, "--type")) {
            if (!strcmp(v, "full")) mini = 0;
            else if (!strcmp(v, "mini")) mini = 1;
            else { fprintf(stderr, "kensa-dump: --type must be full or mini\n"); return 2; }
        } else if (!strcmp(a, "--method")) {
            if (!strcmp(v, "auto")) method = M_AUTO;
            else if (!strcmp(v, "pss")) method = M_PSS;
            else if (!strcmp(v, "live")) method = M_LIVE;
            else if (!strcmp(v, "own")) method = M_OWN;
            else { fprintf(stderr, "kensa-dump: --method must be auto, pss, live or own\n"); return 2; }
        } else { fprintf(stderr, "kensa-dump: unknown option %s\n", a); usage(stderr); return 2; }
    }
    if (!npids && !name && !all) { usage(stderr); return 2; }
    DWORD attr = GetFileAttributesA(dir);
    if (attr == INVALID_FILE_ATTRIBUTES || !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        fprintf(stderr, "kensa-dump: output directory %s does not exist\n", dir);
        return 1;
    }
    load_functions();
    int debug_priv = enable_debug_privilege();
    int rc = 0, found = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof pe;
    for (int i = 0; i < npids; i++) {
        char pname[MAX_PATH] = "";
        int exists = 0;
        if (snap != INVALID_HANDLE_VALUE)
            for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe))
                if (pe.th32ProcessID == pids[i]) { utf8_from_wide(pe.szExeFile, pname, sizeof pname); exists = 1; break; }
        if (!exists) { fprintf(stderr, "kensa-dump: no process with PID %lu\n", (unsigned long)pids[i]); rc = 1; continue; }
        found++;
        rc |= dump_process(pids[i], pname, dir, mini, method, debug_priv) != 0;
    }
    if ((name || all) && snap != INVALID_HANDLE_VALUE) {
        DWORD self = GetCurrentProcessId();
        for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
            char pname[MAX_PATH];
            utf8_from_wide(pe.szExeFile, pname, sizeof pname);
            if (pe.th32ProcessID == self || pe.th32ProcessID == 0 || pe.th32ProcessID == 4) continue;
            if (!all && !name_matches(pname, name)) continue;
            found++;
            /* A process that exited since the listing is not a failure here. */
            rc |= dump_process(pe.th32ProcessID, pname, dir, mini, method, debug_priv) == 1;
        }
        if (name && !found) { fprintf(stderr, "kensa-dump: no process named %s\n", name); rc = 1; }
    }
    if (snap != INVALID_HANDLE_VALUE) CloseHandle(snap);
    return rc;
}
