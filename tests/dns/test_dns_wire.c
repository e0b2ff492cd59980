// SPDX-License-Identifier: MIT
/*
 * test_dns_wire.c - policy/dns_wire: DNS responses built by hand (RFC 1035
 * section 4 layouts): A and AAAA answers, CNAME chains in any record order,
 * case, TTL rules, records that must not be learnt (other owners, other
 * classes, the additional section, non-NOERROR answers), then hostile
 * messages: every truncation of a valid message, compression pointers that
 * loop or point forward, over-long names, reserved label types, wrong
 * RDATA lengths, truncated/query/multi-question headers, more addresses
 * than the parser keeps, and random corruption of valid messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "policy/dns_wire.h"

/* ------------------------------------------------------- message builder */

struct msg {
    uint8_t b[8192];
    size_t n;
};

static void put8(struct msg *m, unsigned v)
{
    assert_true(m->n < sizeof m->b);
    m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

/* "a.b.c" as labels and the root label; returns its offset. Labels are
 * split at dots, so a dot inside a label is written with putlabel. */
static size_t putname(struct msg *m, const char *name)
{
    size_t at = m->n;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (unsigned)l);
        for (size_t i = 0; i < l; i++)
            put8(m, (unsigned char)name[i]);
        name += l + (dot != NULL);
    }
    put8(m, 0);
    return at;
}

static void putptr(struct msg *m, size_t off)
{
    put16(m, 0xC000 | (unsigned)off);
}

enum { QR = 0x8000, RD = 0x0100, RA = 0x0080 };

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}

/* type, class IN, ttl and the RDATA length: the fixed part of an RR after
 * its owner name */
static void rrfix(struct msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, rdlen);
}

static void a_rr(struct msg *m, size_t owner, uint32_t ttl, uint8_t last)
{
    putptr(m, owner);
    rrfix(m, 1, ttl, 4);
    put8(m, 192);
    put8(m, 0);
    put8(m, 2);
    put8(m, last);
}

/* a CNAME owner -> target written in full; returns the target's offset */
static size_t cname_rr(struct msg *m, size_t owner, uint32_t ttl,
                       const char *target)
{
    putptr(m, owner);
    size_t len = strlen(target) + 2;
    rrfix(m, 5, ttl, (unsigned)len);
    return putname(m, target);
}

static size_t question(struct msg *m, const char *name, unsigned qtype)
{
    size_t at = putname(m, name);
    put16(m, qtype);
    put16(m, 1);
    return at;
}

/* after a question name written by hand: QTYPE A, QCLASS IN */
static void qtail(struct msg *m)
{
    put16(m, 1);
    put16(m, 1);
}

/* n labels of one octet ch, then the root label unless open */
static void labels(struct msg *m, int n, char ch, bool open)
{
    for (int i = 0; i < n; i++) {
        put8(m, 1);
        put8(m, (unsigned char)ch);
    }
    if (!open)
        put8(m, 0);
}

/* a response to "x.example" A with one answer of type and RDATA length
 * rdlen owned by the question; the RDATA is the caller's */
static void one_answer(struct msg *m, unsigned type, unsigned rdlen)
{
    header(m, QR, 1, 1, 0, 0);
    size_t q = question(m, "x.example", 1);
    putptr(m, q);
    rrfix(m, type, 1, rdlen);
}

static int parse(const struct msg *m, struct kgi_dns_answer *a)
{
    /* the exact length on the heap, so ASan sees any over-read */
    uint8_t *copy = malloc(m->n ? m->n : 1);
    assert_non_null(copy);
    memcpy(copy, m->b, m->n);
    int rc = kgi_dns_parse(copy, m->n, a);
    free(copy);
    return rc;
}

static struct kgi_dns_answer ans;

/* --------------------------------------------------------------- answers */

static void test_a(void **state)
{
    (void)state;
    struct msg m;
    header(&m, QR | RD | RA, 1, 2, 0, 0);
    size_t q = question(&m, "Shop.Example.COM", 1);
    a_rr(&m, q, 300, 1);
    a_rr(&m, q, 0x80000005u, 2); /* top bit set: TTL 0 */
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.id, 0x1234);
    assert_int_equal(ans.qtype, 1);
    assert_int_equal(ans.n_names, 1);
    assert_string_equal(ans.names[0].text, "shop.example.com");
    assert_int_equal(ans.names[0].text_len, 16);
    assert_int_equal(ans.names[0].ttl, KGI_DNS_TTL_NONE);
    assert_int_equal(ans.n_addrs, 2);
    assert_int_equal(ans.addrs[0].ip.family, 4);
    assert_memory_equal(ans.addrs[0].ip.b, "\xc0\x00\x02\x01", 4);
    assert_int_equal(ans.addrs[0].ttl, 300);
    assert_int_equal(ans.addrs[1].ttl, 0);
    assert_int_equal(ans.addrs[1].owner, 0);
    assert_int_equal(kgi_dns_ttl_for(&ans, 0, 0), 300);
}

