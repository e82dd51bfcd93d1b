/* soc.c: the `kensa soc` commands. Each command parses its options with
 * cli_parse and calls into the soc engine (src/soc/); nothing here knows a
 * file format. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "soc/soc.h"

static int cmd_analyze(int argc, char **argv);

static const cli_command commands[] = {
    {"analyze", "detect threats in captures, flow exports and security logs",
     "kensa soc analyze [OPTIONS] INPUT...",
     "Reads each INPUT (pcap, pcapng, NetFlow/IPFIX/sFlow inside pcaps, Suricata EVE,\n"
     "Zeek, HTTP access logs, honeypot JSON; gzip or xz compressed or not; '-' for\n"
     "stdin), detecting its type from its content. Several inputs are merged by time.\n"
     "Alerts are NDJSON with ECS-style fields.\n\n"
     "exit status: 0 no alerts, 1 alerts raised or an input could not be read, 2 usage.",
     cmd_analyze},
    {0},
};

const cli_group cli_group_soc = {"soc", "security data analytics: packets, flows and logs in; DDoS, Elasticsearch and Emotet alerts out", commands};

static int cmd_analyze(int argc, char **argv)
{
    const char *alerts_path = NULL, *home_net = NULL;
    soc_options o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"alerts", 'a', CLI_STR, &alerts_path, "FILE", "write NDJSON alerts to FILE ('-' = stdout; default stdout)"},
        {"home-net", 0, CLI_STR, &home_net, "CIDR,...", "internal networks (decides inbound vs outbound)"},
        {0},
    };
    const cli_command *self = &commands[0];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, -1, &pos, &npos);
    if (rc >= 0) return rc;
    o.quiet = cli.quiet;
    if (home_net) {
        o.home_net = kn_cidrset_new();
        const char *bad = NULL;
        if (kn_cidrset_add_list(o.home_net, home_net, 1, &bad) < 0)
            return cli_usage_error(self, "--home-net: '%s' is not an address or prefix", bad);
    }
    FILE *out = stdout;
    if (alerts_path && strcmp(alerts_path, "-") != 0) {
        out = fopen(alerts_path, "w");
        if (!out) { kn_errorf(alerts_path, KN_NO_OFFSET, "cannot create alerts file"); return KN_EXIT_ERROR; }
    }
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, out) != KN_OK) { kn_errorf(NULL, KN_NO_OFFSET, "out of memory"); return KN_EXIT_ERROR; }
    kn_err e;
    kn_err_clear(&e);
    kn_status st = soc_analyze_files(&ctx, (const char *const *)pos, npos, &e);
    kn_warnings_summary(&ctx.warn, "input");
    uint64_t alerts = ctx.alert_count;
    soc_ctx_free(&ctx);
    if (out != stdout) fclose(out);
    kn_cidrset_free(o.home_net);
    if (st != KN_OK) return KN_EXIT_ERROR;
    return alerts ? KN_EXIT_FINDINGS : KN_EXIT_OK;
}
