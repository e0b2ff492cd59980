// SPDX-License-Identifier: MIT
/*
 * test_ip.c - lib/util/ip: address and CIDR parsing (strict and the API
 * server's legacy reading with warnings), masking, containment and
 * canonical formatting. Table-driven: each row is an input and the exact
 * outcome (reason, warning bits, canonical text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/ip.h"

struct ip_case {
    const char *in;
    bool ok;           /* kgi_ip_parse (strict) */
    const char *canon; /* its kgi_ip_format, when ok */
};

static const struct ip_case ip_cases[] = {
    {"0.0.0.0", true, "0.0.0.0"},
    {"255.255.255.255", true, "255.255.255.255"},
    {"10.1.2.3", true, "10.1.2.3"},
    {"192.0.2.1", true, "192.0.2.1"},
    {"::", true, "::"},
    {"::1", true, "::1"},
    {"1::", true, "1::"},
    {"2001:db8::1", true, "2001:db8::1"},
    {"2001:DB8:0:0:0:0:0:1", true, "2001:db8::1"},
    {"2001:db8:0:0:1:0:0:1", true, "2001:db8::1:0:0:1"},
    {"2001:0db8:0000:0000:0000:ff00:0042:8329", true, "2001:db8::ff00:42:8329"},
    {"1:2:3:4:5:6:7:8", true, "1:2:3:4:5:6:7:8"},
    {"1:0:3:4:5:6:7:8", true, "1:0:3:4:5:6:7:8"}, /* single 0 not :: */
    {"fe80::", true, "fe80::"},
    {"::ffff:1.2.3.4", true, "::ffff:1.2.3.4"}, /* strict keeps family 6 */
    {"::1.2.3.4", true, "::102:304"},
    {"64:ff9b::192.0.2.33", true, "64:ff9b::c000:221"},
    {"1:2:3:4:5:6:1.2.3.4", true, "1:2:3:4:5:6:102:304"},
    /* errors */
    {"", false, NULL},
    {" 1.2.3.4", false, NULL},
    {"1.2.3.4 ", false, NULL},
    {"1.2.3", false, NULL},
    {"1.2.3.4.5", false, NULL},
    {"256.1.1.1", false, NULL},
    {"1.2.3.-4", false, NULL},
    {"+1.2.3.4", false, NULL},
    {"1..2.3", false, NULL},
    {"1.2.3.4.", false, NULL},
    {"010.0.0.1", false, NULL}, /* leading zeros: legacy only */
    {"1.2.3.4/32", false, NULL},
    {"0x1.2.3.4", false, NULL},
    {"1:2:3:4:5:6:7:8:9", false, NULL},
    {"1:2:3:4:5:6:7", false, NULL},
    {"1::2::3", false, NULL},
    {":::", false, NULL},
    {":1::", false, NULL},
    {"1::2:", false, NULL},
    {"12345::", false, NULL},
    {"1:2:3:4:5:6:7:8::", false, NULL},
    {"::1:2:3:4:5:6:7:8", false, NULL},
    {"fe80::1%eth0", false, NULL},
    {"g::1", false, NULL},
    {"1:2:3:4:5:6:7:1.2.3.4", false, NULL},
    {"::1.2.3", false, NULL},
    {"::1.2.3.4:5", false, NULL},
    {"[::1]", false, NULL},
    {"localhost", false, NULL},
};

static void test_ip_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ip_cases) / sizeof(ip_cases[0]); i++) {
        const struct ip_case *t = &ip_cases[i];
        struct kgi_ip ip;
        memset(&ip, 0xaa, sizeof(ip));
        bool ok = kgi_ip_parse(t->in, strlen(t->in), &ip);
        if (ok != t->ok)
            fail_msg("kgi_ip_parse(\"%s\") = %d, want %d", t->in, ok, t->ok);
        if (!ok)
            continue;
        char buf[KGI_IP_STRLEN];
        kgi_ip_format(&ip, buf);
        if (strcmp(buf, t->canon) != 0)
            fail_msg("format(parse(\"%s\")) = \"%s\", want \"%s\"", t->in, buf,
                     t->canon);
        /* the canonical text parses back to the same address */
        struct kgi_ip again;
        assert_true(kgi_ip_parse(buf, strlen(buf), &again));
        assert_true(kgi_ip_equal(&ip, &again));
    }
}

/* Not NUL-terminated: the parser must stop at n. */
static void test_ip_parse_length(void **state)
{
    (void)state;
    struct kgi_ip ip;
    assert_true(kgi_ip_parse("10.0.0.12345", 8, &ip));
    assert_int_equal(ip.family, 4);
    assert_int_equal(ip.b[3], 1);
    assert_false(kgi_ip_parse("10.0.0.1", 7, &ip)); /* "10.0.0." */
    assert_false(kgi_ip_parse(NULL, 0, &ip));
}

