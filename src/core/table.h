/* table.h: aligned text tables for people (the non---json output of every
 * command). Cells are copied; numeric-looking columns can be right-aligned.
 * Widths are measured in UTF-8 code points, so names in other scripts line
 * up as long as they are not double-width. */
#ifndef KENSA_CORE_TABLE_H
#define KENSA_CORE_TABLE_H

#include <stdio.h>

typedef struct kn_table kn_table;

/* Column headers, NULL-terminated. A header starting with '>' right-aligns
 * its column (the '>' is not printed). */
kn_table *kn_table_new(const char *const *headers);
void kn_table_cell(kn_table *t, const char *text);       /* next cell, row-major */
void kn_table_cellf(kn_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kn_table_print(kn_table *t, FILE *out);
size_t kn_table_rows(const kn_table *t);
void kn_table_free(kn_table *t);

#endif
