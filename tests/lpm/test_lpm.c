// SPDX-License-Identifier: MIT
/*
 * test_lpm.c - tests of the IPv4/IPv6 longest-prefix-match tables.
 *
 * Edge cases in the style of DPDK's test_lpm (/0, /32, /128, the lengths
 * around the trie's level boundaries, nesting, duplicates), then differential
 * runs against a binary trie that always tells the truth: random tables of
 * several shapes, and a full BGP view (the real one named by the environment
 * variable KGRESS_BGP_TABLE when present, and a synthetic one with the same
 * length distribution always), each with millions of seeded random keys.
 * Allocation failure is injected at every N through util/alloc.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#ifdef KGRESS_HAVE_ZLIB
#include <zlib.h>
#endif

#include "lpm/lpm.h"
#include "lpm/lpm_trie.h"
#include "util/alloc.h"

/* ---- deterministic random numbers (xorshift64*) ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
    rng_state = s * 0x9E3779B97F4A7C15ull + 1;
}

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- reference: a binary trie over 128-bit keys ---- */

struct ref_node {
    uint32_t child[2]; /* 0: none (node 0 is the root) */
    uint32_t value;    /* KGI_LPM_NONE: no prefix ends here */
};

struct ref {
    struct ref_node *n;
    size_t count, cap;
};

static int bit_at(const uint8_t *key, unsigned i)
{
    return key[i / 8] >> (7 - i % 8) & 1;
}

static void ref_init(struct ref *r)
{
    r->cap = 1024;
    r->n = malloc(r->cap * sizeof *r->n);
    assert_non_null(r->n);
    r->count = 1;
    r->n[0] = (struct ref_node){{0, 0}, KGI_LPM_NONE};
}

static void ref_insert(struct ref *r, const uint8_t *key, unsigned len,
                       uint32_t value)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < len; i++) {
        int b = bit_at(key, i);
        if (!r->n[x].child[b]) {
            if (r->count == r->cap) {
                r->cap *= 2;
                r->n = realloc(r->n, r->cap * sizeof *r->n);
                assert_non_null(r->n);
            }
            r->n[r->count] = (struct ref_node){{0, 0}, KGI_LPM_NONE};
            r->n[x].child[b] = (uint32_t)r->count++;
        }
        x = r->n[x].child[b];
    }
    r->n[x].value = value; /* the last insertion wins */
}

static uint32_t ref_lookup(const struct ref *r, const uint8_t *key,
                           unsigned bits)
{
    uint32_t x = 0, best = r->n[0].value;
    for (unsigned i = 0; i < bits; i++) {
        x = r->n[x].child[bit_at(key, i)];
        if (!x)
            break;
        if (r->n[x].value != KGI_LPM_NONE)
            best = r->n[x].value;
    }
    return best;
}

static void ref_free(struct ref *r)
{
    free(r->n);
}

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        fail_msg("bad address %s", s);
    return ntohl(a.s_addr);
}

static void ip6(const char *s, uint8_t out[16])
{
    if (inet_pton(AF_INET6, s, out) != 1)
        fail_msg("bad address %s", s);
}

/* ---- edge cases, table-driven ---- */

struct pfx_text {
    const char *cidr;
    uint32_t value;
};

struct query_text {
    const char *addr;
    uint32_t expect;
};

#define MAXE 8
#define MAXQ 12
#define NONE KGI_LPM_NONE

struct edge_case {
    const char *name;
    struct pfx_text pfx[MAXE];
    struct query_text q[MAXQ];
};

