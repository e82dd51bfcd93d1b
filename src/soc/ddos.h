/* ddos.h: the DDoS analyzer's configuration. The analyzer itself is
 * registered in registry.c (soc_analyzer_ddos) and documented in ddos.c and
 * docs/soc-ddos.md.
 *
 * Config file (text, one setting a line, '#' comments):
 *
 *   pps = 20000            # per-host thresholds (0 disables a trigger)
 *   mbps = 1000
 *   flows = 3500
 *   prefix_pps = 80000     # per /24 and /64 totals (carpet bombing)
 *   prefix_mbps = 4000
 *   prefix_flows = 14000
 *   average = 5            # moving-average window, seconds
 *   quiet = 60             # an attack ends after this long below threshold
 *   max_hosts = 1000000    # bound on tracked hosts and prefixes
 *   [group customers-web]  # a host group: its own per-host thresholds
 *   prefixes = 192.0.2.0/24, 2001:db8:1::/48
 *   pps = 50000
 *
 * Precedence: command-line flags, then the file, then the defaults (those
 * of FastNetMon: 20000 pps, 1000 Mbit/s, 3500 flows/s, 5 s average). A host
 * takes the thresholds of the group with the longest matching prefix; a
 * group setting it leaves out comes from the global value. */
#ifndef KENSA_SOC_DDOS_H
#define KENSA_SOC_DDOS_H

#include "core/err.h"
#include "core/ip.h"
#include "soc/soc.h"

#define SOC_DDOS_DEFAULT_PPS 20000.0
#define SOC_DDOS_DEFAULT_MBPS 1000.0
#define SOC_DDOS_DEFAULT_FLOWS 3500.0
#define SOC_DDOS_PREFIX_FACTOR 4.0    /* default prefix threshold = host x this */
#define SOC_DDOS_DEFAULT_MAX_HOSTS 1000000
#define SOC_DDOS_MAX_GROUPS 4096

typedef struct soc_ddos_thr {
    double pps, bps, fps;    /* <= 0: trigger off */
} soc_ddos_thr;

typedef struct soc_ddos_group {
    char name[64];
    soc_ddos_thr thr;        /* fields < 0 inherit the global value */
} soc_ddos_group;

typedef struct soc_ddos_config {
    soc_ddos_thr host, prefix;
    int avg_seconds, quiet_seconds;
    size_t max_hosts;
    soc_ddos_group *groups;  /* groups[0] is the global group */
    int n_groups;
    kn_cidrset *group_prefixes;   /* prefix -> group index */
} soc_ddos_config;

/* Resolves flags (opt), the config file (opt->config_path, may be NULL)
 * and defaults into cfg. Errors name the file and line. */
kn_status soc_ddos_config_load(const soc_options *opt, soc_ddos_config *cfg, kn_err *e);
void soc_ddos_config_free(soc_ddos_config *cfg);

/* The vector name for a UDP source port, or NULL (amplification ports). */
const char *soc_ddos_amp_vector(uint16_t sport);

#endif
