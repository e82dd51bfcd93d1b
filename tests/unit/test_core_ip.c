#include "test.h"
#include "core/ip.h"

static void parse_and_format(void)
{
    kn_ip ip;
    char b[KN_IP_STRLEN];
    CHECK(kn_ip_parse(&ip, "192.168.1.10", -1) == 0);
    CHECK_EQ_INT(ip.family, 4);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "192.168.1.10");
    CHECK(kn_ip_v4u32(&ip) == 0xc0a8010a);
    CHECK(kn_ip_parse(&ip, "2001:DB8:0:0:1:0:0:1", -1) == 0);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "2001:db8::1:0:0:1");   /* RFC 5952 */
    CHECK(kn_ip_parse(&ip, "[::1]", -1) == 0);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "::1");
    CHECK(kn_ip_parse(&ip, "::ffff:1.2.3.4", -1) == 0);
    CHECK_EQ_INT(ip.family, 6);
    CHECK(kn_ip_parse(&ip, "1.2.3", -1) != 0);
    CHECK(kn_ip_parse(&ip, "1.2.3.256", -1) != 0);
    CHECK(kn_ip_parse(&ip, "", -1) != 0);
    CHECK(kn_ip_parse(&ip, "10.0.0.1xyz", 8) == 0);   /* explicit length */
    CHECK_EQ_STR(kn_ip_format(&ip, b), "10.0.0.1");
    kn_ip a, c;
    kn_ip_parse(&a, "10.0.0.1", -1);
    kn_ip_from_v4u32(&c, 0x0a000001);
    CHECK(memcmp(&a, &c, sizeof a) == 0);   /* canonical: usable as hash keys */
    CHECK(kn_ip_is_private(&a));
    kn_ip_parse(&a, "8.8.8.8", -1);
    CHECK(!kn_ip_is_private(&a));
    kn_ip_parse(&a, "fd00::5", -1);
    CHECK(kn_ip_is_private(&a));
}

static void cidr_and_lpm(void)
{
    kn_cidr c;
    char b[64];
    CHECK(kn_cidr_parse(&c, "10.1.2.3/8", -1) == 0);
    CHECK_EQ_STR(kn_cidr_format(&c, b), "10.0.0.0/8");
    CHECK(kn_cidr_parse(&c, "10.0.0.0/33", -1) != 0);
    CHECK(kn_cidr_parse(&c, "2001:db8::/129", -1) != 0);
    CHECK(kn_cidr_parse(&c, "2001:db8:ff::/36", -1) == 0);
    CHECK_EQ_STR(kn_cidr_format(&c, b), "2001:db8::/36");
    kn_cidrset *s = kn_cidrset_new();
    const char *bad = NULL;
    CHECK_EQ_INT(kn_cidrset_add_list(s, "10.0.0.0/8,10.1.0.0/16, 192.0.2.7,2001:db8::/32", 1, &bad), 4);
    kn_cidr_parse(&c, "10.1.0.0/16", -1);
    kn_cidrset_add(s, &c, 42);   /* replace value */
    CHECK_EQ_INT(kn_cidrset_count(s), 4);
    kn_ip ip;
    int64_t v = 0;
    kn_cidr m;
    kn_ip_parse(&ip, "10.1.200.1", -1);
    CHECK(kn_cidrset_lookup(s, &ip, &v, &m) == 1);
    CHECK_EQ_INT(v, 42);
    CHECK_EQ_INT(m.bits, 16);
    kn_ip_parse(&ip, "10.2.0.1", -1);
    CHECK(kn_cidrset_lookup(s, &ip, &v, &m) == 1);
    CHECK_EQ_INT(m.bits, 8);
    kn_ip_parse(&ip, "192.0.2.7", -1);
    CHECK(kn_cidrset_lookup(s, &ip, &v, NULL) == 1);
    kn_ip_parse(&ip, "192.0.2.8", -1);
    CHECK(kn_cidrset_lookup(s, &ip, &v, NULL) == 0);
    kn_ip_parse(&ip, "2001:db8:1::1", -1);
    CHECK(kn_cidrset_lookup(s, &ip, &v, NULL) == 1);
    kn_ip_parse(&ip, "::ffff:10.0.0.1", -1);   /* a v6 address is not in a v4 prefix */
    CHECK(kn_cidrset_lookup(s, &ip, &v, NULL) == 0);
    CHECK_EQ_INT(kn_cidrset_add_list(s, "10.0.0.0/8,bogus", 1, &bad), -1);
    CHECK_EQ_STR(bad, "bogus");
    kn_cidrset_free(s);
}

static void masks(void)
{
    kn_ip ip;
    char b[KN_IP_STRLEN];
    kn_ip_parse(&ip, "203.0.113.77", -1);
    kn_ip_mask(&ip, 24);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "203.0.113.0");
    kn_ip_parse(&ip, "2001:db8:1:2:3:4:5:6", -1);
    kn_ip_mask(&ip, 64);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "2001:db8:1:2::");
    kn_ip_parse(&ip, "255.255.255.255", -1);
    kn_ip_mask(&ip, 0);
    CHECK_EQ_STR(kn_ip_format(&ip, b), "0.0.0.0");
}

TEST_MAIN(parse_and_format, cidr_and_lpm, masks)