static const struct edge_case edge4[] = {
    {"empty table",
     {{NULL, 0}},
     {{"0.0.0.0", NONE}, {"255.255.255.255", NONE}, {"10.1.2.3", NONE}}},
    {"/0 default",
     {{"0.0.0.0/0", 7}},
     {{"0.0.0.0", 7}, {"255.255.255.255", 7}, {"1.2.3.4", 7}}},
    {"/0 with host bits", {{"9.9.9.9/0", 3}}, {{"200.0.0.1", 3}}},
    {"/1 halves",
     {{"0.0.0.0/1", 1}, {"128.0.0.0/1", 2}},
     {{"127.255.255.255", 1},
      {"128.0.0.0", 2},
      {"0.0.0.0", 1},
      {"255.255.255.255", 2}}},
    {"/7 /8 /9",
     {{"10.0.0.0/7", 7}, {"10.0.0.0/8", 8}, {"10.128.0.0/9", 9}},
     {{"11.0.0.0", 7},
      {"10.0.0.0", 8},
      {"10.127.255.255", 8},
      {"10.128.0.0", 9},
      {"9.255.255.255", NONE},
      {"12.0.0.0", NONE}}},
    {"/15 /16 /17 around the top level",
     {{"172.16.0.0/15", 15}, {"172.16.0.0/16", 16}, {"172.17.128.0/17", 17}},
     {{"172.16.255.255", 16},
      {"172.17.0.0", 15},
      {"172.17.127.255", 15},
      {"172.17.128.0", 17},
      {"172.18.0.0", NONE}}},
    {"/17 /18 /19 at the top-level boundary",
     {{"100.64.0.0/17", 17}, {"100.64.0.0/18", 18}, {"100.64.64.0/19", 19}},
     {{"100.64.63.255", 18},
      {"100.64.64.0", 19},
      {"100.64.96.0", 17},
      {"100.64.127.255", 17},
      {"100.64.128.0", NONE}}},
    {"/23 /24 /25",
     {{"192.168.0.0/23", 23}, {"192.168.1.0/24", 24}, {"192.168.1.128/25", 25}},
     {{"192.168.0.0", 23},
      {"192.168.0.255", 23},
      {"192.168.1.0", 24},
      {"192.168.1.127", 24},
      {"192.168.1.128", 25},
      {"192.168.1.255", 25},
      {"192.168.2.0", NONE}}},
    {"/29 /30 /31 /32 in the last level",
     {{"1.2.3.0/29", 29},
      {"1.2.3.4/30", 30},
      {"1.2.3.6/31", 31},
      {"1.2.3.7/32", 32}},
     {{"1.2.3.0", 29},
      {"1.2.3.3", 29},
      {"1.2.3.4", 30},
      {"1.2.3.5", 30},
      {"1.2.3.6", 31},
      {"1.2.3.7", 32},
      {"1.2.3.8", NONE}}},
    {"/32 alone and at the extremes",
     {{"0.0.0.0/32", 1}, {"255.255.255.255/32", 2}, {"8.8.8.8/32", 3}},
     {{"0.0.0.0", 1},
      {"0.0.0.1", NONE},
      {"255.255.255.255", 2},
      {"255.255.255.254", NONE},
      {"8.8.8.8", 3},
      {"8.8.8.9", NONE},
      {"8.8.8.7", NONE}}},
    {"nested chain /0../32",
     {{"0.0.0.0/0", 0},
      {"10.0.0.0/8", 8},
      {"10.1.0.0/16", 16},
      {"10.1.1.0/24", 24},
      {"10.1.1.1/32", 32}},
     {{"10.1.1.1", 32},
      {"10.1.1.2", 24},
      {"10.1.2.1", 16},
      {"10.2.0.0", 8},
      {"11.0.0.0", 0}}},
    {"duplicates: the last wins, host bits ignored",
     {{"10.0.0.0/8", 1},
      {"10.0.0.0/8", 2},
      {"10.9.9.9/8", 3},
      {"10.1.1.0/24", 4},
      {"10.1.1.77/24", 5}},
     {{"10.200.0.0", 3}, {"10.1.1.1", 5}}},
    {"largest value",
     {{"1.0.0.0/8", KGI_LPM_MAX_VALUE - 1}, {"2.0.0.0/31", 0}},
     {{"1.1.1.1", KGI_LPM_MAX_VALUE - 1}, {"2.0.0.1", 0}, {"2.0.0.2", NONE}}},
    {"largest 2-byte leaf (0xfffe + 1), below and above the top level",
     {{"30.0.0.0/8", 0xfffe}, {"30.1.2.0/24", 0xfffd}, {"30.1.2.3/32", 0}},
     {{"30.9.9.9", 0xfffe},
      {"30.1.2.4", 0xfffd},
      {"30.1.2.3", 0},
      {"31.0.0.0", NONE}}},
    {"smallest 4-byte leaf (0xffff + 1)",
     {{"30.0.0.0/8", 0xffff}, {"30.1.2.0/24", 0xfffe}, {"30.1.2.3/32", 1}},
     {{"30.9.9.9", 0xffff},
      {"30.1.2.4", 0xfffe},
      {"30.1.2.3", 1},
      {"29.255.255.255", NONE}}},
    {"siblings with equal values (leaf runs)",
     {{"20.0.0.0/24", 5},
      {"20.0.1.0/24", 5},
      {"20.0.3.0/24", 5},
      {"20.0.2.128/25", 6}},
     {{"20.0.0.9", 5},
      {"20.0.1.9", 5},
      {"20.0.2.9", NONE},
      {"20.0.2.200", 6},
      {"20.0.3.9", 5},
      {"20.0.4.0", NONE}}},
};

