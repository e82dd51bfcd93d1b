#define _GNU_SOURCE
/* gen_soc_logs: writes synthetic Suricata EVE NDJSON or Zeek TSV logs for
 * bench/soc_logs.sh. Deterministic (fixed LCG seed), shaped like production
 * output: EVE lines carry the fields Suricata 6/7 writes (flow_id,
 * in_iface, community_id, tx_id, metadata-free http/dns/tls/flow/alert
 * objects); about 1% of records are ES probes, script injections or
 * Emotet-like POSTs so the detectors have work to do.
 * Usage: gen_soc_logs eve|zeek-conn|zeek-http MEGABYTES > FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t st = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void) { st = st * 6364136223846793005ULL + 1442695040888963407ULL; return (uint32_t)(st >> 33); }

static const char *uas[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "curl/7.88.1", "python-requests/2.31.0",
    "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/4.0)"};
static const char *hosts[] = {"www.example.com", "cdn.example.net", "api.example.org", "updates.example.com", "static.example.io"};
static const char *paths[] = {"/index.html", "/static/js/app.3f9a1c.js", "/api/v2/items?page=3&sort=desc", "/images/logo.png",
                              "/news/2023/11/14/story.html", "/favicon.ico", "/css/site.min.css", "/wp-content/uploads/2019/invoice/"};
/* rare ones, about 1 record in 200 */
static const char *rare_paths[] = {"/_search?q=user:alice", "/_cat/indices?v", "/site/tlb/results/", "/_nodes"};
static const char *path_for(uint32_t r) { return (r >> 20) % 200 == 0 ? rare_paths[(r >> 9) % 4] : paths[(r >> 9) % 8]; }
static const char *sni[] = {"www.example.com", "login.example.net", "mail.example.org", "telemetry.example.io"};