static void test_aaaa(void **state)
{
    (void)state;
    struct msg m;
    header(&m, QR | RA, 1, 1, 0, 0);
    size_t q = question(&m, "v6.example.", 28);
    putptr(&m, q);
    rrfix(&m, 28, 60, 16);
    for (int i = 0; i < 16; i++)
        put8(&m, i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 7 : 0);
    assert_int_equal(parse(&m, &ans), 0);
    assert_string_equal(ans.names[0].text, "v6.example");
    assert_int_equal(ans.n_addrs, 1);
    assert_int_equal(ans.addrs[0].ip.family, 6);
    assert_int_equal(ans.addrs[0].ip.b[0], 0x20);
    assert_int_equal(ans.addrs[0].ip.b[15], 7);
}

/* www.shop.example -> shop.example.cdn.net -> e12.cdn.net, the records in
 * reverse order, the owners spelt in another case */
static void test_cname_chain(void **state)
{
    (void)state;
    struct msg m;
    header(&m, QR | RD | RA, 1, 4, 0, 0);
    size_t q = question(&m, "www.shop.example", 1);
    /* the last link's A first, then the second CNAME, then the first */
    size_t e12 = putname(&m, "E12.cdn.net");
    rrfix(&m, 1, 20, 4);
    put32(&m, 0xC6336407); /* 198.51.100.7 */
    putname(&m, "shop.example.CDN.net");
    rrfix(&m, 5, 30, 4 + 2); /* "e12" + a pointer to "cdn.net" above */
    put8(&m, 3);
    put8(&m, 'e');
    put8(&m, '1');
    put8(&m, '2');
    putptr(&m, e12 + 4);
    cname_rr(&m, q, 60, "shop.example.cdn.net");
    /* an unrelated name's A record: never learnt */
    putname(&m, "bank.example");
    rrfix(&m, 1, 999, 4);
    put32(&m, 0x0a000001);
    /* header said 4 answers: e12 A, mid CNAME, first CNAME, bank A */
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_names, 3);
    assert_string_equal(ans.names[0].text, "www.shop.example");
    assert_string_equal(ans.names[1].text, "shop.example.cdn.net");
    assert_int_equal(ans.names[1].ttl, 60);
    assert_string_equal(ans.names[2].text, "e12.cdn.net");
    assert_int_equal(ans.names[2].ttl, 30);
    assert_int_equal(ans.n_addrs, 1);
    assert_int_equal(ans.addrs[0].owner, 2);
    assert_memory_equal(ans.addrs[0].ip.b, "\xc6\x33\x64\x07", 4);
    /* the alias holds the address as long as every link does */
    assert_int_equal(kgi_dns_ttl_for(&ans, 0, 0), 20);
    assert_int_equal(kgi_dns_ttl_for(&ans, 2, 0), 20);
    ans.addrs[0].ttl = 100;
    assert_int_equal(kgi_dns_ttl_for(&ans, 0, 0), 30);
    assert_int_equal(kgi_dns_ttl_for(&ans, 1, 0), 30);
    assert_int_equal(kgi_dns_ttl_for(&ans, 2, 0), 100);
}

static void test_cname_loop_and_limit(void **state)
{
    (void)state;
    struct msg m;
    /* a -> b -> a: the chain is [a, b] */
    header(&m, QR, 1, 3, 0, 0);
    size_t q = question(&m, "a.example", 1);
    size_t b = cname_rr(&m, q, 10, "b.example");
    putptr(&m, b);
    rrfix(&m, 5, 10, 2);
    putptr(&m, q);
    a_rr(&m, b, 10, 9);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_names, 2);
    assert_int_equal(ans.n_addrs, 1);
    assert_int_equal(ans.addrs[0].owner, 1);

    /* 20 links: the chain keeps KGI_DNS_CHAIN_MAX names; an address of a
     * name past the limit is not learnt */
    header(&m, QR, 1, 21, 0, 0);
    size_t prev = question(&m, "n0.example", 1);
    for (int i = 1; i <= 20; i++) {
        char t[32];
        snprintf(t, sizeof t, "n%d.example", i);
        prev = cname_rr(&m, prev, 5, t);
    }
    a_rr(&m, prev, 5, 1);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_names, KGI_DNS_CHAIN_MAX);
    assert_string_equal(ans.names[KGI_DNS_CHAIN_MAX - 1].text, "n11.example");
    assert_int_equal(ans.n_addrs, 0);
}

