/* smtp.c: attachment classification (shared by the EVE/Zeek inputs and the
 * SMTP session parser). See event.h for what the flags mean. */
#include "soc/logs.h"

static int ext_is(soc_str name, const char *const *exts)
{
    const char *dot = NULL;
    for (size_t i = 0; i < name.n; i++) if (name.p[i] == '.') dot = name.p + i;
    if (!dot) return 0;
    soc_str ext = soc_s(dot + 1, name.n - (size_t)(dot + 1 - name.p));
    for (int i = 0; exts[i]; i++) if (soc_str_ieq(ext, exts[i])) return 1;
    return 0;
}

static const char *const macro_exts[] = {"doc", "docm", "xls", "xlsm", "dot", "dotm", "xlsb", "ppt", "pptm", "xlm", NULL};
static const char *const zip_exts[] = {"zip", NULL};
static const char *const exe_exts[] = {"exe", "dll", "scr", "com", "pif", "cpl", "js", "vbs", "jar", "hta", "wsf", NULL};

/* Does an OLE2 compound file carry a VBA project? The stream names are
 * UTF-16LE in the directory: look for "_VBA_PROJECT" or "Macros". */
static int ole_has_vba(const uint8_t *d, size_t n)
{
    static const uint8_t vba[] = {'_', 0, 'V', 0, 'B', 0, 'A', 0, '_', 0, 'P', 0};
    static const uint8_t mac[] = {'M', 0, 'a', 0, 'c', 0, 'r', 0, 'o', 0, 's', 0};
    for (size_t i = 0; i + sizeof vba <= n; i++)
        if ((d[i] == '_' && memcmp(d + i, vba, sizeof vba) == 0) || (d[i] == 'M' && memcmp(d + i, mac, sizeof mac) == 0))
            return 1;
    return 0;
}

void soc_attachment_classify(soc_attachment *a, const uint8_t *d, size_t n)
{
    if (ext_is(a->name, macro_exts)) a->is_macro_doc = 1;
    if (ext_is(a->name, zip_exts)) a->is_zip = 1;
    if (ext_is(a->name, exe_exts)) a->is_executable = 1;
    soc_str ct = a->content_type;
    if (soc_str_icontains(ct, "msword") || soc_str_icontains(ct, "ms-excel") || soc_str_icontains(ct, "macroenabled"))
        a->is_macro_doc = 1;
    if (soc_str_icontains(ct, "zip")) a->is_zip = 1;
    if (soc_str_icontains(ct, "x-msdownload") || soc_str_icontains(ct, "x-dosexec")) a->is_executable = 1;
    if (!d || n < 4) return;
    if (n >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) {
        /* an OLE document with a VBA project is a macro document whatever its name */
        if (ole_has_vba(d, n)) a->is_macro_doc = 1;
    } else if (memcmp(d, "PK\x03\x04", 4) == 0) {
        /* OOXML is a ZIP too: a macro-enabled one has vbaProject.bin */
        int ooxml = 0;
        for (size_t i = 0; i + 14 <= n; i++)
            if (d[i] == 'v' && memcmp(d + i, "vbaProject.bin", 14) == 0) { a->is_macro_doc = 1; ooxml = 1; break; }
        if (!ooxml && !ext_is(a->name, macro_exts)) a->is_zip = 1;
        /* walk local headers: bit 0 of the general purpose flags = encrypted */
        size_t off = 0;
        for (int k = 0; k < 64 && off + 30 <= n && memcmp(d + off, "PK\x03\x04", 4) == 0; k++) {
            uint16_t flags = (uint16_t)(d[off + 6] | d[off + 7] << 8);
            uint32_t csize = (uint32_t)d[off + 18] | (uint32_t)d[off + 19] << 8 | (uint32_t)d[off + 20] << 16 | (uint32_t)d[off + 21] << 24;
            uint16_t fnl = (uint16_t)(d[off + 26] | d[off + 27] << 8), exl = (uint16_t)(d[off + 28] | d[off + 29] << 8);
            if (flags & 1) { a->is_encrypted_zip = 1; a->is_zip = 1; break; }
            if (flags & 8) break;   /* sizes in a data descriptor: cannot walk on */
            uint64_t next = (uint64_t)off + 30 + fnl + exl + csize;
            if (next > n) break;
            off = (size_t)next;
        }
    } else if (d[0] == 'M' && d[1] == 'Z') {
        a->is_executable = 1;
    }
}
