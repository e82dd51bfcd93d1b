/* mapguard.h: keeps kensa alive when a file it has mapped shrinks under it.
 *
 * kensa maps plain files (kn_reader, kn_map in input.h). If another process
 * truncates such a file while it is mapped (logrotate's copytruncate on a
 * live log; a capture tool rewriting its output), touching a mapped page
 * past the file's new end raises SIGBUS, which would kill the process. The
 * guard is a registry of the file mappings kensa made plus one SIGBUS
 * handler: a fault inside a registered mapping replaces the pages from the
 * faulting one to the mapping's end with zero-filled anonymous pages (so the
 * faulting load and every later one succeed) and records in the mapping's
 * slot that, and where, the file's data ended. The owner looks at the
 * slot's flag (one load) where it hands data out (input.c: each line, peek
 * and read; kn_reader_rest every 1-2 MiB and at the end) and reports
 * "FILE: offset N: file shrank while being read" instead of crashing.
 * Faults anywhere else go to the handler that was installed before ours (or
 * the default action), so real bugs still die loudly.
 *
 * Guarantees. The registry is a fixed array of KN_MAPGUARD_SLOTS slots:
 * adding and removing are lock-free (a slot is claimed by compare-and-swap)
 * and may happen on several threads at once; the handler reads a slot
 * through a sequence counter and never matches a slot that is being
 * filled or emptied. A fault is matched against the slots live when it
 * happens: a mapping must be registered before its first access and
 * removed only after its last (the owner's rule, kept by input.c). The
 * handler runs on the faulting thread. With every slot in use,
 * kn_mapguard_add fails and the caller does not map (input.c then reads
 * with read()).
 *
 * The handler is installed once, on the first kn_mapguard_add, with
 * sigaction(SA_SIGINFO). Code that installs its own SIGBUS handler later
 * takes the signal away from the guard. Under AddressSanitizer the guard
 * works with ASan's default handle_sigbus=1 (ASan installs its handler but
 * lets the program replace it; ours then chains to ASan's, which reports
 * foreign faults) and with handle_sigbus=0; handle_sigbus=2 keeps SIGBUS
 * for ASan and a cut file then ends the process as without the guard. */
#ifndef KENSA_CORE_MAPGUARD_H
#define KENSA_CORE_MAPGUARD_H

#include <stddef.h>
#include <stdint.h>

#define KN_MAPGUARD_SLOTS 1024

/* Registers the read-only file mapping [addr, addr + len) (len > 0, addr
 * page aligned, as mmap returned it). fd is the mapped file's descriptor,
 * used outside the handler to learn the file's exact new size (-1: none);
 * the guard never closes it. Returns the slot (>= 0), or -1 when every slot
 * is in use or the handler could not be installed: then do not map. */
int kn_mapguard_add(const void *addr, size_t len, int fd);
/* Unregisters a slot from kn_mapguard_add (call before munmap). Negative
 * ids are ignored. */
void kn_mapguard_remove(int id);
/* The slot's flag, nonzero once the file was found shorter than its
 * mapping (its tail now reads as zeros). The address stays valid for the
 * process's life; read it with kn_mapguard_hit. */
const int *kn_mapguard_flag(int id);
static inline int kn_mapguard_hit(const int *flag)
{
    return __atomic_load_n(flag, __ATOMIC_RELAXED);
}
/* Once hit: the offset in the mapping where the file's data ends. The
 * file's size now (fstat on the slot's fd) when that is below the first
 * replaced page (exact: the bytes from there to the page end read as zeros
 * too), otherwise the offset of the first replaced page. Not for the
 * signal handler. */
uint64_t kn_mapguard_cut(int id);
/* The descriptor given to kn_mapguard_add. */
int kn_mapguard_fd(int id);

#endif