struct legacy_case {
    const char *in;
    unsigned flags;
    int reason;
    unsigned warnings;
    const char *canon;
};

static const struct legacy_case legacy_cases[] = {
    {"10.0.0.1", 0, KGI_IP_OK, 0, "10.0.0.1"},
    {"010.000.0.01", 0, KGI_IP_OK, KGI_IPW_LEADING_ZERO, "10.0.0.1"},
    {"010.0.0.1", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_LEADING_ZERO, NULL},
    {"::ffff:10.0.0.1", 0, KGI_IP_OK, KGI_IPW_MAPPED, "10.0.0.1"},
    {"::ffff:a00:1", 0, KGI_IP_OK, KGI_IPW_MAPPED, "10.0.0.1"},
    {"::ffff:10.0.0.1", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_MAPPED, NULL},
    {"fd00::1", KGI_IP_STRICT, KGI_IP_OK, 0, "fd00::1"},
    {"", 0, KGI_IP_EEMPTY, 0, NULL},
    {"fe80::1%eth0", 0, KGI_IP_EZONE, 0, NULL},
    {"300.0.0.1", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"10.0.0.0/8", 0, KGI_IP_ESYNTAX, 0, NULL},
};

static void test_ip_legacy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(legacy_cases) / sizeof(legacy_cases[0]);
         i++) {
        const struct legacy_case *t = &legacy_cases[i];
        struct kgi_ip ip;
        unsigned w = 99;
        int rc = kgi_ip_parse_legacy(t->in, strlen(t->in), t->flags, &ip, &w);
        if (rc != t->reason)
            fail_msg("legacy(\"%s\", %u) = %d, want %d", t->in, t->flags, rc,
                     t->reason);
        if (rc == KGI_IP_ESTRICT)
            assert_int_equal(w, t->warnings); /* why it was refused */
        if (rc)
            continue;
        assert_int_equal(w, t->warnings);
        char buf[KGI_IP_STRLEN];
        kgi_ip_format(&ip, buf);
        assert_string_equal(buf, t->canon);
    }
}

struct cidr_case {
    const char *in;
    unsigned flags;
    int reason;
    unsigned warnings;
    const char *canon; /* masked result */
};

