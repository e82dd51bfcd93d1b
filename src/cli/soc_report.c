/* soc_report.c: `kensa soc report ALERTS.ndjson... --report FILE`, the
 * observation report rebuilt from stored alerts (the same code path as
 * `soc analyze --report`, see src/soc/report.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/input.h"
#include "soc/report.h"

int cmd_soc_report(int argc, char **argv);

int cmd_soc_report(int argc, char **argv)
{
    const cli_command *self = NULL;
    for (const cli_command *c = cli_group_soc.commands; c->name; c++)
        if (!strcmp(c->name, "report")) self = c;
    const char *report_path = NULL;
    const cli_opt opts[] = {
        {"report", 'o', CLI_STR, &report_path, "FILE", "output: FILE.html, FILE.md or FILE.json (or --json: JSON on stdout)"},
        {0},
    };
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, -1, &pos, &npos);
    if (rc >= 0) return rc;
    if (!report_path && !cli.json) return cli_usage_error(self, "--report FILE (or --json for JSON on stdout) is required");
    if (report_path && soc_report_format_of(report_path) < 0)
        return cli_usage_error(self, "--report: '%s' must end in .html, .md or .json", report_path);
    /* all inputs are concatenated: one report over every alert file */
    kn_buf all = KN_BUF_INIT;
    int failed = 0;
    for (int i = 0; i < npos; i++) {
        kn_map m;
        kn_err e;
        kn_err_clear(&e);
        if (kn_map_open(&m, pos[i], 1, 0, &e) != KN_OK) { kn_err_print(&e); failed = 1; continue; }
        kn_buf_append(&all, m.data, m.size);
        if (m.size && m.data[m.size - 1] != '\n') kn_buf_putc(&all, '\n');
        kn_map_close(&m);
    }
    kn_err e;
    kn_err_clear(&e);
    const char *name = npos == 1 ? pos[0] : "alerts";
    kn_status st = report_path ? soc_report_write(all.data ? all.data : "", all.len, name, report_path, &e)
                               : soc_report_write_as(all.data ? all.data : "", all.len, name, "-", SOC_REPORT_JSON, &e);
    if (st != KN_OK) { kn_err_print(&e); failed = 1; }
    kn_buf_free(&all);
    return failed ? KN_EXIT_ERROR : KN_EXIT_OK;
}