static void ts(char *b, uint64_t i)
{
    uint64_t s = 1700000000 + i / 2000, us = (i * 487) % 1000000;
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    sprintf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%06llu+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, (unsigned long long)us);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: gen_soc_logs eve|zeek-conn|zeek-http MEGABYTES\n"); return 2; }
    uint64_t limit = strtoull(argv[2], NULL, 10) << 20, out = 0, i = 0;
    static char buf[1 << 16];
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    if (!strncmp(argv[1], "zeek", 4)) {
        int http = !strcmp(argv[1], "zeek-http");
        out += (uint64_t)printf("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t2023-11-14-22-13-20\n",
                                http ? "http" : "conn");
        if (http)
            out += (uint64_t)printf("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types\n"
                                    "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\n");
        else
            out += (uint64_t)printf("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"
                                    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n");
        while (out < limit) {
            uint32_t r = rnd();
            double t = 1700000000.0 + (double)i / 2000.0;
            int n;
            if (http) {
                const char *p = path_for(r);
                int port = (r >> 8) % 200 == 0 ? 9200 : 80;
                n = snprintf(buf, sizeof buf, "%.6f\tC%08x%08x\t10.%u.%u.%u\t%u\t198.51.%u.%u\t%d\t1\t%s\t%s\t%s\t-\t1.1\t%s\t-\t%u\t%u\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\tF%08x\t-\ttext/html\n",
                             t, r, rnd(), (r >> 4) & 255, (r >> 12) & 255, (r >> 20) & 255, 1024 + (r & 0x7fff), (r >> 3) & 255, (r >> 11) & 255,
                             port, (r & 3) ? "GET" : "POST", hosts[(r >> 5) % 5], p, uas[(r >> 7) % 50 == 0 ? 4 : (r >> 7) % 4], (r & 3) ? 0 : 612 + (r & 511), 2000 + (r & 0xffff), r);
            } else {
                n = snprintf(buf, sizeof buf, "%.6f\tC%08x%08x\t10.%u.%u.%u\t%u\t198.51.%u.%u\t%u\ttcp\t%s\t%.6f\t%u\t%u\tSF\tT\tF\t0\tShADadFf\t%u\t%u\t%u\t%u\t-\n",
                             t, r, rnd(), (r >> 4) & 255, (r >> 12) & 255, (r >> 20) & 255, 1024 + (r & 0x7fff), (r >> 3) & 255, (r >> 11) & 255,
                             (r % 200) ? 443 : 9200, (r % 200) ? "ssl" : "-", (double)(r % 100000) / 1000.0, r % 5000, r % 90000, 5 + r % 40,
                             300 + r % 5000, 4 + r % 60, 200 + r % 90000);
            }
            fwrite(buf, 1, (size_t)n, stdout);
            out += (uint64_t)n;
            i++;
        }
        printf("#close\t2023-11-15-22-13-20\n");
        return 0;
    }
    while (out < limit) {
        uint32_t r = rnd(), k = r % 100;
        char tb[96];
        ts(tb, i);
        int n = snprintf(buf, sizeof buf, "{\"timestamp\":\"%s\",\"flow_id\":%llu,\"in_iface\":\"ens192\",", tb,
                         (unsigned long long)r * 2654435761ULL);
        unsigned a = (r >> 4) & 255, b = (r >> 12) & 255, c = (r >> 20) & 255;
        if (k < 45) {
            const char *p = path_for(r);
            int port = (r >> 14) % 200 == 0 ? 9200 : (r >> 14) % 200 == 1 ? 8080 : 80;
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                "\"event_type\":\"http\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":\"198.51.%u.%u\",\"dest_port\":%d,\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\",\"community_id\":\"1:%08x%08xAbCdEf=\",\"tx_id\":%u,"
                "\"http\":{\"hostname\":\"%s\",\"url\":\"%s\",\"http_user_agent\":\"%s\",\"http_content_type\":\"text/html\",\"http_method\":\"%s\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":%u}}\n",
                a, b, c, 1024 + (r & 0x7fff), b, c, port, r, rnd(), r & 7, hosts[(r >> 5) % 5], p, uas[(r >> 7) % 50 == 0 ? 4 : (r >> 7) % 4], (r & 3) ? "GET" : "POST", 100 + (r & 0xffff));
        } else if (k < 70) {
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                "\"event_type\":\"dns\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"pkt_src\":\"wire/pcap\",\"community_id\":\"1:%08xAbCdEf=\","
                "\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":%u,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":\"%s\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"%s\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"93.184.%u.%u\"}],\"grouped\":{\"A\":[\"93.184.%u.%u\"]}}}\n",
                a, b, c, 1024 + (r & 0x7fff), r, r & 0xffff, hosts[(r >> 5) % 5], hosts[(r >> 5) % 5], b, c, b, c);
        } else if (k < 80) {
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                "\"event_type\":\"tls\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":\"198.51.%u.%u\",\"dest_port\":443,\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\",\"community_id\":\"1:%08xAbCdEf=\","
                "\"tls\":{\"subject\":\"CN=%s\",\"issuerdn\":\"C=US, O=Let's Encrypt, CN=R3\",\"serial\":\"04:%02X:%02X:11:22:33\",\"fingerprint\":\"aa:bb:cc:dd:%02x:%02x\",\"sni\":\"%s\",\"version\":\"TLS 1.2\",\"notbefore\":\"2023-09-01T00:00:00\",\"notafter\":\"2023-12-01T00:00:00\",\"ja3\":{\"hash\":\"%08x%08x%08x%08x\"}}}\n",
                a, b, c, 1024 + (r & 0x7fff), b, c, r, sni[r % 4], a, b, a, b, sni[r % 4], r, rnd(), r, r);
        } else if (k < 97) {
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                "\"event_type\":\"flow\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":\"198.51.%u.%u\",\"dest_port\":%u,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"community_id\":\"1:%08xAbCdEf=\","
                "\"flow\":{\"pkts_toserver\":%u,\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,\"start\":\"%s\",\"end\":\"%s\",\"age\":%u,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},"
                "\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}\n",
                a, b, c, 1024 + (r & 0x7fff), b, c, (r % 200) ? 443u : 9200u, r, 5 + r % 40, 4 + r % 60, 300 + r % 5000, 200 + r % 90000, tb, tb, r % 120);
        } else {
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                "\"event_type\":\"alert\",\"src_ip\":\"198.51.%u.%u\",\"src_port\":%u,\"dest_ip\":\"10.%u.%u.%u\",\"dest_port\":22,\"proto\":\"TCP\",\"pkt_src\":\"wire/pcap\",\"community_id\":\"1:%08xAbCdEf=\","
                "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%u,\"rev\":3,\"signature\":\"%s\",\"category\":\"%s\",\"severity\":2},"
                "\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,\"bytes_toserver\":74,\"bytes_toclient\":0,\"start\":\"%s\"}}\n",
                b, c, 1024 + (r & 0x7fff), a, b, c, r, 2001219 + (r % 50),
                (r & 1) ? "ET SCAN Potential SSH Scan" : "ET POLICY Outbound SSH", (r & 1) ? "Attempted Information Leak" : "Potential Corporate Privacy Violation", tb);
        }
        fwrite(buf, 1, (size_t)n, stdout);
        out += (uint64_t)n;
        i++;
    }
    return 0;
}
