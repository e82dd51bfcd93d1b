/* isf.c: Volatility 3 symbol tables (ISF JSON, optionally xz-compressed)
 * as an optional source of offsets. kensa never needs them, but when a user
 * has the right one it replaces structural guesses by facts. The file is
 * matched to the image by the PDB GUID+age of the ntoskrnl found in memory;
 * a mismatch is an error (wrong symbols give confident wrong answers). */
#include "mem/mem.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/jsonp.h"

static int64_t field_off(const kn_jval *ut, const char *type, const char *field)
{
    const kn_jval *t = kn_jget(ut, type);
    const kn_jval *f = kn_jget(kn_jget(t, "fields"), field);
    return f ? kn_jint(kn_jget(f, "offset"), -1) : -1;
}

static int field_bit(const kn_jval *ut, const char *type, const char *field, int *len)
{
    const kn_jval *f = kn_jget(kn_jget(kn_jget(ut, type), "fields"), field);
    const kn_jval *ty = kn_jget(f, "type");
    if (!ty) return -1;
    if (len) *len = (int)kn_jint(kn_jget(ty, "bit_length"), 1);
    return (int)kn_jint(kn_jget(ty, "bit_position"), -1);
}

kn_status mem_isf_apply(mem_kernel *k, const char *path, int force, kn_err *e)
{
    kn_map m;
    kn_status st = kn_map_open(&m, path, 1, (size_t)1 << 30, e);
    if (st) return st;
    kn_arena a;
    kn_arena_init(&a, 1 << 20, (size_t)4 << 30);
    kn_jval *root = NULL;
    size_t eo = 0;
    st = kn_jparse(&a, (const char *)m.data, m.size, &root, &eo);
    if (st) {
        kn_map_close(&m);
        kn_arena_free(&a);
        return kn_err_set(e, st, path, (int64_t)eo, "not valid JSON (an ISF symbol table was expected)");
    }
    const kn_jval *pdb = kn_jpath(root, "metadata.windows.pdb");
    const char *guid = kn_jstr(kn_jget(pdb, "GUID"), NULL);
    int64_t age = kn_jint(kn_jget(pdb, "age"), -1);
    const kn_jval *ut = kn_jget(root, "user_types");
    if (!guid || !ut || !kn_jget(ut, "_EPROCESS")) {
        kn_map_close(&m);
        kn_arena_free(&a);
        return kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "not a Windows ISF (no PDB GUID or _EPROCESS)");
    }
    char want[48];
    snprintf(want, sizeof want, "%s%llX", guid, (unsigned long long)age);
    if (!force && k->have_pdb && strcasecmp(want, k->guid_str) != 0) {
        kn_map_close(&m);
        kn_arena_free(&a);
        return kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET,
                          "symbols are for PDB %s but the kernel in the image is %s", want, k->guid_str);
    }
    mem_eproc_layout *L = &k->lay;
    L->pid = (int32_t)field_off(ut, "_EPROCESS", "UniqueProcessId");
    L->links = (int32_t)field_off(ut, "_EPROCESS", "ActiveProcessLinks");
    L->name = (int32_t)field_off(ut, "_EPROCESS", "ImageFileName");
    L->ppid = (int32_t)field_off(ut, "_EPROCESS", "InheritedFromUniqueProcessId");
    L->create = (int32_t)field_off(ut, "_EPROCESS", "CreateTime");
    L->exit = (int32_t)field_off(ut, "_EPROCESS", "ExitTime");
    L->peb = (int32_t)field_off(ut, "_EPROCESS", "Peb");
    L->vadroot = (int32_t)field_off(ut, "_EPROCESS", "VadRoot");
    L->section_base = (int32_t)field_off(ut, "_EPROCESS", "SectionBaseAddress");
    L->thread_head = (int32_t)field_off(ut, "_EPROCESS", "ThreadListHead");
    L->active_threads = (int32_t)field_off(ut, "_EPROCESS", "ActiveThreads");
    L->object_table = (int32_t)field_off(ut, "_EPROCESS", "ObjectTable");
    L->wow64 = (int32_t)field_off(ut, "_EPROCESS", "WoW64Process");
    if (L->wow64 < 0) L->wow64 = (int32_t)field_off(ut, "_EPROCESS", "Wow64Process");
    L->size_hint = (int32_t)kn_jint(kn_jget(kn_jget(ut, "_EPROCESS"), "size"), 0xc00);
    if (L->size_hint > 0xc00) L->size_hint = 0xc00;
    L->source = "ISF";
    const kn_jval *sym = kn_jpath(root, "symbols.PsActiveProcessHead");
    k->isf_ps_head_rva = (uint64_t)kn_jint(kn_jget(sym, "address"), 0);

    mem_vad_layout *V = &k->vad;
    memset(V, 0, sizeof *V);
    int len = 0;
    if (field_off(ut, "_MMVAD_SHORT", "StartingVpnHigh") >= 0) {
        V->family = 10;
        V->left = (int32_t)field_off(ut, "_RTL_BALANCED_NODE", "Left");
        V->right = (int32_t)field_off(ut, "_RTL_BALANCED_NODE", "Right");
        if (V->left < 0) V->left = 0;
        if (V->right < 0) V->right = 8;
        V->start_high = (int32_t)field_off(ut, "_MMVAD_SHORT", "StartingVpnHigh");
        V->end_high = (int32_t)field_off(ut, "_MMVAD_SHORT", "EndingVpnHigh");
        V->flags1 = (int32_t)field_off(ut, "_MMVAD_SHORT", "u1");
        V->commit_bit = -1;
    } else {
        V->family = 7;
        V->root_is_table = 1;
        V->left = (int32_t)field_off(ut, "_MMVAD_SHORT", "LeftChild");
        V->right = (int32_t)field_off(ut, "_MMVAD_SHORT", "RightChild");
        V->start_high = V->end_high = V->flags1 = -1;
        V->flags_64 = 1;
        V->commit_bit = field_bit(ut, "_MMVAD_FLAGS", "MemCommit", NULL);
    }
    V->start = (int32_t)field_off(ut, "_MMVAD_SHORT", "StartingVpn");
    V->end = (int32_t)field_off(ut, "_MMVAD_SHORT", "EndingVpn");
    V->flags = (int32_t)field_off(ut, "_MMVAD_SHORT", "u");
    V->type_bit = field_bit(ut, "_MMVAD_FLAGS", "VadType", &len); V->type_len = len;
    V->prot_bit = field_bit(ut, "_MMVAD_FLAGS", "Protection", &len); V->prot_len = len;
    V->private_bit = field_bit(ut, "_MMVAD_FLAGS", "PrivateMemory", NULL);
    V->subsection = (int32_t)field_off(ut, "_MMVAD", "Subsection");
    V->first_proto = (int32_t)field_off(ut, "_MMVAD", "FirstPrototypePte");
    V->ca_file = (int32_t)field_off(ut, "_CONTROL_AREA", "FilePointer");
    V->fo_name = (int32_t)field_off(ut, "_FILE_OBJECT", "FileName");
    V->name = "ISF";
    k->have_vad = V->start >= 0 && V->end >= 0 && V->flags >= 0 && V->type_bit >= 0 && V->subsection >= 0 &&
                  V->ca_file >= 0 && V->fo_name >= 0;
    k->eth_tle = (int32_t)field_off(ut, "_ETHREAD", "ThreadListEntry");
    k->eth_cid = (int32_t)field_off(ut, "_ETHREAD", "Cid");
    k->kt_teb = (int32_t)field_off(ut, "_KTHREAD", "Teb");
    k->kt_trap = (int32_t)field_off(ut, "_KTHREAD", "TrapFrame");
    k->thread_source = "ISF";
    snprintf(k->symbols, sizeof k->symbols, "%s", path);
    kn_map_close(&m);
    kn_arena_free(&a);
    if (L->pid < 0 || L->links < 0 || L->name < 0)
        return kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "ISF lacks _EPROCESS offsets");
    return KN_OK;
}
