/* minidump.h: Windows minidump (MDMP) reader and streaming writer.
 *
 * The minidump is kensa's process-dump format on every platform (Windows
 * convention; lldb, WinDbg, Volatility and rust-minidump read it), so one
 * module both reads dumps written by Windows, Breakpad and wine and writes
 * the dumps taken by `kensa mem dump-live --format minidump`. It is in core
 * because two engines use it: mem (images, process dumps, live dumps) and
 * bin (modules loaded out of a dump).
 *
 * Reader. mdmp_open parses a dump held in memory (usually a kn_map of the
 * file; the bytes are not copied and must outlive the mdmp_file). Only the
 * header and stream directory must be sound: a stream that points outside
 * the file, or is shorter than its own counts say, is dropped or cut short
 * and counted as a warning (mdmp_warning_count), so a damaged dump still
 * yields what it holds. Every table is bounded by the file size (counts
 * are checked against the stream's byte size before allocating), so memory
 * use is O(file size) on hostile input. Memory ranges from MemoryList (5)
 * and Memory64List (9) are merged into one table sorted by address;
 * mdmp_read serves virtual addresses from it.
 *
 * Writer. Streams memory region by region: mdmp_add_memory writes the bytes
 * to the file at once (they form the Memory64List data area, laid back to
 * back as the format requires) and keeps only a 16-byte descriptor per
 * range, so memory use is bounded by the number of regions, not their size.
 * Contiguous calls (va == previous end) extend the previous range, so a
 * caller can feed a large region in chunks. Module, thread, memory-info and
 * comment records are small and kept until mdmp_writer_close writes them,
 * the stream directory and the header. A thread added with stack == NULL
 * gets its stack descriptor pointed into the Memory64 data that covers
 * stack_start (what MiniDumpWriteDump does in full-memory dumps).
 * Write errors (disk full) are sticky: the first one is reported by the
 * failing call and again by mdmp_writer_close.
 *
 * Layout written: header (32 bytes), reserved stream directory, Memory64
 * data, then the small streams and strings. */
#ifndef KENSA_CORE_MINIDUMP_H
#define KENSA_CORE_MINIDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define MDMP_SIGNATURE 0x504d444du /* "MDMP" little-endian */
#define MDMP_VERSION 0xa793u       /* low 16 bits of Version */

/* Stream types (MINIDUMP_STREAM_TYPE). */
enum {
    MDMP_STREAM_UNUSED = 0,
    MDMP_STREAM_THREAD_LIST = 3,
    MDMP_STREAM_MODULE_LIST = 4,
    MDMP_STREAM_MEMORY_LIST = 5,
    MDMP_STREAM_EXCEPTION = 6,
    MDMP_STREAM_SYSTEM_INFO = 7,
    MDMP_STREAM_MEMORY64_LIST = 9,
    MDMP_STREAM_COMMENT_A = 10,
    MDMP_STREAM_COMMENT_W = 11,
    MDMP_STREAM_HANDLE_DATA = 12,
    MDMP_STREAM_MISC_INFO = 15,
    MDMP_STREAM_MEMORY_INFO_LIST = 16,
    MDMP_STREAM_THREAD_INFO_LIST = 17,
    MDMP_STREAM_THREAD_NAMES = 24,
};

/* ProcessorArchitecture values. */
enum {
    MDMP_ARCH_X86 = 0,
    MDMP_ARCH_ARM = 5,
    MDMP_ARCH_IA64 = 6,
    MDMP_ARCH_AMD64 = 9,
    MDMP_ARCH_ARM64 = 12,
};
/* PlatformId values: Windows NT, and Breakpad's Linux. */
enum { MDMP_PLATFORM_WIN32_NT = 2, MDMP_PLATFORM_LINUX = 0x8201 };

/* Size of the Windows CONTEXT records (x86 and AMD64) as stored in dumps. */
#define MDMP_CONTEXT_X86_SIZE 716
#define MDMP_CONTEXT_AMD64_SIZE 1232

/* MEMORY_BASIC_INFORMATION State / Type values (for memory-info lists). */
enum {
    MDMP_MEM_COMMIT = 0x1000, MDMP_MEM_RESERVE = 0x2000, MDMP_MEM_FREE = 0x10000,
    MDMP_MEM_PRIVATE = 0x20000, MDMP_MEM_MAPPED = 0x40000, MDMP_MEM_IMAGE = 0x1000000,
};
/* Page protection constants. */
enum {
    MDMP_PAGE_NOACCESS = 0x01, MDMP_PAGE_READONLY = 0x02, MDMP_PAGE_READWRITE = 0x04,
    MDMP_PAGE_WRITECOPY = 0x08, MDMP_PAGE_EXECUTE = 0x10, MDMP_PAGE_EXECUTE_READ = 0x20,
    MDMP_PAGE_EXECUTE_READWRITE = 0x40, MDMP_PAGE_EXECUTE_WRITECOPY = 0x80,
    MDMP_PAGE_GUARD = 0x100,
};

