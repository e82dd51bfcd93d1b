/* flowexp.h: decoding of flow export datagrams (NetFlow v5, NetFlow v9,
 * IPFIX, sFlow v5) into soc_flow records.
 *
 * One decoder object holds the state exports need across datagrams:
 *  - templates, cached per (exporter address, source id / observation
 *    domain, template id), NetFlow v9 and IPFIX kept apart;
 *  - data sets that arrived before their template, held (bounded) and
 *    decoded when the template comes;
 *  - sampling rates learnt from options data, per (exporter, domain) and
 *    per sampler id, and the user's per-exporter overrides (which win).
 * The same object serves a pcap input (datagrams found by content on any
 * UDP port) and `kensa soc listen` (datagrams from sockets), so templates
 * learnt from one file apply to the next one.
 *
 * Counters in emitted flows are already multiplied by the sampling rate
 * (soc_flow.sampling says which rate). sFlow flow samples become one
 * soc_flow each (packets = sampling rate, bytes = frame length x rate) with
 * addresses and ports from the sampled header, decoded by decode.h.
 *
 * Bounds (hostile input): templates <= SOC_FX_MAX_TEMPLATES, fields per
 * template <= SOC_FX_MAX_FIELDS, held data <= SOC_FX_MAX_HELD_BYTES; every
 * problem is a counted warning on the context's kn_warnings. */
#ifndef KENSA_SOC_FLOWEXP_H
#define KENSA_SOC_FLOWEXP_H

#include <stddef.h>
#include <stdint.h>

#include "soc/soc.h"

#define SOC_FX_MAX_TEMPLATES 65536
#define SOC_FX_MAX_FIELDS 256
#define SOC_FX_MAX_HELD_BYTES (16u << 20)

typedef enum soc_fx_proto { SOC_FX_NONE = 0, SOC_FX_NFV5 = 5, SOC_FX_NFV9 = 9, SOC_FX_IPFIX = 10, SOC_FX_SFLOW = 5005 } soc_fx_proto;

typedef struct soc_flowexp soc_flowexp;

/* Receives each decoded flow; the pointer is valid during the call only. */
typedef void (*soc_fx_emit)(void *user, const soc_flow *f);

soc_flowexp *soc_flowexp_new(kn_warnings *warn, const soc_options *opt);
void soc_flowexp_free(soc_flowexp *fx);

/* What the datagram's content looks like (strict header and length checks,
 * so ordinary UDP payload is not mistaken for an export). */
soc_fx_proto soc_flowexp_probe(const uint8_t *d, size_t n);

/* Decodes one datagram from `exporter` received at `ts`. Flows go to emit
 * (including held flows whose template this datagram brought). Returns the
 * number of flows emitted. file/offset are for warnings. */
size_t soc_flowexp_datagram(soc_flowexp *fx, const kn_ip *exporter, kn_time ts, const uint8_t *d, size_t n,
                            const char *file, uint64_t offset, soc_fx_emit emit, void *user);

/* The same, appending the flows to out (grown as needed; the caller owns
 * out->v and resets out->n) instead of calling back per flow: records are
 * then decoded in place. */
typedef struct soc_flow_vec { soc_flow *v; size_t n, cap; } soc_flow_vec;
size_t soc_flowexp_datagram_into(soc_flowexp *fx, const kn_ip *exporter, kn_time ts, const uint8_t *d, size_t n,
                                 const char *file, uint64_t offset, soc_flow_vec *out);

/* Statistics. */
typedef struct soc_fx_stats {
    uint64_t datagrams[4];      /* v5, v9, ipfix, sflow */
    uint64_t flows, templates, held_sets, held_decoded, held_dropped, bad;
    uint64_t templates_cached;  /* templates in the cache now */
} soc_fx_stats;
void soc_flowexp_stats(const soc_flowexp *fx, soc_fx_stats *st);
/* Warns about data sets still waiting for a template (call once at end). */
void soc_flowexp_finish(soc_flowexp *fx);

#endif