static const struct edge_case edge6[] = {
    {"empty table",
     {{NULL, 0}},
     {{"::", NONE}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NONE}}},
    {"::/0 default",
     {{"::/0", 9}},
     {{"::", 9}, {"2001:db8::1", 9}, {"ffff::ffff", 9}}},
    {"/15 /16 /17 at the top level",
     {{"2000::/15", 15}, {"2001::/16", 16}, {"2001:8000::/17", 17}},
     {{"2000:1::", 15},
      {"2001::1", 16},
      {"2001:7fff::", 16},
      {"2001:8000::", 17},
      {"2002::", NONE}}},
    {"/32 /48 /64",
     {{"2001:db8::/32", 32},
      {"2001:db8:1::/48", 48},
      {"2001:db8:1:2::/64", 64}},
     {{"2001:db8::", 32},
      {"2001:db8:1::", 48},
      {"2001:db8:1:2::5", 64},
      {"2001:db8:1:3::", 48},
      {"2001:db8:2::", 32},
      {"2001:db9::", NONE}}},
    {"/63 /64 /65 across the halves",
     {{"2001:db8:0:2::/63", 63},
      {"2001:db8:0:2::/64", 64},
      {"2001:db8:0:3:8000::/65", 65}},
     {{"2001:db8:0:2:ffff::", 64},
      {"2001:db8:0:3::", 63},
      {"2001:db8:0:3:7fff:ffff:ffff:ffff", 63},
      {"2001:db8:0:3:8000::", 65},
      {"2001:db8:0:4::", NONE}}},
    {"/127 /128",
     {{"2001:db8::/127", 127},
      {"2001:db8::1/128", 128},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 1}},
     {{"2001:db8::", 127},
      {"2001:db8::1", 128},
      {"2001:db8::2", NONE},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", NONE}}},
    {"/124 /125 at the last (4-bit) level",
     {{"2001:db8::10/124", 124}, {"2001:db8::18/125", 125}},
     {{"2001:db8::10", 124},
      {"2001:db8::17", 124},
      {"2001:db8::18", 125},
      {"2001:db8::1f", 125},
      {"2001:db8::20", NONE},
      {"2001:db8::f", NONE}}},
    {"duplicates: the last wins, host bits ignored",
     {{"2001:db8::/32", 1}, {"2001:db8:ffff::/32", 2}, {"2001:db8::/32", 3}},
     {{"2001:db8:1234::", 3}}},
    {"nested chain",
     {{"::/0", 0},
      {"2000::/3", 3},
      {"2001::/16", 16},
      {"2001:db8::/32", 32},
      {"2001:db8::/96", 96},
      {"2001:db8::1/128", 128}},
     {{"2001:db8::1", 128},
      {"2001:db8::2", 96},
      {"2001:db8::1:0:0", 32},
      {"2001:1::", 16},
      {"3000::", 3},
      {"4000::", 0}}},
};

static size_t parse_case4(const struct edge_case *c, struct kgi_lpm4_entry *e)
{
    size_t n = 0;
    for (; n < MAXE && c->pfx[n].cidr; n++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", c->pfx[n].cidr);
        char *sl = strchr(buf, '/');
        assert_non_null(sl);
        *sl = 0;
        e[n].addr = ip4(buf);
        e[n].len = (uint8_t)atoi(sl + 1);
        e[n].value = c->pfx[n].value;
    }
    return n;
}

static size_t parse_case6(const struct edge_case *c, struct kgi_lpm6_entry *e)
{
    size_t n = 0;
    for (; n < MAXE && c->pfx[n].cidr; n++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", c->pfx[n].cidr);
        char *sl = strchr(buf, '/');
        assert_non_null(sl);
        *sl = 0;
        ip6(buf, e[n].addr);
        e[n].len = (uint8_t)atoi(sl + 1);
        e[n].value = c->pfx[n].value;
    }
    return n;
}

static void test_edge4(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof edge4 / sizeof edge4[0]; i++) {
        const struct edge_case *c = &edge4[i];
        struct kgi_lpm4_entry e[MAXE];
        size_t n = parse_case4(c, e);
        struct kgi_lpm4 *t = NULL;
        assert_int_equal(kgi_lpm4_build(n ? e : NULL, n, &t), 0);
        for (size_t q = 0; q < MAXQ && c->q[q].addr; q++) {
            uint32_t a = ip4(c->q[q].addr), got = kgi_lpm4_lookup(t, a), b;
            if (got != c->q[q].expect)
                fail_msg("case '%s': %s -> %u, expected %u", c->name,
                         c->q[q].addr, got, c->q[q].expect);
            kgi_lpm4_lookup_batch(t, &a, &b, 1);
            assert_int_equal(b, got);
        }
        assert_true(kgi_lpm4_memory(t) > 0);
        kgi_lpm4_free(t);
    }
}

static void test_edge6(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof edge6 / sizeof edge6[0]; i++) {
        const struct edge_case *c = &edge6[i];
        struct kgi_lpm6_entry e[MAXE];
        size_t n = parse_case6(c, e);
        struct kgi_lpm6 *t = NULL;
        assert_int_equal(kgi_lpm6_build(n ? e : NULL, n, &t), 0);
        for (size_t q = 0; q < MAXQ && c->q[q].addr; q++) {
            uint8_t a[1][16];
            ip6(c->q[q].addr, a[0]);
            uint32_t got = kgi_lpm6_lookup(t, a[0]), b;
            if (got != c->q[q].expect)
                fail_msg("case '%s': %s -> %u, expected %u", c->name,
                         c->q[q].addr, got, c->q[q].expect);
            kgi_lpm6_lookup_batch(t, (const uint8_t(*)[16])a, &b, 1);
            assert_int_equal(b, got);
        }
        assert_true(kgi_lpm6_memory(t) > 0);
        kgi_lpm6_free(t);
    }
}