typedef struct mdmp_system_info {
    uint16_t arch;          /* MDMP_ARCH_* */
    uint16_t level, revision;
    uint8_t nprocs, product_type;
    uint32_t major, minor, build, platform;
    uint16_t suite_mask;
    char csd_version[128];  /* service-pack string, UTF-8 ("" if none) */
} mdmp_system_info;

typedef struct mdmp_module {
    uint64_t base;
    uint32_t size, checksum, timestamp;
    const char *name;       /* UTF-8, owned by the mdmp_file ("" if unreadable) */
} mdmp_module;

typedef struct mdmp_thread {
    uint32_t tid, suspend_count, priority_class, priority;
    uint64_t teb;
    uint64_t stack_start, stack_size;   /* stack memory as captured */
    const uint8_t *context;             /* raw CONTEXT bytes in the file, or NULL */
    uint32_t context_size;
    const char *name;                   /* from ThreadNames, or NULL */
} mdmp_thread;

typedef struct mdmp_range {
    uint64_t va, size;
    uint64_t file_offset;   /* where the bytes are in the file */
    int from_memory64;      /* 1 = Memory64List, 0 = MemoryList */
} mdmp_range;

typedef struct mdmp_meminfo {
    uint64_t base, alloc_base, size;
    uint32_t alloc_protect, state, protect, type;
} mdmp_meminfo;

typedef struct mdmp_exception {
    uint32_t tid, code, flags, nparams;
    uint64_t address, record;
    uint64_t params[15];
} mdmp_exception;

typedef struct mdmp_stream {
    uint32_t type, size, rva;
} mdmp_stream;

/* ---- reader ------------------------------------------------------------- */
typedef struct mdmp_file mdmp_file;

/* Parses the dump in data[0..size). name is used in messages (copied).
 * Fails (KN_ERR_FORMAT / KN_ERR_TRUNCATED) only when the header or stream
 * directory is unusable; damaged streams become warnings. */
kn_status mdmp_open(mdmp_file **out, const uint8_t *data, size_t size, const char *name, kn_err *e);
void mdmp_close(mdmp_file *f);

/* Number of problems stepped over while parsing; mdmp_warning_text gives
 * the first few ("offset N: problem"), i < min(count, 16). */
uint64_t mdmp_warning_count(const mdmp_file *f);
const char *mdmp_warning_text(const mdmp_file *f, size_t i);

uint32_t mdmp_version(const mdmp_file *f);       /* full Version field */
uint32_t mdmp_timestamp(const mdmp_file *f);     /* TimeDateStamp (unix time) */
uint64_t mdmp_flags(const mdmp_file *f);         /* MINIDUMP_TYPE flags */

size_t mdmp_stream_count(const mdmp_file *f);    /* directory entries, incl. unused */
const mdmp_stream *mdmp_stream_at(const mdmp_file *f, size_t i);
/* Name for a stream type ("ThreadList", "BreakpadInfo", ...) or NULL. */
const char *mdmp_stream_name(uint32_t type);

/* NULL when the dump has no (usable) SystemInfo stream. */
const mdmp_system_info *mdmp_system(const mdmp_file *f);
/* Pointer size implied by the architecture: 4 or 8 (8 when unknown). */
unsigned mdmp_pointer_size(const mdmp_file *f);

size_t mdmp_module_count(const mdmp_file *f);
const mdmp_module *mdmp_module_at(const mdmp_file *f, size_t i);
/* Module containing va, or NULL. */
const mdmp_module *mdmp_module_for(const mdmp_file *f, uint64_t va);

size_t mdmp_thread_count(const mdmp_file *f);
const mdmp_thread *mdmp_thread_at(const mdmp_file *f, size_t i);

/* Memory ranges sorted by va (MemoryList and Memory64List together). */
size_t mdmp_range_count(const mdmp_file *f);
const mdmp_range *mdmp_range_at(const mdmp_file *f, size_t i);
/* Total bytes of memory content in the dump. */
uint64_t mdmp_memory_bytes(const mdmp_file *f);

size_t mdmp_meminfo_count(const mdmp_file *f);
const mdmp_meminfo *mdmp_meminfo_at(const mdmp_file *f, size_t i);

/* NULL when there is no Exception stream. */
const mdmp_exception *mdmp_exception_info(const mdmp_file *f);

/* ProcessId from the MiscInfo stream, or 0 when absent. */
uint32_t mdmp_process_id(const mdmp_file *f);

