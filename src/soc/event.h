/* event.h: soc_event, the one record for an application-level session or a
 * security-device log line, whatever produced it (TCP reassembly of a pcap,
 * Suricata EVE, Zeek, an HTTP access log, a honeypot). Detectors read only
 * this struct, so a rule written once works on packets and on logs.
 *
 * Strings are (pointer, length) views into the input's buffers, valid only
 * during the on_event call; analyzers copy what they keep. Absent fields
 * have n == 0 (and numbers 0 / -1 as documented). */
#ifndef KENSA_SOC_EVENT_H
#define KENSA_SOC_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/ip.h"
#include "core/time.h"

typedef struct soc_str {
    const char *p;
    size_t n;
} soc_str;

typedef enum soc_event_kind {
    SOC_EV_HTTP = 1,   /* one request (and its response when known) */
    SOC_EV_DNS,
    SOC_EV_TLS,
    SOC_EV_SMTP,       /* one message (envelope + headers + attachments) */
    SOC_EV_ALERT,      /* an IDS alert (Suricata, Zeek notice) */
    SOC_EV_FILE,       /* a transferred file (Suricata fileinfo, Zeek files) */
    SOC_EV_CONN,       /* a connection summary (Zeek conn, EVE flow) */
} soc_event_kind;
#define SOC_EV_KINDS 8   /* above every soc_event_kind: arrays indexed by kind */

#define SOC_MAX_ATTACH 16

/* Attachment flags come from the name, the declared type and, when the
 * bytes are at hand (SMTP reassembled from packets), the content's magic:
 * OLE2 with a VBA project, OOXML macro-enabled types, ZIP (encrypted when
 * any entry has general-purpose flag bit 0), PE executables. */
typedef struct soc_attachment {
    soc_str name, content_type;
    uint64_t size;
    uint8_t is_macro_doc, is_zip, is_encrypted_zip, is_executable;
} soc_attachment;

typedef struct soc_event {
    soc_event_kind kind;
    const char *source;      /* "pcap", "eve", "zeek", "access-log", "honeypot" */
    const char *file;        /* input name */
    uint64_t line;           /* line number (logs) or packet number (pcap) */
    kn_time ts;
    kn_ip src, dst;          /* client and server */
    uint16_t sport, dport;
    uint8_t proto;
    struct {
        soc_str method, host, uri, user_agent, referrer, version;
        soc_str req_content_type, resp_content_type;
        soc_str req_body, resp_body;    /* first bytes of each body */
        soc_str authorization;          /* value of the Authorization header, if any */
        soc_str cookie;                 /* value of the (first) Cookie header */
        int status;                     /* -1 unknown */
        int64_t req_body_len, resp_body_len;  /* -1 unknown */
    } http;
    struct {
        soc_str query, qtype_name, rcode_name, answers;  /* answers: comma-joined */
        int qtype, rcode;               /* -1 unknown */
        int is_response;
    } dns;
    struct {
        soc_str sni, version, ja3;
    } tls;
    struct {
        soc_str signature, category, action;
        soc_str message;                /* Zeek notice msg */
        int64_t signature_id;           /* -1 unknown */
        int severity;                   /* 1 high .. 3 low (Suricata) */
    } alert;
    /* Files: src is the receiving host (the client that downloaded it),
     * dst the sending host, whatever the log's own orientation. */
    struct {
        soc_str name, mime_type, magic, sha256;
        int64_t size;                   /* -1 unknown */
    } fileinfo;
    struct {
        soc_str service, state;
        uint64_t orig_bytes, resp_bytes, orig_pkts, resp_pkts;
        double duration;
    } conn;
    /* last, attachment slots last of all: soc_event_init zeroes the event
     * up to them in one memset (two calls around them were 7% of Zeek
     * http.log time; perf) */
    struct {
        soc_str helo, mail_from, rcpt_to, subject, from, to;  /* rcpt_to comma-joined */
        int n_attach;
        soc_attachment attach[SOC_MAX_ATTACH];   /* [n_attach..] undefined: take a slot with soc_event_attach */
    } smtp;
} soc_event;

/* The next free attachment slot, zeroed (soc_event_init leaves the slots
 * alone: they are half of the struct and almost never used), or NULL when
 * all SOC_MAX_ATTACH are taken. */
static inline soc_attachment *soc_event_attach(soc_event *ev)
{
    if (ev->smtp.n_attach >= SOC_MAX_ATTACH) return NULL;
    soc_attachment *a = &ev->smtp.attach[ev->smtp.n_attach++];
    memset(a, 0, sizeof *a);
    return a;
}

/* smtp.c: sets the is_* flags of an attachment from its name, declared
 * type and (when data != NULL) its first decoded bytes. */
void soc_attachment_classify(soc_attachment *a, const uint8_t *data, size_t n);

#endif