static void test_bad_args(void **state)
{
    (void)state;
    struct kgi_lpm4 *t4 = NULL;
    struct kgi_lpm6 *t6 = NULL;
    struct kgi_lpm4_entry e4 = {0x0a000000, 33, 1};
    struct kgi_lpm6_entry e6 = {{0x20, 0x01}, 129, 1};
    assert_int_equal(kgi_lpm4_build(&e4, 1, &t4), -1);
    assert_null(t4);
    assert_int_equal(kgi_lpm6_build(&e6, 1, &t6), -1);
    assert_null(t6);
    e4.len = 8;
    e6.len = 16;
    e4.value = e6.value = KGI_LPM_MAX_VALUE;
    assert_int_equal(kgi_lpm4_build(&e4, 1, &t4), -1);
    assert_int_equal(kgi_lpm6_build(&e6, 1, &t6), -1);
    e4.value = e6.value = 1;
    assert_int_equal(kgi_lpm4_build(&e4, 1, NULL), -1);
    assert_int_equal(kgi_lpm6_build(&e6, 1, NULL), -1);
    assert_int_equal(kgi_lpm4_build(NULL, 1, &t4), -1);
    assert_int_equal(kgi_lpm6_build(NULL, 1, &t6), -1);
    kgi_lpm4_free(NULL);
    kgi_lpm6_free(NULL);
}

/* ---- table generators ---- */

/* IPv4 prefix length histogram of a full BGP view (lengths 8..32). */
static const uint32_t hist_bgp4[33] = {
    0,      0,     0,      0,    0,    0,     0,    0,     16,    13,    38,
    103,    299,   581,    1203, 2100, 13490, 8235, 13798, 24870, 42611, 50750,
    108623, 96510, 537698, 20,   3,    11,    18,   17,    3,     3,     886};
/* IPv6: the common lengths of a full view, with rough weights. */
static const uint32_t hist_bgp6[129] = {
    [16] = 20,   [19] = 60,    [20] = 150,   [24] = 200,   [28] = 600,
    [29] = 3000, [30] = 900,   [32] = 25000, [33] = 700,   [34] = 800,
    [35] = 600,  [36] = 4000,  [40] = 12000, [44] = 11000, [46] = 3000,
    [47] = 3500, [48] = 90000, [56] = 300,   [64] = 400};

static unsigned draw_len(const uint32_t *hist, unsigned maxlen)
{
    uint64_t tot = 0;
    for (unsigned i = 0; i <= maxlen; i++)
        tot += hist[i];
    uint64_t r = rng() % tot;
    unsigned len = 0;
    while (r >= hist[len])
        r -= hist[len++];
    return len;
}

enum shape {
    SHAPE_UNIFORM,   /* lengths uniform over 0..max */
    SHAPE_BOUNDARY,  /* lengths around the level boundaries */
    SHAPE_CLUSTERED, /* deep prefixes crowded into a few blocks */
    SHAPE_BGP,       /* a full-view length distribution */
};

static unsigned shape_len(enum shape s, unsigned maxlen)
{
    static const unsigned b4[] = {0,  1,  7,  8,  9,  15, 16, 17, 18,
                                  19, 23, 24, 25, 29, 30, 31, 32};
    static const unsigned b6[] = {0,   1,   15,  16,  17,  21, 22,  23,
                                  57,  58,  59,  63,  64,  65, 117, 118,
                                  119, 123, 124, 125, 127, 128};
    switch (s) {
    case SHAPE_UNIFORM:
        return (unsigned)(rng() % (maxlen + 1));
    case SHAPE_BOUNDARY:
        return maxlen == 32 ? b4[rng() % (sizeof b4 / sizeof b4[0])]
                            : b6[rng() % (sizeof b6 / sizeof b6[0])];
    case SHAPE_CLUSTERED:
        return maxlen / 2 + (unsigned)(rng() % (maxlen / 2 + 1));
    case SHAPE_BGP:
        return draw_len(maxlen == 32 ? hist_bgp4 : hist_bgp6, maxlen);
    }
    return 0;
}

/* Random keys: in the cluster blocks for SHAPE_CLUSTERED so that they share
 * deep paths. Host bits are left random on purpose. */
static void random_key(enum shape s, unsigned bytes, uint8_t *key)
{
    for (unsigned i = 0; i < bytes; i++)
        key[i] = (uint8_t)rng();
    if (s == SHAPE_CLUSTERED) {
        unsigned fixed =
            bytes / 2 - 1; /* 8 of 32 / 56 of 128 bits fixed: 4 blocks */
        memset(key, 0x5a, fixed);
        key[fixed] = (uint8_t)(key[fixed] & 0x03);
    } else if (bytes == 16 && s == SHAPE_BGP) {
        key[0] = (uint8_t)(0x20 | (key[0] & 0x1f));
    }
}