/* well formed, nothing to learn */
static void test_nothing_learnt(void **state)
{
    (void)state;
    struct msg m;
    /* NXDOMAIN */
    header(&m, QR | 3, 1, 0, 1, 0);
    size_t q = question(&m, "nx.example", 1);
    putptr(&m, q);
    rrfix(&m, 6, 60, 0); /* an (empty, unparsed) SOA in authority */
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_names, 0);
    assert_int_equal(ans.rcode, 3);
    /* class CH answers, and an A record in the additional section */
    header(&m, QR, 1, 1, 0, 1);
    q = question(&m, "x.example", 1);
    putptr(&m, q);
    put16(&m, 1);
    put16(&m, 3); /* CH */
    put32(&m, 60);
    put16(&m, 4);
    put32(&m, 1);
    a_rr(&m, q, 60, 5);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_names, 1);
    assert_int_equal(ans.n_addrs, 0);
    /* a label holding a dot: followed by the chain, no text form */
    header(&m, QR, 1, 1, 0, 0);
    q = m.n;
    put8(&m, 3);
    put8(&m, 'a');
    put8(&m, '.');
    put8(&m, 'b');
    putname(&m, "example");
    qtail(&m);
    a_rr(&m, q, 60, 6);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.names[0].text_len, -1);
    assert_int_equal(ans.n_addrs, 1);
}

/* -------------------------------------------------------------- hostile */

static void build_chain(struct msg *m)
{
    header(m, QR | RD | RA, 1, 3, 0, 0);
    size_t q = question(m, "www.shop.example", 1);
    size_t t = cname_rr(m, q, 60, "edge.cdn.net");
    a_rr(m, t, 20, 1);
    a_rr(m, t, 20, 2);
}

static void test_truncations(void **state)
{
    (void)state;
    struct msg m, cut;
    build_chain(&m);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_addrs, 2);
    for (size_t n = 0; n < m.n; n++) {
        cut = m;
        cut.n = n;
        if (parse(&cut, &ans) != KG_EDNS)
            fail_msg("prefix of %zu bytes accepted", n);
    }
    assert_int_equal(kgi_dns_parse(NULL, 0, &ans), KG_EDNS);
}

static void test_pointers(void **state)
{
    (void)state;
    struct msg m;
    /* a pointer to itself */
    header(&m, QR, 1, 0, 0, 0);
    putptr(&m, 12);
    qtail(&m);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* a pointer forward (to a valid name after it) */
    header(&m, QR, 1, 0, 0, 0);
    putptr(&m, 18);
    qtail(&m);
    putname(&m, "x");
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* 12: "a", then a pointer to 12: backwards from 14, but the walk
     * comes back to it and its target is not before the previous one */
    header(&m, QR, 1, 0, 0, 0);
    labels(&m, 1, 'a', true);
    putptr(&m, 12);
    qtail(&m);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* answer owner: ptr -> ptr -> name, each strictly earlier: fine */
    header(&m, QR, 1, 1, 0, 0);
    size_t q = question(&m, "ok.example", 1);
    size_t p1 = m.n;
    putptr(&m, q);
    rrfix(&m, 16, 1, 0); /* a TXT with an empty RDATA, owner ptr -> q */
    m.b[7] = 2;          /* two answers */
    putptr(&m, p1);
    rrfix(&m, 1, 1, 4);
    put32(&m, 0x01020304);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_addrs, 1);
    /* the pointer's second byte missing */
    header(&m, QR, 1, 0, 0, 0);
    put8(&m, 0xC0);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
}

