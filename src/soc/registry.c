/* registry.c: the lists of soc inputs and analyzers. Adding a format or a
 * detector means one line here plus its own file; nothing else changes. */
#include <string.h>

#include "soc/soc.h"

extern const soc_input_ops soc_input_eve, soc_input_zeek, soc_input_accesslog, soc_input_honeypot;
extern const soc_analyzer_ops soc_analyzer_sessions, soc_analyzer_es, soc_analyzer_emotet, soc_analyzer_ids;
extern const soc_input_ops soc_input_pcap;
extern const soc_analyzer_ops soc_analyzer_ddos;

/* Inputs, in order of preference when two probe equally. */
const soc_input_ops *const soc_inputs[] = {
    &soc_input_pcap,
    &soc_input_eve,
    &soc_input_zeek,
    &soc_input_honeypot,
    &soc_input_accesslog,
    NULL,
};

/* Analyzers, in the order they see each record. */
const soc_analyzer_ops *const soc_analyzers[] = {
    &soc_analyzer_ddos,
    &soc_analyzer_sessions,
    &soc_analyzer_es,
    &soc_analyzer_emotet,
    &soc_analyzer_ids,
    NULL,
};

const soc_input_ops *soc_input_probe(const uint8_t *head, size_t n)
{
    const soc_input_ops *best = NULL;
    int best_score = 0;
    for (int i = 0; soc_inputs[i]; i++) {
        int s = soc_inputs[i]->probe(head, n);
        if (s > best_score) { best_score = s; best = soc_inputs[i]; }
    }
    return best;
}