/* A key inside prefix (key, len), host bits random; every 8th is the first
 * or last address, and every 16th one past the end. */
static void key_inside(const uint8_t *pfx, unsigned len, unsigned bytes,
                       uint8_t *key)
{
    uint64_t mode = rng() % 16;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bit0 = i * 8;
        uint8_t r = mode == 0 ? 0 : mode == 1 ? 0xff : (uint8_t)rng();
        if (bit0 + 8 <= len) {
            key[i] = pfx[i];
        } else if (bit0 >= len) {
            key[i] = r;
        } else {
            uint8_t m = (uint8_t)(0xff << (8 - (len - bit0)));
            key[i] = (uint8_t)((pfx[i] & m) | (r & ~m));
        }
    }
    if (mode == 2) { /* one past the last address */
        for (int i = (int)bytes - 1; i >= 0; i--) {
            unsigned bit0 = (unsigned)i * 8;
            uint8_t m = bit0 + 8 <= len ? 0
                        : bit0 >= len   ? 0xff
                                        : (uint8_t)(0xff >> (len - bit0));
            key[i] = (uint8_t)(key[i] | m);
        }
        for (int i = (int)bytes - 1; i >= 0 && ++key[i] == 0; i--)
            ;
    }
}

/* ---- differential driver ---- */

struct table {
    unsigned bytes; /* 4 or 16 */
    size_t n;
    uint8_t (*key)[16];
    uint8_t *len;
    uint32_t *value;
};

static void table_alloc(struct table *t, unsigned bytes, size_t n)
{
    t->bytes = bytes;
    t->n = n;
    t->key = calloc(n ? n : 1, sizeof *t->key);
    t->len = calloc(n ? n : 1, 1);
    t->value = calloc(n ? n : 1, sizeof *t->value);
    assert_true(t->key && t->len && t->value);
}

static void table_free(struct table *t)
{
    free(t->key);
    free(t->len);
    free(t->value);
}

/* Values of a random table: few (repeats exercise leaf runs; 2-byte leaves),
 * or up to the largest 2-byte leaf, or over the whole range (4-byte
 * leaves). */
enum values { VALUES_FEW, VALUES_16BIT, VALUES_WIDE };
static enum values table_values = VALUES_FEW;

static uint32_t random_value(void)
{
    switch (table_values) {
    case VALUES_16BIT: /* value + 1 <= 0xffff: the largest 2-byte leaf */
        return rng() % 4 ? (uint32_t)(rng() % 100) : 0xfffe;
    case VALUES_WIDE:
        return rng() % 4 ? (uint32_t)(rng() % 100)
                         : (uint32_t)(rng() % KGI_LPM_MAX_VALUE);
    case VALUES_FEW:
        break;
    }
    return (uint32_t)(rng() % 1000);
}

static void table_random(struct table *t, unsigned bytes, size_t n,
                         enum shape s)
{
    table_alloc(t, bytes, n);
    for (size_t i = 0; i < n; i++) {
        random_key(s, bytes, t->key[i]);
        t->len[i] = (uint8_t)shape_len(s, bytes * 8);
        t->value[i] = random_value();
        if (i &&
            rng() % 50 == 0) { /* a duplicate (addr, len) with another value */
            memcpy(t->key[i], t->key[i - 1], 16);
            t->len[i] = t->len[i - 1];
        }
    }
}

/* Puts a table in preorder (address, then length; equal pairs keep their
 * order), as the policy compiler hands prefixes over: the build's
 * already-sorted path. */
static const struct table *sort_tb;
static uint8_t (*sort_key)[16]; /* the keys with host bits cleared */

