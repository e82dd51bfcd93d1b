#include "test.h"
#include "core/table.h"

static void aligned_columns(void)
{
    const char *h[] = {"NAME", ">PID", NULL};
    kn_table *t = kn_table_new(h);
    kn_table_cell(t, "System");
    kn_table_cellf(t, "%d", 4);
    kn_table_cell(t, "smss.exe");
    kn_table_cellf(t, "%d", 312);
    CHECK_EQ_INT(kn_table_rows(t), 2);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    kn_table_print(t, f);
    fclose(f);
    CHECK_EQ_STR(out, "NAME      PID\nSystem      4\nsmss.exe  312\n");
    free(out);
    kn_table_free(t);
}

TEST_MAIN(aligned_columns)