static void test_names(void **state)
{
    (void)state;
    struct msg m;
    /* 127 one-octet labels: 254 octets + the root = 255, the maximum */
    header(&m, QR, 1, 0, 0, 0);
    labels(&m, 127, 'a', false);
    qtail(&m);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.names[0].text_len, 253);
    /* one label more: 257 */
    header(&m, QR, 1, 0, 0, 0);
    labels(&m, 128, 'a', false);
    qtail(&m);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* the same length reached through pointers */
    header(&m, QR, 1, 0, 0, 0);
    size_t first = m.n;
    labels(&m, 100, 'b', false);
    qtail(&m);
    m.b[7] = 1; /* one answer whose owner is 30 labels + the question */
    labels(&m, 30, 'c', true);
    putptr(&m, first);
    rrfix(&m, 1, 1, 4);
    put32(&m, 0);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* reserved label types 01 and 10 */
    for (unsigned t = 0x40; t <= 0x80; t += 0x40) {
        header(&m, QR, 1, 0, 0, 0);
        put8(&m, t | 1);
        put8(&m, 'a');
        put8(&m, 0);
        qtail(&m);
        assert_int_equal(parse(&m, &ans), KG_EDNS);
    }
    /* the root name as the question: well formed, no text */
    header(&m, QR, 1, 0, 0, 0);
    put8(&m, 0);
    qtail(&m);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.names[0].text_len, -1);
}

static void test_records(void **state)
{
    (void)state;
    struct msg m;
    size_t q;
    /* A with 5 octets, AAAA with 4 */
    static const unsigned bad[][2] = {{1, 5}, {1, 3}, {28, 4}, {28, 17}};
    for (size_t i = 0; i < 4; i++) {
        one_answer(&m, bad[i][0], bad[i][1]);
        for (unsigned k = 0; k < bad[i][1]; k++)
            put8(&m, 0);
        assert_int_equal(parse(&m, &ans), KG_EDNS);
    }
    /* a CNAME whose RDATA has a byte after the name */
    one_answer(&m, 5, 4);
    putname(&m, "y");
    put8(&m, 0);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* an RDATA length past the end */
    one_answer(&m, 16, 100);
    assert_int_equal(parse(&m, &ans), KG_EDNS);
    /* headers: a query, truncated (TC), two questions, none */
    static const unsigned flags[] = {0, QR | 0x0200, QR, QR};
    static const unsigned qd[] = {1, 1, 2, 0};
    for (size_t i = 0; i < 4; i++) {
        header(&m, flags[i], qd[i], 1, 0, 0);
        q = question(&m, "x.example", 1);
        if (qd[i] == 2)
            question(&m, "y.example", 1);
        a_rr(&m, q, 1, 1);
        assert_int_equal(parse(&m, &ans), KG_EDNS);
    }
}

static void test_many_addresses(void **state)
{
    (void)state;
    struct msg m;
    header(&m, QR, 1, 300, 0, 0);
    size_t q = question(&m, "big.example", 1);
    for (int i = 0; i < 300; i++)
        a_rr(&m, q, 30, (uint8_t)i);
    assert_int_equal(parse(&m, &ans), 0);
    assert_int_equal(ans.n_addrs, KGI_DNS_ADDRS_MAX);
    assert_int_equal(ans.dropped, 300 - KGI_DNS_ADDRS_MAX);
}

/* Random corruption of valid messages: any answer is KG_EDNS or a
 * consistent parse, never a crash or an over-read (under ASan). */
static void test_corruption(void **state)
{
    (void)state;
    struct msg base, m;
    build_chain(&base);
    unsigned seed = 1035;
    for (int round = 0; round < 20000; round++) {
        m = base;
        int flips = 1 + rand_r(&seed) % 4;
        for (int f = 0; f < flips; f++)
            m.b[(size_t)rand_r(&seed) % m.n] = (uint8_t)rand_r(&seed);
        if (rand_r(&seed) % 4 == 0)
            m.n = (size_t)rand_r(&seed) % (m.n + 1);
        int rc = parse(&m, &ans);
        assert_true(rc == 0 || rc == KG_EDNS);
        if (rc)
            continue;
        assert_true(ans.n_names <= KGI_DNS_CHAIN_MAX);
        assert_true(ans.n_addrs <= KGI_DNS_ADDRS_MAX);
        for (size_t i = 0; i < ans.n_names; i++) {
            assert_true(ans.names[i].text_len <= KGI_NAME_MAX);
            if (ans.names[i].text_len >= 0)
                assert_int_equal(strlen(ans.names[i].text),
                                 ans.names[i].text_len);
        }
        for (size_t a = 0; a < ans.n_addrs; a++)
            assert_true(ans.addrs[a].owner < ans.n_names);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a),
        cmocka_unit_test(test_aaaa),
        cmocka_unit_test(test_cname_chain),
        cmocka_unit_test(test_cname_loop_and_limit),
        cmocka_unit_test(test_nothing_learnt),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_many_addresses),
        cmocka_unit_test(test_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