static int sort_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    int c = memcmp(sort_key[a], sort_key[b], 16);
    if (c)
        return c;
    if (sort_tb->len[a] != sort_tb->len[b])
        return sort_tb->len[a] < sort_tb->len[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void table_sort(struct table *t)
{
    size_t *ix = malloc((t->n ? t->n : 1) * sizeof *ix);
    sort_key = calloc(t->n ? t->n : 1, 16);
    struct table c;
    table_alloc(&c, t->bytes, t->n);
    assert_true(ix && sort_key);
    for (size_t i = 0; i < t->n; i++) {
        ix[i] = i;
        for (unsigned j = 0; j < 16; j++) {
            unsigned bit0 = j * 8, len = t->len[i];
            uint8_t m = bit0 + 8 <= len ? 0xff
                        : bit0 >= len   ? 0
                                        : (uint8_t)(0xff << (8 - (len - bit0)));
            sort_key[i][j] = (uint8_t)(t->key[i][j] & m);
        }
    }
    sort_tb = t;
    qsort(ix, t->n, sizeof *ix, sort_cmp);
    for (size_t i = 0; i < t->n; i++) {
        memcpy(c.key[i], t->key[ix[i]], 16);
        c.len[i] = t->len[ix[i]];
        c.value[i] = t->value[ix[i]];
    }
    table_free(t);
    *t = c;
    free(ix);
    free(sort_key);
}

/* Checks nkeys keys (half random, half inside installed prefixes) scalar and
 * batch against the reference. */
static void differential(const struct table *tb, size_t nkeys, uint64_t seed)
{
    struct ref r;
    ref_init(&r);
    struct kgi_lpm4 *t4 = NULL;
    struct kgi_lpm6 *t6 = NULL;
    if (tb->bytes == 4) {
        struct kgi_lpm4_entry *e = malloc((tb->n ? tb->n : 1) * sizeof *e);
        assert_non_null(e);
        for (size_t i = 0; i < tb->n; i++) {
            e[i].addr = (uint32_t)tb->key[i][0] << 24 |
                        (uint32_t)tb->key[i][1] << 16 |
                        (uint32_t)tb->key[i][2] << 8 | tb->key[i][3];
            e[i].len = tb->len[i];
            e[i].value = tb->value[i];
            ref_insert(&r, tb->key[i], tb->len[i], tb->value[i]);
        }
        assert_int_equal(kgi_lpm4_build(e, tb->n, &t4), 0);
        free(e);
    } else {
        struct kgi_lpm6_entry *e = malloc((tb->n ? tb->n : 1) * sizeof *e);
        assert_non_null(e);
        for (size_t i = 0; i < tb->n; i++) {
            memcpy(e[i].addr, tb->key[i], 16);
            e[i].len = tb->len[i];
            e[i].value = tb->value[i];
            ref_insert(&r, tb->key[i], tb->len[i], tb->value[i]);
        }
        assert_int_equal(kgi_lpm6_build(e, tb->n, &t6), 0);
        free(e);
    }

    enum { CHUNK = 4096 };
    static uint8_t keys[CHUNK][16];
    static uint32_t k4[CHUNK], got[CHUNK];
    rng_seed(seed);
    for (size_t done = 0; done < nkeys; done += CHUNK) {
        size_t m = nkeys - done < CHUNK ? nkeys - done : CHUNK;
        for (size_t i = 0; i < m; i++) {
            if (tb->n && rng() % 2) {
                size_t j = (size_t)(rng() % tb->n);
                key_inside(tb->key[j], tb->len[j], tb->bytes, keys[i]);
            } else {
                random_key(SHAPE_UNIFORM, tb->bytes, keys[i]);
            }
            if (tb->bytes == 4)
                k4[i] = (uint32_t)keys[i][0] << 24 |
                        (uint32_t)keys[i][1] << 16 | (uint32_t)keys[i][2] << 8 |
                        keys[i][3];
        }
        if (t4)
            kgi_lpm4_lookup_batch(t4, k4, got, m);
        else
            kgi_lpm6_lookup_batch(t6, (const uint8_t(*)[16])keys, got, m);
        for (size_t i = 0; i < m; i++) {
            uint32_t want = ref_lookup(&r, keys[i], tb->bytes * 8);
            uint32_t one =
                t4 ? kgi_lpm4_lookup(t4, k4[i]) : kgi_lpm6_lookup(t6, keys[i]);
            if (one != want || got[i] != want) {
                char s[64];
                inet_ntop(tb->bytes == 4 ? AF_INET : AF_INET6, keys[i], s,
                          sizeof s);
                fail_msg(
                    "key %s: lookup %u, batch %u, reference %u (table of %zu)",
                    s, one, got[i], want, tb->n);
            }
        }
    }
    kgi_lpm4_free(t4);
    kgi_lpm6_free(t6);
    ref_free(&r);
}

static void test_random_tables(void **state)
{
    (void)state;
    static const struct {
        unsigned bytes;
        size_t n;
        enum shape shape;
        size_t keys;
        enum values values;
    } runs[] = {
        {4, 1, SHAPE_UNIFORM, 20000, VALUES_FEW},
        {4, 10, SHAPE_UNIFORM, 50000, VALUES_FEW},
        {4, 1000, SHAPE_UNIFORM, 200000, VALUES_FEW},
        {4, 20000, SHAPE_BOUNDARY, 300000, VALUES_FEW},
        {4, 20000, SHAPE_CLUSTERED, 300000, VALUES_FEW},
        {4, 50000, SHAPE_BGP, 300000, VALUES_FEW},
        {4, 20000, SHAPE_BOUNDARY, 200000, VALUES_16BIT},
        {4, 20000, SHAPE_BOUNDARY, 200000, VALUES_WIDE},
        {4, 20000, SHAPE_CLUSTERED, 200000, VALUES_WIDE},
        {16, 1, SHAPE_UNIFORM, 20000, VALUES_FEW},
        {16, 1000, SHAPE_UNIFORM, 200000, VALUES_FEW},
        {16, 20000, SHAPE_BOUNDARY, 300000, VALUES_FEW},
        {16, 20000, SHAPE_CLUSTERED, 300000, VALUES_FEW},
        {16, 20000, SHAPE_BGP, 300000, VALUES_FEW},
        {16, 20000, SHAPE_BOUNDARY, 200000, VALUES_16BIT},
        {16, 20000, SHAPE_BOUNDARY, 200000, VALUES_WIDE},
        {16, 20000, SHAPE_CLUSTERED, 200000, VALUES_WIDE},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct table tb;
        rng_seed(1000 + i);
        table_values = runs[i].values;
        table_random(&tb, runs[i].bytes, runs[i].n, runs[i].shape);
        table_values = VALUES_FEW;
        differential(&tb, runs[i].keys, 2000 + i);
        /* and the walk compiled without POPCNT */
        kgi_lpm_test_baseline(1);
        differential(&tb, runs[i].keys / 4, 3000 + i);
        kgi_lpm_test_baseline(0);
        /* and the input in preorder already (no sort in the build) */
        table_sort(&tb);
        differential(&tb, runs[i].keys / 4, 4000 + i);
        table_free(&tb);
    }
}

/* ---- full view: real when KGRESS_BGP_TABLE names it, synthetic always ---- */

static int load_bgp(const char *path, struct table *v4, struct table *v6)
{
#ifdef KGRESS_HAVE_ZLIB
    gzFile f = gzopen(path, "r");
    if (!f)
        return -1;
    size_t cap4 = 1 << 20, cap6 = 1 << 18;
    table_alloc(v4, 4, cap4);
    table_alloc(v6, 16, cap6);
    v4->n = v6->n = 0;
    char line[256];
    while (gzgets(f, line, sizeof line)) {
        char *sl = strchr(line, '/');
        if (!sl)
            continue;
        *sl = 0;
        int len = atoi(sl + 1);
        struct table *t = strchr(line, ':') ? v6 : v4;
        size_t *cap = t == v6 ? &cap6 : &cap4;
        if (t->n == *cap) {
            *cap *= 2;
            t->key = realloc(t->key, *cap * sizeof *t->key);
            t->len = realloc(t->len, *cap);
            t->value = realloc(t->value, *cap * sizeof *t->value);
            assert_true(t->key && t->len && t->value);
        }
        if (inet_pton(t == v6 ? AF_INET6 : AF_INET, line, t->key[t->n]) != 1)
            continue;
        t->len[t->n] = (uint8_t)len;
        t->value[t->n] = (uint32_t)(t->n & 0xffffff);
        t->n++;
    }
    gzclose(f);
    return 0;
#else
    (void)path;
    (void)v4;
    (void)v6;
    return -1;
#endif
}

static void test_bgp_real(void **state)
{
    (void)state;
    const char *path = getenv("KGRESS_BGP_TABLE");
    struct table v4, v6;
    if (!path || !*path || load_bgp(path, &v4, &v6) < 0) {
        print_message(
            "KGRESS_BGP_TABLE unset or unreadable (or no zlib): skipped\n");
        skip();
        return;
    }
    print_message("real table: %zu IPv4, %zu IPv6 prefixes\n", v4.n, v6.n);
    assert_true(v4.n > 100000 && v6.n > 10000);
    differential(&v4, 2000000, 77);
    differential(&v6, 1000000, 78);
    table_free(&v4);
    table_free(&v6);
}

static void test_bgp_synthetic(void **state)
{
    (void)state;
    struct table tb;
    rng_seed(4242);
    table_random(&tb, 4, 900000, SHAPE_BGP);
    differential(&tb, 2000000, 4243);
    table_free(&tb);
    rng_seed(4244);
    table_random(&tb, 16, 160000, SHAPE_BGP);
    differential(&tb, 1000000, 4245);
    table_free(&tb);
}

/* ---- the batch calls at every length around their pipeline depths ---- */

static void test_batch_lengths(void **state)
{
    (void)state;
    static const size_t lens[] = {0,  1,  2,  7,  8,  9,   15, 16,
                                  17, 31, 32, 33, 64, 100, 257};
    struct table tb4, tb6;
    rng_seed(7);
    table_random(&tb4, 4, 5000, SHAPE_BOUNDARY);
    table_random(&tb6, 16, 5000, SHAPE_BOUNDARY);
    struct kgi_lpm4_entry *e4 = malloc(tb4.n * sizeof *e4);
    struct kgi_lpm6_entry *e6 = malloc(tb6.n * sizeof *e6);
    assert_true(e4 && e6);
    for (size_t i = 0; i < tb4.n; i++) {
        e4[i].addr = (uint32_t)tb4.key[i][0] << 24 |
                     (uint32_t)tb4.key[i][1] << 16 |
                     (uint32_t)tb4.key[i][2] << 8 | tb4.key[i][3];
        e4[i].len = tb4.len[i];
        e4[i].value = tb4.value[i];
        memcpy(e6[i].addr, tb6.key[i], 16);
        e6[i].len = tb6.len[i];
        e6[i].value = tb6.value[i];
    }
    struct kgi_lpm4 *t4 = NULL;
    struct kgi_lpm6 *t6 = NULL;
    assert_int_equal(kgi_lpm4_build(e4, tb4.n, &t4), 0);
    assert_int_equal(kgi_lpm6_build(e6, tb6.n, &t6), 0);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t n = lens[li];
        uint32_t k4[257], got[258];
        uint8_t k6[257][16];
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(rng() % tb4.n);
            key_inside(tb4.key[j], tb4.len[j], 4, k6[i]);
            k4[i] = (uint32_t)k6[i][0] << 24 | (uint32_t)k6[i][1] << 16 |
                    (uint32_t)k6[i][2] << 8 | k6[i][3];
        }
        got[n] = 0xdeadbeef; /* the batch writes exactly n values */
        kgi_lpm4_lookup_batch(t4, k4, got, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(got[i], kgi_lpm4_lookup(t4, k4[i]));
        assert_int_equal(got[n], 0xdeadbeef);
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(rng() % tb6.n);
            key_inside(tb6.key[j], tb6.len[j], 16, k6[i]);
        }
        kgi_lpm6_lookup_batch(t6, (const uint8_t(*)[16])k6, got, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(got[i], kgi_lpm6_lookup(t6, k6[i]));
        assert_int_equal(got[n], 0xdeadbeef);
    }
    kgi_lpm4_free(t4);
    kgi_lpm6_free(t6);
    free(e4);
    free(e6);
    table_free(&tb4);
    table_free(&tb6);
}

