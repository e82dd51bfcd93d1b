/* ip.h: IPv4/IPv6 addresses, CIDR prefixes and prefix sets with
 * longest-prefix match.
 *
 * One type for both families: kn_ip holds 16 bytes, IPv4 as the v4-mapped
 * form ::ffff:a.b.c.d with family 4, so tables keyed on kn_ip mix families
 * without special cases. Always build kn_ip through the functions here (they
 * zero every byte) so memcmp/hash keys are canonical. */
#ifndef KENSA_CORE_IP_H
#define KENSA_CORE_IP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct kn_ip {
    uint8_t b[16];   /* network byte order; v4 in b[12..15] after ::ffff: */
    uint8_t family;  /* 4 or 6; 0 = unset */
    uint8_t pad[3];
} kn_ip;

#define KN_IP_STRLEN 46

void kn_ip_from_v4(kn_ip *ip, const uint8_t be[4]);
void kn_ip_from_v4u32(kn_ip *ip, uint32_t host_order);
void kn_ip_from_v6(kn_ip *ip, const uint8_t be[16]);
/* Parses dotted quad or RFC 4291/5952 text (with :: and embedded v4).
 * Returns 0 on success, -1 otherwise. len may be -1 for NUL-terminated. */
int kn_ip_parse(kn_ip *ip, const char *s, long len);
/* Formats into buf (>= KN_IP_STRLEN): dotted quad or RFC 5952 text. Returns buf. */
char *kn_ip_format(const kn_ip *ip, char *buf);
int kn_ip_cmp(const kn_ip *a, const kn_ip *b);
static inline uint32_t kn_ip_v4u32(const kn_ip *ip)
{
    return ((uint32_t)ip->b[12] << 24) | ((uint32_t)ip->b[13] << 16) | ((uint32_t)ip->b[14] << 8) | ip->b[15];
}
/* Keeps the first `bits` bits of the address (bits counted in the family's
 * own width: 0..32 for v4, 0..128 for v6). */
void kn_ip_mask(kn_ip *ip, unsigned bits);
/* RFC 1918, CGNAT, loopback, link-local, ULA. Inline: detectors ask it
 * about both ends of every event (a call each was 4% of the instructions
 * of Zeek http.log ingest, callgrind). */
static inline int kn_ip_is_private(const kn_ip *ip)
{
    if (ip->family == 4) {
        uint32_t v = kn_ip_v4u32(ip);
        return (v >> 24) == 10 || (v >> 20) == 0xac1 || (v >> 16) == 0xc0a8 ||
               (v >> 24) == 127 || (v >> 16) == 0xa9fe || (v >> 22) == (100u << 2 | 1);
    }
    if (ip->family == 6) {
        static const uint8_t lo[16] = {0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1};
        return (ip->b[0] & 0xfe) == 0xfc || (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80) ||
               memcmp(ip->b, lo, 16) == 0;
    }
    return 0;
}

typedef struct kn_cidr {
    kn_ip ip;        /* already masked */
    uint8_t bits;    /* family-relative prefix length */
} kn_cidr;

/* "10.0.0.0/8", "2001:db8::/32", or a bare address (full length). */
int kn_cidr_parse(kn_cidr *c, const char *s, long len);
char *kn_cidr_format(const kn_cidr *c, char *buf);  /* buf >= KN_IP_STRLEN + 4 */
int kn_cidr_contains(const kn_cidr *c, const kn_ip *ip);

/* A set of prefixes, each with an integer value, answering longest-prefix
 * match. A binary trie over the 128-bit mapped form; fine for the thousands
 * of prefixes of home nets, host groups and intel lists. */
typedef struct kn_cidrset kn_cidrset;

kn_cidrset *kn_cidrset_new(void);
void kn_cidrset_free(kn_cidrset *s);
/* Adds (or replaces the value of) a prefix. Returns 0, or -1 on no memory. */
int kn_cidrset_add(kn_cidrset *s, const kn_cidr *c, int64_t value);
/* Parses a comma-separated list and adds each with value. Returns the count
 * added, or -1 with *bad set to the first unparsable item's start. */
int kn_cidrset_add_list(kn_cidrset *s, const char *list, int64_t value, const char **bad);
/* Longest match: returns 1 and sets *value (and *match if non-NULL). */
int kn_cidrset_lookup(const kn_cidrset *s, const kn_ip *ip, int64_t *value, kn_cidr *match);
size_t kn_cidrset_count(const kn_cidrset *s);

#endif