static const struct cidr_case cidr_cases[] = {
    {"10.0.0.0/8", 0, KGI_IP_OK, 0, "10.0.0.0/8"},
    {"0.0.0.0/0", 0, KGI_IP_OK, 0, "0.0.0.0/0"},
    {"192.0.2.1/32", 0, KGI_IP_OK, 0, "192.0.2.1/32"},
    {"::/0", 0, KGI_IP_OK, 0, "::/0"},
    {"2001:db8::/32", 0, KGI_IP_OK, 0, "2001:db8::/32"},
    {"2001:db8::1/128", 0, KGI_IP_OK, 0, "2001:db8::1/128"},
    {"10.0.0.0/8", KGI_IP_STRICT, KGI_IP_OK, 0, "10.0.0.0/8"},
    /* accepted by the API server with a warning (rule 31) */
    {"192.0.2.77/24", 0, KGI_IP_OK, KGI_IPW_HOST_BITS, "192.0.2.0/24"},
    {"10.1.2.3/0", 0, KGI_IP_OK, KGI_IPW_HOST_BITS, "0.0.0.0/0"},
    {"10.255.255.255/9", 0, KGI_IP_OK, KGI_IPW_HOST_BITS, "10.128.0.0/9"},
    {"2001:db8::1/64", 0, KGI_IP_OK, KGI_IPW_HOST_BITS, "2001:db8::/64"},
    {"2001:db8:ffff::/33", 0, KGI_IP_OK, KGI_IPW_HOST_BITS,
     "2001:db8:8000::/33"},
    {"010.0.0.0/8", 0, KGI_IP_OK, KGI_IPW_LEADING_ZERO, "10.0.0.0/8"},
    {"10.0.0.0/08", 0, KGI_IP_OK, KGI_IPW_LEADING_ZERO, "10.0.0.0/8"},
    {"::ffff:1.2.3.4/128", 0, KGI_IP_OK, KGI_IPW_MAPPED, "1.2.3.4/32"},
    {"::ffff:1.2.3.0/120", 0, KGI_IP_OK, KGI_IPW_MAPPED, "1.2.3.0/24"},
    {"::ffff:1.2.3.4/120", 0, KGI_IP_OK, KGI_IPW_MAPPED | KGI_IPW_HOST_BITS,
     "1.2.3.0/24"},
    {"::ffff:0.0.0.0/96", 0, KGI_IP_OK, KGI_IPW_MAPPED, "0.0.0.0/0"},
    /* a mapped address under a prefix shorter than /96 loses the marker
     * and stays an IPv6 prefix */
    {"::ffff:1.2.3.4/64", 0, KGI_IP_OK, KGI_IPW_MAPPED | KGI_IPW_HOST_BITS,
     "::/64"},
    /* the same under KG_FLAG_STRICT_CIDR */
    {"192.0.2.77/24", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_HOST_BITS, NULL},
    {"010.0.0.0/8", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_LEADING_ZERO, NULL},
    {"::ffff:1.2.3.4/128", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_MAPPED, NULL},
    {"2001:db8::1/64", KGI_IP_STRICT, KGI_IP_ESTRICT, KGI_IPW_HOST_BITS, NULL},
    /* errors in every mode */
    {"", 0, KGI_IP_EEMPTY, 0, NULL},
    {"10.0.0.0/33", 0, KGI_IP_EPREFIX, 0, NULL},
    {"::/129", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/4294967328", 0, KGI_IP_EPREFIX, 0, NULL}, /* 2^32 + 32 */
    {"10.0.0.0/-1", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/+8", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/8 ", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/ 8", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/8/8", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0 /8", 0, KGI_IP_ESYNTAX, 0, NULL},
    {" 10.0.0.0/8", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"1.2.3.4/", 0, KGI_IP_ENOPREFIX, 0, NULL},
    {"1.2.3.4", 0, KGI_IP_ENOPREFIX, 0, NULL},
    {"2001:db8::", 0, KGI_IP_ENOPREFIX, 0, NULL},
    {"/24", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"/", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"fe80::1%eth0/64", 0, KGI_IP_EZONE, 0, NULL},
    {"fe80::%1/64", 0, KGI_IP_EZONE, 0, NULL},
    {"garbage", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"garbage/8", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"10.0.0/8", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"256.0.0.0/8", 0, KGI_IP_ESYNTAX, 0, NULL},
    {"10.0.0.0/x", 0, KGI_IP_EPREFIX, 0, NULL},
    {"10.0.0.0/255.0.0.0", 0, KGI_IP_EPREFIX, 0, NULL},
    {"1:2:3:4:5:6:7:8:9/64", 0, KGI_IP_ESYNTAX, 0, NULL},
};

static void test_cidr_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cidr_cases) / sizeof(cidr_cases[0]); i++) {
        const struct cidr_case *t = &cidr_cases[i];
        struct kgi_cidr c;
        unsigned w = 99;
        int rc = kgi_cidr_parse(t->in, strlen(t->in), t->flags, &c, &w);
        if (rc != t->reason)
            fail_msg("kgi_cidr_parse(\"%s\", %u) = %d (%s), want %d", t->in,
                     t->flags, rc, kgi_ip_strerror(rc), t->reason);
        if (rc == KGI_IP_ESTRICT && w != t->warnings)
            fail_msg("kgi_cidr_parse(\"%s\", strict) says %u, want %u", t->in,
                     w, t->warnings);
        if (rc)
            continue;
        if (w != t->warnings)
            fail_msg("kgi_cidr_parse(\"%s\") warnings %u, want %u", t->in, w,
                     t->warnings);
        char buf[KGI_CIDR_STRLEN];
        kgi_cidr_format(&c, buf);
        if (strcmp(buf, t->canon) != 0)
            fail_msg("cidr \"%s\" -> \"%s\", want \"%s\"", t->in, buf,
                     t->canon);
        /* the canonical form is accepted strictly and unchanged */
        struct kgi_cidr again;
        unsigned w2 = 99;
        assert_int_equal(
            kgi_cidr_parse(buf, strlen(buf), KGI_IP_STRICT, &again, &w2), 0);
        assert_int_equal(w2, 0);
        assert_int_equal(again.len, c.len);
        assert_true(kgi_ip_equal(&again.ip, &c.ip));
    }
}

static struct kgi_cidr cidr(const char *s)
{
    struct kgi_cidr c;
    assert_int_equal(kgi_cidr_parse(s, strlen(s), 0, &c, NULL), 0);
    return c;
}

static struct kgi_ip ip(const char *s)
{
    struct kgi_ip a;
    assert_true(kgi_ip_parse(s, strlen(s), &a));
    return a;
}

struct has_case {
    const char *cidr, *ip;
    bool in;
};