/* ---- allocation failure at every N ---- */

static void test_alloc_failure(void **state)
{
    (void)state;
    struct table tb4, tb6;
    rng_seed(99);
    table_random(&tb4, 4, 3000, SHAPE_BOUNDARY);
    table_random(&tb6, 16, 3000, SHAPE_BGP);
    struct kgi_lpm4_entry *e4 = malloc(tb4.n * sizeof *e4);
    struct kgi_lpm6_entry *e6 = malloc(tb6.n * sizeof *e6);
    assert_true(e4 && e6);
    for (size_t i = 0; i < tb4.n; i++) {
        e4[i].addr = (uint32_t)tb4.key[i][0] << 24 |
                     (uint32_t)tb4.key[i][1] << 16 |
                     (uint32_t)tb4.key[i][2] << 8 | tb4.key[i][3];
        e4[i].len = tb4.len[i];
        e4[i].value = tb4.value[i];
    }
    for (size_t i = 0; i < tb6.n; i++) {
        memcpy(e6[i].addr, tb6.key[i], 16);
        e6[i].len = tb6.len[i];
        e6[i].value = tb6.value[i];
    }
    struct kgi_lpm4 *ok4 = NULL;
    struct kgi_lpm6 *ok6 = NULL;
    kgi_alloc_fail_after(-1);
    assert_int_equal(kgi_lpm4_build(e4, tb4.n, &ok4), 0);
    assert_int_equal(kgi_lpm6_build(e6, tb6.n, &ok6), 0);

    for (int fam = 0; fam < 2; fam++) {
        int succeeded = 0;
        for (long n = 0; n < 10000 && !succeeded; n++) {
            kgi_alloc_fail_after(n);
            struct kgi_lpm4 *t4 = NULL;
            struct kgi_lpm6 *t6 = NULL;
            int rc = fam ? kgi_lpm6_build(e6, tb6.n, &t6)
                         : kgi_lpm4_build(e4, tb4.n, &t4);
            kgi_alloc_fail_after(-1);
            if (rc < 0) {
                assert_null(t4);
                assert_null(t6);
                continue;
            }
            succeeded = 1;
            /* A build that survived failed trims must still answer right. */
            for (int q = 0; q < 20000; q++) {
                uint8_t key[16];
                random_key(SHAPE_UNIFORM, 16, key);
                if (fam) {
                    assert_int_equal(kgi_lpm6_lookup(t6, key),
                                     kgi_lpm6_lookup(ok6, key));
                } else {
                    uint32_t a = (uint32_t)rng();
                    assert_int_equal(kgi_lpm4_lookup(t4, a),
                                     kgi_lpm4_lookup(ok4, a));
                }
            }
            kgi_lpm4_free(t4);
            kgi_lpm6_free(t6);
        }
        assert_true(succeeded);
    }
    kgi_lpm4_free(ok4);
    kgi_lpm6_free(ok6);
    free(e4);
    free(e6);
    table_free(&tb4);
    table_free(&tb6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge4),
        cmocka_unit_test(test_edge6),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_batch_lengths),
        cmocka_unit_test(test_random_tables),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_bgp_synthetic),
        cmocka_unit_test(test_bgp_real),
    };
    return cmocka_run_group_tests_name("lpm", tests, NULL, NULL);
}