/* Comment streams as UTF-8 (CommentStreamW converted; A as is), or NULL. */
const char *mdmp_comment(const mdmp_file *f);

/* Copies up to n bytes of process memory starting at va into buf and
 * returns how many were available contiguously (0 if va is not captured).
 * Never reads outside the file. */
size_t mdmp_read(const mdmp_file *f, uint64_t va, void *buf, size_t n);
/* Zero-copy: pointer to the bytes at va and, in *avail, how many follow
 * within the same captured range; NULL when va is not captured. */
const uint8_t *mdmp_ptr(const mdmp_file *f, uint64_t va, size_t *avail);

/* ---- writer ------------------------------------------------------------- */
typedef struct mdmp_writer mdmp_writer;

/* Creates (truncates) path. */
kn_status mdmp_writer_open(mdmp_writer **w, const char *path, kn_err *e);
/* System info, modules, threads and memory info must be added before the
 * first mdmp_add_memory (they are written ahead of the memory data so their
 * 32-bit RVAs stay valid in huge dumps); later calls fail the writer with
 * KN_ERR_USAGE. Comments may be added at any time. */
void mdmp_set_system_info(mdmp_writer *w, const mdmp_system_info *si);
/* Dump flags for the header (MINIDUMP_TYPE; default MiniDumpWithFullMemory
 * | MiniDumpWithFullMemoryInfo). */
void mdmp_set_flags(mdmp_writer *w, uint64_t flags);
void mdmp_set_timestamp(mdmp_writer *w, uint32_t unix_time);
/* Writes a MiscInfo stream carrying the process id (lldb shows it). */
void mdmp_set_process_id(mdmp_writer *w, uint32_t pid);
void mdmp_add_module(mdmp_writer *w, uint64_t base, uint32_t size, const char *name_utf8,
                     uint32_t timestamp, uint32_t checksum);
/* stack may be NULL: the stack then points into the Memory64 data covering
 * stack_start (stack_len bytes wanted). context may be NULL (no context). */
void mdmp_add_thread(mdmp_writer *w, uint32_t tid, uint64_t teb, uint64_t stack_start,
                     const void *stack, uint32_t stack_len, const void *context, uint32_t context_len);
/* Appends process memory (Memory64List). Ranges must be added in
 * increasing, non-overlapping address order (asserted by returning
 * KN_ERR_USAGE otherwise). */
kn_status mdmp_add_memory(mdmp_writer *w, uint64_t va, const void *data, size_t n);
void mdmp_add_memory_info(mdmp_writer *w, uint64_t base, uint64_t alloc_base, uint32_t alloc_protect,
                          uint64_t size, uint32_t state, uint32_t protect, uint32_t type);
void mdmp_add_comment(mdmp_writer *w, const char *utf8);   /* CommentStreamW */
/* Optional: how many Memory64 ranges to reserve room for ahead of the
 * data, so the descriptor list stays addressable (its RVA is 32-bit) in
 * dumps over 4 GiB. Without it the list goes at the end of the file, which
 * fails with KN_ERR_LIMIT at close once the file passes 4 GiB. */
void mdmp_writer_reserve_ranges(mdmp_writer *w, size_t n);
/* Planned (streamed) mode, for writers that know every memory range before
 * the first byte: declares the Memory64 ranges (ascending, non-empty) and
 * the bytes reserved for the comment stream at the end of the file (0 = no
 * comment). Then the file is written strictly in order and never rewritten
 * (header and directory first), so it can be hashed as it grows; the data
 * given to mdmp_add_memory / mdmp_add_zeros must follow the plan exactly
 * (KN_ERR_USAGE otherwise), and ranges left unfilled at close are zeros.
 * Call after the metadata and before the first memory. */
kn_status mdmp_writer_plan(mdmp_writer *w, const uint64_t *va, const uint64_t *size, size_t n, size_t comment_cap);
/* Planned mode only: n zero bytes of memory at va (pages that could not be
 * read; a hole in the file where it can seek). */
kn_status mdmp_add_zeros(mdmp_writer *w, uint64_t va, uint64_t n);
/* Flushes buffered output; *flushed = bytes of the file now final (in
 * planned mode it lays out the metadata first, if not yet done). */
kn_status mdmp_writer_flush(mdmp_writer *w, uint64_t *flushed);
/* Bytes written so far (header + memory data). */
uint64_t mdmp_writer_offset(const mdmp_writer *w);
/* Finishes the file and frees w (also on error). Reports the first write
 * error (e.g. "No space left on device") if any happened. */
kn_status mdmp_writer_close(mdmp_writer *w, kn_err *e);
/* Frees w and removes nothing; the file is left as written (incomplete). */
void mdmp_writer_abort(mdmp_writer *w);

#endif
