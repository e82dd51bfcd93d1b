/* input.h: getting bytes in. Two shapes, because kensa has two kinds of
 * consumer:
 *
 *  - kn_map: the whole input as one read-only byte range. Plain files are
 *    mmapped (zero copy; memory images and binaries are random-access);
 *    stdin and compressed files (gzip, xz) are decompressed into memory up
 *    to a limit. Use for formats that need random access.
 *  - kn_reader: a streaming reader with transparent gzip/xz, with line
 *    reading and peeking for content sniffing. Use for logs and captures,
 *    which can be larger than memory.
 *
 * Compression is detected from the content (magic bytes), never from the
 * file name. The path "-" means standard input.
 *
 * A mapped file that another process truncates while it is mapped does not
 * crash kensa (core/mapguard.h): the pages past its new end read as zeros
 * from the first touch on. kn_reader ends such an input at the last whole
 * line (or byte, for kn_reader_read) before the cut and returns
 * "FILE: offset N: file shrank while being read (truncated by another
 * process?); the rest was not read" (KN_ERR_IO) once, from the call that
 * reaches the cut, where the end of input would have been; N is the file's
 * size when it is still that short, else the page-aligned offset where its
 * data ended. Only a range kn_reader_rest gave out before the cut was
 * seen may hold such zeros (peek probes its window before handing it out;
 * lines and reads are checked after they are scanned or copied): in-place
 * parsers see them as a bad line (no line end runs to the end of the
 * mapping). kn_map users ask kn_map_truncated. */
#ifndef KENSA_CORE_INPUT_H
#define KENSA_CORE_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

typedef enum kn_compression { KN_COMP_NONE = 0, KN_COMP_GZIP, KN_COMP_XZ } kn_compression;

/* Sniffs compression from the first bytes. */
kn_compression kn_detect_compression(const uint8_t *p, size_t n);

typedef struct kn_map {
    const uint8_t *data;
    size_t size;
    kn_compression compression;  /* of the source; data is decompressed */
    int mmapped;                 /* 1 if data is an mmap of the file */
    const char *path;            /* as given (not copied) */
    /* the SIGBUS guard (core/mapguard.h) of a mapped file: its slot + 1
     * (0 none) and its flag; told once kn_map_truncated answered yes */
    int guard, told;
    const int *gone;
} kn_map;

/* Maps path. Compressed inputs are decompressed in memory, refusing to grow
 * beyond max_decompressed bytes (0 = 4 GiB). With decompress == 0 the raw
 * bytes are mapped as they are. A mapped file keeps its descriptor open
 * until kn_map_close (to learn its size if it shrinks); with every guard
 * slot in use the file is read into memory instead. */
kn_status kn_map_open(kn_map *m, const char *path, int decompress, size_t max_decompressed, kn_err *e);
/* Nonzero once the mapped file was found shorter than the map (a page past
 * its new end was touched; from there on data reads as zeros). One load:
 * cheap enough for a per-record check. */
static inline int kn_map_shrank(const kn_map *m)
{
    return m->gone && __atomic_load_n(m->gone, __ATOMIC_RELAXED);
}
/* 1 if the file shrank: kn_map_shrank, or (one fstat) the file is now
 * shorter than the map, which is the only sign of a cut inside the last
 * page (the page the file was cut in stays mapped, zeros past the cut, no
 * fault). *at is where the file's data ends: its size when still that
 * short, else the page-aligned offset of the first page found missing.
 * 0 otherwise. Once it has answered 1 the caller reports the cut;
 * kn_map_close reports a cut nobody asked about. */
int kn_map_truncated(kn_map *m, uint64_t *at);
/* Unmaps (the pages replaced by zeros too) and releases the guard. */
void kn_map_close(kn_map *m);
/* How many cut files this process has reported itself: the reader's
 * error and the messages of kn_reader_close and kn_map_close (cuts a
 * kn_map owner reports after kn_map_truncated are its own to count). The
 * CLI turns a command's success into exit 1 when this is nonzero, so a
 * result computed from a cut file never looks complete. */
uint64_t kn_input_cuts(void);

typedef struct kn_reader kn_reader;

kn_status kn_reader_open(kn_reader **r, const char *path, kn_err *e);
/* Reads from an in-memory buffer (not copied), with the same decompression. */
kn_status kn_reader_open_mem(kn_reader **r, const void *data, size_t n, const char *name, kn_err *e);
void kn_reader_close(kn_reader *r);
const char *kn_reader_path(const kn_reader *r);
kn_compression kn_reader_compression(const kn_reader *r);
/* Makes at least `want` bytes visible (fewer at end of input) without
 * consuming them. *p stays valid until the next read call. */
kn_status kn_reader_peek(kn_reader *r, size_t want, const uint8_t **p, size_t *n, kn_err *e);
/* Reads up to n bytes; *got = 0 at end of input. */
kn_status kn_reader_read(kn_reader *r, void *buf, size_t n, size_t *got, kn_err *e);
/* Next line without its "\n" (and "\r\n"). Returns 1 with a line, 0 at end
 * of input, -1 on error (e filled). Lines longer than max_line (default
 * 16 MiB) are returned truncated with *truncated set. The line pointer is
 * valid until the next call. */
int kn_reader_line(kn_reader *r, const char **line, size_t *len, int *truncated, kn_err *e);
void kn_reader_set_max_line(kn_reader *r, size_t max_line);
/* For parsers that find line ends themselves: when the whole rest of the
 * input is in memory (a mapped plain file, or plain bytes given to
 * kn_reader_open_mem), sets *p and *n to it without copying and returns 1;
 * otherwise 0 (compressed or streamed input, or a mapped file found cut,
 * which is looked for every 1-2 MiB and at the end: use kn_reader_line,
 * which ends the input and reports the cut). *p stays
 * valid until the reader is closed; pages far behind the position may
 * be given back: read only from the current position on. */
int kn_reader_rest(kn_reader *r, const char **p, size_t *n);
/* After kn_reader_rest: moves the position past `bytes` bytes that hold
 * `lines` line ends (offset and line number advance as with lines read).
 * The skipped bytes stay readable until the next kn_reader_rest or
 * kn_reader_line call. */
void kn_reader_skip_lines(kn_reader *r, size_t bytes, uint64_t lines);
/* Uncompressed bytes consumed so far (offset of the next byte). */
uint64_t kn_reader_offset(const kn_reader *r);
/* Line number of the line last returned (1-based). */
uint64_t kn_reader_lineno(const kn_reader *r);
/* Compressed bytes read from the file so far (for progress display). */
uint64_t kn_reader_raw_offset(const kn_reader *r);
/* Size of the underlying file, or 0 if unknown (stdin, pipes). */
uint64_t kn_reader_raw_size(const kn_reader *r);

#endif