static const struct has_case has_cases[] = {
    {"0.0.0.0/0", "255.255.255.255", true},
    {"0.0.0.0/0", "::1", false}, /* families never mix (rule 18) */
    {"::/0", "10.0.0.1", false},
    {"::/0", "::ffff:10.0.0.1", true},
    {"10.0.0.0/8", "10.255.255.255", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"10.0.0.0/8", "9.255.255.255", false},
    {"192.0.2.1/32", "192.0.2.1", true},
    {"192.0.2.1/32", "192.0.2.0", false},
    {"192.0.2.1/32", "192.0.2.2", false},
    {"10.128.0.0/9", "10.127.255.255", false},
    {"10.128.0.0/9", "10.128.0.0", true},
    {"2001:db8::/32", "2001:db8:ffff::1", true},
    {"2001:db8::/32", "2001:db9::", false},
    {"2001:db8::1/128", "2001:db8::1", true},
    {"2001:db8::1/128", "2001:db8::", false},
    {"2001:db8::/127", "2001:db8::1", true},
    {"2001:db8::/127", "2001:db8::2", false},
};

static void test_cidr_has_ip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(has_cases) / sizeof(has_cases[0]); i++) {
        struct kgi_cidr c = cidr(has_cases[i].cidr);
        struct kgi_ip a = ip(has_cases[i].ip);
        if (kgi_cidr_has_ip(&c, &a) != has_cases[i].in)
            fail_msg("%s in %s: want %d", has_cases[i].ip, has_cases[i].cidr,
                     has_cases[i].in);
    }
}

struct contains_case {
    const char *outer, *inner;
    bool in;
};

static const struct contains_case contains_cases[] = {
    {"10.0.0.0/8", "10.1.0.0/16", true},
    {"10.0.0.0/8", "10.0.0.0/8", true}, /* equal: contains, not strictly */
    {"10.0.0.0/16", "10.0.0.0/8", false},
    {"10.0.0.0/8", "11.0.0.0/16", false},
    {"0.0.0.0/0", "192.0.2.1/32", true},
    {"0.0.0.0/0", "::/0", false},
    {"::/0", "0.0.0.0/0", false},
    {"::/0", "2001:db8::/32", true},
    {"2001:db8::/32", "2001:db8:1::/48", true},
    {"2001:db8::/32", "2001:db9::/48", false},
    {"2001:db8::/48", "2001:db8::/32", false},
};

static void test_cidr_contains(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(contains_cases) / sizeof(contains_cases[0]);
         i++) {
        struct kgi_cidr o = cidr(contains_cases[i].outer);
        struct kgi_cidr n = cidr(contains_cases[i].inner);
        if (kgi_cidr_contains(&o, &n) != contains_cases[i].in)
            fail_msg("%s contains %s: want %d", contains_cases[i].outer,
                     contains_cases[i].inner, contains_cases[i].in);
    }
}

/* Every prefix length of both families: parse "all ones/len", the result
 * has exactly len leading one bits, and contains/has agree at the edge. */
static void test_cidr_every_length(void **state)
{
    (void)state;
    for (unsigned len = 0; len <= 128; len++) {
        char text[64];
        snprintf(text, sizeof(text),
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/%u", len);
        struct kgi_cidr c;
        unsigned w = 0;
        assert_int_equal(kgi_cidr_parse(text, strlen(text), 0, &c, &w), 0);
        assert_int_equal(c.len, len);
        assert_int_equal(w, len == 128 ? 0 : KGI_IPW_HOST_BITS);
        unsigned ones = 0;
        for (unsigned b = 0; b < 128; b++)
            ones += (c.ip.b[b / 8] >> (7 - b % 8)) & 1;
        assert_int_equal(ones, len);
        if (len <= 32) {
            snprintf(text, sizeof(text), "255.255.255.255/%u", len);
            assert_int_equal(kgi_cidr_parse(text, strlen(text), 0, &c, &w), 0);
            ones = 0;
            for (unsigned b = 0; b < 32; b++)
                ones += (c.ip.b[b / 8] >> (7 - b % 8)) & 1;
            assert_int_equal(ones, len);
            struct kgi_ip all = ip("255.255.255.255");
            assert_true(kgi_cidr_has_ip(&c, &all));
            struct kgi_ip zero = ip("0.0.0.0");
            assert_int_equal(kgi_cidr_has_ip(&c, &zero), len == 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_parse),
        cmocka_unit_test(test_ip_parse_length),
        cmocka_unit_test(test_ip_legacy),
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_cidr_has_ip),
        cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_cidr_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
